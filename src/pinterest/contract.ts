/**
 * The part of Pinterest's Conversions API contract pinconv produces and reads
 * (shared/pinterest/conversion-events.*.schema.json, API 5.23.0).
 */

export interface ContentItem {
  id?: string;
  item_name?: string;
  item_price?: string;
  quantity?: number;
}

export interface ConversionEvent {
  event_name: 'checkout';
  action_source: 'offline';
  /** Unix seconds. */
  event_time: number;
  event_id: string;
  /** Each value a one-element array of lowercase hex SHA-256. */
  user_data: Record<string, string[]>;
  custom_data: {
    currency: string;
    /** Decimal as a string: Pinterest rejects a JSON number here. */
    value: string;
    order_id?: string;
    content_ids?: string[];
    contents?: ContentItem[];
    num_items?: number;
    opt_out_type?: string;
  };
  opt_out?: boolean;
  partner_name: string;
}

/** Per-event result in a 200 body (`events[]`) or a 422 body (`details.events[]`), in request order. */
export interface EventResult {
  status: 'processed' | 'failed';
  error_message?: string | null;
  warning_message?: string | null;
}

export interface ConversionApiResponse {
  num_events_received: number;
  num_events_processed: number;
  events: EventResult[];
}

/** Error body of 400, 401, 403, 429, 503; 422 adds `details`. */
export interface ApiErrorBody {
  code: number;
  message: string;
  details?: Partial<ConversionApiResponse>;
}

export const EVENTS_PATH = (adAccount: string): string => `/v5/ad_accounts/${adAccount}/events`;
