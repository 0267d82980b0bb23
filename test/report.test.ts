import { afterEach, describe, expect, it, vi } from 'vitest';
import { Report } from '../src/report.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('the summary', () => {
  it('gives a run under a second in hundredths, a longer one in tenths', () => {
    vi.useFakeTimers({ now: new Date('2026-11-28T00:00:00Z') });
    const report = new Report();
    report.command = 'csv';
    report.rows.read = 16;
    vi.setSystemTime(new Date('2026-11-28T00:00:00.038Z'));
    expect(report.summary().split('\n')[0]).toBe('pinconv csv: 16 rows read in 0.04 s (421 rows/s)');
    vi.setSystemTime(new Date('2026-11-28T00:00:12.340Z'));
    expect(report.summary().split('\n')[0]).toBe('pinconv csv: 16 rows read in 12.3 s (1 rows/s)');
  });
});
