/**
 * Order runs, for the prescan of `--grouping full` (see PrescanGrouper in group.ts).
 *
 * A run is a stretch of consecutive records with the same order_id (records without one are left
 * out). The prescan reads a file once for its order ids only; an order whose id starts exactly one
 * run is complete when its run ends, so the second pass can emit it there instead of holding every
 * order until the input ends. Ids that start a second run ("multi-run" ids) take the exact path.
 *
 * Both sets are Bloom filters: memory stays fixed whatever the number of orders. A false positive
 * only sends a single-run order down the exact path; there are no false negatives, so no order is
 * ever cut in two.
 */

/** Two independent 32-bit hashes of an order id, written to out[at] and out[at + 1]. */
export function hashId(id: string, out: Uint32Array | number[], at: number): void {
  // FNV-1a over UTF-16 code units, with two offsets and a murmur3 finaliser on each.
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  out[at] = fmix(a) >>> 0;
  out[at + 1] = fmix(b ^ id.length) >>> 0;
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

const PROBES = 6;

/** A Bloom filter of 2^bits bits, probed by double hashing. */
export class BloomFilter {
  readonly words: Uint32Array;
  private readonly mask: number;

  /** `shared`: the bits live in a SharedArrayBuffer, so worker threads can read them without a copy. */
  constructor(bits: number | Uint32Array, shared = false) {
    if (typeof bits === 'number') {
      const bytes = 2 ** Math.max(bits - 3, 2);
      this.words = new Uint32Array(shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    } else {
      this.words = bits;
    }
    this.mask = this.words.length * 32 - 1;
  }

  /** Adds a key; returns whether it was (probably) present before. */
  add(h1: number, h2: number): boolean {
    let present = true;
    for (let i = 0; i < PROBES; i++) {
      const bit = (h1 + Math.imul(i, h2)) & this.mask;
      const word = bit >>> 5;
      const flag = 1 << (bit & 31);
      const old = this.words[word] as number;
      if ((old & flag) === 0) {
        present = false;
        this.words[word] = old | flag;
      }
    }
    return present;
  }

  has(h1: number, h2: number): boolean {
    for (let i = 0; i < PROBES; i++) {
      const bit = (h1 + Math.imul(i, h2)) & this.mask;
      if (((this.words[bit >>> 5] as number) & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }
}

/** What a chunk's prescan yields: the hashes of its run starts, and its first and last ids. */
export interface ChunkRuns {
  /** Pairs of hashes (hashId), one pair per run that starts in the chunk. */
  hashes: Uint32Array;
  /** The id of the chunk's first run, so a run that crosses a chunk boundary counts once. */
  first: string | undefined;
  last: string | undefined;
}

/** Collects the runs of one chunk, in record order (used where the records are parsed). */
export class ChunkRunCollector {
  private readonly hashes: number[] = [];
  private first: string | undefined;
  private last: string | undefined;

  add(id: string | undefined): void {
    if (id === undefined || id === this.last) return;
    if (this.last === undefined) this.first = id;
    this.last = id;
    hashId(id, this.hashes, this.hashes.length);
  }

  result(): ChunkRuns {
    return { hashes: Uint32Array.from(this.hashes), first: this.first, last: this.last };
  }
}

/** Sizes of the filters: about 4 bits of the first per input byte, within 1 MiB … 16 MiB. */
export function filterBits(inputBytes: number): number {
  const bits = Math.ceil(Math.log2(Math.max(inputBytes, 1) * 4));
  return Math.min(Math.max(bits, 23), 27);
}

const HOPELESS_AFTER_RUNS = 50_000;

/**
 * Puts the chunks' runs together, in input order: ids seen before (first filter) go into the
 * multi-run filter, which is what the second pass consults.
 */
export class RunIndex {
  private seen: BloomFilter | undefined;
  readonly multi: BloomFilter;
  private last: string | undefined;
  /** Runs counted, and runs whose id had been seen before (true repeats and false positives). */
  runs = 0;
  repeats = 0;
  /** The scan stopped early: most orders come back later (see hopeless()). */
  abandoned = false;

  constructor(inputBytes: number) {
    const bits = filterBits(inputBytes);
    this.seen = new BloomFilter(bits);
    // Multi-run ids are usually few; when they are many, most orders take the exact path anyway.
    this.multi = new BloomFilter(bits - 2, true);
  }

  addChunk(chunk: ChunkRuns): void {
    const { hashes } = chunk;
    let i = 0;
    if (chunk.first !== undefined && chunk.first === this.last) i = 2;
    for (; i < hashes.length; i += 2) {
      const h1 = hashes[i] as number;
      const h2 = hashes[i + 1] as number;
      this.runs++;
      if (this.seen?.add(h1, h2) ?? true) {
        this.repeats++;
        this.multi.add(h1, h2);
      }
    }
    if (chunk.last !== undefined) this.last = chunk.last;
  }

  /**
   * Whether most orders so far come back later (an item export with scattered orders): then
   * nearly every order would be held anyway, and the rest of the scan is not worth reading.
   */
  hopeless(): boolean {
    return this.runs >= HOPELESS_AFTER_RUNS && this.repeats * 2 > this.runs;
  }

  /** The scan is over: the first filter is no longer needed. */
  scanned(): void {
    this.seen = undefined;
  }

  /** Whether an order id may start more than one run (false: it certainly starts one at most). */
  mayRepeat(id: string): boolean {
    return mayRepeat(this.multi, id);
  }
}

/** What the second pass asks of a prescan. */
export interface RepeatTest {
  mayRepeat(id: string): boolean;
}

const scratch = new Uint32Array(2);

function mayRepeat(filter: BloomFilter, id: string): boolean {
  hashId(id, scratch, 0);
  return filter.has(scratch[0] as number, scratch[1] as number);
}

/** The multi-run filter of a RunIndex, rebuilt from its (shared) words in a worker thread. */
export function repeatTest(words: Uint32Array): RepeatTest {
  const filter = new BloomFilter(words);
  return { mayRepeat: (id) => mayRepeat(filter, id) };
}
