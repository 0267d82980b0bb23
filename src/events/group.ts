import type { Position } from '../errors.js';
import type { NormalizedRow } from '../rows/normalize-row.js';
import { decodeRow, encodedOrderKey } from './row-format.js';
import { addToOrder, openOrder, type OrderState } from './order.js';
import type { RejectReason } from './reasons.js';
import type { RunIndex } from './runs.js';
import type { Settled } from './settle.js';

export type GroupResult = { reject?: RejectReason; done?: OrderState[] };
/** The result of adding an encoded row; a rejected row comes back decoded, for its position. */
export type EncodedResult = GroupResult & { row?: NormalizedRow };

/** A row refused while orders were merged after a spill (its reject surfaces at the end). */
export interface LateReject {
  pos: Position;
  orderId: string | undefined;
  reason: RejectReason;
}

export interface FinishedChunk {
  orders?: OrderState[];
  /** Orders already turned into outcomes (after a spill), in first-row order. */
  settled?: Settled[];
  rejects?: LateReject[];
}

export interface Grouper {
  /**
   * Adds a row encoded by events/row-format.ts; returns a reject for the row, and orders that are
   * complete, if any.
   */
  addEncoded(line: string): EncodedResult;
  /** The orders still open, once the input has ended, in the order of their first rows. */
  finish(): AsyncIterable<FinishedChunk>;
  /** Removes temporary files, if any; safe to call more than once. */
  close?(): Promise<void>;
}

/**
 * `--grouping adjacent`: an order ends when the next row has another order_id. A row of an order
 * that already ended is rejected; ended ids are remembered up to a bound.
 */
export class AdjacentGrouper implements Grouper {
  private current: OrderState | undefined;
  private readonly ended = new Set<string>();
  /** Bound on remembered ended order ids (~100 bytes each); older ones are forgotten first. */
  static readonly MAX_ENDED = 1_000_000;

  add(row: NormalizedRow): GroupResult {
    const current = this.current;
    if (row.orderId !== undefined && current !== undefined && current.orderId === row.orderId) {
      const reject = addToOrder(current, row);
      return reject ? { reject } : {};
    }
    if (row.orderId !== undefined && this.ended.has(row.orderId)) return { reject: 'ORDER_NOT_ADJACENT' };
    this.current = openOrder(row);
    if (current === undefined) return {};
    this.remember(current);
    return { done: [current] };
  }

  addEncoded(line: string): EncodedResult {
    const row = decodeRow(line);
    const result = this.add(row);
    return result.reject ? { ...result, row } : result;
  }

  private remember(order: OrderState): void {
    if (order.orderId === undefined) return;
    if (this.ended.size >= AdjacentGrouper.MAX_ENDED) {
      const oldest = this.ended.values().next().value;
      if (oldest !== undefined) this.ended.delete(oldest);
    }
    this.ended.add(order.orderId);
  }

  async *finish(): AsyncIterable<FinishedChunk> {
    if (this.current) yield { orders: [this.current] };
    this.current = undefined;
  }
}

/**
 * `--grouping full`: exact for any input order. Orders are kept in a Map (insertion order = order of
 * first rows) and emitted when the input ends.
 */
export class MemoryGrouper implements Grouper {
  private readonly open = new Map<string, OrderState>();
  private anonymous = 0;

  get size(): number {
    return this.open.size;
  }

  add(row: NormalizedRow): GroupResult {
    // Rows without order_id are one event each; their key only has to be unique.
    const key = this.keyOf(row);
    const order = this.open.get(key);
    if (order === undefined) {
      this.open.set(key, openOrder(row));
      return {};
    }
    const reject = addToOrder(order, row);
    return reject ? { reject } : {};
  }

  addEncoded(line: string): EncodedResult {
    const row = decodeRow(line);
    const result = this.add(row);
    return result.reject ? { ...result, row } : result;
  }

  /** Hands over every open order, in first-row order, and forgets them. */
  take(): IterableIterator<[string, OrderState]> {
    const entries = [...this.open.entries()];
    this.open.clear();
    return entries.values();
  }

  async *finish(): AsyncIterable<FinishedChunk> {
    let batch: OrderState[] = [];
    for (const order of this.open.values()) {
      batch.push(order);
      if (batch.length >= 256) {
        yield { orders: batch };
        batch = [];
      }
    }
    this.open.clear();
    if (batch.length > 0) yield { orders: batch };
  }

  /** The grouping key of a row: its order_id, or a key of its own. */
  private keyOf(row: NormalizedRow): string {
    return row.orderId === undefined ? `\u0000${this.anonymous++}` : `o${row.orderId}`;
  }
}

/**
 * `--grouping full` after a prescan (events/runs.ts): an order whose id starts a single run is
 * complete as soon as a row of another order arrives, so it is emitted there, as with adjacent
 * grouping, and nothing is held. Orders whose id may start several runs go to `rest` (memory,
 * then spill) and come out when the input ends. Rows without order_id are events of their own
 * and are emitted at once. Exact for any input order, provided the file did not change between
 * the two passes (the pipeline checks its size and time).
 */
export class PrescanGrouper implements Grouper {
  private current: OrderState | undefined;
  private currentKey: string | undefined;
  private readonly runs: RunIndex;
  private readonly rest: Grouper;

  constructor(runs: RunIndex, rest: Grouper) {
    this.runs = runs;
    this.rest = rest;
  }

  addEncoded(line: string): EncodedResult {
    const key = encodedOrderKey(line);
    if (key === undefined) return { done: [openOrder(decodeRow(line))] };
    let done: OrderState[] | undefined;
    if (this.current !== undefined && this.currentKey !== key) {
      // A row of another order: the current one had a single run, which has just ended.
      done = [this.current];
      this.current = undefined;
      this.currentKey = undefined;
    }
    if (this.runs.mayRepeat(key.slice(1))) {
      const result = this.rest.addEncoded(line);
      return done ? { ...result, done: result.done ? [...done, ...result.done] : done } : result;
    }
    const row = decodeRow(line);
    if (this.current === undefined) {
      this.current = openOrder(row);
      this.currentKey = key;
      return done ? { done } : {};
    }
    const reject = addToOrder(this.current, row);
    return reject ? { reject, row } : {};
  }

  /** A worker settled an order with an id: the open order's run has ended, if there is one. */
  endRun(): OrderState | undefined {
    const ended = this.current;
    this.current = undefined;
    this.currentKey = undefined;
    return ended;
  }

  async *finish(): AsyncIterable<FinishedChunk> {
    if (this.current) yield { orders: [this.current] };
    this.current = undefined;
    yield* this.rest.finish();
  }

  async close(): Promise<void> {
    await this.rest.close?.();
  }
}
