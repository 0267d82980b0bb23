import type { Position } from '../errors.js';
import type { ConversionEvent } from '../pinterest/contract.js';
import { csvRow } from '../upload/rows.js';
import { buildEvent, serializeEvent, type EventRules, type OrderState } from './order.js';

/**
 * text is the event as it leaves pinconv: its JSON, or, when EventRules.csvColumns is set, its upload
 * CSV row (without line end); bytes is its UTF-8 size, measured where it was settled (often a worker
 * thread). event is the object when the order was settled in this thread.
 */
export type Outcome =
  | { ok: true; eventTime: number; text: string; bytes: number; event?: ConversionEvent }
  | { ok: false; reason: 'NO_IDENTIFIER' | 'NO_VALUE' };

/**
 * A complete order turned into its outcome: a serialised event, or the reason it was refused.
 * Read back from a spill run, its positions and order id stay text until someone asks for them:
 * most events never need them.
 */
export class Settled {
  readonly firstSeq: number;
  readonly rows: number;
  readonly outcome: Outcome;
  private positionsValue: Position[] | undefined;
  private readonly positionsText: string;
  private orderIdValue: string | undefined;
  private readonly orderIdText: string;

  constructor(firstSeq: number, rows: number, outcome: Outcome, positions: Position[] | string, orderId: string | undefined | { text: string }) {
    this.firstSeq = firstSeq;
    this.rows = rows;
    this.outcome = outcome;
    if (typeof positions === 'string') {
      this.positionsText = positions;
    } else {
      this.positionsValue = positions;
      this.positionsText = '';
    }
    if (typeof orderId === 'object') {
      this.orderIdText = orderId.text;
    } else {
      this.orderIdValue = orderId;
      this.orderIdText = '';
    }
  }

  get positions(): Position[] {
    this.positionsValue ??= JSON.parse(this.positionsText) as Position[];
    return this.positionsValue;
  }

  /** Whether the order has an order_id (without parsing it). */
  get hasOrderId(): boolean {
    return this.orderIdValue !== undefined || this.orderIdText !== '';
  }

  get orderId(): string | undefined {
    if (this.orderIdValue === undefined && this.orderIdText !== '') this.orderIdValue = JSON.parse(this.orderIdText) as string;
    return this.orderIdValue;
  }
}

export function settle(order: OrderState, rules: EventRules): Settled {
  const built = buildEvent(order, rules);
  let outcome: Outcome;
  if (built.ok) {
    const text = rules.csvColumns ? csvRow(built.event, rules.csvColumns) : serializeEvent(built.event);
    outcome = { ok: true, eventTime: built.event.event_time, text, bytes: Buffer.byteLength(text), event: built.event };
  } else {
    outcome = { ok: false, reason: built.reason };
  }
  return new Settled(order.firstSeq, order.positions.length, outcome, order.positions, order.orderId);
}

// A run line: seq, rows, positions, order id, outcome, then the reason, or the event time, the text's
// UTF-8 size and the event's text.
// JSON.stringify never leaves a raw tab or line break in its output, so tabs separate the fields and
// lines end at newlines. The text comes last, as it is: event JSON never holds a raw line break, and a
// CSV row rarely does (a quoted order_id may); such a text is written as a JSON string, outcome "2".
export function encodeSettled(s: Settled): string {
  const head = `${s.firstSeq}\t${s.rows}\t${JSON.stringify(s.positions)}\t${s.orderId === undefined ? '' : JSON.stringify(s.orderId)}`;
  if (!s.outcome.ok) return `${head}\t0\t${s.outcome.reason}`;
  const text = s.outcome.text;
  const { eventTime, bytes } = s.outcome;
  return text.indexOf('\n') < 0 && text.indexOf('\r') < 0 ? `${head}\t1\t${eventTime}\t${bytes}\t${text}` : `${head}\t2\t${eventTime}\t${bytes}\t${JSON.stringify(text)}`;
}

export function decodeSettled(line: string): Settled {
  const t1 = line.indexOf('\t');
  const t2 = line.indexOf('\t', t1 + 1);
  const t3 = line.indexOf('\t', t2 + 1);
  const t4 = line.indexOf('\t', t3 + 1);
  const t5 = line.indexOf('\t', t4 + 1);
  const code = line.charCodeAt(t4 + 1);
  let outcome: Outcome;
  if (code === 0x30) {
    outcome = { ok: false, reason: line.slice(t5 + 1) as 'NO_IDENTIFIER' | 'NO_VALUE' };
  } else {
    const t6 = line.indexOf('\t', t5 + 1);
    const t7 = line.indexOf('\t', t6 + 1);
    const text = line.slice(t7 + 1);
    outcome = { ok: true, eventTime: Number(line.slice(t5 + 1, t6)), bytes: Number(line.slice(t6 + 1, t7)), text: code === 0x31 ? text : (JSON.parse(text) as string) };
  }
  return new Settled(Number(line.slice(0, t1)), Number(line.slice(t1 + 1, t2)), outcome, line.slice(t2 + 1, t3), { text: line.slice(t3 + 1, t4) });
}
