import type { Position } from '../errors.js';
import type { ConversionEvent } from '../pinterest/contract.js';
import { csvRow, writeOrderCsvRow } from '../upload/rows.js';
import { bytesAt, textOf, type ByteSink } from './bytes.js';
import { eventBasis, eventOf, writeOrderEvent, type EventRules, type OrderState } from './order.js';
import { Batcher } from './batch.js';

/**
 * text is the event as it leaves pinconv: its JSON, or, when EventRules.csvColumns is set, its upload
 * CSV row (without line end); bytes is its UTF-8 size, measured where it was settled (often a worker
 * thread). event is the object when the order was settled in this thread.
 */
export type Outcome =
  | { ok: true; eventTime: number; text: string | Uint8Array; bytes: number; event?: ConversionEvent }
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
  /** JSON of the positions, or, from a chunk result, their line numbers in `file` ("12" or "12,13"). */
  private readonly positionsText: string;
  private readonly file: string;
  private orderIdValue: string | undefined;
  private readonly orderIdText: string;

  constructor(firstSeq: number, rows: number, outcome: Outcome, positions: Position[] | string, orderId: string | undefined | { text: string }, file = '') {
    this.firstSeq = firstSeq;
    this.file = file;
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
    if (this.positionsValue === undefined) {
      const text = this.positionsText;
      this.positionsValue = text.charCodeAt(0) === 0x5b ? (JSON.parse(text) as Position[]) : lineNumbersIn(text, this.file);
    }
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
  const decided = eventBasis(order, rules);
  let outcome: Outcome;
  if (decided.ok) {
    const event = eventOf(order, rules, decided.basis);
    const { csvColumns } = rules;
    const text = csvColumns ? csvRow(event, csvColumns) : textOf((out) => writeOrderEvent(order, rules, decided.basis, out));
    outcome = { ok: true, eventTime: event.event_time, text, bytes: Buffer.byteLength(text), event };
  } else {
    outcome = { ok: false, reason: decided.reason };
  }
  return new Settled(order.firstSeq, order.positions.length, outcome, order.positions, order.orderId);
}

// A run line: seq, rows, positions, order id, outcome, then the reason, or the event time, the text's
// UTF-8 size and the event's text.
// JSON.stringify never leaves a raw tab or line break in its output, so tabs separate the fields and
// lines end at newlines. The text comes last, as it is: event JSON never holds a raw line break, and a
// CSV row rarely does (a quoted order_id may); such a text is written as a JSON string, outcome "2".
// A line of a chunk result gives instead the text's location in the chunk's blocks, outcome "3", and its
// positions as line numbers: they all name the chunk's file.
export function encodeSettled(s: Settled, sink?: ByteSink): string {
  const head = settledHead(s.firstSeq, s.rows, sink ? lineNumbers(s.positions) : JSON.stringify(s.positions), s.orderId);
  if (!s.outcome.ok) return `${head}\t0\t${s.outcome.reason}`;
  const text = s.outcome.text;
  if (typeof text !== 'string') throw new Error('a settled order read as bytes is never encoded again');
  // In a chunk result the text goes to the chunk's bytes and the line keeps its offset (outcome "3").
  if (sink) return `${head}\t3\t${s.outcome.eventTime}\t${s.outcome.bytes}\t${sink.append(text, s.outcome.bytes)}`;
  const { eventTime, bytes } = s.outcome;
  return text.indexOf('\n') < 0 && text.indexOf('\r') < 0 ? `${head}\t1\t${eventTime}\t${bytes}\t${text}` : `${head}\t2\t${eventTime}\t${bytes}\t${JSON.stringify(text)}`;
}

function settledHead(firstSeq: number, rows: number, positions: string, orderId: string | undefined): string {
  return `${firstSeq}\t${rows}\t${positions}\t${orderId === undefined ? '' : JSON.stringify(orderId)}`;
}

/**
 * settle + encodeSettled for a chunk result: the event's JSON, or its upload CSV row, is written
 * straight into the chunk's bytes, with no string in between, and JSON without the event object
 * (most of a worker's garbage was the event's text and object). The line starts with `prefix`.
 * It is joined into one flat string: a template literal made a tree of about ten strings per line,
 * which lived as long as the chunk's items and so was often promoted to the old generation (the
 * pieces joined here die young).
 */
