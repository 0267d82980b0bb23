/** Stable reject reason codes (PRODUCT §4, §5). Listed in the README; never renamed. */
export const REASONS = {
  NO_IDENTIFIER: 'no email and no maid in any row of the order (in the upload CSV: none that its columns can carry)',
  BAD_TIMESTAMP: 'timestamp missing or not a date-time pinconv reads',
  BAD_CURRENCY: 'currency missing (and no --default-currency) or not an ISO 4217 code',
  NO_VALUE: 'no order_revenue/value and no price in any row of the order',
  BAD_VALUE: 'order_revenue/value or price is not a plain decimal amount',
  NEGATIVE_VALUE: 'order_revenue/value or price is negative',
  BAD_QUANTITY: 'quantity is not a non-negative integer on a row whose value depends on it',
  CURRENCY_MISMATCH: 'a later row of the order has another currency than its first row',
  ORDER_NOT_ADJACENT: 'with --grouping adjacent, a row of an order that had already ended',
  BAD_ROW: 'the record has more fields than the header or is not an object',
  EVENT_TOO_LARGE: 'the event alone is larger than a request body may be (2,000,000 bytes)',
  PINTEREST_FAILED: 'Pinterest answered "failed" for the event (its message is in the rejects file)',
  PINTEREST_INVALID: 'Pinterest rejected the event with 400 when it was sent alone',
} as const;

export type RejectReason = keyof typeof REASONS;
