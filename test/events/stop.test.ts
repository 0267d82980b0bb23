import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { resolveSendOptions } from '../../src/options.js';
import { buildEvents } from '../../src/pipeline.js';
import type { ConversionEvent } from '../../src/pinterest/contract.js';
import { Report } from '../../src/report.js';
import { NOW } from '../helpers/pipeline.js';
import { tempDir } from '../helpers/temp.js';

const HEADER = 'order_id,email,timestamp,currency,price,quantity\n';

/**
 * Order SPLIT has a row at the start and one at the end; filler orders of one row each lie between,
 * over many small chunks.
 */
function splitOrderCsv(): string {
  let text = HEADER + 'SPLIT,split@example.com,2026-11-27T01:00:00Z,USD,100,1\n';
  for (let i = 0; i < 3000; i++) text += `F-${i},f${i}@example.com,2026-11-27T02:00:00Z,USD,1.${i % 100},1\n`;
  return text + 'SPLIT,split@example.com,2026-11-27T03:00:00Z,USD,900,1\n';
}

/** Runs the pipeline on a file in small chunks and stops (as Ctrl-C does) once `afterRows` rows are read. */
async function runStopped(prescan: 'on' | 'off', afterRows: number) {
  const path = join(tempDir('pinconv-stop-'), 'orders.csv');
  writeFileSync(path, splitOrderCsv());
  const options = resolveSendOptions({ dryRun: true, now: NOW, quiet: true, threads: 1, inputs: [path], prescan });
  options.chunkBytes = 4096;
  const report = new Report();
  const events: ConversionEvent[] = [];
  for await (const batch of buildEvents(options, report, { stopped: () => report.rows.read >= afterRows })) {
    events.push(...batch.map((e) => JSON.parse(e.json) as ConversionEvent));
  }
  return { events, report };
}

describe('a stop while reading (Ctrl-C)', () => {
  for (const prescan of ['on', 'off'] as const) {
    it(`does not finish orders still open, and counts their rows as excluded (--prescan ${prescan})`, async () => {
      const { events, report } = await runStopped(prescan, 500);
      // Reading stopped long before SPLIT's second row (line 3003).
      expect(report.rows.read).toBeGreaterThanOrEqual(500);
      expect(report.rows.read).toBeLessThan(3002);
      expect(events.find((e) => e.custom_data.order_id === 'SPLIT')).toBeUndefined();
      expect(report.interrupted).toBe(true);
      expect(report.rowsExcludedByStop).toBeGreaterThan(0);
      expect(report.rows.inEvents + report.rows.rejected + report.rows.excluded).toBe(report.rows.read);
      expect(report.rows.inEvents).toBe(events.length);
      // With a prescan, the orders already complete left as they were read; without one, every order was still open.
      if (prescan === 'on') expect(events.length).toBeGreaterThan(0);
      else expect(events).toEqual([]);
      expect(report.summary()).toMatch(/stopped: {2}interrupted: reading stopped there \(\d+ rows of orders still open count as excluded\)/);
      expect(report.toJSON()).toMatchObject({ interrupted: true });
    });
  }

  it('a stop ends a read that waits on a pipe gone quiet (the signal destroys the input)', async () => {
    // stdin gets SPLIT's first row and the filler, then nothing: no end, no more bytes.
    const text = splitOrderCsv();
    const stdin = new PassThrough();
    stdin.write(text.slice(0, text.lastIndexOf('SPLIT')));
    const options = resolveSendOptions({ dryRun: true, now: NOW, quiet: true, threads: 1, inputs: ['-'] });
    const report = new Report();
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), 300);
    const events: ConversionEvent[] = [];
    for await (const batch of buildEvents(options, report, { stdin, stopped: () => stop.signal.aborted, signal: stop.signal })) {
      events.push(...batch.map((e) => JSON.parse(e.json) as ConversionEvent));
    }
    clearTimeout(timer);
    expect(report.interrupted).toBe(true);
    expect(events).toEqual([]); // without a prescan every order was still open
    expect(report.rows.read).toBe(3001);
    expect(report.rowsExcludedByStop).toBe(3001);
    expect(stdin.destroyed).toBe(true);
  }, 10_000);

  it('the signal\'s listeners go with their streams: many inputs raise no listener warning', async () => {
    const dir = tempDir('pinconv-many-');
    const inputs = Array.from({ length: 14 }, (_, i) => {
      const path = join(dir, `o${i}.csv`);
      writeFileSync(path, `${HEADER}O-${i},o${i}@example.com,2026-11-27T01:00:00Z,USD,1,1\n`);
      return path;
    });
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning.name);
    };
    process.on('warning', onWarning);
    try {
      const options = resolveSendOptions({ dryRun: true, now: NOW, quiet: true, threads: 1, inputs, prescan: 'on' });
      const stop = new AbortController();
      let events = 0;
      for await (const batch of buildEvents(options, new Report(), { stopped: () => false, signal: stop.signal })) events += batch.length;
      expect(events).toBe(14);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).toEqual([]);
  });

  it('a run that is not stopped gives SPLIT its whole value', async () => {
    const { events, report } = await runStopped('on', Number.POSITIVE_INFINITY);
    expect(report.interrupted).toBe(false);
    expect(events.find((e) => e.custom_data.order_id === 'SPLIT')?.custom_data.value).toBe('1000');
    expect(events).toHaveLength(3001);
  });
});
