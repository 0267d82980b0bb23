import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, NOW } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

describe('a reader that goes away (| head)', () => {
  it('ends the run quietly, and the counts still add up', async () => {
    const dir = tempDir('pinconv-epipe-');
    const file = join(dir, 'orders.csv');
    let csv = 'order_id,email,timestamp,currency,value\n';
    for (let i = 0; i < 5000; i++) csv += `O-${i},u${i}@example.com,2026-11-27T10:00:00Z,USD,${i}.5\n`;
    writeFileSync(file, csv);
    const report = join(dir, 'report.json');
    const child = spawn(process.execPath, [CLI, 'send', file, '--dry-run', '--now', NOW, '--quiet', '--batch-size', '10', '--grouping', 'adjacent', '--report', report]);
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(timer);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const rows = JSON.parse(readFileSync(report, 'utf8')).rows;
    expect(rows.read).toBe(rows.inEvents + rows.rejected + rows.excluded);
  });
});
