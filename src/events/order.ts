import type { Position } from '../errors.js';
import { addDecimal, decimalFromCanonical, formatDecimal, multiplyDecimal } from '../normalize/decimal.js';
import { sha256Hex } from '../normalize/hash.js';
import { USER_KEYS, type NormalizedRow, type UserHashes, type UserKey } from '../rows/normalize-row.js';
import type { ConversionEvent, ContentItem } from '../pinterest/contract.js';
import type { RejectReason } from './reasons.js';
import type { CsvColumn } from '../options.js';
import type { ByteSink } from './bytes.js';

/** contents and content_ids keep at most this many entries per event; value and num_items count every row. */
export const MAX_CONTENTS = 1000;

/**
 * What pinconv keeps of an open order: hashes, amounts and positions, never plaintext.
 * Plain JSON, so that it can be spilled to disk and read back.
 */
export interface OrderState {
  firstSeq: number;
  orderId: string | undefined;
  eventTime: number;
  currency: string;
  user: UserHashes;
  optOut: boolean | undefined;
  optOutType: string | undefined;
  value: string | undefined;
  itemSum: string | undefined;
  numItems: number | undefined;
  contents: ContentItem[];
  contentIds: string[];
  positions: Position[];
}

/**
 * An order from its first row. The order takes the row's hashes over (later rows fill its keys with
 * plain stores): the row must not be read after this. One copy of 12 keys less per order, and
 * positions made for one row: an order export's orders have one row each.
 */
export function openOrder(row: NormalizedRow): OrderState {
  const order: OrderState = {
    firstSeq: row.seq,
    orderId: row.orderId,
    eventTime: row.eventTime,
    currency: row.currency,
    user: row.user,
    optOut: row.optOut,
    optOutType: row.optOutType,
    value: row.value,
    itemSum: undefined,
    numItems: undefined,
    contents: [],
    contentIds: [],
    positions: [row.pos],
  };
  addItems(order, row);
  return order;
}

/** Adds a row to its order; a row with another currency than the order's first row is refused. */
export function addToOrder(order: OrderState, row: NormalizedRow): RejectReason | undefined {
  if (row.currency !== order.currency) return 'CURRENCY_MISMATCH';
  order.positions.push(row.pos);
  for (const key of USER_KEYS) {
    const hash = row.user[key];
    if (hash !== undefined && order.user[key] === undefined) order.user[key] = hash;
  }
  if (order.optOut === undefined && row.optOut !== undefined) order.optOut = row.optOut;
  if (order.optOutType === undefined && row.optOutType !== undefined) order.optOutType = row.optOutType;
  if (order.value === undefined && row.value !== undefined) order.value = row.value;
  addItems(order, row);
  return undefined;
}

/** A row's quantity, its line of contents and its product id. */
function addItems(order: OrderState, row: NormalizedRow): void {
  if (row.quantity !== undefined) order.numItems = (order.numItems ?? 0) + row.quantity;
  if (row.price !== undefined) {
    const quantity = row.quantity ?? 1;
    const line = multiplyDecimal(decimalFromCanonical(row.price), quantity);
    order.itemSum = formatDecimal(order.itemSum === undefined ? line : addDecimal(decimalFromCanonical(order.itemSum), line));
    if (order.contents.length < MAX_CONTENTS) {
      const item: ContentItem = {};
      if (row.productId !== undefined) item.id = row.productId;
      if (row.itemName !== undefined) item.item_name = row.itemName;
      item.item_price = row.price;
      item.quantity = quantity;
      order.contents.push(item);
    }
  }
  if (row.productId !== undefined && order.contentIds.length < MAX_CONTENTS) order.contentIds.push(row.productId);
}

export interface EventRules {
  partnerName: string;
  /** Which identifiers the output can carry: the API takes both; the upload CSV only its columns. */
  emailIdentifies: boolean;
  maidIdentifies: boolean;
  /**
   * Set when the events are for the upload CSV: settled orders then carry their CSV row with these
   * columns instead of JSON (events/settle.ts), and event_id, which no column holds, is left empty.
   */
  csvColumns?: readonly CsvColumn[];
}

export type OrderOutcome =
  | { ok: true; event: ConversionEvent }
  | { ok: false; reason: 'NO_IDENTIFIER' | 'NO_VALUE' };

/** event_id per PRODUCT §4: stable across re-runs, never empty. */
export function eventId(orderId: string | undefined, eventTime: number, identity: string, value: string): string {
  if (orderId !== undefined) return sha256Hex(`${orderId}|checkout|${eventTime}`);
  return sha256Hex(`|checkout|${eventTime}|${identity}|${value}`);
}

/** What decides an order's event (PRODUCT §4): its value, event_id and opt-out type. */
export interface EventBasis {
  value: string;
  eventId: string;
  optOutType: string | undefined;
}

