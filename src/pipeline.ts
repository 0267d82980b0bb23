import type { Readable } from 'node:stream';
import type { Position } from './errors.js';
import { Batcher, MAX_BATCH_BYTES } from './events/batch.js';
import { AdjacentGrouper, MemoryGrouper, type Grouper } from './events/group.js';
import type { OrderState } from './events/order.js';
import { settle, type Settled } from './events/settle.js';
import { REASONS } from './events/reasons.js';
import { inWindow, timeWindow } from './events/window.js';
import { resolveSources } from './input/open.js';
import { readRows } from './input/records.js';
import { ymdOf } from './normalize/birthdate.js';
import type { PipelineOptions } from './options.js';
import type { ConversionEvent } from './pinterest/contract.js';
import { orderIdField, type Report } from './report.js';
import { ColumnResolver, type Field } from './rows/columns.js';
import type { InvalidFieldCounts, RowRules } from './rows/normalize-row.js';
import { SpillGrouper } from './events/spill.js';

/** An event ready to leave pinconv, with the input rows it came from. */
export class EventItem {
  /** The event serialised once, as it goes into request bodies. */
  readonly json: string;
  private readonly source: Position[] | Settled;
  private parsed: ConversionEvent | undefined;

  constructor(json: string, positions: Position[] | Settled, event?: ConversionEvent) {
    this.json = json;
    this.source = positions;
    this.parsed = event;
  }

  /** The input rows of the event (parsed on demand for events read back from a spill). */
  get positions(): Position[] {
    return Array.isArray(this.source) ? this.source : this.source.positions;
  }

  /** event_id without parsing: pinconv writes it as a 64-hex string right after "event_id". */
  get eventId(): string {
    if (this.parsed) return this.parsed.event_id;
    const at = this.json.indexOf('"event_id":"') + 12;
    return this.json.slice(at, at + 64);
  }

  /** The event as an object; events read back from a spill are parsed only when asked for. */
  get event(): ConversionEvent {
    this.parsed ??= JSON.parse(this.json) as ConversionEvent;
    return this.parsed;
  }
}

export interface PipelineIO {
  stdin?: Readable;
  /** Stops reading when it returns true (Ctrl-C); what was read is still finished. */
  stopped?: () => boolean;
}

function requiredColumns(options: PipelineOptions): Field[][] {
  const required: Field[][] = [['timestamp'], ['email', 'maid'], ['order_revenue', 'price']];
  if (options.defaultCurrency === undefined) required.push(['currency']);
  return required;
}

/**
 * The core pipeline: input records → field rules → one order per order_id → events in the window.
 * Yields arrays of events (in input order of each order's first row) and keeps the report's counts.
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
  };
  const invalid: InvalidFieldCounts = {};
  const eventRules = { partnerName: options.partnerName, emailIdentifies: options.emailIdentifies, maidIdentifies: options.maidIdentifies };
  const grouper: Grouper =
    options.grouping === 'adjacent'
      ? new AdjacentGrouper()
      : new SpillGrouper(new MemoryGrouper(), options.maxOpenOrders, eventRules, options.threads, options.tempDir);
  const window = timeWindow(options.now, options.windowDays);
  const limit = options.limit ?? Number.POSITIVE_INFINITY;

  /** Counts a settled order: a reject, excluded by the window or --limit, or an event to pass on. */
  const take = async (settled: Settled, out: EventItem[]): Promise<void> => {
    const { outcome, rows } = settled;
    if (!outcome.ok) {
      const orderId = settled.orderId;
      await report.reject(outcome.reason, settled.positions, {
        message: REASONS[outcome.reason],
        ...orderIdField(orderId),
      });
      return;
    }
    if (!inWindow(outcome.eventTime, window)) {
      report.rows.excluded += rows;
      report.events.excluded++;
      report.events.excludedByWindow++;
      return;
    }
    if (report.events.built >= limit) {
      report.rows.excluded += rows;
      report.events.excluded++;
      report.events.excludedByLimit++;
      return;
    }
    if (Batcher.soloBytes(outcome.json) > MAX_BATCH_BYTES) {
      const orderId = settled.orderId;
      await report.reject('EVENT_TOO_LARGE', settled.positions, { message: REASONS.EVENT_TOO_LARGE, ...orderIdField(orderId) });
      return;
    }
    report.events.built++;
    report.rows.inEvents += rows;
    out.push(new EventItem(outcome.json, settled, outcome.event));
  };
  const finish = (order: OrderState, out: EventItem[]): Promise<void> => take(settle(order, eventRules), out);

  let completed = false;
  try {
    for await (const batch of readRows(sources, {
      format: options.format,
      delimiter: options.delimiter,
      maxRecordBytes: options.maxRecordBytes,
      resolver,
      requiredColumns: requiredColumns(options),
      rules,
      threads: options.threads,
      invalid,
      ...(io.stdin ? { stdin: io.stdin } : {}),
    }, report.input)) {
      const out: EventItem[] = [];
      for (const item of batch) {
        report.rows.read++;
        if (typeof item !== 'string') {
          const { pos, reason, ...detail } = item;
          await report.reject(reason, [pos], detail);
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
        if (grouped.done) for (const order of grouped.done) await finish(order, out);
      }
      if (out.length > 0) yield out;
      if (io.stopped?.()) break;
    }
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
      for (const order of chunk.orders ?? []) await finish(order, out);
      for (const settled of chunk.settled ?? []) await take(settled, out);
      if (out.length > 0) yield out;
    }
    completed = true;
  } finally {
    await grouper.close?.();
    report.mergeInvalid(invalid, resolver);
    if (!completed) {
      // The consumer stopped early (a fatal answer, a reader gone with EPIPE): rows of orders that
      // were still open never became events. They are counted as excluded, so the totals still add up.
      const open = report.rows.read - report.rows.inEvents - report.rows.rejected - report.rows.excluded;
      report.rows.excluded += open;
      report.rowsExcludedByStop = open;
    }
  }
}

