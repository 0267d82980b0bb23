import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { InputError, type Position } from './errors.js';
import { AdjacentGrouper, MemoryGrouper, PrescanGrouper, type Grouper } from './events/group.js';
import type { RunIndex } from './events/runs.js';
import type { EventRules, OrderState } from './events/order.js';
import { csvUserKeys } from './upload/rows.js';
import { decodeSettled, tooLargeToSend, HEAD_EVENT_TIME, HEAD_FIELDS, HEAD_HAS_ORDER_ID, HEAD_LOCATION, HEAD_ROWS, HEAD_SIZE, headPositions, settle, Settled, type ChunkHeads } from './events/settle.js';
import { bytesAt, type BlockLease } from './events/bytes.js';
import { SETTLED_MARK } from './events/chunk-group.js';
import { REASONS } from './events/reasons.js';
import { inWindow, timeWindow } from './events/window.js';
import { resolveSources, type Source } from './input/open.js';
import { chunkBytesFor, readRows, scanRuns, UPLOAD_WORKER_MIN_BYTES, WORKER_MIN_BYTES, type ReadOptions } from './input/records.js';
import { ymdOf } from './normalize/birthdate.js';
import type { PipelineOptions } from './options.js';
import type { ConversionEvent } from './pinterest/contract.js';
import { orderIdField, type Report } from './report.js';
import { ColumnResolver, type Field } from './rows/columns.js';
import type { InvalidFieldCounts, RowRules } from './rows/normalize-row.js';
import { SpillGrouper } from './events/spill.js';
import { WorkerPool } from './rows/pool.js';

/** An event ready to leave pinconv, with the input rows it came from. */
export class EventItem {
  /** The UTF-8 size of the payload (0 for an event built for the upload CSV). */
  readonly bytes: number;
  private readonly payloadValue: string | Uint8Array;
  private readonly csvRowValue: string | Uint8Array | undefined;
  /** The input rows, or what they are read from: a settled order, or a chunk result's HeadTable (inChunk). */
  private readonly source: Position[] | Settled | ChunkHeads;
  private parsed: ConversionEvent | undefined;
  /** The hold on the chunk blocks the bytes point into, until release(). */
  private lease: BlockLease | undefined;
  private released = false;
  /** An event from inChunk: its text's blocks, and the file of its line numbers. */
  private blocks: readonly Uint8Array[] | undefined = undefined;
  private file = '';
  /** An event from inChunk: its entry in the HeadTable (`source`), which gives its text's place and size. */
  private entry = 0;

  constructor(payload: string | Uint8Array, positions: Position[] | Settled | ChunkHeads, event?: ConversionEvent, csvRow?: string | Uint8Array, bytes = Buffer.byteLength(payload)) {
    this.payloadValue = payload;
    this.bytes = bytes;
    this.csvRowValue = csvRow;
    this.source = positions;
    this.parsed = event;
  }

  /** An event for the upload CSV: its row only, no JSON. */
  static csv(row: string | Uint8Array, source: Position[] | Settled, event?: ConversionEvent): EventItem {
    return new EventItem('', source, event, row, 0);
  }

  /**
   * An event that a worker thread settled, entry k of its chunk's HeadTable (settleInto): its JSON,
   * or with `csv` its upload row, is in the chunk's blocks. Nothing more is made until asked for: a
   * view of the bytes when they are written, the positions when a reject or a failed event needs
   * them. (Decoding every order into a Settled, its outcome and a view cost the main thread about
   * half its garbage.)
   */
  static inChunk(table: ChunkHeads, k: number, file: string, blocks: readonly Uint8Array[], csv: boolean): EventItem {
    const item = new EventItem('', table, undefined, undefined, csv ? 0 : (table.heads[k * HEAD_FIELDS + HEAD_SIZE] as number));
    item.blocks = blocks;
    item.file = file;
    item.entry = k;
    return item;
  }

