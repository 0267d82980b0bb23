import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { NOW, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const HEADER = 'order_id,email,timestamp,currency,order_revenue\n';
const ROW = 'A-1,jane.doe@example.com,2026-11-27T10:00:00Z,USD,10\n';

function file(name: string, content: string | Buffer): string {
  const dir = tempDir('pinconv-bad-');
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const cases: Array<{ name: string; content: () => string | Buffer; message: RegExp; line: number | string; exit: number[] }> = [
  { name: 'unterminated.csv', content: () => HEADER + ROW + 'A-2,"x@example.com,2026-11-27T10:00:00Z,USD,10\n', message: /never closed|unterminated/, line: 3, exit: [1] },
  // The line where the quote opens, not the end of the file where csv-parse stops.
  { name: 'unterminated-early.csv', content: () => HEADER + ROW + '\n' + 'A-2,"x@example.com,2026-11-27T10:00:00Z,USD,10\n' + ROW.repeat(50), message: /never closed/, line: 4, exit: [1] },
  { name: 'garbage.bin', content: () => Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)), message: /not a text export/, line: 1, exit: [1] },
  { name: 'truncated.csv.gz', content: () => gzipSync(HEADER + ROW.repeat(2000)).subarray(0, 200), message: /gzip/, line: 1, exit: [1] },
  { name: 'no-timestamp.csv', content: () => 'order_id,email,currency,order_revenue\nA-1,x@example.com,USD,1\n', message: /missing required column: timestamp/, line: 1, exit: [2] },
  { name: 'empty.csv', content: () => '', message: /empty/, line: 1, exit: [1] },
  { name: 'header-only.csv', content: () => HEADER, message: /no data rows/, line: 2, exit: [1] },
  { name: 'huge-field.csv', content: () => HEADER + ROW + `A-3,"${'a'.repeat(10 * 1024 * 1024)}",2026-11-27T10:00:00Z,USD,1\n`, message: /longer than/, line: 3, exit: [1] },
  { name: 'bad.ndjson', content: () => '{"email":"jane.doe@example.com","timestamp":1}\n{"email":"jane.doe@example.com",\n', message: /not a valid JSON line/, line: 2, exit: [1] },
  { name: 'bad.json', content: () => '[{"email":"jane.doe@example.com"},{"email":', message: /malformed JSON/, line: ' record', exit: [1] },
];

describe('bad input: one clear line naming file and line, exit 1 or 2, no stack, no hang', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const path = file(c.name, c.content());
      const result = await runCli(['send', path, '--dry-run', '--now', NOW], { timeoutMs: 20_000 });
      expect(result.signal).toBeNull(); // not killed by the timeout
      expect(c.exit).toContain(result.code);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(c.message);
      expect(lines[0]).toContain(`${path}:${c.line}`);
      expect(result.stderr).not.toMatch(/\bat .*\.js:\d+/);
      expect(result.stderr).not.toContain('jane.doe');
      expect(result.stdout).toBe('');
    });
  }

  it('a missing file and a bad option are clear too', async () => {
    const missing = await runCli(['send', '/nonexistent/orders.csv', '--dry-run']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no such file/);
    const option = await runCli(['send', '--dry-run', '--concurrency', 'x']);
    expect(option.code).toBe(2);
    expect(option.stderr.trim()).toBe('pinconv: --concurrency must be an integer from 1 to 64, got "x"');
    const unknown = await runCli(['send', '--dry-run', '--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option '--bogus'/);
    // A value that starts with "-" is the option's value, as the help writes it.
    const removed = await runCli(['csv', file('orders.csv', HEADER + ROW), '--out', '-', '--now', NOW, '--quiet', '--columns', '-quantity']);
    expect(removed.code).toBe(0);
    expect(removed.stdout.split('\n')[0]).toBe('email,event_time,event_type,event_source,value,order_id');
    const negative = await runCli(['send', '--dry-run', '--window-days', '-1']);
    expect(negative.code).toBe(2);
    expect(negative.stderr.trim()).toBe('pinconv: --window-days must be an integer from 1 to 3650, got "-1"');
    // A value forgotten before a flag stays an error; the flag is not taken for the value.
    const forgotten = await runCli(['send', 'x.csv', '--dry-run', '--report', '-q']);
    expect(forgotten.code).toBe(2);
    expect(forgotten.stderr.trim()).toBe('pinconv: --report needs a value; one that starts with "-" is written --report=-VALUE (see --help)');
    const token = await runCli(['send', 'x.csv', '--token', 'secret-token', '--ad-account', '1']);
    expect(token.code).toBe(2);
    expect(token.stderr).not.toContain('secret-token');
  });
});

describe('outputs that cannot be written: one clear line naming the option, exit 1, nothing read or sent first', () => {
  const rejected = (rows: number): string => HEADER + Array.from({ length: rows }, (_, i) => `Z-${i},z${i}@example.com,not a time,USD,1\n`).join('');

  it('--report or a dry run\'s --out that is a folder or has no folder fails before any event is written', async () => {
    const input = file('orders.csv', HEADER + ROW);
    const dir = tempDir('pinconv-out-');
    for (const [args, message] of [
      [['--report', dir], `pinconv: --report ${dir}: cannot write (EISDIR)`],
      [['--report', join(dir, 'missing', 'r.json')], `pinconv: --report ${join(dir, 'missing', 'r.json')}: cannot write (ENOENT)`],
      [['--out', dir], `pinconv: --out ${dir}: cannot write (EISDIR)`],
      [['--out', join(input, 'x.ndjson')], `pinconv: --out ${join(input, 'x.ndjson')}: cannot write (ENOTDIR)`],
    ] as const) {
      const result = await runCli(['send', input, '--dry-run', '--now', NOW, ...args]);
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe(message);
      expect(result.stdout).toBe('');
    }
    const csv = await runCli(['csv', input, '--out', '-', '--now', NOW, '--report', dir]);
    expect(csv.code).toBe(1);
    expect(csv.stderr.trim()).toBe(`pinconv: --report ${dir}: cannot write (EISDIR)`);
    expect(csv.stdout).toBe('');
  });

  it.runIf(process.platform === 'linux')('a rejects file that fills up (/dev/full) ends the run with its error, and the report is still written', async () => {
    // Enough rejects to fill the stream's buffer: it waited for a 'drain' that a failed stream never
    // emits, and Node left with exit 13 and no message.
    const input = file('rejected.csv', rejected(2000));
    const report = join(tempDir('pinconv-report-'), 'run.json');
    for (const command of [['send', input, '--dry-run'], ['csv', input, '--out', join(tempDir('pinconv-parts-'), 'parts')]]) {
      const result = await runCli([...command, '--now', NOW, '--rejects', '/dev/full', '--report', report]);
      expect(result.signal).toBeNull();
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe('pinconv: --rejects: write failed (ENOSPC)');
      expect(JSON.parse(readFileSync(report, 'utf8'))).toMatchObject({ rows: { read: expect.any(Number) } });
    }
  });
});
