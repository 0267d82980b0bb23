import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import type { Chunk } from '../../src/input/chunker.js';
import type { ChunkConfig, ChunkResult } from '../../src/rows/chunk.js';
import type * as Options from '../../src/options.js';
import type * as Pipeline from '../../src/pipeline.js';
import type * as Reports from '../../src/report.js';
import type * as Pool from '../../src/rows/pool.js';
import { tempDir } from '../helpers/temp.js';

// The built modules: worker threads load dist/rows/worker.js next to them (npm test builds first).
const built = (path: string): Promise<unknown> => import(new URL(`../../dist/${path}`, import.meta.url).href);
const { InlineRunner, WorkerPool } = (await built('rows/pool.js')) as typeof Pool;

const RULES = { defaultCountry: 'us', defaultCurrency: 'USD', timeZone: undefined, dateOrder: 'mdy', todayYmd: '2026-11-28', keepRejectValues: false } as const;

function config(scan: boolean): ChunkConfig {
  return { kind: 'ndjson', file: 'orders.ndjson', delimiter: ',', columnFields: [], maxRecordBytes: 1 << 20, rules: { ...RULES }, renames: [], scan };
}

/** NDJSON chunks of 50 lines each: orders over several lines, some rows refused (no timestamp). */
function chunks(count: number): Chunk[] {
  return Array.from({ length: count }, (_, index) => {
    const lines = Array.from({ length: 50 }, (_, k) => {
      const n = index * 50 + k;
      return JSON.stringify({ order_id: `O-${Math.floor(n / 3)}`, email: `U${n % 7}@Example.com`, timestamp: n % 13 === 0 ? '' : '2026-11-27T10:00:00Z', value: `${n}.5` });
    });
    return { bytes: Buffer.from(`${lines.join('\n')}\n`), startLine: index * 50 + 1, index };
  });
}

async function results(runner: Pool.ChunkRunner, input: Chunk[], stopAfter = Infinity): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const result of runner.run((async function* () { yield* input; })())) {
    const { lease: _lease, ...rest } = result as ChunkResult;
    out.push(rest);
    if (out.length >= stopAfter) break;
  }
  await runner.close();
  return out;
}

describe('a WorkerPool', () => {
  it('serves a prescan and then a second pass with the same threads, each as the main thread would', async () => {
    const input = chunks(12);
    const pool = new WorkerPool(2);
    try {
      expect(pool.threadIds).toEqual([]);
      const scan = await results(pool.runner(config(true)), input);
      const ids = pool.threadIds;
      expect(ids).toHaveLength(2);
      expect(scan).toEqual(await results(new InlineRunner(config(true)), input));
      expect((scan[0] as ChunkResult).runs).toBeDefined();

      const rows = await results(pool.runner(config(false)), input);
      expect(pool.threadIds).toEqual(ids);
      expect(rows).toEqual(await results(new InlineRunner(config(false)), input));
      expect((rows[0] as ChunkResult).items.some((item) => typeof item === 'string')).toBe(true);
    } finally {
      await pool.close();
    }
    expect(pool.threadIds).toEqual([]);
  });

  it('gives the next pass its own results when a pass stops with chunks in flight', async () => {
    const input = chunks(12);
    const pool = new WorkerPool(2);
    try {
      // An abandoned prescan: 4 chunks are in flight when the reader stops after the first result.
      expect(await results(pool.runner(config(true)), input, 1)).toHaveLength(1);
      expect(await results(pool.runner(config(false)), input)).toEqual(await results(new InlineRunner(config(false)), input));
    } finally {
      await pool.close();
    }
  });

  it('fails the chunks sent to a worker that died, rather than wait for them', async () => {
    const pool = new WorkerPool(2);
    try {
      // A configuration the worker cannot use: its ChunkProcessor throws, and the thread dies.
      const broken = { ...config(false), rules: undefined } as unknown as ChunkConfig;
      await expect(results(pool.runner(broken), chunks(6))).rejects.toThrow(/worker thread failed/);
      // Both threads are gone by now: a chunk sent to one would never come back.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await expect(results(pool.runner(config(false)), chunks(2))).rejects.toThrow(/worker thread failed/);
    } finally {
      await pool.close();
    }
  });
});

describe('the pipeline', () => {
  it('closes its worker threads once the input is read, before the spill groups what it holds', async () => {
    const { buildEvents } = (await built('pipeline.js')) as typeof Pipeline;
    const { resolveSendOptions } = (await built('options.js')) as typeof Options;
    const { Report } = (await built('report.js')) as typeof Reports;
    // Orders scattered over the input, far more than may stay open: most are spilled, and grouped
    // (in worker threads of the spill's own) after the input ends. Piped input goes to workers whatever its size.
    const lines = Array.from({ length: 6_000 }, (_, n) =>
      JSON.stringify({ order_id: `O-${(n * 7) % 2_000}`, email: `u${n % 50}@example.com`, timestamp: '2026-11-27T10:00:00Z', currency: 'USD', price: '2.50', quantity: 1 }));
    const close = vi.spyOn(WorkerPool.prototype, 'close');
    try {
      const options = resolveSendOptions({ dryRun: true, now: '2026-11-28T00:00:00Z', quiet: true, threads: 2, maxOpenOrders: 100 });
      const report = new Report();
      const closedAtGrouping: number[] = [];
      let events = 0;
      for await (const batch of buildEvents(options, report, { stdin: Readable.from([Buffer.from(`${lines.join('\n')}\n`)]) })) {
        events += batch.length;
        if (report.phase === 'grouping') closedAtGrouping.push(close.mock.calls.length);
      }
      expect(events).toBe(2_000);
      expect(closedAtGrouping.length).toBeGreaterThan(0);
      expect(closedAtGrouping[0]).toBeGreaterThan(0);
    } finally {
      close.mockRestore();
    }
  });
});

describe('which files go to worker threads', () => {
  it('a file of 9 MiB when sending, not for the upload CSV (below 32 MiB) unless workerMinBytes says so', async () => {
    const { buildEvents } = (await built('pipeline.js')) as typeof Pipeline;
    const { resolveCsvOptions, resolveSendOptions } = (await built('options.js')) as typeof Options;
    const { Report } = (await built('report.js')) as typeof Reports;
    const path = join(tempDir('pinconv-pool-'), 'orders.csv');
    const rows = Array.from({ length: 160_000 }, (_, n) => `O-${n},user${n % 977}@example.com,2026-11-27T10:00:00Z,USD,${n % 300}.50`);
    writeFileSync(path, `order_id,email,timestamp,currency,value\n${rows.join('\n')}\n`);
    expect(statSync(path).size).toBeGreaterThan(9 * 1024 * 1024);
    const runner = vi.spyOn(WorkerPool.prototype, 'runner');
    /** Whether the run handed chunks to worker threads before its first events came out. */
    const usesWorkers = async (options: Options.PipelineOptions): Promise<boolean> => {
      runner.mockClear();
      for await (const batch of buildEvents(options, new Report())) if (batch.length > 0) break;
      return runner.mock.calls.length > 0;
    };
    try {
      const common = { now: '2026-11-28T00:00:00Z', quiet: true, threads: 2, inputs: [path] };
      expect(await usesWorkers(resolveSendOptions({ ...common, dryRun: true }))).toBe(true);
      expect(await usesWorkers(resolveCsvOptions({ ...common, out: '-' }))).toBe(false);
      expect(await usesWorkers({ ...resolveCsvOptions({ ...common, out: '-' }), workerMinBytes: 0 })).toBe(true);
    } finally {
      runner.mockRestore();
    }
  });
});