  /**
   * The event serialised once, as it goes into request bodies: text, or UTF-8 bytes when a worker
   * thread settled it (a view into its chunk's blocks); empty for events built for the upload CSV.
   */
  get payload(): string | Uint8Array {
    this.readable();
    return this.blocks !== undefined && this.bytes > 0 ? this.view(this.blocks) : this.payloadValue;
  }

  /**
   * For the upload CSV (PipelineOptions.csvColumns): the event's CSV row, without its line end; UTF-8
   * bytes when a worker thread settled it.
   */
  get csvRow(): string | Uint8Array | undefined {
    this.readable();
    return this.blocks !== undefined && this.bytes === 0 ? this.view(this.blocks) : this.csvRowValue;
  }

  private view(blocks: readonly Uint8Array[]): Uint8Array {
    const at = this.entry * HEAD_FIELDS;
    const { heads } = this.source as ChunkHeads;
    const bytes = bytesAt(blocks, heads[at + HEAD_LOCATION] as number, heads[at + HEAD_SIZE] as number);
    if (bytes === undefined) throw new Error('an event points into chunk bytes that did not come along');
    return bytes;
  }

  /** The bytes point into a chunk's blocks: they stay there until release(). */
  hold(lease: BlockLease): void {
    this.lease = lease;
    lease.hold();
  }

  /**
   * The event has left (its request body or upload row was written): its bytes may be reused, and
   * reading them again is an error, not a silent read of another chunk's bytes.
   */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.lease?.release();
    this.lease = undefined;
  }

  private readable(): void {
    if (this.released) throw new Error('an event was read after its bytes were released');
  }

  /** The event's JSON as text (decoded on demand from bytes). */
  get json(): string {
    const p = this.payload;
    return typeof p === 'string' ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('utf8');
  }

  /** The input rows of the event (parsed on demand for events read back from a spill). */
  get positions(): Position[] {
    const { source } = this;
    if (Array.isArray(source)) return source;
    return source instanceof Settled ? source.positions : headPositions(source, this.entry, this.file);
  }

  /** event_id without parsing: pinconv writes it as a 64-hex string right after "event_id". */
  get eventId(): string {
    if (this.parsed) return this.parsed.event_id;
    const p = this.payload;
    if (typeof p === 'string') {
      const at = p.indexOf('"event_id":"') + 12;
      return p.slice(at, at + 64);
    }
    const bytes = Buffer.from(p.buffer, p.byteOffset, p.byteLength);
    const at = bytes.indexOf('"event_id":"') + 12;
    return bytes.toString('latin1', at, at + 64);
  }

  /** The event as an object; events read back from a spill are parsed only when asked for. */
  get event(): ConversionEvent {
    if (this.parsed === undefined && this.bytes === 0) throw new Error('an event built for the upload CSV carries its CSV row only');
    this.parsed ??= JSON.parse(this.json) as ConversionEvent;
    return this.parsed;
  }
}

export interface PipelineIO {
  stdin?: Readable;
  /** Stops reading when it returns true (Ctrl-C): orders still open are not finished (their rows count as excluded). */
  stopped?: () => boolean;
  /** Aborted with the stop: the input streams are destroyed, so that a read waiting on a quiet pipe ends too. */
  signal?: AbortSignal;
}

function requiredColumns(options: PipelineOptions): Field[][] {
  const required: Field[][] = [['timestamp'], ['email', 'maid'], ['order_revenue', 'price']];
  if (options.defaultCurrency === undefined) required.push(['currency']);
  return required;
}

const SETTLED_CODE = SETTLED_MARK.charCodeAt(0);

/** Default --max-open-orders. After a prescan few orders are held: a smaller bound keeps memory flat. */
const HELD_ORDERS = 20_000;
const HELD_ORDERS_AFTER_PRESCAN = 1_000;

/** With --prescan auto, files from this size are read twice (below it, holding every order is cheap). */
const PRESCAN_MIN_BYTES = 8 * 1024 * 1024;

