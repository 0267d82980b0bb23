import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { NOW, runCli, SAMPLES } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

describe('the same input gives byte-identical output', () => {
  it('from a file, a gzip file, plain stdin and gzip on stdin', async () => {
    const csv = readFileSync(join(SAMPLES, 'orders.csv'));
    const dir = tempDir('pinconv-test-');
    const gz = join(dir, 'orders.data'); // no .gz suffix: gzip is found by its magic bytes
    writeFileSync(gz, gzipSync(csv));
    const args = ['send', '--dry-run', '--now', NOW, '--quiet'];
    const fromFile = await runCli([...args, join(SAMPLES, 'orders.csv')]);
    const fromGzip = await runCli([...args, gz]);
    const fromStdin = await runCli([...args, '-'], { stdin: csv });
    const fromGzipStdin = await runCli(args, { stdin: gzipSync(csv) });
    expect(fromFile.stdout.length).toBeGreaterThan(100);
    expect(fromGzip.stdout).toBe(fromFile.stdout);
    expect(fromStdin.stdout).toBe(fromFile.stdout);
    expect(fromGzipStdin.stdout).toBe(fromFile.stdout);
  });
});