export function settleInto(order: OrderState, rules: EventRules, sink: ByteSink, prefix?: string): string;
/**
 * With a HeadTable, an event that goes on as it is (not refused, and with `send` not over a request
 * body's limit) is noted there instead, and its index in the table comes back.
 */
export function settleInto(order: OrderState, rules: EventRules, sink: ByteSink, prefix: string, table: HeadTable): string | number;
export function settleInto(order: OrderState, rules: EventRules, sink: ByteSink, prefix = '', table?: HeadTable): string | number {
  const decided = eventBasis(order, rules);
  if (decided.ok) {
    sink.start();
    if (rules.csvColumns) writeOrderCsvRow(order, decided.basis, rules.csvColumns, sink);
    else writeOrderEvent(order, rules, decided.basis, sink);
    if (table !== undefined && !tooLargeToSend(rules, sink.written)) {
      return table.add(order, sink.written, sink.location);
    }
  }
  const head = prefix + settledHead(order.firstSeq, order.positions.length, lineNumbers(order.positions), order.orderId);
  if (!decided.ok) return [head, '0', decided.reason].join('\t');
  return [head, '3', order.eventTime, sink.written, sink.location].join('\t');
}

/**
 * Whether an event of this UTF-8 size exceeds a request body alone (EVENT_TOO_LARGE); an upload row
 * is bounded by --max-bytes when it is written instead.
 */
export function tooLargeToSend(rules: EventRules, size: number): boolean {
  return rules.csvColumns === undefined && Batcher.tooLarge(size);
}

/** Where a HeadTable entry keeps each number, and how many it has. */
export const HEAD_ROWS = 0;
export const HEAD_HAS_ORDER_ID = 1;
export const HEAD_EVENT_TIME = 2;
/** The UTF-8 size of the event's text, and its location in the chunk's blocks (bytesAt). */
export const HEAD_SIZE = 3;
export const HEAD_LOCATION = 4;
/** Where the order's line numbers start in the table's `lines` (there are HEAD_ROWS of them). */
export const HEAD_LINES = 5;
export const HEAD_FIELDS = 6;

/** A chunk's HeadTable as it crosses to the main thread. */
export interface ChunkHeads {
  heads: Float64Array;
  lines: Float64Array;
}

/**
 * The orders of a chunk settled into its blocks, as numbers: a chunk item that is a number is its
 * order's index here. A line of text per order (settledHead, then join) took a worker about a tenth
 * of its time on the upload path (1M-row order export), and the main thread had to read the
 * numbers back out of it; the numbers now cross as two typed arrays per chunk. Refused orders, and
 * events too large to send, still leave as lines: their reject needs the order id.
 */
export class HeadTable {
  private heads: Float64Array<ArrayBuffer> = new Float64Array(HEAD_FIELDS * 256);
  private lines: Float64Array<ArrayBuffer> = new Float64Array(512);
  private count = 0;
  private linesUsed = 0;

  /** Notes an order whose event's text is `size` bytes at `location`; returns its index. */
  add(order: OrderState, size: number, location: number): number {
    const positions = order.positions;
    if ((this.count + 1) * HEAD_FIELDS > this.heads.length) this.heads = grown(this.heads, (this.count + 1) * HEAD_FIELDS);
    if (this.linesUsed + positions.length > this.lines.length) this.lines = grown(this.lines, this.linesUsed + positions.length);
    const at = this.count * HEAD_FIELDS;
    const heads = this.heads;
    heads[at + HEAD_ROWS] = positions.length;
    heads[at + HEAD_HAS_ORDER_ID] = order.orderId === undefined ? 0 : 1;
    heads[at + HEAD_EVENT_TIME] = order.eventTime;
    heads[at + HEAD_SIZE] = size;
    heads[at + HEAD_LOCATION] = location;
    heads[at + HEAD_LINES] = this.linesUsed;
    for (let i = 0; i < positions.length; i++) this.lines[this.linesUsed++] = (positions[i] as Position).line;
    return this.count++;
  }

  /** The chunk's entries, if any (copies of the used part), and a fresh start for the next chunk. */
  take(): ChunkHeads | undefined {
    if (this.count === 0) return undefined;
    const taken = { heads: this.heads.slice(0, this.count * HEAD_FIELDS), lines: this.lines.slice(0, this.linesUsed) };
    this.count = 0;
    this.linesUsed = 0;
    return taken;
  }
}

function grown(array: Float64Array, least: number): Float64Array<ArrayBuffer> {
  const bigger = new Float64Array(Math.max(least, array.length * 2));
  bigger.set(array);
  return bigger;
}

