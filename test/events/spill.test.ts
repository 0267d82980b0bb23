import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPipeline } from '../helpers/pipeline.js';
import { tempDir } from '../helpers/temp.js';

/** Item rows of `orders` orders, scattered: each order's rows are far apart. */
function scattered(orders: number, itemsPerOrder: number): string {
  let text = 'order_id,email,timestamp,currency,price,quantity,product_id\n';
  for (let item = 0; item < itemsPerOrder; item++) {
    for (let o = 0; o < orders; o++) {
      const id = (o * 7919) % orders; // a permutation, so first rows are not in id order
      const currency = id === 5 && item === 2 ? 'EUR' : 'USD'; // one CURRENCY_MISMATCH, found only after the spill
      text += `O-${id},user${id}@example.com,2026-11-27T${String(id % 24).padStart(2, '0')}:00:00Z,${currency},${item + 1}.5${id % 10},${item + 1},P${item}\n`;
    }
  }
  return text;
}

describe('spill to disk', () => {
  it('gives exactly the in-memory output and leaves no temporary file', async () => {
    const input = scattered(500, 3) + ',anon@example.com,2026-11-27T01:00:00Z,USD,2,1,\n';
    const memory = await runPipeline(input);
    const root = tempDir('pinconv-spill-test-');
    const spilled = await runPipeline(input, { maxOpenOrders: 37, tempDir: root });
    expect(spilled.events.map((e) => e.json)).toEqual(memory.events.map((e) => e.json));
    expect(spilled.events).toHaveLength(501);
    expect(spilled.report.rows).toEqual(memory.report.rows);
    expect(spilled.report.rejects).toEqual({ CURRENCY_MISMATCH: 1 });
    expect(memory.report.rejects).toEqual({ CURRENCY_MISMATCH: 1 });
    expect(readdirSync(root)).toEqual([]);
  });

  it('cleans up when the run fails midway', async () => {
    const root = tempDir('pinconv-spill-test-');
    const input = scattered(200, 2) + 'O-1,"unterminated,2026-11-27T01:00:00Z,USD,2,1,\n';
    await expect(runPipeline(input, { maxOpenOrders: 10, tempDir: root })).rejects.toThrow(/never closed/);
    expect(readdirSync(root)).toEqual([]);
  });
});
