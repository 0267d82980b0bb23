import type { CsvColumn } from '../options.js';
import type { ConversionEvent } from '../pinterest/contract.js';
import { textOf, type ByteSink } from '../events/bytes.js';
import type { EventBasis, OrderState } from '../events/order.js';

/** The upload CSV cell of one column for one event (PRODUCT §6). Personal columns are hashes. */
export function csvCell(event: ConversionEvent, column: CsvColumn): string {
  switch (column) {
    case 'email':
      return event.user_data.em?.[0] ?? '';
    case 'phone':
      return event.user_data.ph?.[0] ?? '';
    case 'maid':
      return event.user_data.hashed_maids?.[0] ?? '';
    case 'event_time':
      return String(event.event_time);
    case 'event_type':
      return event.event_name;
    case 'event_source':
      return event.action_source;
    case 'value':
      return event.custom_data.value;
    case 'currency':
      return event.custom_data.currency;
    case 'order_id':
      return event.custom_data.order_id ?? '';
    case 'quantity':
      return event.custom_data.num_items === undefined ? '' : String(event.custom_data.num_items);
  }
}

const NEEDS_QUOTES = /[",\n\r]/;

/** One field of a CSV row: quoted, its quotes doubled, when it holds a comma, a quote or a line break. */
function csvField(field: string): string {
  return NEEDS_QUOTES.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

/**
 * One CSV row (RFC 4180) of the given texts, without its line end. The same bytes as csv-stringify
 * with quoted: false and quote_record_delimiter: true (test/upload/rows.test.ts), at a fraction of
 * the cost per row.
 */
export function csvLine(fields: readonly string[]): string {
  let line = '';
  for (let i = 0; i < fields.length; i++) line += i === 0 ? csvField(fields[i] as string) : `,${csvField(fields[i] as string)}`;
  return line;
}

/** The upload CSV row of an event, without its line end. */
export function csvRow(event: ConversionEvent, columns: readonly CsvColumn[]): string {
  return textOf((out) => writeCsvRow(event, columns, out));
}

/** Writes the upload CSV row of an event, without its line end, into a sink: the bytes of csvLine. */
export function writeCsvRow(event: ConversionEvent, columns: readonly CsvColumn[], out: ByteSink): void {
  for (let i = 0; i < columns.length; i++) {
    if (i > 0) out.text(',');
    out.text(csvField(csvCell(event, columns[i] as CsvColumn)));
  }
}

/** The user_data keys an upload CSV with these columns carries; other personal fields are not read. */
export function csvUserKeys(columns: readonly CsvColumn[]): Array<'em' | 'ph' | 'hashed_maids'> {
  const keys: Array<'em' | 'ph' | 'hashed_maids'> = [];
  if (columns.includes('email')) keys.push('em');
  if (columns.includes('phone')) keys.push('ph');
  if (columns.includes('maid')) keys.push('hashed_maids');
  return keys;
}

/**
 * Writes the upload CSV row of an order's event straight from the order: the bytes of
 * writeCsvRow(eventOf(order, rules, basis), columns), without the event object in between (a worker
 * made one per order for the upload path, and tested every cell for quoting). Hashes are hex and
 * numbers plain, so only the free-text cells are tested. test/events/settle.test.ts checks it
 * against writeCsvRow.
 */
export function writeOrderCsvRow(order: OrderState, basis: EventBasis, columns: readonly CsvColumn[], out: ByteSink): void {
  for (let i = 0; i < columns.length; i++) {
    if (i > 0) out.text(',');
    switch (columns[i] as CsvColumn) {
      case 'email':
        hexCell(order.user.em, out);
        break;
      case 'phone':
        hexCell(order.user.ph, out);
        break;
      case 'maid':
        hexCell(order.user.hashed_maids, out);
        break;
      case 'event_time':
        out.integer(order.eventTime);
        break;
      case 'event_type':
        out.text('checkout');
        break;
      case 'event_source':
        out.text('offline');
        break;
      case 'value':
        out.text(csvField(basis.value));
        break;
      case 'currency':
        out.text(csvField(order.currency));
        break;
      case 'order_id':
        if (order.orderId !== undefined) out.text(csvField(order.orderId));
        break;
      case 'quantity':
        if (order.numItems !== undefined) out.integer(order.numItems);
        break;
    }
  }
}

/** A hash cell: hex digits, which never need quotes. */
function hexCell(hash: string | undefined, out: ByteSink): void {
  if (hash !== undefined) out.text(hash);
}
