import type { Position } from '../errors.js';
import type { NormalizedRow } from '../rows/normalize-row.js';
import { decodeRow, encodedOrderKey } from './row-format.js';
import { addToOrder, openOrder, type OrderState } from './order.js';
import type { RejectReason } from './reasons.js';
import { BloomFilter, COUNT_UNKNOWN, hashId, type RunIndex } from './runs.js';
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

/** A grouper that can take over an open order (with its key), whose later rows it will then get. */
export interface AdoptingGrouper extends Grouper {
  adopt(key: string, order: OrderState): void;
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

  adopt(key: string, order: OrderState): void {
    this.open.set(key, order);
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

/** An order of a multi-run id that the main thread puts together, and the rows it has seen of it. */
interface Counted {
  /** Undefined while every row seen was refused. */
  order: OrderState | undefined;
  seen: number;
  /** The rows the prescan counted for its id (never fewer than it has). */
  expected: number;
}

/** Most bits of the filter of keys sent to `rest` (4 MiB). */
const TO_REST_BITS = 25;

/**
 * `--grouping full` after a prescan (events/runs.ts): an order whose id starts a single run is
 * complete as soon as a row of another order arrives, so it is emitted there, as with adjacent
 * grouping, and nothing is held. An order whose id may start several runs is complete once as many
 * of its rows came (refused ones included) as the prescan counted, a count never below the truth:
 * up to `bound` such orders are counted here and emitted when complete. Past the bound the oldest
 * goes to `rest` (memory, then spill), and so does every order the count cannot tell (a saturated or
 * inflated count); a filter of their keys sends all their later rows after them, and they come out
 * when the input ends. Rows without order_id are events of their own and are emitted at once. Exact
 * for any input order, provided the file did not change between the two passes (the pipeline
 * checks its size and time).
 */
export class PrescanGrouper implements Grouper {
  private current: OrderState | undefined;
  private currentKey: string | undefined;
  private readonly runs: RunIndex;
  private readonly rest: AdoptingGrouper;
  private readonly bound: number;
  private readonly counting = new Map<string, Counted>();
  /**
   * Keys of orders sent to `rest`: false positives only send more orders there. Made at the first
   * such order: often there is none (the bench's 1M-row exports), and a zeroed filter is resident.
   */
  private toRest: BloomFilter | undefined;
  /**
   * Only multi-run ids (and the multi-run filter's false positives) can go to `rest`: twice the bits
   * of that filter, itself sized by the repeated runs, hold them all. The 10M-row order export took
   * 256 KiB, not 4 MiB; item exports, which repeat millions of ids, still take the most.
   */
  private readonly toRestBits: number;
  private readonly hashes = new Uint32Array(2);

  constructor(runs: RunIndex, rest: AdoptingGrouper, bound: number) {
    this.runs = runs;
    this.rest = rest;
    this.bound = bound;
    this.toRestBits = Math.min(TO_REST_BITS, Math.log2(runs.multi.words.length * 32) + 1);
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
      const result = this.addCounted(key, line);
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

  /** A row of a multi-run order that the field rules refused in a worker: it counts among the order's rows. */
  refused(orderId: string): OrderState[] | undefined {
    const key = `o${orderId}`;
    const counted = this.countedOf(key);
    if (counted === undefined) return undefined;
    counted.seen++;
    return this.completed(key, counted);
  }

  private addCounted(key: string, line: string): EncodedResult {
    const counted = this.countedOf(key);
    if (counted === undefined) return this.rest.addEncoded(line);
    const row = decodeRow(line);
    counted.seen++;
    let reject: EncodedResult['reject'];
    if (counted.order === undefined) counted.order = openOrder(row);
    else reject = addToOrder(counted.order, row);
    const done = this.completed(key, counted);
    return { ...(reject ? { reject, row } : {}), ...(done ? { done } : {}) };
  }

  /** The count of a multi-run order, opened at its first row; undefined when its rows go to `rest`. */
  private countedOf(key: string): Counted | undefined {
    const counted = this.counting.get(key);
    if (counted !== undefined) return counted;
    hashId(key, this.hashes, 0);
    if (this.toRest?.has(this.hashes[0] as number, this.hashes[1] as number)) return undefined;
    const expected = this.runs.rowsAtLeast(key.slice(1));
    if (expected >= COUNT_UNKNOWN) {
      this.sendToRest();
      return undefined;
    }
    if (this.counting.size >= this.bound) this.evictOldest();
    const opened: Counted = { order: undefined, seen: 0, expected };
    this.counting.set(key, opened);
    return opened;
  }

  /** The key hashed into `hashes` goes to `rest`, and so will all its later rows. */
  private sendToRest(): void {
    this.toRest ??= new BloomFilter(this.toRestBits);
    this.toRest.add(this.hashes[0] as number, this.hashes[1] as number);
  }

  private evictOldest(): void {
    const [key, oldest] = this.counting.entries().next().value as [string, Counted];
    this.counting.delete(key);
    hashId(key, this.hashes, 0);
    this.sendToRest();
    if (oldest.order !== undefined) this.rest.adopt(key, oldest.order);
  }

  private completed(key: string, counted: Counted): OrderState[] | undefined {
    if (counted.seen !== counted.expected) return undefined;
    this.counting.delete(key);
    return counted.order ? [counted.order] : undefined;
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
    // Orders whose count was inflated (a collision in the sketch) never completed.
    const left = [...this.counting.values()].flatMap((c) => (c.order ? [c.order] : []));
    this.counting.clear();
    if (left.length > 0) yield { orders: left };
    yield* this.rest.finish();
  }

  async close(): Promise<void> {
    await this.rest.close?.();
  }
}
