import type { Position } from '../errors.js';
import { addDecimal, decimalFromCanonical, formatDecimal, multiplyDecimal } from '../normalize/decimal.js';
import { sha256Hex } from '../normalize/hash.js';
import { USER_KEYS, type NormalizedRow, type UserHashes, type UserKey } from '../rows/normalize-row.js';
import type { ConversionEvent, ContentItem } from '../pinterest/contract.js';
import type { RejectReason } from './reasons.js';
import type { CsvColumn } from '../options.js';
import { ByteSink } from './bytes.js';

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

export function openOrder(row: NormalizedRow): OrderState {
  const order: OrderState = {
    firstSeq: row.seq,
    orderId: row.orderId,
    eventTime: row.eventTime,
    currency: row.currency,
    user: {},
    optOut: undefined,
    optOutType: undefined,
    value: undefined,
    itemSum: undefined,
    numItems: undefined,
    contents: [],
    contentIds: [],
    positions: [],
  };
  addToOrder(order, row);
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
  return undefined;
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

/** Turns a complete order into a Conversions API event (PRODUCT §4). */
export function buildEvent(order: OrderState, rules: EventRules): OrderOutcome {
  const identity = (rules.emailIdentifies ? order.user.em : undefined) ?? (rules.maidIdentifies ? order.user.hashed_maids : undefined);
  if (identity === undefined) return { ok: false, reason: 'NO_IDENTIFIER' };
  const value = order.value ?? order.itemSum;
  if (value === undefined) return { ok: false, reason: 'NO_VALUE' };

  const user_data: Record<string, string[]> = {};
  for (const key of USER_KEYS) {
    const hash = order.user[key];
    if (hash !== undefined) user_data[key] = [hash];
  }
  const custom_data: ConversionEvent['custom_data'] = { currency: order.currency, value };
  if (order.orderId !== undefined) custom_data.order_id = order.orderId;
  if (order.contentIds.length > 0) custom_data.content_ids = order.contentIds;
  if (order.contents.length > 0) custom_data.contents = order.contents;
  if (order.numItems !== undefined) custom_data.num_items = order.numItems;
  const optOutType = order.optOutType ?? (order.optOut === true ? 'LDP' : undefined);
  if (optOutType !== undefined) custom_data.opt_out_type = optOutType;

  const event: ConversionEvent = {
    event_name: 'checkout',
    action_source: 'offline',
    event_time: order.eventTime,
    event_id: rules.csvColumns ? '' : eventId(order.orderId, order.eventTime, identity, value),
    user_data,
    custom_data,
    partner_name: rules.partnerName,
  };
  if (order.optOut !== undefined) event.opt_out = order.optOut;
  return { ok: true, event };
}

/** Turns serializeEvent's bytes into its text. */
const scratch = new ByteSink(16 * 1024);

/** JSON text of an event, exactly as JSON.stringify gives it (the keys in buildEvent's order). */
export function serializeEvent(event: ConversionEvent): string {
  writeEvent(event, scratch);
  return scratch.takeText();
}

/**
 * Writes an event's JSON into a sink, byte for byte what JSON.stringify gives (the keys in
 * buildEvent's order), with no string in between: hashes are hex and numbers plain, so only free
 * text is escaped. test/events/order.test.ts and test/pipeline.property.test.ts check it against
 * JSON.stringify.
 */
export function writeEvent(event: ConversionEvent, out: ByteSink): void {
  out.ascii('{"event_name":"checkout","action_source":"offline","event_time":');
  out.integer(event.event_time);
  out.ascii(',"event_id":');
  out.quoted(event.event_id);
  out.ascii(',"user_data":{');
  let first = true;
  for (const key in event.user_data) {
    const hashes = event.user_data[key] as string[];
    out.ascii(first ? (USER_KEY_OPEN[key as UserKey] ?? `"${key}":[`) : (USER_KEY_NEXT[key as UserKey] ?? `,"${key}":[`));
    first = false;
    for (let i = 0; i < hashes.length; i++) {
      if (i > 0) out.ascii(',');
      out.quoted(hashes[i] as string);
    }
    out.ascii(']');
  }
  const c = event.custom_data;
  out.ascii('},"custom_data":{"currency":');
  out.jsonText(c.currency);
  out.ascii(',"value":');
  out.jsonText(c.value);
  if (c.order_id !== undefined) {
    out.ascii(',"order_id":');
    out.jsonText(c.order_id);
  }
  if (c.content_ids !== undefined) {
    out.ascii(',"content_ids":');
    out.utf8(JSON.stringify(c.content_ids));
  }
  if (c.contents !== undefined) {
    out.ascii(',"contents":');
    out.utf8(JSON.stringify(c.contents));
  }
  if (c.num_items !== undefined) {
    out.ascii(',"num_items":');
    out.integer(c.num_items);
  }
  if (c.opt_out_type !== undefined) {
    out.ascii(',"opt_out_type":');
    out.jsonText(c.opt_out_type);
  }
  out.ascii('},"partner_name":');
  out.jsonText(event.partner_name);
  if (event.opt_out !== undefined) out.ascii(event.opt_out ? ',"opt_out":true' : ',"opt_out":false');
  out.ascii('}');
}

/** `"em":[` and `,"em":[` for each user_data key, made once. */
const USER_KEY_OPEN = Object.fromEntries(USER_KEYS.map((key) => [key, `"${key}":[`])) as Record<UserKey, string>;
const USER_KEY_NEXT = Object.fromEntries(USER_KEYS.map((key) => [key, `,"${key}":[`])) as Record<UserKey, string>;
