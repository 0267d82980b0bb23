import type { Position } from '../errors.js';
import type { ConversionEvent } from '../pinterest/contract.js';
import { buildEvent, serializeEvent, type EventRules, type OrderState } from './order.js';

/** A complete order turned into its outcome: a serialised event, or the reason it was refused. */
export interface Settled {
  firstSeq: number;
  positions: Position[];
  orderId: string | undefined;
  outcome: { ok: true; eventTime: number; json: string; event?: ConversionEvent } | { ok: false; reason: 'NO_IDENTIFIER' | 'NO_VALUE' };
}

export function settle(order: OrderState, rules: EventRules): Settled {
  const built = buildEvent(order, rules);
  return {
    firstSeq: order.firstSeq,
    positions: order.positions,
    orderId: order.orderId,
    outcome: built.ok
      ? { ok: true, eventTime: built.event.event_time, json: serializeEvent(built.event), event: built.event }
      : { ok: false, reason: built.reason },
  };
}

// A run line: seq, outcome, event time or reason, positions, order id, event JSON. JSON.stringify never
// leaves a raw tab or newline in its output, so tabs separate the fields safely.
export function encodeSettled(s: Settled): string {
  const head = `${s.firstSeq}\t${JSON.stringify(s.positions)}\t${s.orderId === undefined ? '' : JSON.stringify(s.orderId)}`;
  return s.outcome.ok ? `${head}\t1\t${s.outcome.eventTime}\t${s.outcome.json}` : `${head}\t0\t${s.outcome.reason}`;
}

export function decodeSettled(line: string): Settled {
  const t1 = line.indexOf('\t');
  const t2 = line.indexOf('\t', t1 + 1);
  const t3 = line.indexOf('\t', t2 + 1);
  const t4 = line.indexOf('\t', t3 + 1);
  const t5 = line.indexOf('\t', t4 + 1);
  const orderText = line.slice(t2 + 1, t3);
  const base = {
    firstSeq: Number(line.slice(0, t1)),
    positions: JSON.parse(line.slice(t1 + 1, t2)) as Position[],
    orderId: orderText === '' ? undefined : (JSON.parse(orderText) as string),
  };
  if (line.charCodeAt(t3 + 1) === 0x31) {
    return { ...base, outcome: { ok: true, eventTime: Number(line.slice(t4 + 1, t5)), json: line.slice(t5 + 1) } };
  }
  return { ...base, outcome: { ok: false, reason: line.slice(t4 + 1) as 'NO_IDENTIFIER' | 'NO_VALUE' } };
}