/** The positions of entry k of a chunk's heads, in `file`. */
export function headPositions(table: ChunkHeads, k: number, file: string): Position[] {
  const at = k * HEAD_FIELDS;
  const from = table.heads[at + HEAD_LINES] as number;
  const rows = table.heads[at + HEAD_ROWS] as number;
  const positions: Position[] = new Array(rows);
  for (let i = 0; i < rows; i++) positions[i] = { file, line: table.lines[from + i] as number };
  return positions;
}

function lineNumbers(positions: readonly Position[]): string {
  let text = '';
  for (let i = 0; i < positions.length; i++) text += i === 0 ? String((positions[i] as Position).line) : `,${(positions[i] as Position).line}`;
  return text;
}

/** The integer that encodeSettled wrote at line[from, to): an optional minus sign, then digits. */
function integerIn(line: string, from: number, to: number): number {
  const negative = line.charCodeAt(from) === 0x2d;
  let value = 0;
  for (let i = negative ? from + 1 : from; i < to; i++) value = value * 10 + (line.charCodeAt(i) - 0x30);
  return negative ? -value : value;
}

/** The fields of a run line that decide what becomes of its order, read in place (decodeSettled). */
export class LineHead {
  firstSeq = 0;
  rows = 0;
  hasOrderId = false;
  /** The outcome's code: '0' refused, '1' and '2' text in the line, '3' text in the chunk's blocks. */
  code = 0;
  eventTime = 0;
  /** The text's UTF-8 size. */
  size = 0;
  /** Where the tabs before the positions, the order id, the outcome and the text (t7) are. */
  t2 = 0;
  t3 = 0;
  t4 = 0;
  t5 = 0;
  t7 = 0;

  /** Reads `line` from `from` (past a mark, for a chunk result's item). */
  read(line: string, from = 0): this {
    const t1 = line.indexOf('\t', from);
    const t2 = line.indexOf('\t', t1 + 1);
    const t3 = line.indexOf('\t', t2 + 1);
    const t4 = line.indexOf('\t', t3 + 1);
    const t5 = line.indexOf('\t', t4 + 1);
    this.firstSeq = integerIn(line, from, t1);
    this.rows = integerIn(line, t1 + 1, t2);
    this.hasOrderId = t4 > t3 + 1;
    this.code = line.charCodeAt(t4 + 1);
    this.t2 = t2;
    this.t3 = t3;
    this.t4 = t4;
    this.t5 = t5;
    if (this.code === 0x30) return this;
    const t6 = line.indexOf('\t', t5 + 1);
    this.t7 = line.indexOf('\t', t6 + 1);
    this.eventTime = integerIn(line, t5 + 1, t6);
    this.size = integerIn(line, t6 + 1, this.t7);
    return this;
  }

  /** A code '3' line's location of its text in the chunk's blocks. */
  location(line: string): number {
    return integerIn(line, this.t7 + 1, line.length);
  }
}

const head = new LineHead();

/** Reads a run line; a chunk result's line points into its `blocks`, and its positions name `file`. */
export function decodeSettled(line: string, blocks?: readonly Uint8Array[], file?: string): Settled {
  const { code, t2, t3, t4, t5, t7, size } = head.read(line);
  let outcome: Outcome;
  if (code === 0x30) {
    outcome = { ok: false, reason: line.slice(t5 + 1) as 'NO_IDENTIFIER' | 'NO_VALUE' };
  } else {
    let text: string | Uint8Array;
    if (code === 0x33) {
      const bytes = blocks && bytesAt(blocks, head.location(line), size);
      if (bytes === undefined) throw new Error('a settled order points into chunk bytes that did not come along');
      text = bytes;
    } else {
      text = code === 0x31 ? line.slice(t7 + 1) : (JSON.parse(line.slice(t7 + 1)) as string);
    }
    outcome = { ok: true, eventTime: head.eventTime, bytes: size, text };
  }
  const positions = line.slice(t2 + 1, t3);
  if (positions.charCodeAt(0) !== 0x5b && file === undefined) throw new Error('a settled order gives line numbers but its file did not come along');
  return new Settled(head.firstSeq, head.rows, outcome, positions, { text: line.slice(t3 + 1, t4) }, file);
}

function lineNumbersIn(text: string, file: string): Position[] {
  return text.split(',').map((line) => ({ file, line: Number(line) }));
}
