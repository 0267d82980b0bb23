import { createReadStream, createWriteStream, mkdtempSync, rmSync, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutputError } from '../errors.js';
import type { NormalizedRow } from '../rows/normalize-row.js';
import type { FinishedChunk, GroupResult, Grouper, LateReject, MemoryGrouper } from './group.js';
import { addToOrder, openOrder, type OrderState } from './order.js';

/**
 * Number of disk partitions once open orders exceed the memory bound. Each partition is grouped
 * in memory on its own, so at 10M single-row orders one holds ~40k orders.
 */
export const SPILL_PARTITIONS = 256;
const WRITE_BUFFER = 64 * 1024;

type Spilled = { s: OrderState } | { r: NormalizedRow };

/** FNV-1a: cheap and spreads order ids evenly over partitions. */
function partitionOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % SPILL_PARTITIONS;
}

/** Lines of a file, read in chunks. */
async function* fileLines(path: string): AsyncGenerator<string> {
  let pending = '';
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: WRITE_BUFFER })) {
    pending += chunk as string;
    let start = 0;
    for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n', start)) {
      yield pending.slice(start, nl);
      start = nl + 1;
    }
    pending = pending.slice(start);
  }
  if (pending !== '') yield pending;
}

class SpillFile {
  readonly path: string;
  private readonly out: WriteStream;
  private failed: Error | undefined;
  /** One shared wait per full buffer: a listener per write would pile up. */
  private draining: Promise<void> | undefined;
  constructor(path: string) {
    this.path = path;
    this.out = createWriteStream(path, { highWaterMark: WRITE_BUFFER });
    this.out.on('error', (error) => {
      this.failed = error;
    });
  }
  /** Returns a promise only when the caller must wait for the disk. */
  write(line: string): Promise<void> | undefined {
    if (this.failed) throw spillError(this.failed);
    if (this.out.write(line + '\n') || this.draining) return this.draining;
    this.draining = once(this.out, 'drain').then(
      () => {
        this.draining = undefined;
      },
      () => {
        this.draining = undefined;
      },
    );
    return this.draining;
  }
  destroy(): void {
    this.out.destroy();
  }
  async end(): Promise<void> {
    this.out.end();
    await once(this.out, 'finish').catch(() => undefined);
    if (this.failed) throw spillError(this.failed);
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
export class SpillGrouper implements Grouper {
  private readonly memory: MemoryGrouper;
  private readonly maxOpenOrders: number;
  private readonly tempRoot: string | undefined;
  private dir: string | undefined;
  private partitions: SpillFile[] | undefined;
  private pendingWrite: Promise<void> | undefined;

  constructor(memory: MemoryGrouper, maxOpenOrders: number, tempRoot?: string) {
    this.memory = memory;
    this.maxOpenOrders = maxOpenOrders;
    this.tempRoot = tempRoot;
  }

  get spilled(): boolean {
    return this.partitions !== undefined;
  }

  add(row: NormalizedRow): GroupResult {
    if (this.partitions === undefined) {
      const result = this.memory.add(row);
      if (this.memory.size > this.maxOpenOrders) this.startSpill();
      return result;
    }
    this.write(this.memory.keyOf(row), { r: row });
    return {};
  }

  /** Waits for the disk when a partition's buffer is full: the reader slows down instead of memory growing. */
  async backpressure(): Promise<void> {
    const pending = this.pendingWrite;
    this.pendingWrite = undefined;
    if (pending) await pending;
  }

  private readonly waits = new Set<Promise<void>>();

  private write(key: string, item: Spilled): void {
    const partitions = this.partitions as SpillFile[];
    const wait = (partitions[partitionOf(key)] as SpillFile).write(JSON.stringify(item));
    if (wait && !this.waits.has(wait)) {
      this.waits.add(wait);
      this.pendingWrite = Promise.all(this.waits).then(() => this.waits.clear());
    }
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
    this.partitions = Array.from({ length: SPILL_PARTITIONS }, (_, i) => new SpillFile(join(dir, `p${i}.ndjson`)));
    for (const [key, order] of this.memory.take()) this.write(key, { s: order });
  }

  async *finish(): AsyncIterable<FinishedChunk> {
    await this.backpressure();
    if (this.partitions === undefined) {
      yield* this.memory.finish();
      return;
    }
    const dir = this.dir as string;
    for (const file of this.partitions) await file.end();
    // Group each partition alone, and write its orders sorted by first row as a run.
    const runs: string[] = [];
    const lateRejects: LateReject[] = [];
    for (const file of this.partitions) {
      const orders = new Map<string, OrderState>();
      let anonymous = 0;
      for await (const line of fileLines(file.path)) {
        const item = JSON.parse(line) as Spilled;
        if ('s' in item) {
          orders.set(item.s.orderId === undefined ? `a${anonymous++}` : `o${item.s.orderId}`, item.s);
          continue;
        }
        const row = item.r;
        const key = row.orderId === undefined ? `a${anonymous++}` : `o${row.orderId}`;
        const order = orders.get(key);
        if (order === undefined) orders.set(key, openOrder(row));
        else {
          const reason = addToOrder(order, row);
          if (reason) lateRejects.push({ row, reason });
        }
      }
      await rm(file.path, { force: true });
      const sorted = [...orders.values()].sort((a, b) => a.firstSeq - b.firstSeq);
      const run = new SpillFile(join(dir, `${runs.length}.run`));
      for (const order of sorted) {
        const wait = run.write(JSON.stringify(order));
        if (wait) await wait;
      }
      await run.end();
      runs.push(run.path);
    }
    this.partitions = [];
    if (lateRejects.length > 0) yield { orders: [], rejects: lateRejects };
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

/** k-way merge of runs sorted by firstSeq; first-row sequence numbers are unique. */
async function* mergeRuns(paths: readonly string[]): AsyncIterable<FinishedChunk> {
  const readers = paths.map((path) => fileLines(path));
  const heads: Array<OrderState | undefined> = [];
  for (const reader of readers) {
    const next = await reader.next();
    heads.push(next.done ? undefined : (JSON.parse(next.value) as OrderState));
  }
  let batch: OrderState[] = [];
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const head = heads[i];
      if (head !== undefined && (best < 0 || head.firstSeq < (heads[best] as OrderState).firstSeq)) best = i;
    }
    if (best < 0) break;
    batch.push(heads[best] as OrderState);
    const next = await (readers[best] as AsyncGenerator<string>).next();
    heads[best] = next.done ? undefined : (JSON.parse(next.value) as OrderState);
    if (batch.length >= 256) {
      yield { orders: batch };
      batch = [];
    }
  }
  if (batch.length > 0) yield { orders: batch };
}