function wantsPrescan(mode: PipelineOptions['prescan'], size: number | undefined): boolean {
  if (mode === 'off' || size === undefined) return false;
  return mode === 'on' || size >= PRESCAN_MIN_BYTES;
}

type Stamp = { size: number; mtimeMs: number } | undefined;

async function fileStamps(sources: readonly Source[]): Promise<Stamp[]> {
  return Promise.all(sources.map(async (s) => (s.path === undefined ? undefined : stat(s.path).then((i) => ({ size: i.size, mtimeMs: i.mtimeMs }), () => undefined))));
}

/** A prescan is only right for the bytes it saw: a file that changed since is an error. */
async function checkUnchanged(sources: readonly Source[], before: readonly Stamp[]): Promise<void> {
  const after = await fileStamps(sources);
  sources.forEach((source, i) => {
    const a = before[i];
    const b = after[i];
    if (a !== undefined && (b === undefined || a.size !== b.size || a.mtimeMs !== b.mtimeMs)) {
      throw new InputError('the file changed while pinconv was reading it (it is read twice: first for order ids); run again on a copy that does not change', { file: source.name, line: 1 });
    }
  });
}

/**
 * The core pipeline: input records → field rules → one order per order_id → events in the window.
 * Yields arrays of events and keeps the report's counts. Events leave in the order of their orders'
 * first rows once the input has ended, or, after a prescan, as their orders complete (held orders last).
 */
