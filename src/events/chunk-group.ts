import { encodeRow } from './row-format.js';
import { addToOrder, openOrder, type EventRules } from './order.js';
import { REASONS } from './reasons.js';
import type { RepeatTest } from './runs.js';
import { ByteSink, encodeSettled, settle } from './settle.js';
import type { NormalizedRow, RowReject } from '../rows/normalize-row.js';

/** Marks an item line that holds a settled order (events/settle.ts) rather than an encoded row. */
export const SETTLED_MARK = '\u0002';

/** What a chunk yields: an encoded row, a settled order (SETTLED_MARK + encodeSettled), or a reject. */
export type ChunkItem = string | RowReject;

/**
 * Groups rows inside one chunk after a prescan (events/runs.ts), where worker threads do it in
 * parallel. An order whose id starts a single run, and whose run starts and ends inside the chunk,
 * is complete within the chunk: it is settled here and leaves as one line. Every other row leaves
 * as an encoded row for the main thread's PrescanGrouper: rows of the chunk's first run (it may
 * continue the previous chunk's last run), of its last run (it may go on in the next chunk), and of
 * ids that may start several runs. The items keep the order in which PrescanGrouper would emit
 * them, so the output is the same however the input is cut into chunks.
 */
export class ChunkGrouper {
  private readonly runs: RepeatTest;
  private readonly rules: EventRules;
  private sawId = false;
  private currentId: string | undefined;
  /** 'first': the chunk's first run; 'inner': its rows are held; 'multi': rows pass through. */
  private kind: 'first' | 'inner' | 'multi' = 'first';
  private held: NormalizedRow[] = [];
  /** Event JSON or upload CSV rows go here rather than into the item lines. */
  private readonly sink = new ByteSink();

  constructor(runs: RepeatTest, rules: EventRules) {
    this.runs = runs;
    this.rules = rules;
  }

  /** The bytes that this chunk's settled lines point into (decodeSettled), if any. */
  takeBytes(): Uint8Array | undefined {
    return this.sink.take();
  }

  add(row: NormalizedRow, items: ChunkItem[]): void {
    const id = row.orderId;
    if (id === undefined) {
      // An event of its own; it does not end the run around it (the prescan skips such rows too).
      items.push(SETTLED_MARK + encodeSettled(settle(openOrder(row), this.rules), this.sink));
      return;
    }
    if (this.sawId && id === this.currentId) {
      if (this.kind === 'inner') this.held.push(row);
      else items.push(encodeRow(row));
      return;
    }
    this.settleHeld(items);
    this.currentId = id;
    if (this.runs.mayRepeat(id)) this.kind = 'multi';
    else this.kind = this.sawId ? 'inner' : 'first';
    this.sawId = true;
    if (this.kind === 'inner') this.held.push(row);
    else items.push(encodeRow(row));
  }

  /** The chunk has ended: the rows of a run still open leave as rows, and the state is reset. */
  end(items: ChunkItem[]): void {
    for (const row of this.held) items.push(encodeRow(row));
    this.held = [];
    this.sawId = false;
    this.currentId = undefined;
    this.kind = 'first';
  }

  private settleHeld(items: ChunkItem[]): void {
    const rows = this.held;
    if (rows.length === 0) return;
    this.held = [];
    const order = openOrder(rows[0] as NormalizedRow);
    for (let i = 1; i < rows.length; i++) {
      const row = rows[i] as NormalizedRow;
      const reject = addToOrder(order, row);
      if (reject) items.push({ pos: row.pos, reason: reject, field: 'currency', message: REASONS[reject], order_id: order.orderId as string });
    }
    items.push(SETTLED_MARK + encodeSettled(settle(order, this.rules), this.sink));
  }
}
