import type { Readable } from 'node:stream';
import { parse, type CsvError } from 'csv-parse/sync';
import { EXIT, InputError } from '../errors.js';
import type { BlockLease } from '../events/bytes.js';
import type { ChunkHeads } from '../events/settle.js';
import { RunIndex } from '../events/runs.js';
import { ChunkProcessor, SEQ_PER_CHUNK, type ChunkConfig, type ChunkResult, type RowItem } from '../rows/chunk.js';
import type { ColumnResolver, Field } from '../rows/columns.js';
import type { InvalidFieldCounts, RowRules } from '../rows/normalize-row.js';
import { InlineRunner, type ChunkRunner, type WorkerPool } from '../rows/pool.js';
import { chunkRecords, lastCsvRecordEnd, lastLineEnd } from './chunker.js';
import { describeCsvError } from './csv.js';
import { detectDelimiter, detectFormat, looksBinary, type Delimiter, type Format } from './detect.js';
import { readJsonArray } from './json-array.js';
import { openBytes, peek, type ByteCounter, type Source } from './open.js';


export interface ReadOptions {
  format: Format | 'auto';
  delimiter: Delimiter | undefined;
  maxRecordBytes: number;
  resolver: ColumnResolver;
  /** Columns a CSV header must name, as alternatives: [["timestamp"], ["email", "maid"], …]. */
  requiredColumns: ReadonlyArray<readonly Field[]>;
  rules: RowRules;
  /** Worker threads for CSV and NDJSON, for every pass over every input (the caller closes it); none: the main thread processes them. */
  pool?: WorkerPool | undefined;
  /** Invalid values per field, added up over every chunk. */
  invalid: InvalidFieldCounts;
  stdin?: Readable;
  /** Aborted to stop reading at once (Ctrl-C): the input streams are destroyed. */
  signal?: AbortSignal | undefined;
  /** Target chunk size (CHUNK_BYTES by default). */
  chunkBytes?: number | undefined;
  /** Below this size a known file is processed in the main thread (WORKER_MIN_BYTES by default). */
  workerMinBytes?: number | undefined;
  /** After a prescan: workers group and settle the orders that lie within a chunk (events/chunk-group.ts). */
  group?: ChunkConfig['group'];
}

const DETECT_BYTES = 64 * 1024;
// Records travel in arrays: one await per batch instead of per row.
const BATCH = 256;

function checkHeader(fields: Field[], options: ReadOptions, file: string): void {
  for (const alternatives of options.requiredColumns) {
    if (!alternatives.some((field) => fields.includes(field))) {
      const names = alternatives.map((f) => (f === 'timestamp' ? 'timestamp (or event_time)' : f === 'order_revenue' ? 'order_revenue (or value)' : f));
      throw new InputError(
        `missing required column: ${names.join(' or ')} (columns are matched case-insensitively; rename with --map SOURCE=FIELD)`,
        { file, line: 1 },
        EXIT.usage,
      );
    }
  }
}

/** Reads the header record of a CSV whose first chunk is `bytes` (BOM already dropped). */
function readHeader(bytes: Buffer, source: Source, options: ReadOptions, delimiter: Delimiter): Array<Field | null> {
  let header: string[] | undefined;
  try {
    header = (parse(bytes, { delimiter, to: 1, skip_empty_lines: true, relax_column_count: true, max_record_size: options.maxRecordBytes }) as string[][])[0];
  } catch (error) {
    const csvError = error as CsvError & { lines?: number };
    throw new InputError(describeCsvError(csvError, options.maxRecordBytes), { file: source.name, line: csvError.lines ?? 1 });
  }
  if (header === undefined) throw new InputError('the file has no header line', { file: source.name, line: 1 });
  const seen = new Set<Field>();
  const fields = header.map((name): Field | null => {
    const field = options.resolver.resolve(name);
    if (field === undefined) return null;
    // Two columns for one field: the first wins, the second is listed as unknown.
    if (seen.has(field)) {
      options.resolver.unknown.add(name);
      return null;
    }
    seen.add(field);
    return field;
  });
  checkHeader([...seen], options, source.name);
  return fields;
}

async function* prepend<T>(first: T, rest: AsyncIterator<T>): AsyncGenerator<T> {
  try {
    yield first;
    for (;;) {
      const next = await rest.next();
      if (next.done) return;
      yield next.value;
    }
  } finally {
    // A reader that stops early (an abandoned prescan) closes the chunker, and so the file.
    await rest.return?.(undefined);
  }
}

/**
 * Below this size a known file is processed in the main thread: starting workers would cost more
 * than they save (a worker's start and the warm-up of its compiled code, on both passes' chunks).
 * Where the two cross depends on the work per row. Sending (or a dry run) hashes every personal
 * field. On 2 cores, with 2 workers against the main thread alone, 100,000 rows of the bench's
 * order export (16 MB) took 1.76–1.82 s against 1.89–1.91 s, but 16 MiB of its item export
 * 1.35–1.37 s against 1.25–1.30 s: 8 MiB stays, between the two. The upload CSV hashes an email
 * (and a phone or maid, with those columns): the same 16 MB took 1.15–1.25 s with workers against
 * 0.89–0.92 s without; 300,000 rows (47 MB) 1.81–1.85 s against 1.76–1.82 s; 32 MiB of the item
 * export 1.36–1.39 s against 1.39–1.46 s.
 */
