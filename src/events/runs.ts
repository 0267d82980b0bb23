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
 *
 * The prescan also counts each id's rows, in a count-min sketch (RowCounts): a count is never below
 * the true one. A worker that sees, inside its chunk, as many rows of a multi-run id as the sketch
 * counts has seen them all, and settles the order there (events/chunk-group.ts): item exports,
 * whose orders are interleaved with their neighbours, then hold only the orders that cross a chunk
 * boundary or come back from far away.
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
  /** The rows of each run. */
  lengths: Uint32Array;
  /** The id of the chunk's first run, so a run that crosses a chunk boundary counts once. */
  first: string | undefined;
  last: string | undefined;
}

/** Collects the runs of one chunk, in record order (used where the records are parsed). */
export class ChunkRunCollector {
  private readonly hashes: number[] = [];
  private readonly lengths: number[] = [];
  private first: string | undefined;
  private last: string | undefined;

  add(id: string | undefined): void {
    if (id === undefined) return;
    if (id === this.last) {
      const last = this.lengths.length - 1;
      this.lengths[last] = (this.lengths[last] as number) + 1;
      return;
    }
    if (this.last === undefined) this.first = id;
    this.last = id;
    hashId(id, this.hashes, this.hashes.length);
    this.lengths.push(1);
  }

  result(): ChunkRuns {
    return { hashes: Uint32Array.from(this.hashes), lengths: Uint32Array.from(this.lengths), first: this.first, last: this.last };
  }
}

const COUNT_PROBES = 4;
/** A counter at this value is saturated: the id has at least this many rows, maybe more. */
export const COUNT_UNKNOWN = 15;

/**
 * Rows per order id, as a count-min sketch of 4-bit counters (two to a byte): an id's count is the
 * least of its counters, never below its true number of rows (collisions only add), and
 * COUNT_UNKNOWN once a counter saturates; such an order is held like an order the count cannot tell.
 */
export class RowCounts {
  readonly counters: Uint8Array;
  private readonly mask: number;

  /** `shared`: the counters live in a SharedArrayBuffer, so worker threads can read them without a copy. */
  constructor(counterBits: number | Uint8Array, shared = false) {
    if (typeof counterBits === 'number') {
      const bytes = 2 ** (Math.max(counterBits, 2) - 1);
      this.counters = new Uint8Array(shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    } else {
      this.counters = counterBits;
    }
    this.mask = this.counters.length * 2 - 1;
  }

  private get(at: number): number {
    const byte = this.counters[at >>> 1] as number;
    return at & 1 ? byte >>> 4 : byte & 0x0f;
  }

  /**
   * Adds an id's rows by conservative update: its count becomes the least of its counters plus
   * `rows`, and only the counters below that are raised. Still never below the truth, as long as
   * adds come one at a time (RunIndex adds in input order, in the main thread); on the bench's
   * exports it inflates 3 to 4 times fewer counts than raising every counter.
   */
  add(h1: number, h2: number, rows: number): void {
    const value = Math.min(COUNT_UNKNOWN, this.count(h1, h2) + rows);
    for (let i = 0; i < COUNT_PROBES; i++) {
      const at = (h1 + Math.imul(i, h2)) & this.mask;
      if (this.get(at) >= value) continue;
      const byte = this.counters[at >>> 1] as number;
      this.counters[at >>> 1] = at & 1 ? (byte & 0x0f) | (value << 4) : (byte & 0xf0) | value;
    }
  }

  count(h1: number, h2: number): number {
    let least = COUNT_UNKNOWN;
    for (let i = 0; i < COUNT_PROBES; i++) least = Math.min(least, this.get((h1 + Math.imul(i, h2)) & this.mask));
    return least;
  }
}

/**
 * Size of the filter of ids seen: at least a bit per 8 input bytes (a power of two), within 1 MiB …
 * 16 MiB (the multi-run filter is at most a quarter of it). The bench's order export has an id per
 * 160 bytes: 4 MiB at 1M rows, 33 bits per id, a false positive about one id in 50,000 (6 probes),
 * and 16 MiB at 10M rows (as before), 13 bits per id, about one in 400. It was 4
 * bits per byte (16 MiB at 1M rows): the main thread's addChunk then spent most of its time on cache
 * misses (microbenchmark of 1M ids: 243-276 ms against 116-125 ms). A false positive costs little:
 * its id goes into the multi-run filter, and a worker still settles its order once it holds the
 * rows the sketch counts (one), as it does for any order that stays within a chunk.
 */
export function filterBits(inputBytes: number): number {
  const bits = Math.ceil(Math.log2(Math.max(inputBytes, 1) / 8));
  return Math.min(Math.max(bits, 23), 27);
}

/**
 * Counters of the row-count sketch (4 bits each): about one per 64 input bytes, 2^20 … 2^24 (512 KiB …
 * 8 MiB). The bench's item export has an id per ~1,200 bytes, its order export one per ~160. With
 * conservative updates (RowCounts.add), at 1M rows the count of about one repeated order id in 25
 * is inflated on the order export (2 MiB), and 23 of
 * 265,511 on the item export (4 MiB); at 10M rows (8 MiB), by a simulation at 1M rows with the same
 * load, about one in three and one in 25: such orders wait for the end of the input.
 */
export function counterBits(inputBytes: number): number {
  const bits = Math.ceil(Math.log2(Math.max(inputBytes, 1) / 64));
  return Math.min(Math.max(bits, 20), 24);
}

const HOPELESS_AFTER_RUNS = 50_000;
/** Repeated runs whose hashes are kept (8 bytes each) before the multi-run filter is made at full size. */
const MAX_PENDING_RUNS = 1 << 20;

/**
 * Puts the chunks' runs together, in input order: ids seen before (first filter) go into the
 * multi-run filter, which is what the second pass consults.
 */
export class RunIndex {
  private seen: BloomFilter | undefined;
  private multiFilter: BloomFilter | undefined;
  /** The largest multi-run filter, for an input of this size. */
  private readonly multiBits: number;
  /** Hash pairs of repeated runs, until the multi-run filter is made (see multi). */
  private pending: Uint32Array | undefined = new Uint32Array(2 * 1024);
  private pendingLength = 0;
  /** Rows per id. */
  readonly counts: RowCounts;
  private last: string | undefined;
  /** Runs counted, and runs whose id had been seen before (true repeats and false positives). */
  runs = 0;
  repeats = 0;
  /** Repeats whose id was seen in an earlier chunk: their orders cannot be settled inside one chunk. */
  remoteRepeats = 0;
  /** The scan stopped early: most orders come back later (see hopeless()). */
  abandoned = false;

