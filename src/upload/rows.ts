import type { CsvColumn } from '../options.js';
import type { ConversionEvent } from '../pinterest/contract.js';

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