/** The basis of a complete order's event, or the reason it has none. */
export function eventBasis(order: OrderState, rules: EventRules): { ok: true; basis: EventBasis } | { ok: false; reason: 'NO_IDENTIFIER' | 'NO_VALUE' } {
  const identity = (rules.emailIdentifies ? order.user.em : undefined) ?? (rules.maidIdentifies ? order.user.hashed_maids : undefined);
  if (identity === undefined) return { ok: false, reason: 'NO_IDENTIFIER' };
  const value = order.value ?? order.itemSum;
  if (value === undefined) return { ok: false, reason: 'NO_VALUE' };
  return {
    ok: true,
    basis: {
      value,
      eventId: rules.csvColumns ? '' : eventId(order.orderId, order.eventTime, identity, value),
      optOutType: order.optOutType ?? (order.optOut === true ? 'LDP' : undefined),
    },
  };
}

/** Turns a complete order into a Conversions API event (PRODUCT §4). */
export function buildEvent(order: OrderState, rules: EventRules): OrderOutcome {
  const decided = eventBasis(order, rules);
  return decided.ok ? { ok: true, event: eventOf(order, rules, decided.basis) } : decided;
}

/** The event of an order, on its basis. writeOrderEvent writes the same keys in the same order. */
export function eventOf(order: OrderState, rules: EventRules, basis: EventBasis): ConversionEvent {
  const user_data: Record<string, string[]> = {};
  for (const key of USER_KEYS) {
    const hash = order.user[key];
    if (hash !== undefined) user_data[key] = [hash];
  }
  const custom_data: ConversionEvent['custom_data'] = { currency: order.currency, value: basis.value };
  if (order.orderId !== undefined) custom_data.order_id = order.orderId;
  if (order.contentIds.length > 0) custom_data.content_ids = order.contentIds;
  if (order.contents.length > 0) custom_data.contents = order.contents;
  if (order.numItems !== undefined) custom_data.num_items = order.numItems;
  if (basis.optOutType !== undefined) custom_data.opt_out_type = basis.optOutType;

  const event: ConversionEvent = {
    event_name: 'checkout',
    action_source: 'offline',
    event_time: order.eventTime,
    event_id: basis.eventId,
    user_data,
    custom_data,
    partner_name: rules.partnerName,
  };
  if (order.optOut !== undefined) event.opt_out = order.optOut;
  return event;
}

/**
 * Writes the JSON of an order's event into a sink: byte for byte JSON.stringify(eventOf(...)), with
 * neither the event object nor a string in between. Hashes are hex and numbers plain, so only free
 * text is escaped. test/events/settle.test.ts checks it against JSON.stringify.
 */
export function writeOrderEvent(order: OrderState, rules: EventRules, basis: EventBasis, out: ByteSink): void {
  out.text('{"event_name":"checkout","action_source":"offline","event_time":');
  out.integer(order.eventTime);
  out.text(',"event_id":');
  out.quoted(basis.eventId);
  out.text(',"user_data":{');
  let first = true;
  for (const key of USER_KEYS) {
    const hash = order.user[key];
    if (hash === undefined) continue;
    out.text(first ? USER_KEY_OPEN[key] : USER_KEY_NEXT[key]);
    first = false;
    out.quoted(hash);
    out.text(']');
  }
  out.text('},"custom_data":{"currency":');
  out.jsonText(order.currency);
  out.text(',"value":');
  out.jsonText(basis.value);
  if (order.orderId !== undefined) {
    out.text(',"order_id":');
    out.jsonText(order.orderId);
  }
  if (order.contentIds.length > 0) {
    out.text(',"content_ids":');
    out.utf8(JSON.stringify(order.contentIds));
  }
  if (order.contents.length > 0) {
    out.text(',"contents":');
    out.utf8(JSON.stringify(order.contents));
  }
  if (order.numItems !== undefined) {
    out.text(',"num_items":');
    out.integer(order.numItems);
  }
  if (basis.optOutType !== undefined) {
    out.text(',"opt_out_type":');
    out.jsonText(basis.optOutType);
  }
  out.text('},"partner_name":');
  out.jsonText(rules.partnerName);
  if (order.optOut !== undefined) out.text(order.optOut ? ',"opt_out":true' : ',"opt_out":false');
  out.text('}');
}

/** `"em":[` and `,"em":[` for each user_data key, made once. */
const USER_KEY_OPEN = Object.fromEntries(USER_KEYS.map((key) => [key, `"${key}":[`])) as Record<UserKey, string>;
const USER_KEY_NEXT = Object.fromEntries(USER_KEYS.map((key) => [key, `,"${key}":[`])) as Record<UserKey, string>;
