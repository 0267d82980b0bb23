import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NOW, runCli } from '../helpers/cli.js';
import { Readable } from 'node:stream';
import type * as Pipeline from '../../src/pipeline.js';
import type * as Options from '../../src/options.js';
import type * as Reports from '../../src/report.js';
import { tempDir } from '../helpers/temp.js';

/** An export above the size under which the main thread works alone, with quoted newlines and dirty rows. */
function bigCsv(rows: number): string {
  const lines = ['order_id,email,given_name,city,timestamp,currency,price,quantity,product_id,item_name'];
  for (let i = 0; i < rows; i++) {
    const order = `O-${(i * 7) % Math.floor(rows / 3)}`; // item rows of one order far apart
    const name = i % 11 === 0 ? `"Multi\nline ""${i}"", name"` : `Name${i % 97}`;
    const ts = i % 501 === 0 ? 'not a date' : `2026-11-${String(22 + (i % 5)).padStart(2, '0')}T${String(i % 24).padStart(2, '0')}:00:00Z`;
    const currency = i % 777 === 0 ? 'XXX' : 'USD';
    lines.push(`${order},User${i % 5000}@Example.com,${name},"City, ${i % 50}",${ts},${currency},${(i % 300) + 0.25},${(i % 4) + 1},SKU-${i % 900},"Item ${i % 40}"`);
  }
  return lines.join('\r\n') + '\r\n';
}

describe('--threads N gives byte-identical output to --threads 1', () => {
  it('for CSV (dry run, rejects, report) and NDJSON', async () => {
    const dir = tempDir('pinconv-threads-');
    const csv = join(dir, 'orders.csv');
    writeFileSync(csv, bigCsv(100_000));
    expect(readFileSync(csv).length).toBeGreaterThan(9 * 1024 * 1024);
    const run = async (threads: string, file: string, tag: string) => {
      const result = await runCli(['send', file, '--dry-run', '--now', NOW, '--quiet', '--threads', threads, '--max-open-orders', '5000',
        '--rejects', join(dir, `${tag}.rejects`), '--report', join(dir, `${tag}.json`)], { timeoutMs: 120_000 });
      const report = JSON.parse(readFileSync(join(dir, `${tag}.json`), 'utf8'));
      delete report.seconds;
      delete report.readSeconds;
      delete report.scanSeconds;
      return { stdout: result.stdout, code: result.code, rejects: readFileSync(join(dir, `${tag}.rejects`), 'utf8'), report };
    };
    const one = await run('1', csv, 'csv1');
    const two = await run('2', csv, 'csv2');
    expect(one.code).toBe(3);
    expect(one.stdout.length).toBeGreaterThan(1000);
    expect(two.stdout).toBe(one.stdout);
    expect(two.rejects).toBe(one.rejects);
    expect(two.report).toEqual(one.report);
    expect(one.report.rows.read).toBe(100_000);

    const ndjson = join(dir, 'orders.ndjson');
    writeFileSync(ndjson, one.stdout.split('\n').filter(Boolean).flatMap((l) => JSON.parse(l).data).map((e: { custom_data: { order_id: string; value: string; currency: string }; event_time: number }, i: number) =>
      JSON.stringify({ order_id: e.custom_data.order_id, email: `u${i % 999}@example.com`, timestamp: e.event_time, currency: e.custom_data.currency, value: e.custom_data.value, padding: 'x'.repeat(400) })).join('\n'));
    expect(readFileSync(ndjson).length).toBeGreaterThan(9 * 1024 * 1024);
    const n1 = await run('1', ndjson, 'nd1');
    const n2 = await run('3', ndjson, 'nd2');
    expect(n1.stdout.length).toBeGreaterThan(1000);
    expect(n2.stdout).toBe(n1.stdout);
    expect(n2.report).toEqual(n1.report);

    // The upload CSV: its rows are written by the workers too, into blocks that go back to them
    // once the rows are copied out. It goes to workers from 32 MiB on (input/records.ts).
    const wide = join(dir, 'wide.ndjson');
    writeFileSync(wide, readFileSync(ndjson, 'utf8').replaceAll('"padding":"', `"padding":"${'y'.repeat(700)}`));
    expect(readFileSync(wide).length).toBeGreaterThan(32 * 1024 * 1024);
    const upload = async (threads: string, tag: string): Promise<string> => {
      const out = join(dir, tag);
      const result = await runCli(['csv', wide, '--out', out, '--now', NOW, '--quiet', '--threads', threads, '--max-rows', '20000'], { timeoutMs: 120_000 });
      expect(result.code).toBe(0);
      const parts = readdirSync(out).filter((name) => name.endsWith('.csv')).sort();
      expect(parts.length).toBeGreaterThan(1);
      return parts.map((name) => readFileSync(join(out, name), 'utf8')).join('');
    };
    const c1 = await upload('1', 'up1');
    expect(c1.split('\n').length).toBeGreaterThan(20_000);
    expect(await upload('3', 'up3')).toBe(c1);
  });
});

