import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutputError, workerFailure } from '../errors.js';
import type { AdoptingGrouper, EncodedResult, FinishedChunk, LateReject, MemoryGrouper } from './group.js';
import { Worker } from 'node:worker_threads';
import type { EventRules, OrderState } from './order.js';
import { settlePartition, type SettledPartition } from './partition.js';
import { encodedOrderKey } from './row-format.js';
import { decodeSettled, type Settled } from './settle.js';

/**
 * Number of disk partitions once open orders exceed the memory bound. Each partition is grouped
 * in memory on its own, so at 10M single-row orders one holds ~20k orders.
 */
export const SPILL_PARTITIONS = 512;
/** Bytes a partition gathers before one write: all SPILL_PARTITIONS pend at once, 4 MiB in all. */
const WRITE_BUFFER = 8 * 1024;


/** FNV-1a: cheap and spreads order ids evenly over partitions. */
function partitionOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % SPILL_PARTITIONS;
}

/**
 * Reads a file's lines in blocks: next() is synchronous while the current block lasts, so a merge
 * over hundreds of runs does not pay an await per line.
 */
class LineReader {
  private readonly handle: Promise<import('node:fs/promises').FileHandle>;
  private lines: string[] = [];
  private at = 0;
  private rest = '';
  private done = false;
  /** Allocated on the first read, no larger than the file: most runs are small. */
  private buffer: Buffer | undefined;
  private readonly decoder = new StringDecoder('utf8');

  constructor(path: string) {
    this.handle = open(path, 'r');
  }

  /** The next line, or undefined when the block is used up (call fill()) or the file ended (exhausted). */
  next(): string | undefined {
    return this.at < this.lines.length ? this.lines[this.at++] : undefined;
  }

  get exhausted(): boolean {
    return this.done && this.at >= this.lines.length;
  }

  async fill(): Promise<void> {
    const handle = await this.handle;
    this.buffer ??= Buffer.alloc(Math.max(Math.min((await handle.stat()).size, READ_BLOCK), 1024));
    const buffer = this.buffer;
    while (!this.done && this.at >= this.lines.length) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      let text = this.rest + (bytesRead > 0 ? this.decoder.write(buffer.subarray(0, bytesRead)) : this.decoder.end());
      if (bytesRead === 0) {
        this.done = true;
        await handle.close();
        this.lines = text === '' ? [] : [text];
        this.rest = '';
      } else {
        const last = text.lastIndexOf('\n');
        this.rest = text.slice(last + 1);
        text = last < 0 ? '' : text.slice(0, last);
        this.lines = last < 0 ? [] : text.split('\n');
      }
      this.at = 0;
    }
  }

  async close(): Promise<void> {
    if (!this.done) {
      this.done = true;
      await (await this.handle).close();
    }
  }
}

// SPILL_PARTITIONS runs are read at once in the merge: 16 KiB each keeps that to 8 MiB of buffers
// (plus their lines as strings); 64 KiB made the merge the peak of the item export (93 MB of heap).
const READ_BLOCK = 16 * 1024;

/**
 * A spill file written synchronously in blocks: spill data goes to the page cache, and an
 * asynchronous stream per partition cost more in thread-pool hand-offs (futex calls dominated an
 * strace of the 300k-row run) than the writes themselves. A slow disk simply slows the reader.
 */
class SpillFile {
  readonly path: string;
  private fd: number | undefined;
  /**
   * Lines gather here as UTF-8 and go to the file in blocks: one write call per block, not per line.
   * A fixed buffer, made at the first line: pending lines kept as strings (one cons string per line)
   * lived long enough to reach the old generation, and the main thread's heap grew by 16 MB over a
   * 10M-row dry run that spilled.
   */
  private block: Buffer | undefined;
  private used = 0;

  constructor(path: string) {
    this.path = path;
    try {
      this.fd = openSync(path, 'w');
    } catch (error) {
      throw spillError(error as Error);
    }
  }

  write(line: string): void {
    // A UTF-16 unit takes at most 3 bytes of UTF-8 (a surrogate pair, 2 units, takes 4).
    const most = 3 * line.length + 1;
    if (most > WRITE_BUFFER) {
      this.flush();
      this.writeAll(Buffer.from(line + '\n'));
      return;
    }
    if (this.used + most > WRITE_BUFFER) this.flush();
    const block = (this.block ??= Buffer.allocUnsafeSlow(WRITE_BUFFER));
    this.used += block.write(line, this.used, 'utf8');
    block[this.used++] = 0x0a;
  }

