import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openOrder } from '../../src/events/order.js';
import { settlePartition } from '../../src/events/partition.js';
import { encodeRow } from '../../src/events/row-format.js';
import { decodeSettled } from '../../src/events/settle.js';
import type { NormalizedRow } from '../../src/rows/normalize-row.js';
import { tempDir } from '../helpers/temp.js';

function row(seq: number, orderId: string | undefined, currency = 'USD'): NormalizedRow {
  return {
    seq, pos: { file: 'x.csv', line: seq + 2 }, orderId, eventTime: 1_795_700_000 + (seq % 7), currency,
    value: undefined, price: `${seq % 50}.25`, quantity: (seq % 3) + 1, productId: `P${seq % 9}`, itemName: undefined,
    user: { em: 'a'.repeat(63) + String(seq % 10) }, optOut: undefined, optOutType: undefined,
  };
}

/** A partition's lines: orders spilled from memory (S) and rows after the spill (R), orders scattered. */
function partition(): string {
  const lines: string[] = [];
  for (let o = 0; o < 40; o++) lines.push('S' + JSON.stringify(openOrder(row(o, `O-${o}`))));
  for (let i = 0; i < 2000; i++) {
    const seq = 1000 + i;
    const order = i % 7 === 0 ? undefined : `O-${(i * 13) % 300}`;
    lines.push('R' + encodeRow(row(seq, order, i === 500 ? 'EUR' : 'USD')));
  }
  return lines.join('\n') + '\n';
}

const RULES = { partnerName: 'ss-test', emailIdentifies: true, maidIdentifies: true };

function settled(runs: string[]): string[] {
  return runs
    .flatMap((run) => readFileSync(run, 'utf8').split('\n').filter(Boolean))
    .map((line) => ({ seq: decodeSettled(line).firstSeq, line }))
    .sort((a, b) => a.seq - b.seq)
    .map((x) => x.line);
}

describe('settlePartition', () => {
  it('splitting a large partition into groups gives the same settled orders', () => {
    const dir = tempDir('pinconv-partition-');
    const text = partition();
    writeFileSync(join(dir, 'a.rows'), text);
    writeFileSync(join(dir, 'b.rows'), text);
    const whole = settlePartition(join(dir, 'a.rows'), join(dir, 'a.run'), RULES);
    const split = settlePartition(join(dir, 'b.rows'), join(dir, 'b.run'), RULES, 20_000);
    expect(whole.runs).toHaveLength(1);
    expect(split.runs).toEqual([join(dir, 'b.run')]);
    expect(readFileSync(join(dir, 'b.run'), 'utf8')).toBe(readFileSync(join(dir, 'a.run'), 'utf8'));
    expect(settled(split.runs)).toEqual(settled(whole.runs));
    expect(settled(whole.runs).length).toBeGreaterThan(300);
    expect(split.rejects.map((r) => r.pos.line).sort()).toEqual(whole.rejects.map((r) => r.pos.line).sort());
    expect(whole.rejects).toHaveLength(1); // the EUR row of an order that started in USD
  });
});