export const WORKER_MIN_BYTES = 8 * 1024 * 1024;
export const UPLOAD_WORKER_MIN_BYTES = 32 * 1024 * 1024;
// 128 KiB of input: a chunk's results (about 1 MB of lines) stay small enough to die young in the
// worker's heap, which costs far less garbage collection than 1 MiB chunks did (1M-row bench export,
// with the heap settings of cli.ts and rows/pool.ts: 28 s against 33 s).
const CHUNK_BYTES = 128 * 1024;

/** After a prescan, a chunk is sized to hold about this many orders (see chunkBytesFor). */
const ORDERS_PER_CHUNK = 800;
const MAX_CHUNK_BYTES = 512 * 1024;

/**
 * The chunk size for the second pass, once the prescan has counted the orders: about
 * ORDERS_PER_CHUNK orders, within CHUNK_BYTES … MAX_CHUNK_BYTES, in steps of 64 KiB. A worker settles
 * only the orders whose rows all lie inside its chunk; the rest go to the main thread. An order
 * export (one row of about 160 bytes per order) keeps the 128 KiB target. On the bench's item export
 * (about 1,200 bytes per order, rows of nearby orders interleaved) that target sent a quarter of the
 * rows to the main thread; 512 KiB sends half as many, and the 1M-row runs take 4–10% less time.
 * Larger chunks cost the order export time (bigger results outlive the workers' young generation).
 * (A chunk ends at the first record boundary past its target, at the end of a read: reads of a file
 * are 256 KiB.)
 */
export function chunkBytesFor(inputBytes: number, orders: number): number {
  const bytes = (ORDERS_PER_CHUNK * inputBytes) / Math.max(orders, 1);
  const step = 64 * 1024;
  return Math.min(MAX_CHUNK_BYTES, Math.max(CHUNK_BYTES, Math.ceil(bytes / step) * step));
}

/** Chunk results in input order; with `scan`, order-id runs only (the prescan). */
async function* chunkResults(
  bytes: Readable,
  head: Buffer,
  source: Source,
  format: 'csv' | 'ndjson',
  options: ReadOptions,
  scan: boolean,
  firstChunk = 0,
): AsyncGenerator<ChunkResult> {
  const delimiter = options.delimiter ?? detectDelimiter(head);
  const chunks = chunkRecords(bytes, {
    file: source.name,
    chunkBytes: options.chunkBytes ?? CHUNK_BYTES,
    maxRecordBytes: options.maxRecordBytes,
    recordEnd: format === 'csv' ? lastCsvRecordEnd : lastLineEnd,
  });
  const first = await chunks.next();
  if (first.done) return;
  const config: ChunkConfig = {
    kind: format,
    file: source.name,
    delimiter,
    columnFields: format === 'csv' ? readHeader(first.value.bytes, source, options, delimiter) : [],
    maxRecordBytes: options.maxRecordBytes,
    rules: options.rules,
    renames: [...options.resolver.renames],
    scan,
    firstChunk,
    ...(options.group && !scan ? { group: options.group } : {}),
  };
  if (scan && format === 'csv' && !config.columnFields.includes('order_id')) {
    // No order ids: every row is an event of its own, nothing to scan.
    await chunks.return(undefined);
    return;
  }
  const small = source.size !== undefined && source.size < (options.workerMinBytes ?? WORKER_MIN_BYTES);
  const runner: ChunkRunner = options.pool && !small ? options.pool.runner(config) : new InlineRunner(config);
  try {
    for await (const result of runner.run(prepend(first.value, chunks))) {
      yield result;
      if (result.error) throw new InputError(result.error.message, { file: source.name, line: result.error.line });
    }
  } finally {
    await runner.close();
  }
}

/**
 * Items in input order, the bytes that their settled lines point into, and the file whose lines
 * their positions name (events/settle.ts).
 */
export interface RowBatch {
  items: RowItem[];
  bytes?: Uint8Array[] | undefined;
  /** The main thread's hold on `bytes` when worker threads made them: end() once the items are read. */
  lease?: BlockLease | undefined;
  file?: string;
  /** The orders settled into `bytes`, for items that are numbers. */
  heads?: ChunkHeads | undefined;
}

/** Chunks of the files read so far in a pass: each file's sequence numbers go on from the last one's. */
interface ChunksBefore {
  count: number;
}

/** Adds a chunk's (or a file's) invalid values per field to the run's. */
function addInvalid(into: InvalidFieldCounts, counts: InvalidFieldCounts): void {
  for (const [field, count] of Object.entries(counts) as Array<[Field, number]>) into[field] = (into[field] ?? 0) + count;
}

