import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { resolveCsvOptions } from '../../src/options.js';
import { EventItem } from '../../src/pipeline.js';
import { Report } from '../../src/report.js';
import { writeUploadCsv } from '../../src/upload/write.js';
import { bodies, NOW, runCli, SAMPLES } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const ALL = ['orders.csv', 'items.ndjson', 'orders-eu.csv.gz'].map((s) => join(SAMPLES, s));

function parts(dir: string): string[] {
  return readdirSync(dir).filter((n) => /^upload-\d+\.csv$/.test(n)).sort();
}

describe('pinconv csv', () => {
  it('parsed back, gives exactly the dry run events (30-day window on both)', async () => {
    const out = tempDir('pinconv-csv-');
    const csv = await runCli(['csv', ...ALL, '--out', out, '--now', NOW, '--quiet', '--columns', '+currency,+phone']);
    expect(csv.code).toBe(3);
    const dry = await runCli(['send', ...ALL, '--dry-run', '--now', NOW, '--quiet', '--window-days', '30']);
    // The dry run keeps maid-only events; the default upload columns cannot carry them.
    const events = bodies(dry.stdout).flatMap((b) => b.data).filter((e) => e.user_data.em);
    const rows = parse(readFileSync(join(out, 'upload-00001.csv')), { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => r.order_id)).toEqual(events.map((e) => e.custom_data.order_id));
    rows.forEach((row, i) => {
      const e = events[i];
      expect(row.email).toBe(e.user_data.em[0]);
      expect(row.phone).toBe(e.user_data.ph?.[0] ?? '');
      expect(Number(row.event_time)).toBe(e.event_time);
      expect(row.value).toBe(e.custom_data.value);
      expect(row.currency).toBe(e.custom_data.currency);
      expect(row.event_type).toBe('checkout');
      expect(row.event_source).toBe('offline');
      expect(row.quantity).toBe(e.custom_data.num_items === undefined ? '' : String(e.custom_data.num_items));
    });
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    const bytes = readFileSync(join(out, 'upload-00001.csv'));
    expect(manifest.parts).toEqual([{ file: 'upload-00001.csv', rows: rows.length, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }]);
    expect(manifest.summary.rows.read).toBe(manifest.summary.rows.inEvents + manifest.summary.rows.rejected + manifest.summary.rows.excluded);
    const text = bytes.toString('utf8');
    expect(text.startsWith('email,event_time,event_type,event_source,value,order_id,quantity,currency,phone\n')).toBe(true);
    expect(text).not.toContain('\r');
    for (const plain of ['@', 'jane', 'Jane', 'Doe', 'orders.csv', 'items.ndjson', 'Berlin']) expect(text).not.toContain(plain);
  });

  it('rotates parts by --max-rows and by --max-bytes, each under the limit and with its header', async () => {
    const byRows = tempDir('pinconv-csv-');
    await runCli(['csv', ...ALL, '--out', byRows, '--now', NOW, '--quiet', '--max-rows', '4']);
    const rowParts = parts(byRows);
    expect(rowParts.length).toBeGreaterThan(2);
    let total = 0;
    for (const name of rowParts) {
      const rows = parse(readFileSync(join(byRows, name)), { columns: true }) as unknown[];
      expect(rows.length).toBeLessThanOrEqual(4);
      total += rows.length;
    }
    const byBytes = tempDir('pinconv-csv-');
    await runCli(['csv', ...ALL, '--out', byBytes, '--now', NOW, '--quiet', '--max-bytes', '1100']);
    const byteParts = parts(byBytes);
    expect(byteParts.length).toBeGreaterThan(1);
    let totalBytes = 0;
    for (const name of byteParts) {
      const content = readFileSync(join(byBytes, name));
      expect(content.length).toBeLessThanOrEqual(1100);
      expect(content.toString().startsWith('email,event_time,')).toBe(true);
      totalBytes += (parse(content, { columns: true }) as unknown[]).length;
    }
    expect(totalBytes).toBe(total);
    const manifest = JSON.parse(readFileSync(join(byBytes, 'manifest.json'), 'utf8'));
    expect(manifest.parts.map((p: { file: string }) => p.file)).toEqual(byteParts);
  });

  it('refuses to overwrite parts without --force, and replaces them with it', async () => {
    const out = tempDir('pinconv-csv-');
    await runCli(['csv', join(SAMPLES, 'orders.csv'), '--out', out, '--now', NOW, '--quiet', '--max-rows', '2']);
    const again = await runCli(['csv', join(SAMPLES, 'orders.csv'), '--out', out, '--now', NOW, '--quiet']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/--force/);
    const forced = await runCli(['csv', join(SAMPLES, 'orders.csv'), '--out', out, '--now', NOW, '--quiet', '--force']);
    expect(forced.code).toBe(3);
    expect(parts(out)).toEqual(['upload-00001.csv']);
  });

  it('--out - writes one CSV to stdout and fails clearly past the limits', async () => {
    const ok = await runCli(['csv', join(SAMPLES, 'orders.csv'), '--out', '-', '--now', NOW, '--quiet']);
    expect(ok.stdout.split('\n')[0]).toBe('email,event_time,event_type,event_source,value,order_id,quantity');
    const over = await runCli(['csv', join(SAMPLES, 'orders.csv'), '--out', '-', '--now', NOW, '--quiet', '--max-rows', '2']);
    expect(over.code).toBe(1);
    expect(over.stderr).toMatch(/exceed 2 rows in one file; use --out DIR/);
  });

  it('an interrupted or failed run leaves no file that looks complete', async () => {
    const out = tempDir('pinconv-csv-');
    const options = resolveCsvOptions({ out, now: NOW, maxRows: 1 });
    const event = (id: string): EventItem => {
      const e = { event_name: 'checkout', action_source: 'offline', event_time: 1, event_id: id, user_data: { em: ['a'.repeat(64)] }, custom_data: { currency: 'USD', value: '1', order_id: id }, partner_name: 'ss-x' } as const;
      return new EventItem(JSON.stringify(e), [], structuredClone(e) as unknown as EventItem['event']);
    };
    async function* failing(): AsyncGenerator<EventItem[]> {
      yield [event('1'), event('2'), event('3')];
      throw new Error('the input broke');
    }
    await expect(writeUploadCsv(failing(), options, new Report())).rejects.toThrow('the input broke');
    expect(readdirSync(out)).toEqual([]);
    let stop = false;
    async function* interrupted(): AsyncGenerator<EventItem[]> {
      yield [event('1'), event('2')];
      stop = true;
    }
    await expect(writeUploadCsv(interrupted(), options, new Report(), { stopped: () => stop })).rejects.toThrow(/interrupted/);
    expect(readdirSync(out)).toEqual([]);
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
  });
});