  /** `maxPendingRuns`: tests make the multi-run filter at full size sooner. */
  constructor(inputBytes: number, private readonly maxPendingRuns = MAX_PENDING_RUNS) {
    const bits = filterBits(inputBytes);
    this.seen = new BloomFilter(bits);
    this.multiBits = bits - 2;
    this.counts = new RowCounts(counterBits(inputBytes), true);
  }

  /**
   * The filter of multi-run ids, sized by their number once the scan is over (about 16 bits per
   * repeated run): an order export repeats few ids, and its filter takes kilobytes, not the 4 MiB the
   * input's size allows. Past MAX_PENDING_RUNS repeats it is made at that size at once.
   */
  get multi(): BloomFilter {
    if (this.multiFilter === undefined) this.makeMulti(Math.min(this.multiBits, Math.max(16, Math.ceil(Math.log2(this.pendingLength * 8)))));
    return this.multiFilter as BloomFilter;
  }

  private makeMulti(bits: number): void {
    const filter = new BloomFilter(bits, true);
    const pending = this.pending as Uint32Array;
    for (let i = 0; i < this.pendingLength; i += 2) filter.add(pending[i] as number, pending[i + 1] as number);
    this.multiFilter = filter;
    this.pending = undefined;
    this.pendingLength = 0;
  }

  private addMulti(h1: number, h2: number): void {
    if (this.multiFilter === undefined && this.pendingLength >= 2 * this.maxPendingRuns) this.makeMulti(this.multiBits);
    if (this.multiFilter !== undefined) {
      this.multiFilter.add(h1, h2);
      return;
    }
    let pending = this.pending as Uint32Array;
    if (this.pendingLength === pending.length) {
      const grown = new Uint32Array(2 * pending.length);
      grown.set(pending);
      this.pending = pending = grown;
    }
    pending[this.pendingLength++] = h1;
    pending[this.pendingLength++] = h2;
  }

  addChunk(chunk: ChunkRuns): void {
    const { hashes, lengths } = chunk;
    // The chunk's first run may go on from the previous chunk's last: its rows count, its start does not.
    const from = chunk.first !== undefined && chunk.first === this.last ? 2 : 0;
    for (let i = 0; i < hashes.length; i += 2) this.counts.add(hashes[i] as number, hashes[i + 1] as number, lengths[i / 2] as number);
    for (let i = from; i < hashes.length; i += 2) {
      if (this.seen?.has(hashes[i] as number, hashes[i + 1] as number) ?? true) this.remoteRepeats++;
    }
    for (let i = from; i < hashes.length; i += 2) {
      const h1 = hashes[i] as number;
      const h2 = hashes[i + 1] as number;
      this.runs++;
      if (this.seen?.add(h1, h2) ?? true) {
        this.repeats++;
        this.addMulti(h1, h2);
      }
    }
    if (chunk.last !== undefined) this.last = chunk.last;
  }

  /**
   * Whether most orders so far come back from an earlier chunk (scattered orders): then nearly every
   * order would be held anyway, and the rest of the scan is not worth reading. Orders interleaved
   * inside a chunk do not count: workers settle them (events/chunk-group.ts).
   */
  hopeless(): boolean {
    return this.runs >= HOPELESS_AFTER_RUNS && this.remoteRepeats * 2 > this.runs;
  }

  /** The scan is over: the first filter is no longer needed, and the multi-run filter can be sized. */
  scanned(): void {
    this.seen = undefined;
    void this.multi;
  }

  /** Whether an order id may start more than one run (false: it certainly starts one at most). */
  mayRepeat(id: string): boolean {
    return mayRepeat(this.multi, id);
  }

  rowsAtLeast(id: string): number {
    return rowsAtLeast(this.counts, id);
  }
}

/** What the second pass asks of a prescan. */
export interface RepeatTest {
  mayRepeat(id: string): boolean;
  /** The id's rows in the whole input, or more (never fewer); COUNT_UNKNOWN when saturated. */
  rowsAtLeast(id: string): number;
}

const scratch = new Uint32Array(2);

function mayRepeat(filter: BloomFilter, id: string): boolean {
  hashId(id, scratch, 0);
  return filter.has(scratch[0] as number, scratch[1] as number);
}

function rowsAtLeast(counts: RowCounts, id: string): number {
  hashId(id, scratch, 0);
  return counts.count(scratch[0] as number, scratch[1] as number);
}

/** The multi-run filter and row counts of a RunIndex, rebuilt from their (shared) memory in a worker thread. */
export function repeatTest(words: Uint32Array, counters: Uint8Array): RepeatTest {
  const filter = new BloomFilter(words);
  const counts = new RowCounts(counters);
  return { mayRepeat: (id) => mayRepeat(filter, id), rowsAtLeast: (id) => rowsAtLeast(counts, id) };
}
