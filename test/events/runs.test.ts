import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkRunCollector, COUNT_UNKNOWN, filterBits, hashId, RowCounts, RunIndex } from '../../src/events/runs.js';

/** The prescan's view of chunks of order ids (undefined: a row without one). */
function chunkRuns(chunks: Array<Array<string | undefined>>) {
  return chunks.map((ids) => {
    const collector = new ChunkRunCollector();
    for (const id of ids) collector.add(id);
    return collector.result();
  });
}

describe('RowCounts', () => {
  it('never counts fewer rows than an id has, and exactly when the sketch is roomy', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 1, max: 6 })), { maxLength: 300 }), fc.integer({ min: 4, max: 16 }), (adds, bits) => {
        const counts = new RowCounts(bits);
        const truth = new Map<string, number>();
        const h = new Uint32Array(2);
        for (const [n, rows] of adds) {
          const id = `O-${n}`;
          truth.set(id, (truth.get(id) ?? 0) + rows);
          hashId(id, h, 0);
          counts.add(h[0] as number, h[1] as number, rows);
        }
        for (const [id, rows] of truth) {
          hashId(id, h, 0);
          const counted = counts.count(h[0] as number, h[1] as number);
          if (counted !== COUNT_UNKNOWN) expect(counted).toBeGreaterThanOrEqual(rows);
          if (bits === 16 && truth.size <= 20 && rows < COUNT_UNKNOWN) expect(counted).toBe(rows);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('RowCounts conservative update', () => {
  it('inflates less than raising every counter, and never undercounts', () => {
    const bits = 11; // 2^11 counters for 600 ids: crowded
    const counts = new RowCounts(bits);
    const plain = new Uint8Array(2 ** bits);
    const probes = (h1: number, h2: number) => [0, 1, 2, 3].map((i) => (h1 + Math.imul(i, h2)) & (2 ** bits - 1));
    const truth = new Map<string, number>();
    const h = new Uint32Array(2);
    for (let k = 0; k < 1500; k++) {
      const id = `O-${(k * 7919) % 600}`;
      const rows = 1 + (k % 3);
      truth.set(id, (truth.get(id) ?? 0) + rows);
      hashId(id, h, 0);
      counts.add(h[0] as number, h[1] as number, rows);
      for (const at of probes(h[0] as number, h[1] as number)) plain[at] = Math.min(COUNT_UNKNOWN, (plain[at] as number) + rows);
    }
    let inflated = 0;
    let inflatedPlain = 0;
    for (const [id, rows] of truth) {
      if (rows >= COUNT_UNKNOWN) continue;
      hashId(id, h, 0);
      const counted = counts.count(h[0] as number, h[1] as number);
      expect(counted).toBeGreaterThanOrEqual(rows);
      if (counted !== rows) inflated++;
      if (Math.min(...probes(h[0] as number, h[1] as number).map((at) => plain[at] as number)) !== rows) inflatedPlain++;
    }
    expect(inflatedPlain).toBeGreaterThan(20);
    // 68 against 133 here.
    expect(inflated * 3).toBeLessThan(inflatedPlain * 2);
  });
});

describe('RunIndex', () => {
  it('counts the rows of runs that cross a chunk boundary once, and their start once', () => {
    const index = new RunIndex(1_000_000);
    for (const chunk of chunkRuns([['A', 'A', 'B'], ['B', 'B', undefined, 'A'], ['A']])) index.addChunk(chunk);
    expect(index.rowsAtLeast('A')).toBe(4);
    expect(index.rowsAtLeast('B')).toBe(3);
    expect(index.runs).toBe(3);
    expect(index.repeats).toBe(1);
    expect(index.mayRepeat('A')).toBe(true);
    expect(index.mayRepeat('B')).toBe(false);
  });

  it('gives up when most runs repeat an id of an earlier chunk, not when orders interleave inside chunks', () => {
    const interleaved = new RunIndex(100_000_000);
    const scattered = new RunIndex(100_000_000);
    for (let c = 0; c < 400; c++) {
      // 100 orders per chunk, each in three runs: A B A B A B … inside the chunk.
      const local: string[] = [];
      for (let i = 0; i < 50; i++) for (let r = 0; r < 3; r++) local.push(`L${c}-${2 * i}`, `L${c}-${2 * i + 1}`);
      for (const chunk of chunkRuns([local])) interleaved.addChunk(chunk);
      // The same 100 orders in every chunk.
      const far = Array.from({ length: 200 }, (_, i) => `F-${i % 100}`);
      for (const chunk of chunkRuns([far])) scattered.addChunk(chunk);
    }
    expect(interleaved.repeats * 3).toBe(interleaved.runs * 2);
    expect(interleaved.hopeless()).toBe(false);
    expect(scattered.hopeless()).toBe(true);
  });
});

describe('RunIndex multi-run filter', () => {
  /** 3,000 ids, every third of them in two runs far apart. */
  function scan(index: RunIndex): void {
    const ids = Array.from({ length: 3000 }, (_, i) => `O-${i}`);
    const again = ids.filter((_, i) => i % 3 === 0);
    for (const chunk of chunkRuns([ids.slice(0, 1500), ids.slice(1500), again])) index.addChunk(chunk);
    index.scanned();
  }

  it('is sized by the repeated runs, and finds every one of them', () => {
    for (const index of [new RunIndex(100_000_000), new RunIndex(100_000_000, 64)]) {
      scan(index);
      expect(index.repeats).toBe(1000);
      for (let i = 0; i < 3000; i += 3) expect(index.mayRepeat(`O-${i}`)).toBe(true);
      let falsePositives = 0;
      for (let i = 1; i < 3000; i += 3) if (index.mayRepeat(`O-${i}`)) falsePositives++;
      expect(falsePositives).toBeLessThan(20);
    }
    const sized = new RunIndex(100_000_000);
    scan(sized);
    // 1,000 repeats need 16,000 bits: the least filter, 2^16 bits, against 2^22 for a 100 MB input
    // (a quarter of its filter of ids seen).
    expect(sized.multi.words.length * 32).toBe(2 ** 16);
    const full = new RunIndex(100_000_000, 64);
    scan(full);
    expect(full.multi.words.length * 32).toBe(2 ** 22);
  });

  it('the filter of ids seen takes a bit per 8 input bytes (a power of two), 1 to 16 MiB', () => {
    expect(filterBits(158_600_000)).toBe(25);
    expect(filterBits(100_000_000)).toBe(24);
    expect(filterBits(1_000)).toBe(23);
    expect(filterBits(1_600_000_000)).toBe(27);
  });
});
