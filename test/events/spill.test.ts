import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveSendOptions } from '../../src/options.js';
import { buildEvents } from '../../src/pipeline.js';
import { Report } from '../../src/report.js';
import { NOW, runPipeline } from '../helpers/pipeline.js';
import { tempDir } from '../helpers/temp.js';
import { csvRow } from '../../src/upload/rows.js';

/** Item rows of `orders` orders, scattered: each order's rows are far apart. */
function scattered(orders: number, itemsPerOrder: number, orderId = (id: number): string => `O-${id}`, product = (item: number, _id: number): string => `Pé${item}`): string {
  let text = 'order_id,email,timestamp,currency,price,quantity,product_id\n';
  for (let item = 0; item < itemsPerOrder; item++) {
    for (let o = 0; o < orders; o++) {
      const id = (o * 7919) % orders; // a permutation, so first rows are not in id order
      const currency = id === 5 && item === 2 ? 'EUR' : 'USD'; // one CURRENCY_MISMATCH, found only after the spill
      text += `${orderId(id)},user${id}@example.com,2026-11-27T${String(id % 24).padStart(2, '0')}:00:00Z,${currency},${item + 1}.5${id % 10},${item + 1},${product(item, id)}\n`;
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
    // Sizes measured where the events were settled, carried through the spill runs.
    expect(spilled.events.map((e) => e.bytes)).toEqual(spilled.events.map((e) => Buffer.byteLength(e.json)));
    expect(spilled.events).toHaveLength(501);
    expect(spilled.report.rows).toEqual(memory.report.rows);
    expect(spilled.report.rejects).toEqual({ CURRENCY_MISMATCH: 1 });
    expect(memory.report.rejects).toEqual({ CURRENCY_MISMATCH: 1 });
    expect(readdirSync(root)).toEqual([]);
  });

  it('carries upload CSV rows through the spill, order ids with quotes and line breaks too', async () => {
    // Every 7th order id needs quoting in the upload CSV; some hold a line break, which a spill run
    // line must not split on.
    const odd = (id: number): string => (id % 7 === 0 ? `"O-${id}, ""q""${id % 2 ? '\n' : '\r'}x"` : `O-${id}`);
    const input = scattered(300, 3, odd);
    const root = tempDir('pinconv-spill-test-');
    const memory = await runPipeline(input, {}, 'csv');
    const spilled = await runPipeline(input, { maxOpenOrders: 23, tempDir: root }, 'csv');
    const rows = (r: typeof memory): string[] => r.events.map((e) => e.csvRow as string);
    expect(rows(spilled)).toEqual(rows(memory));
    expect(rows(memory).filter((row) => row.includes('\n'))).not.toHaveLength(0);
    // The same rows as built from the dry run's full events.
    const dry = await runPipeline(input, { windowDays: 30 });
    const columns = memory.options.csvColumns ?? [];
    expect(rows(memory)).toEqual(dry.events.map((e) => csvRow(e.event, columns)));
    expect(readdirSync(root)).toEqual([]);
  });

  it('writes long and non-ASCII lines whole, at any point of a partition\'s buffer', async () => {
    // Product ids of 1 to 5,000 characters, some with 2-, 3- and 4-byte UTF-8: spill lines fall on
    // both sides of the 8 KiB write buffer and of its worst-case (3 bytes per unit) check.
    const piece = ['a', 'é', '€', '😀'];
    const product = (item: number, id: number): string => (piece[(id + item) % 4] as string).repeat(((id * 37 + item * 911) % 2_500) + 1);
    const input = scattered(120, 3, undefined, product);
    const root = tempDir('pinconv-spill-test-');
    const memory = await runPipeline(input);
    const spilled = await runPipeline(input, { maxOpenOrders: 5, tempDir: root });
    expect(spilled.events.map((e) => e.json)).toEqual(memory.events.map((e) => e.json));
    expect(memory.events.some((e) => e.json.includes('😀'.repeat(1_500)))).toBe(true);
    expect(spilled.report.rows).toEqual(memory.report.rows);
    expect(readdirSync(root)).toEqual([]);
  });

  it('reads a lone surrogate in an NDJSON value as U+FFFD, so that the spill cannot split its order', async () => {
    // "\ud800" escapes: JSON.parse makes lone surrogates, which UTF-8 (a spill file) cannot hold.
    const line = (id: string, price: number, product: string): string =>
      `{"order_id":"${id}","email":"u@example.com","timestamp":"2026-11-27T01:00:00Z","currency":"USD","price":"${price}","quantity":1,"product_id":"${product}"}\n`;
    let input = line('X\\ud800', 1, 'p\\udfff') + line('Y\\udfff\\ud800', 2, 'q');
    for (let i = 0; i < 50; i++) input += line(`F-${i}`, 3, 'f');
    input += line('X\\ud800', 4, 'r') + line('Y\\udfff\\ud800', 5, 'q');
    const root = tempDir('pinconv-spill-test-');
    const memory = await runPipeline(input);
    const spilled = await runPipeline(input, { maxOpenOrders: 10, tempDir: root });
    expect(spilled.events.map((e) => e.json)).toEqual(memory.events.map((e) => e.json));
    expect(memory.events).toHaveLength(52);
    const x = memory.events.find((e) => e.event.custom_data.order_id === 'X\uFFFD');
    expect(x?.event.custom_data.value).toBe('5');
    expect(x?.event.custom_data.content_ids).toEqual(['p\uFFFD', 'r']);
    expect(memory.events.find((e) => e.event.custom_data.order_id === 'Y\uFFFD\uFFFD')?.event.custom_data.value).toBe('7');
    expect(readdirSync(root)).toEqual([]);
  });

  it('keeps the order of first rows across files (sequence numbers go on from file to file)', async () => {
    const dir = tempDir('pinconv-spill-files-');
    // The same rows as CSV, NDJSON and a JSON array: each format numbers its rows its own way.
    const file = (name: string, prefix: string, rows: number): string => {
      const path = join(dir, name);
      const records = Array.from({ length: rows }, (_, i) => ({ order_id: `${prefix}${i}`, email: `${prefix}${i}@example.com`, timestamp: '2026-11-27T01:00:00Z', currency: 'USD', price: `${i}.5` }));
      const csv = 'order_id,email,timestamp,currency,price\n' + records.map((r) => `${Object.values(r).join(',')}\n`).join('');
      const ndjson = records.map((r) => `${JSON.stringify(r)}\n`).join('');
      writeFileSync(path, name.endsWith('.csv') ? csv : name.endsWith('.ndjson') ? ndjson : JSON.stringify(records));
      return path;
    };
    const inputs = [file('a.csv', 'A', 30), file('b.ndjson', 'B', 30), file('c.json', 'C', 30), file('d.csv', 'D', 30)];
    const ids = async (raw: Record<string, unknown>): Promise<string[]> => {
      const options = resolveSendOptions({ dryRun: true, now: NOW, quiet: true, threads: 1, inputs, prescan: 'off', ...raw });
      const out: string[] = [];
      for await (const batch of buildEvents(options, new Report())) out.push(...batch.map((e) => e.event.custom_data.order_id as string));
      return out;
    };
    const memory = await ids({});
    expect(memory.slice(0, 3)).toEqual(['A0', 'A1', 'A2']);
    expect(memory.slice(28, 32)).toEqual(['A28', 'A29', 'B0', 'B1']);
    expect(memory.slice(58, 62)).toEqual(['B28', 'B29', 'C0', 'C1']);
    expect(memory).toHaveLength(120);
    const root = tempDir('pinconv-spill-test-');
    expect(await ids({ maxOpenOrders: 10, tempDir: root })).toEqual(memory);
    expect(readdirSync(root)).toEqual([]);
  });

  it('cleans up when the run fails midway', async () => {
    const root = tempDir('pinconv-spill-test-');
    const input = scattered(200, 2) + 'O-1,"unterminated,2026-11-27T01:00:00Z,USD,2,1,\n';
    await expect(runPipeline(input, { maxOpenOrders: 10, tempDir: root })).rejects.toThrow(/never closed/);
    expect(readdirSync(root)).toEqual([]);
  });
});