  private flush(): void {
    if (this.used === 0 || this.block === undefined) return;
    this.writeAll(this.block.subarray(0, this.used));
    this.used = 0;
  }

  private writeAll(bytes: Buffer): void {
    if (this.fd === undefined) return;
    try {
      for (let done = 0; done < bytes.length; ) done += writeSync(this.fd, bytes, done);
    } catch (error) {
      throw spillError(error as Error);
    }
  }

  destroy(): void {
    this.block = undefined;
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }

  end(): void {
    this.flush();
    this.destroy();
  }
}

function spillError(error: Error): OutputError {
  return new OutputError(`cannot write temporary spill files (${(error as NodeJS.ErrnoException).code ?? 'error'}); set --temp-dir to a disk with room`);
}

const liveDirs = new Set<string>();
process.once('exit', () => {
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * `--grouping full` with bounded memory: up to `maxOpenOrders` orders stay in memory; past that,
 * every open order and every later row goes to one of SPILL_PARTITIONS files by order key. At the end
 * each partition is grouped on its own, sorted by first row, and the sorted runs are merged, so
 * events leave in the order of their first rows exactly as without a spill.
 * Spill files hold hashes and order data only, never plaintext personal data.
 */
export class SpillGrouper implements AdoptingGrouper {
  private readonly memory: MemoryGrouper;
  private readonly maxOpenOrders: number;
  private readonly tempRoot: string | undefined;
  private dir: string | undefined;
  private partitions: SpillFile[] | undefined;

  private readonly rules: EventRules;
  private readonly threads: number;

  constructor(memory: MemoryGrouper, maxOpenOrders: number, rules: EventRules, threads: number, tempRoot?: string) {
    this.memory = memory;
    this.maxOpenOrders = maxOpenOrders;
    this.rules = rules;
    this.threads = threads;
    this.tempRoot = tempRoot;
  }

  addEncoded(line: string): EncodedResult {
    if (this.partitions === undefined) {
      const result = this.memory.addEncoded(line);
      if (this.memory.size > this.maxOpenOrders) this.startSpill();
      return result;
    }
    // Spilled: the line goes to its partition as it came, never decoded here.
    this.write(encodedOrderKey(line) ?? `\u0000${this.anonymous++}`, 'R' + line);
    return {};
  }

  private anonymous = 0;

  /** Takes over an open order (its later rows follow): in memory, or to its partition after a spill. */
  adopt(key: string, order: OrderState): void {
    if (this.partitions === undefined) {
      this.memory.adopt(key, order);
      if (this.memory.size > this.maxOpenOrders) this.startSpill();
      return;
    }
    this.write(key, 'S' + JSON.stringify(order));
  }

  /** Writes a line to the key's partition: R + a row, or S + the JSON of an order spilled from memory. */
  private write(key: string, line: string): void {
    const partitions = this.partitions as SpillFile[];
    (partitions[partitionOf(key)] as SpillFile).write(line);
  }

  /** Switches to disk at once (synchronously, so that no row slips into memory meanwhile). */
  private startSpill(): void {
    let dir: string;
    try {
      dir = mkdtempSync(join(this.tempRoot ?? tmpdir(), 'pinconv-spill-'));
    } catch (error) {
      throw spillError(error as Error);
    }
    this.dir = dir;
    liveDirs.add(dir);
    this.partitions = Array.from({ length: SPILL_PARTITIONS }, (_, i) => new SpillFile(join(dir, `p${i}.rows`)));
    for (const [key, order] of this.memory.take()) this.write(key, 'S' + JSON.stringify(order));
  }

  async *finish(): AsyncIterable<FinishedChunk> {
    if (this.partitions === undefined) {
      yield* this.memory.finish();
      return;
    }
    const dir = this.dir as string;
    for (const file of this.partitions) file.end();
    // Group and settle each partition alone (in worker threads with --threads > 1); each leaves a
    // run of settled orders sorted by first row, and the runs are merged below.
    const jobs = this.partitions.map((file, i) => ({ path: file.path, runPath: join(dir, `${i}.run`) }));
    const perPartition = await settleAll(jobs, this.rules, this.threads);
    const lateRejects: LateReject[] = perPartition.flatMap((p) => p.rejects);
    const runs = perPartition.flatMap((p) => p.runs);
    this.partitions = [];
    if (lateRejects.length > 0) yield { rejects: lateRejects };
    yield* mergeRuns(runs);
  }

  async close(): Promise<void> {
    for (const file of this.partitions ?? []) file.destroy();
    this.partitions = [];
    if (this.dir === undefined) return;
    const dir = this.dir;
    this.dir = undefined;
    await rm(dir, { recursive: true, force: true });
    liveDirs.delete(dir);
  }
}

/** Settles every partition, in worker threads when there are several; results in partition order. */
async function settleAll(jobs: Array<{ path: string; runPath: string }>, rules: EventRules, threads: number): Promise<SettledPartition[]> {
  if (threads <= 1) return jobs.map((job) => settlePartition(job.path, job.runPath, rules));
  const workers = Array.from({ length: Math.min(threads, jobs.length) }, () => new Worker(new URL('./partition-worker.js', import.meta.url), {
      workerData: rules,
      // A partition is 1/SPILL_PARTITIONS of the input; a cap makes the worker collect garbage instead of growing.
      // The young generation is that of the chunk workers (rows/pool.ts): V8's default, 48 MB, made
      // these workers the peak of the 10M-row item export (283 MB, against 250 before the input ended).
      resourceLimits: { maxOldGenerationSizeMb: 192, maxYoungGenerationSizeMb: 8 },
    }));
  const results: SettledPartition[] = new Array(jobs.length);
  let next = 0;
  try {
    await Promise.all(
      workers.map(async (worker) => {
        while (next < jobs.length) {
          const id = next++;
          const job = jobs[id] as { path: string; runPath: string };
          const answer = await new Promise<{ settled?: SettledPartition; error?: string }>((resolve, reject) => {
            const onError = (error: Error): void => reject(workerFailure(error));
            worker.once('error', onError);
            worker.once('message', (message: { settled?: SettledPartition; error?: string }) => {
              worker.off('error', onError);
              resolve(message);
            });
            worker.postMessage({ id, ...job });
          });
          if (answer.error !== undefined) throw new OutputError(`cannot settle a spill partition (${answer.error}); set --temp-dir to a disk with room`);
          results[id] = answer.settled ?? { rejects: [], runs: [] };
        }
      }),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}

/** k-way merge of runs sorted by firstSeq; first-row sequence numbers are unique. */
async function* mergeRuns(paths: readonly string[]): AsyncIterable<FinishedChunk> {
  const readers = paths.map((path) => new LineReader(path));
  /** The next settled order of a run; an await only when its block is used up. */
  const pull = async (reader: LineReader): Promise<Settled | undefined> => {
    let line = reader.next();
    if (line === undefined && !reader.exhausted) {
      await reader.fill();
      line = reader.next();
    }
    return line === undefined ? undefined : decodeSettled(line);
  };
  // A binary min-heap of [head, run] by first-row sequence number.
  const heap: Array<[Settled, LineReader]> = [];
  const less = (a: number, b: number): boolean => (heap[a] as [Settled, LineReader])[0].firstSeq < (heap[b] as [Settled, LineReader])[0].firstSeq;
  const swap = (a: number, b: number): void => {
    const t = heap[a] as [Settled, LineReader];
    heap[a] = heap[b] as [Settled, LineReader];
    heap[b] = t;
  };
  const up = (i: number): void => {
    while (i > 0 && less(i, (i - 1) >> 1)) {
      swap(i, (i - 1) >> 1);
      i = (i - 1) >> 1;
    }
  };
  const down = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(l, m)) m = l;
      if (r < heap.length && less(r, m)) m = r;
      if (m === i) return;
      swap(i, m);
      i = m;
    }
  };
  try {
    for (const reader of readers) {
      const head = await pull(reader);
      if (head) {
        heap.push([head, reader]);
        up(heap.length - 1);
      }
    }
    let batch: Settled[] = [];
    while (heap.length > 0) {
      const top = heap[0] as [Settled, LineReader];
      batch.push(top[0]);
      const reader = top[1];
      let line = reader.next();
      if (line === undefined && !reader.exhausted) {
        await reader.fill();
        line = reader.next();
      }
      if (line !== undefined) {
        top[0] = decodeSettled(line);
        down(0);
      } else {
        const last = heap.pop() as [Settled, LineReader];
        if (heap.length > 0) {
          heap[0] = last;
          down(0);
        }
      }
      if (batch.length >= 256) {
        yield { settled: batch };
        batch = [];
      }
    }
    if (batch.length > 0) yield { settled: batch };
  } finally {
    await Promise.all(readers.map((r) => r.close()));
  }
}
