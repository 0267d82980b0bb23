import { describe, expect, it } from 'vitest';
import type { Chunk } from '../../src/input/chunker.js';
import type { ChunkConfig, ChunkResult } from '../../src/rows/chunk.js';
import type * as Pool from '../../src/rows/pool.js';

// The built module: its worker threads load dist/rows/worker.js next to it (npm test builds first).
const { InlineRunner, WorkerPool } = (await import(new URL('../../dist/rows/pool.js', import.meta.url).href)) as typeof Pool;

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
