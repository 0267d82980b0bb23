import { Worker } from 'node:worker_threads';
import { workerFailure } from '../errors.js';
import { BlockLease, isWholeBlock } from '../events/bytes.js';
import type { Chunk } from '../input/chunker.js';
import { ChunkProcessor, type ChunkConfig, type ChunkResult } from './chunk.js';

export interface ChunkRunner {
  /** Results in input order. */
  run(chunks: AsyncIterable<Chunk>): AsyncGenerator<ChunkResult>;
  close(): Promise<void>;
}

/** `--threads 1`: chunks are processed in the main thread, one after the other. */
export class InlineRunner implements ChunkRunner {
  private readonly processor: ChunkProcessor;
  constructor(config: ChunkConfig) {
    this.processor = new ChunkProcessor(config);
  }
  async *run(chunks: AsyncIterable<Chunk>): AsyncGenerator<ChunkResult> {
    for await (const chunk of chunks) yield this.processor.process(chunk.bytes, chunk.startLine, chunk.index, chunk.index === 0);
  }
  async close(): Promise<void> {}
}

interface Pending {
  resolve: (result: ChunkResult) => void;
  reject: (error: Error) => void;
}

/**
 * Worker threads that parse and normalise chunks while the main thread reads, groups and writes.
 * They are started once per run and serve each pass over each input in turn (the prescan, then the
 * second pass): a worker takes 0.1 s to its first result alone, about 0.2 s beside a busy main
 * thread (Node, then the modules: the field rules, and the phone metadata where phones are hashed),
 * while the main thread can only read ahead. Started once per pass, that wait came twice on every
 * file.
 */
export class WorkerPool {
  private workers: Worker[] | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | undefined;
  /** Blocks of chunk results that nothing reads any more, to go back to a worker with its next chunk. */
  private readonly spare: ArrayBuffer[] = [];
  /**
   * Blocks the latest chunk result came in: a worker gets one more than that with each chunk, and
   * the main thread keeps twice that. A dry run's chunk of the order export fills about 14, an
   * upload CSV's 2. Kept blocks are resident, so the rest are left to the garbage collector: lists
   * of a fixed 64 blocks cost the item export's dry run about 10 MB of peak RSS.
   */
  private blocksPerChunk = 0;

  constructor(readonly threads: number) {}

  /** The workers' thread ids; none until the first runner, nor once closed. */
  get threadIds(): number[] {
    return (this.workers ?? []).map((worker) => worker.threadId);
  }

  /** A runner whose chunks these workers process with `config`; the workers start with the first. */
  runner(config: ChunkConfig): ChunkRunner {
    const workers = (this.workers ??= Array.from({ length: this.threads }, () => this.start()));
    // A worker handles its messages in order: chunks of an earlier run still in flight (an
    // abandoned prescan) are processed with the configuration they were sent with.
    for (const worker of workers) worker.postMessage({ config });
    return new WorkerRunner(this, workers.length);
  }

  private start(): Worker {
    // A worker holds two chunks (128 to 512 KiB of input each) at most; the old-space cap makes it collect garbage
    // instead of growing. Rows die young (the CSV scan slices a record's fields only when it is
    // read), so a small young generation costs little: 8 MB against 32 MB took 5–10% more time
    // and about 50 MB less peak RSS on the 1M-row bench exports.
    const worker = new Worker(new URL('./worker.js', import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 8 } });
    worker.on('message', (message: { id: number; result: ChunkResult }) => {
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      const { result } = message;
      if (result.bytes) {
        this.blocksPerChunk = result.bytes.length;
        result.lease = new BlockLease(result.bytes, (blocks) => this.recycle(blocks));
      }
      waiter?.resolve(result);
    });
    worker.on('error', (error) => this.failAll(workerFailure(error)));
    return worker;
  }

  private failAll(error: Error): void {
    // A failed worker is gone: what is sent later fails at once rather than wait for it.
    this.failure ??= error;
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }

  /** Keeps a chunk result's blocks for the workers (whole ones only: isWholeBlock). */
  private recycle(blocks: readonly Uint8Array[]): void {
    for (const block of blocks) {
      const buffer = block.buffer as ArrayBuffer;
      if (isWholeBlock(buffer) && this.spare.length < 2 * this.blocksPerChunk) this.spare.push(buffer);
    }
  }

  /** Sends a chunk to its worker (by the chunk's index); its result comes back with the same id. */
  submit(chunk: Chunk): Promise<ChunkResult> {
    if (this.failure) return Promise.reject(this.failure);
    const workers = this.workers as Worker[];
    const id = this.nextId++;
    const worker = workers[chunk.index % workers.length] as Worker;
    const spare = this.spare.splice(0, this.blocksPerChunk + 1);
    return new Promise<ChunkResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // An owned chunk's bytes move to the worker; the blocks given back go along.
      const transfer = chunk.owned ? [...spare, chunk.bytes.buffer as ArrayBuffer] : spare;
      worker.postMessage({ id, bytes: chunk.bytes, startLine: chunk.startLine, index: chunk.index, skipHeader: chunk.index === 0, spare }, transfer);
    });
  }

  async close(): Promise<void> {
    const workers = this.workers ?? [];
    this.workers = undefined;
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** One pass over one input on a WorkerPool: at most 2 chunks per worker in flight (bounded memory), results in input order. */
class WorkerRunner implements ChunkRunner {
  constructor(
    private readonly pool: WorkerPool,
    private readonly workers: number,
  ) {}

  async *run(chunks: AsyncIterable<Chunk>): AsyncGenerator<ChunkResult> {
    const queue: Array<Promise<ChunkResult>> = [];
    const depth = this.workers * 2;
    for await (const chunk of chunks) {
      const promise = this.pool.submit(chunk);
      promise.catch(() => undefined);
      queue.push(promise);
      if (queue.length >= depth) yield await (queue.shift() as Promise<ChunkResult>);
    }
    while (queue.length > 0) yield await (queue.shift() as Promise<ChunkResult>);
  }

  /** The pool's workers go on to the next pass; its owner closes it. */
  async close(): Promise<void> {}
}