describe('the worker threads of one run', () => {
  it('serve the prescan and the second pass of several files, with the output of --threads 1', async () => {
    const dir = tempDir('pinconv-threads-');
    const first = join(dir, 'a.csv');
    const second = join(dir, 'b.csv');
    // Orders of 1 to 3 adjacent rows, so that the prescan is used: workers settle them in both files.
    const adjacent = (prefix: string): string =>
      bigCsv(90_000).split('\r\n').map((line, i) => (i === 0 || line === '' ? line : line.replace(/^O-\d+/, `${prefix}-${Math.floor(i / 2) - (i % 7 === 0 ? 1 : 0)}`))).join('\r\n');
    writeFileSync(first, adjacent('A'));
    writeFileSync(second, adjacent('B'));
    expect(readFileSync(second).length).toBeGreaterThan(8 * 1024 * 1024);
    const run = async (threads: string) => {
      const report = join(dir, `r${threads}.json`);
      const result = await runCli(['send', first, second, '--dry-run', '--now', NOW, '--quiet', '--threads', threads, '--prescan', 'on', '--report', report], { timeoutMs: 120_000 });
      const json = JSON.parse(readFileSync(report, 'utf8'));
      for (const key of ['seconds', 'readSeconds', 'scanSeconds']) delete json[key];
      return { stdout: result.stdout, code: result.code, report: json };
    };
    const one = await run('1');
    const two = await run('2');
    expect(one.code).toBe(3);
    expect(one.report.prescan).toMatchObject({ used: true });
    expect(one.report.rows.read).toBe(180_000);
    expect(two.stdout).toBe(one.stdout);
    expect(two.report).toEqual(one.report);
  });
});

describe('chunks sent to worker threads', () => {
  it('give the same events whether they move there (owning their buffer) or are copied (small ones)', async () => {
    // Chunks under 4 KiB come from Buffer's shared pool, which is never transferred: Node 20 copies
    // it anyway, newer Node refuses the message. Piped input goes to workers whatever its size.
    const input = bigCsv(3_000);
    // The built modules: worker threads load dist/rows/worker.js next to them (npm test builds first).
    const built = (path: string): Promise<unknown> => import(new URL(`../../dist/${path}`, import.meta.url).href);
    const { buildEvents } = (await built('pipeline.js')) as typeof Pipeline;
    const { resolveSendOptions } = (await built('options.js')) as typeof Options;
    const { Report } = (await built('report.js')) as typeof Reports;
    const run = async (threads: number, chunkBytes: number): Promise<string[]> => {
      const options = resolveSendOptions({ dryRun: true, now: NOW, quiet: true, threads, prescan: 'off' });
      options.chunkBytes = chunkBytes;
      const events: string[] = [];
      // Piped input arrives in pieces: here of 1,000 bytes, so that a chunk is as small as asked.
      const bytes = Buffer.from(input);
      const pieces = Array.from({ length: Math.ceil(bytes.length / 1_000) }, (_, i) => bytes.subarray(i * 1_000, (i + 1) * 1_000));
      for await (const batch of buildEvents(options, new Report(), { stdin: Readable.from(pieces) })) events.push(...batch.map((e) => e.json));
      return events;
    };
    const serial = await run(1, 1_000_000);
    expect(serial.length).toBeGreaterThan(500);
    for (const chunkBytes of [1_500, 70_000]) expect(await run(2, chunkBytes)).toEqual(serial);
  });
});
