import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bodies, NOW, runCli, SAMPLES } from '../helpers/cli.js';
import { schemaErrors } from '../helpers/schema.js';
import { tempDir } from '../helpers/temp.js';

const samples = readdirSync(SAMPLES).filter((name) => !name.startsWith('.'));
// Plaintext that must never leave pinconv: the local part of every sample email, and a few names.
const PLAINTEXT = ['jane.doe', 'john_smith', 'ava.martin', 'lena.schmidt', 'Siobhán', "O'Connor", '650) 555-1212', '@'];

describe('every sample runs through the dry run', () => {
  it('has the three sample kinds', () => {
    expect(samples).toEqual(expect.arrayContaining(['orders.csv', 'items.ndjson', 'orders-eu.csv.gz']));
  });

  for (const sample of samples) {
    it(`${sample}: valid bodies, counts that add up, no plaintext`, async () => {
      const dir = tempDir('pinconv-test-');
      const report = join(dir, 'report.json');
      const rejects = join(dir, 'rejects.ndjson');
      const result = await runCli(['send', join(SAMPLES, sample), '--dry-run', '--now', NOW, '--report', report, '--rejects', rejects]);
      expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(result.code).toBe(3); // every sample carries a few dirty rows
      const sent = bodies(result.stdout);
      expect(sent.length).toBeGreaterThan(0);
      for (const body of sent) {
        expect(schemaErrors(body)).toBe('');
        expect(body.data.length).toBeLessThanOrEqual(1000);
      }
      const json = JSON.parse(readFileSync(report, 'utf8'));
      expect(json.rows.read).toBe(json.rows.inEvents + json.rows.rejected + json.rows.excluded);
      expect(json.events.built).toBe(sent.reduce((n, b) => n + b.data.length, 0));
      const rejectLines = readFileSync(rejects, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
      expect(rejectLines.length).toBe(json.rows.rejected);
      expect(Object.values(json.rejects as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(json.rows.rejected);
      for (const line of rejectLines) {
        expect(line.file).toContain(sample);
        expect(line.line).toBeGreaterThan(0);
        expect(line.reason).toMatch(/^[A-Z_]+$/);
        expect(line).not.toHaveProperty('value');
      }
      for (const text of [result.stdout, result.stderr, readFileSync(report, 'utf8'), readFileSync(rejects, 'utf8')]) {
        for (const plain of PLAINTEXT) expect(text).not.toContain(plain);
      }
    });
  }
});

describe('dry-run details', () => {
  it('--out - is stdout, as for csv; --out FILE gets the same bodies', async () => {
    const input = join(SAMPLES, 'orders.csv');
    const plain = await runCli(['send', input, '--dry-run', '--now', NOW, '--quiet']);
    const dash = await runCli(['send', input, '--dry-run', '--now', NOW, '--quiet', '--out', '-'], { cwd: tempDir('pinconv-dash-') });
    expect(dash.stdout).toBe(plain.stdout);
    expect(bodies(plain.stdout).length).toBeGreaterThan(0);
    const file = join(tempDir('pinconv-out-'), 'bodies.ndjson');
    const toFile = await runCli(['send', input, '--dry-run', '--now', NOW, '--quiet', '--out', file]);
    expect(toFile.stdout).toBe('');
    expect(readFileSync(file, 'utf8')).toBe(plain.stdout);
  });

  it('groups item rows of one order that are not adjacent into one event with exact sums', async () => {
    const result = await runCli(['send', join(SAMPLES, 'items.ndjson'), '--dry-run', '--now', NOW, '--quiet']);
    const events = bodies(result.stdout).flatMap((b) => b.data);
    const order = events.find((e) => e.custom_data.order_id === 'B-2001');
    // 19.99 × 3 + 15 × 2; the SKU-3 row has quantity "two" and is rejected (BAD_QUANTITY).
    expect(order?.custom_data.value).toBe('89.97');
    expect(order?.custom_data.num_items).toBe(5);
    expect(order?.custom_data.content_ids).toEqual(['SKU-1', 'SKU-2']);
    // An order-level total repeated on item rows is not summed.
    expect(events.find((e) => e.custom_data.order_id === 'B-2004')?.custom_data.value).toBe('150');
    // Events leave in the order of their orders' first rows.
    expect(events.map((e) => e.custom_data.order_id)).toEqual(['B-2001', 'B-2002', 'B-2003', 'B-2004', 'B-2007']);
    expect(result.stdout.split('\n').filter(Boolean).every((l) => l.startsWith('{"data":['))).toBe(true);
  });

  it('--rejects-values adds the raw value of the rejected field', async () => {
    const dir = tempDir('pinconv-test-');
    const rejects = join(dir, 'rejects.ndjson');
    await runCli(['send', join(SAMPLES, 'orders.csv'), '--dry-run', '--now', NOW, '--quiet', '--rejects', rejects, '--rejects-values']);
    const lines = readFileSync(rejects, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(lines.find((l) => l.reason === 'BAD_TIMESTAMP')?.value).toBe('last tuesday');
  });

  it('--limit keeps the first N events and counts the rest as excluded', async () => {
    const dir = tempDir('pinconv-test-');
    const report = join(dir, 'report.json');
    const result = await runCli(['send', join(SAMPLES, 'orders.csv'), '--dry-run', '--now', NOW, '--quiet', '--limit', '2', '--report', report]);
    expect(bodies(result.stdout).flatMap((b) => b.data)).toHaveLength(2);
    const json = JSON.parse(readFileSync(report, 'utf8'));
    expect(json.events.excludedByLimit).toBeGreaterThan(0);
    expect(json.rows.read).toBe(json.rows.inEvents + json.rows.rejected + json.rows.excluded);
  });
});