async function* chunkedRows(bytes: Readable, head: Buffer, source: Source, format: 'csv' | 'ndjson', options: ReadOptions, before: ChunksBefore): AsyncGenerator<RowBatch> {
  const firstChunk = before.count;
  for await (const result of chunkResults(bytes, head, source, format, options, false, firstChunk)) {
    before.count++;
    addInvalid(options.invalid, result.invalid);
    for (const name of result.unknown) options.resolver.noteUnknown(name);
    if (result.items.length > 0) yield { items: result.items, bytes: result.bytes, lease: result.lease, file: source.name, heads: result.heads };
  }
}

/** Opens a source and reads its first bytes: the stream (replaying them) and the format. */
async function openSource(source: Source, options: ReadOptions, counter: ByteCounter): Promise<{ head: Buffer; stream: Readable; format: Format }> {
  // Small test chunks need small reads: a chunk cannot end before the piece read does.
  const plain = await openBytes(source, counter, options.stdin, Math.min(256 * 1024, Math.max(options.chunkBytes ?? Infinity, 512)), options.signal);
  const { head, stream } = await peek(plain, DETECT_BYTES).catch((error: unknown) => {
    throw errorAtStart(error, source);
  });
  if (head.length === 0) throw new InputError('the input is empty', { file: source.name, line: 1 });
  if (looksBinary(head)) {
    throw new InputError('this is not a text export (binary bytes or invalid UTF-8 near the start)', { file: source.name, line: 1 });
  }
  return { head, stream, format: options.format === 'auto' ? detectFormat(head) : options.format };
}

/**
 * The prescan of `--grouping full` (events/runs.ts): reads regular CSV and NDJSON files once for
 * their order ids. Returns undefined when a source cannot be read twice (stdin, a pipe) or is a
 * JSON array, and an index marked abandoned when most orders turn out to be scattered; then every
 * order is held until the input ends, as without a prescan.
 */
export async function scanRuns(sources: readonly Source[], options: ReadOptions, counter: ByteCounter): Promise<RunIndex | undefined> {
  if (sources.some((s) => s.path === undefined || s.size === undefined)) return undefined;
  const index = new RunIndex(sources.reduce((n, s) => n + (s.size ?? 0), 0));
  for (const source of sources) {
    const { head, stream, format } = await openSource(source, options, counter);
    if (format === 'json') {
      stream.destroy();
      return undefined;
    }
    for await (const result of chunkResults(stream, head, source, format, options, true)) {
      if (result.runs) index.addChunk(result.runs);
      if (index.hopeless()) {
        index.abandoned = true;
        return index;
      }
    }
  }
  index.scanned();
  return index;
}

async function* jsonArrayRows(bytes: Readable, source: Source, options: ReadOptions, before: ChunksBefore): AsyncGenerator<RowBatch> {
  const processor = new ChunkProcessor({
    kind: 'ndjson', file: source.name, delimiter: ',', columnFields: [], maxRecordBytes: options.maxRecordBytes,
    rules: options.rules, renames: [...options.resolver.renames],
  });
  let batch: RowItem[] = [];
  const firstSeq = before.count * SEQ_PER_CHUNK;
  let seq = firstSeq;
  try {
    for await (const { value, line } of readJsonArray(bytes, source.name)) {
      batch.push(processor.object(value, seq++, { file: source.name, line, unit: 'record' }));
      if (batch.length >= BATCH) {
        yield { items: batch };
        batch = [];
      }
    }
    if (batch.length > 0) yield { items: batch };
  } finally {
    // The records count as chunks of SEQ_PER_CHUNK each, for the files after this one.
    before.count += Math.floor((seq - firstSeq) / SEQ_PER_CHUNK) + 1;
    addInvalid(options.invalid, processor.invalidCounts);
    for (const name of processor.unknownColumns) options.resolver.noteUnknown(name);
  }
}

/**
 * Reads every source in turn (gzip by magic bytes, format by the first byte or --format, CSV
 * delimiter from the header line or --delimiter) and applies the field rules to each record.
 * CSV and NDJSON are cut into chunks of whole records, processed by worker threads with
 * --threads > 1 and put back in input order. Never holds a whole file in memory.
 */
export async function* readRows(
  sources: readonly Source[],
  options: ReadOptions,
  counter: ByteCounter,
): AsyncGenerator<RowBatch> {
  const before: ChunksBefore = { count: 0 };
  for (const source of sources) {
    const { head, stream, format } = await openSource(source, options, counter);
    let count = 0;
    const rows = format === 'json' ? jsonArrayRows(stream, source, options, before) : chunkedRows(stream, head, source, format, options, before);
    for await (const batch of rows) {
      count += batch.items.length;
      yield batch;
    }
    if (count === 0) {
      throw new InputError(format === 'csv' ? 'the file has a header but no data rows' : 'the input holds no records', {
        file: source.name,
        line: format === 'csv' ? 2 : 1,
      });
    }
  }
}

function errorAtStart(error: unknown, source: Source): InputError {
  if (error instanceof InputError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code?.startsWith('Z_')) return new InputError('gzip data is truncated or corrupt', { file: source.name, line: 1 });
  return new InputError(`cannot read (${code ?? 'error'})`, { file: source.name, line: 1 });
}
