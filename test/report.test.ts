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

  it('says where a stop came: while reading, after the whole input was read, or at --limit', () => {
    const stopped = (set: (r: Report) => void): string | undefined => {
      const report = new Report();
      set(report);
      return report.summary().split('\n').find((line) => line.startsWith('  stopped:'));
    };
    expect(stopped(() => undefined)).toBeUndefined();
    expect(stopped((r) => {
      r.interrupted = true;
      r.rowsExcludedByStop = 7;
    })).toBe('  stopped:  interrupted: reading stopped there (7 rows of orders still open count as excluded)');
    expect(stopped((r) => {
      r.interrupted = true;
      r.readSeconds = 3.5;
    })).toBe('  stopped:  interrupted after the whole input was read');
    expect(stopped((r) => {
      r.stoppedAtLimit = true;
      r.events.built = 10;
    })).toBe('  stopped:  --limit reached after 10 events: reading stopped there');
  });
});
