import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { LateReject } from './group.js';
import { addToOrder, openOrder, type EventRules, type OrderState } from './order.js';
import { decodeRow } from './row-format.js';
import { encodeSettled, settle } from './settle.js';

/**
 * Groups one spill partition (every row of an order lands in the same one), settles its orders
 * and writes them, sorted by first row, as a run file. Synchronous and self-contained, so that
 * partitions can be settled in worker threads side by side. Returns the rows refused on the way.
 */
export function settlePartition(path: string, runPath: string, rules: EventRules): LateReject[] {
  const rejects: LateReject[] = [];
  const orders = new Map<string, OrderState>();
  let anonymous = 0;
  // A partition is 1/SPILL_PARTITIONS of the input: read whole.
  const text = readFileSync(path, 'utf8');
  for (let start = 0, end = text.indexOf('\n'); end >= 0; start = end + 1, end = text.indexOf('\n', start)) {
    const line = text.slice(start, end);
    if (line.charCodeAt(0) === 0x53) {
      const state = JSON.parse(line.slice(1)) as OrderState;
      orders.set(state.orderId === undefined ? `a${anonymous++}` : `o${state.orderId}`, state);
      continue;
    }
    const row = decodeRow(line.slice(1));
    const key = row.orderId === undefined ? `a${anonymous++}` : `o${row.orderId}`;
    const order = orders.get(key);
    if (order === undefined) orders.set(key, openOrder(row));
    else {
      const reason = addToOrder(order, row);
      if (reason) rejects.push({ pos: row.pos, orderId: row.orderId, reason });
    }
  }
  rmSync(path, { force: true });
  const sorted = [...orders.values()].sort((a, b) => a.firstSeq - b.firstSeq);
  orders.clear();
  const lines = sorted.map((order) => encodeSettled(settle(order, rules)));
  writeFileSync(runPath, lines.length > 0 ? lines.join('\n') + '\n' : '');
  return rejects;
}
