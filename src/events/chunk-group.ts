import { encodeRow } from './row-format.js';
import { addToOrder, openOrder, type EventRules } from './order.js';
import { REASONS } from './reasons.js';
import { COUNT_UNKNOWN, type RepeatTest } from './runs.js';
import { ByteSink } from './bytes.js';
import { HeadTable, settleInto, type ChunkHeads } from './settle.js';
import type { NormalizedRow, RowReject } from '../rows/normalize-row.js';

interface Scattered {
  rows: NormalizedRow[];
  refused: RowReject[];
  expected: number;
}

/** Marks an item line that holds a settled order (events/settle.ts) rather than an encoded row. */
export const SETTLED_MARK = '\u0002';

/**
 * What a chunk yields: an encoded row, a settled order (an index in the chunk's HeadTable, or a line
 * of settleInto with SETTLED_MARK first), or a reject.
 */
export type ChunkItem = string | number | RowReject;

/**
 * Groups rows inside one chunk after a prescan (events/runs.ts), where worker threads do it in
 * parallel. An order whose id starts a single run, and whose run starts and ends inside the chunk,
 * is complete within the chunk: it is settled here and leaves as one line. So is an order whose id
 * may start several runs (interleaved with other orders) once the chunk holds as many of its rows as
 * the prescan counted: then it holds them all. Every other row leaves as an encoded row for the
 * main thread's PrescanGrouper: rows of the chunk's first run (it may continue the previous chunk's
 * last run), of its last run (it may go on in the next chunk), and of multi-run ids whose rows are
 * not all here. The latter leave when the chunk ends, before the last run's rows, which must come
 * last: a row of another order ends PrescanGrouper's open run.
 */
export class ChunkGrouper {
  private readonly runs: RepeatTest;
  private readonly rules: EventRules;
  private sawId = false;
  private currentId: string | undefined;
  /** 'first': the chunk's first run (its rows pass through); 'inner': its rows are held; 'multi': see scattered. */
  private kind: 'first' | 'inner' | 'multi' = 'first';
  private readonly held: NormalizedRow[] = [];
  /**
   * Rows of multi-run ids, by id in the order of their first rows here, with the refused ones (their
   * rejects are already among the items) and the rows the prescan counted.
   */
  private readonly scattered = new Map<string, Scattered>();
  /** Event JSON or upload CSV rows go here rather than into the item lines. */
  private readonly sink = new ByteSink();
  /** The settled orders whose events went to the sink, as numbers. */
  private readonly heads = new HeadTable();

  constructor(runs: RepeatTest, rules: EventRules) {
    this.runs = runs;
    this.rules = rules;
  }

  /** The blocks that this chunk's settled lines point into (decodeSettled), if any. */
  takeBytes(): Uint8Array[] | undefined {
    return this.sink.take();
  }

  /** This chunk's HeadTable entries, if any. */
  takeHeads(): ChunkHeads | undefined {
    return this.heads.take();
  }

  add(row: NormalizedRow, items: ChunkItem[]): void {
    const id = row.orderId;
    if (id === undefined) {
      // An event of its own; it does not end the run around it (the prescan skips such rows too).
      items.push(settleInto(openOrder(row), this.rules, this.sink, SETTLED_MARK, this.heads));
      return;
    }
    if (this.sawId && id === this.currentId) {
      if (this.kind === 'inner') this.held.push(row);
      else if (this.kind === 'multi') this.addScattered(id, row, items);
      else items.push(encodeRow(row));
      return;
    }
    this.settleHeld(items);
    this.currentId = id;
    if (this.runs.mayRepeat(id)) this.kind = 'multi';
    else this.kind = this.sawId ? 'inner' : 'first';
    this.sawId = true;
    if (this.kind === 'inner') this.held.push(row);
    else if (this.kind === 'multi') this.addScattered(id, row, items);
    else items.push(encodeRow(row));
  }

  /**
   * A row of a multi-run id: once the chunk holds as many of the id's rows as the prescan counted
   * (a count never below the truth), it holds all of them, and the order is settled here.
   */
  private addScattered(id: string, row: NormalizedRow, items: ChunkItem[]): void {
    const order = this.scatteredOf(id);
    order.rows.push(row);
    this.settleIfComplete(id, order, items);
  }

  /** A row the field rules refused: it counts among its order's rows. */
  refused(id: string | undefined, reject: RowReject, items: ChunkItem[]): void {
    if (id === undefined || !this.runs.mayRepeat(id)) return;
    const order = this.scatteredOf(id);
    order.refused.push(reject);
    this.settleIfComplete(id, order, items);
  }

  private scatteredOf(id: string): Scattered {
    let order = this.scattered.get(id);
    if (order === undefined) {
      order = { rows: [], refused: [], expected: this.runs.rowsAtLeast(id) };
      this.scattered.set(id, order);
    }
    return order;
  }

  private settleIfComplete(id: string, order: Scattered, items: ChunkItem[]): void {
    if (order.rows.length + order.refused.length !== order.expected || order.expected >= COUNT_UNKNOWN) return;
    this.scattered.delete(id);
    if (order.rows.length > 0) this.settleRows(order.rows, items);
  }

  /** The chunk has ended: the rows of a run still open leave as rows, and the state is reset. */
  end(items: ChunkItem[]): void {
    for (const [id, { rows, refused }] of this.scattered) {
      // The main thread goes on counting this order's rows: its refused rows tell it so.
      for (const reject of refused) reject.countFor = id;
      for (const row of rows) items.push(encodeRow(row));
    }
    this.scattered.clear();
    for (const row of this.held) items.push(encodeRow(row));
    this.held.length = 0;
    this.sawId = false;
    this.currentId = undefined;
    this.kind = 'first';
  }

  private settleHeld(items: ChunkItem[]): void {
    const rows = this.held;
    if (rows.length === 0) return;
    // Settling reads the rows at once: the array is reused for the next run's.
    this.settleRows(rows, items);
    rows.length = 0;
  }

  /** Puts an order together from all its rows and settles it; rows in another currency are refused. */
  private settleRows(rows: readonly NormalizedRow[], items: ChunkItem[]): void {
    const order = openOrder(rows[0] as NormalizedRow);
    for (let i = 1; i < rows.length; i++) {
      const row = rows[i] as NormalizedRow;
      const reject = addToOrder(order, row);
      if (reject) items.push({ pos: row.pos, reason: reject, field: 'currency', message: REASONS[reject], order_id: order.orderId as string });
    }
    items.push(settleInto(order, this.rules, this.sink, SETTLED_MARK, this.heads));
  }
}