export async function* buildEvents(options: PipelineOptions, report: Report, io: PipelineIO = {}): AsyncGenerator<EventItem[]> {
  const sources = await resolveSources(options.inputs);
  report.input.size = sources.every((s) => s.size !== undefined) ? sources.reduce((n, s) => n + (s.size ?? 0), 0) : undefined;
  const resolver = new ColumnResolver(options.map);
  const rules: RowRules = {
    defaultCountry: options.defaultCountry,
    defaultCurrency: options.defaultCurrency,
    timeZone: options.timeZone,
    dateOrder: options.dateOrder,
    todayYmd: ymdOf(options.now),
    keepRejectValues: options.rejectsValues,
    ...(options.csvColumns ? { userKeys: csvUserKeys(options.csvColumns) } : {}),
  };
  const invalid: InvalidFieldCounts = {};
  const eventRules: EventRules = {
    partnerName: options.partnerName,
    emailIdentifies: options.emailIdentifies,
    maidIdentifies: options.maidIdentifies,
    ...(options.csvColumns ? { csvColumns: options.csvColumns } : {}),
  };
  const readOptions: ReadOptions = {
    format: options.format,
    delimiter: options.delimiter,
    maxRecordBytes: options.maxRecordBytes,
    resolver,
    requiredColumns: requiredColumns(options),
    rules,
    // Started with the first chunk of a file big enough, then kept for every pass over every file.
    pool: options.threads > 1 ? new WorkerPool(options.threads) : undefined,
    invalid,
    chunkBytes: options.chunkBytes,
    workerMinBytes: options.workerMinBytes ?? (options.csvColumns ? UPLOAD_WORKER_MIN_BYTES : WORKER_MIN_BYTES),
    ...(io.stdin ? { stdin: io.stdin } : {}),
    signal: io.signal,
  };
  let runs: RunIndex | undefined;
  let stamps: Stamp[] = [];
  if (options.grouping === 'full' && wantsPrescan(options.prescan, report.input.size)) {
    stamps = await fileStamps(sources);
    report.phase = 'scanning';
    const scanned = await scanRuns(sources, readOptions, report.scan).catch(async (error: unknown) => {
      await readOptions.pool?.close();
      // A stop destroys the input streams: the read error that follows is the stop.
      if (io.stopped?.()) return null;
      throw error;
    });
    if (scanned === null || io.stopped?.()) {
      report.interrupted = true;
      return;
    }
    report.phase = 'reading';
    if (scanned) {
      report.prescan = { runs: scanned.runs, repeated: scanned.repeats, used: !scanned.abandoned };
      report.scanSeconds = Math.round((Date.now() - report.startedAt) / 100) / 10;
      if (!scanned.abandoned) {
        runs = scanned;
        readOptions.group = { repeatWords: runs.multi.words, rowCounts: runs.counts.counters, eventRules };
        // Repeats count runs of ids seen before: the rest start an order each.
        readOptions.chunkBytes ??= chunkBytesFor(report.input.size ?? 0, runs.runs - runs.repeats);
      }
    }
  }
  const grouper: Grouper = ((): Grouper => {
    if (options.grouping === 'adjacent') return new AdjacentGrouper();
    const bound = options.maxOpenOrders ?? (runs ? HELD_ORDERS_AFTER_PRESCAN : HELD_ORDERS);
    const spill = new SpillGrouper(new MemoryGrouper(), bound, eventRules, options.threads, options.tempDir);
    return runs ? new PrescanGrouper(runs, spill, bound) : spill;
  })();
  const window = timeWindow(options.now, options.windowDays);
  const limit = options.limit ?? Number.POSITIVE_INFINITY;

  /** Whether an event is in the window and within --limit; if not, it is counted as excluded. */
  const admitted = (eventTime: number, rows: number): boolean => {
    if (inWindow(eventTime, window) && report.events.built < limit) return true;
    report.rows.excluded += rows;
    report.events.excluded++;
    if (!inWindow(eventTime, window)) report.events.excludedByWindow++;
    else report.events.excludedByLimit++;
    return false;
  };
  const counted = (rows: number): void => {
    report.events.built++;
    report.rows.inEvents += rows;
  };
  const csv = eventRules.csvColumns !== undefined;

  /**
   * Counts a settled order: a reject, excluded by the window or --limit, or an event to pass on.
   * Synchronous but for rejects, whose writing is awaited: no promise per event.
   */
  const take = (settled: Settled, out: EventItem[], lease?: BlockLease): Promise<void> | undefined => {
    const { outcome, rows } = settled;
    if (!outcome.ok) {
      return report.reject(outcome.reason, settled.positions, {
        message: REASONS[outcome.reason],
        ...orderIdField(settled.orderId),
      });
    }
    if (!admitted(outcome.eventTime, rows)) return undefined;
    if (tooLargeToSend(eventRules, outcome.bytes)) {
      return report.reject('EVENT_TOO_LARGE', settled.positions, { message: REASONS.EVENT_TOO_LARGE, ...orderIdField(settled.orderId) });
    }
    counted(rows);
    const item = eventRules.csvColumns ? EventItem.csv(outcome.text, settled, outcome.event) : new EventItem(outcome.text, settled, outcome.event, undefined, outcome.bytes);
    if (lease !== undefined && typeof outcome.text !== 'string') item.hold(lease);
    out.push(item);
    return undefined;
  };
  const finish = (order: OrderState, out: EventItem[]): Promise<void> | undefined => take(settle(order, eventRules), out);
  const finishAll = async (orders: readonly OrderState[], out: EventItem[]): Promise<void> => {
    for (const order of orders) {
      const rejected = finish(order, out);
      if (rejected) await rejected;
    }
  };

  /**
   * An order a worker settled in its chunk: its rows are read (the item counted one), and an order
   * id ends the main thread's open run, whose order, if complete, comes back to be finished.
   */
  const settledInChunk = (rows: number, hasOrderId: boolean): OrderState | undefined => {
    report.rows.read += rows - 1;
    return hasOrderId && grouper instanceof PrescanGrouper ? grouper.endRun() : undefined;
  };

  let completed = false;
  try {
    try {
      for await (const { items, bytes, lease, file, heads } of readRows(sources, readOptions, report.input)) {
        const out: EventItem[] = [];
        for (const item of items) {
          report.rows.read++;
          if (typeof item === 'number') {
            // An order a worker put together and settled into its chunk's blocks (HeadTable): first the
            // main thread's open order ends. Not refused, and not too large to send (the worker checked).
            const table = heads as ChunkHeads;
            const at = item * HEAD_FIELDS;
            const rows = table.heads[at + HEAD_ROWS] as number;
            const ended = settledInChunk(rows, table.heads[at + HEAD_HAS_ORDER_ID] === 1);
            if (ended) await finishAll([ended], out);
            if (admitted(table.heads[at + HEAD_EVENT_TIME] as number, rows)) {
              counted(rows);
              const event = EventItem.inChunk(table, item, file as string, bytes as Uint8Array[], csv);
              if (lease !== undefined) event.hold(lease);
              out.push(event);
            }
            continue;
          }
          if (typeof item !== 'string') {
            const { pos, reason, countFor, ...detail } = item;
            await report.reject(reason, [pos], detail);
            // A refused row of an order the grouper is still counting rows of.
            const done = countFor !== undefined && grouper instanceof PrescanGrouper ? grouper.refused(countFor) : undefined;
            if (done) await finishAll(done, out);
            continue;
          }
          if (item.charCodeAt(0) === SETTLED_CODE) {
            // An order a worker settled as a line: refused, or its event too large to send.
            const settled = decodeSettled(item.slice(1), bytes, file);
            const ended = settledInChunk(settled.rows, settled.hasOrderId);
            if (ended) await finishAll([ended], out);
            const rejected = take(settled, out, lease);
            if (rejected) await rejected;
            continue;
          }
          const grouped = grouper.addEncoded(item);
          if (grouped.reject && grouped.row) {
            await report.reject(grouped.reject, [grouped.row.pos], {
              field: 'currency',
              message: REASONS[grouped.reject],
              ...orderIdField(grouped.row.orderId),
            });
          }
          if (grouped.done) await finishAll(grouped.done, out);
        }
        // The chunk's blocks go back to the workers once the events that point into them are out.
        lease?.end();
        if (out.length > 0) yield out;
        if (io.stopped?.()) break;
        // --limit N stops after N events (PRODUCT §5): the rest of the input is not read, and the rows
        // of orders still open count as excluded, as at any early stop (finally).
        if (report.events.built >= limit) {
          report.stoppedAtLimit = true;
          return;
        }
      }
    } catch (error) {
      // A stop destroys the input streams (io.signal): the read error that follows is the stop.
      if (!io.stopped?.()) throw error;
    }
    // Ctrl-C: what was read is not finished. An order still open may have rows further on, and an
    // event built from part of them would carry a wrong value under the event_id of the whole
    // order; its rows count as excluded, as at --limit (finally).
    if (io.stopped?.()) {
      report.interrupted = true;
      return;
    }
    // Every pass is over: the workers' heaps go before the spill's threads start theirs.
    await readOptions.pool?.close();
    if (runs) await checkUnchanged(sources, stamps);
    report.phase = 'grouping';
    report.readSeconds = Math.round((Date.now() - report.startedAt) / 100) / 10;
    for await (const chunk of grouper.finish()) {
      for (const { pos, orderId, reason } of chunk.rejects ?? []) {
        await report.reject(reason, [pos], {
          field: 'currency',
          message: REASONS[reason],
          ...orderIdField(orderId),
        });
      }
      const out: EventItem[] = [];
      if (chunk.orders) await finishAll(chunk.orders, out);
      for (const settled of chunk.settled ?? []) {
        const rejected = take(settled, out);
        if (rejected) await rejected;
      }
      if (out.length > 0) yield out;
    }
    completed = true;
  } finally {
    await readOptions.pool?.close();
    await grouper.close?.();
    report.mergeInvalid(invalid, resolver);
    if (!completed) {
      // The run stopped early (--limit reached, Ctrl-C, a fatal answer, a reader gone with EPIPE): rows of
      // orders that were still open never became events. They are counted as excluded, so the totals
      // still add up.
      const open = report.rows.read - report.rows.inEvents - report.rows.rejected - report.rows.excluded;
      report.rows.excluded += open;
      report.rowsExcludedByStop = open;
    }
  }
}

