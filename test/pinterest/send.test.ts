import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/pinterest/sandbox.js';
import { CLI, NOW, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const NOW_MS = Date.parse(NOW);
const TOKEN = 'tok-SECRET-7f3a9c';
const AD = '549755885175';
let sandboxes: Sandbox[] = [];
let servers: Server[] = [];

afterEach(async () => {
  await Promise.all(sandboxes.map((s) => s.close()));
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  sandboxes = [];
  servers = [];
});

function workDir(): string {
  return tempDir('pinconv-send-');
}

/** An order-level export of n orders, all inside the 7-day window before NOW (or `ageDays` old). */
function exportOf(n: number, ageDays = (i: number) => (i % 6) + 0.5): string {
  let text = 'order_id,email,phone,timestamp,currency,order_revenue\n';
  for (let i = 0; i < n; i++) {
    const t = Math.floor(NOW_MS / 1000 - ageDays(i) * 86_400);
    text += `ORD-${i},user${i}@example.com,(650) 555-${String(i % 10000).padStart(4, '0')},${t},USD,${(i % 500) + 0.99}\n`;
  }
  return text;
}

async function sandbox(overrides: Partial<SandboxOptions> = {}): Promise<Sandbox> {
  const s = await startSandbox({
    port: 0, token: TOKEN, failRate: 0, resetRate: 0, rateLimitPerMinute: undefined, latencyMs: 0,
    maxAgeDays: 7, now: () => NOW_MS, record: undefined, seed: 3, ...overrides,
  });
  sandboxes.push(s);
  return s;
}

function recorded(path: string): string[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { event_id: string }).event_id);
}

function sendArgs(file: string, url: string, dir: string, extra: string[] = []): string[] {
  return ['send', file, '--ad-account', AD, '--api-base', url, '--now', NOW, '--quiet',
    '--report', join(dir, 'report.json'), '--rejects', join(dir, 'rejects.ndjson'), ...extra];
}

function noToken(dir: string, ...texts: string[]): void {
  for (const name of ['report.json', 'rejects.ndjson', 'ckpt']) {
    const path = join(dir, name);
    if (existsSync(path)) expect(readFileSync(path, 'utf8')).not.toContain(TOKEN);
  }
  for (const text of texts) expect(text).not.toContain(TOKEN);
}

/** A bare HTTP server for answers the sandbox does not give on purpose. */
async function fakeApi(answer: (body: { data: Array<{ event_id: string; custom_data: { order_id?: string } }> }, n: number) => [number, unknown]): Promise<string> {
  let n = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const [status, body] = answer(JSON.parse(Buffer.concat(chunks).toString('utf8')), n++);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

const processed = (n: number) => ({ num_events_received: n, num_events_processed: n, events: Array.from({ length: n }, () => ({ status: 'processed', error_message: null, warning_message: null })) });

describe('pinconv send against the sandbox', () => {
  it('with 503s, connection resets and a rate limit, records each of 20k events exactly once', async () => {
    const dir = workDir();
    const file = join(dir, 'orders.csv');
    writeFileSync(file, exportOf(20_000));
    const record = join(dir, 'arrived.ndjson');
    const started = Date.now();
    // The sandbox's clock runs 60× fast so that its one-minute rate window passes in a second.
    const s = await sandbox({ failRate: 0.1, resetRate: 0.05, rateLimitPerMinute: 60, record, now: () => NOW_MS + (Date.now() - started) * 60 });
    const result = await runCli(
      sendArgs(file, s.url, dir, ['--batch-size', '200', '--concurrency', '4', '--base-backoff-ms', '20', '--max-backoff-ms', '300', '--max-retries', '30']),
      { env: { PINTEREST_ACCESS_TOKEN: TOKEN }, timeoutMs: 90_000 },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const ids = recorded(record);
    expect(ids).toHaveLength(20_000);
    expect(new Set(ids).size).toBe(20_000);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report.rows).toEqual({ read: 20_000, inEvents: 20_000, rejected: 0, excluded: 0 });
    expect(report.events).toMatchObject({ built: 20_000, sent: 20_000, processed: 20_000, failed: 0 });
    expect(report.requests.retried).toBeGreaterThan(0);
    expect(report.requests.rateLimited).toBeGreaterThan(0);
    expect(report.requests.sent).toBe(100 + report.requests.retried);
    expect(s.stats.resets).toBeGreaterThan(0);
    noToken(dir, result.stdout, result.stderr);
  });

  it('with worker threads and 503s, sends exactly the events of the dry run', async () => {
    // Events settled in worker threads point into chunk blocks that go back to the workers once
    // their batch is done: a batch waiting for a free slot or a retry must still read its own events.
    const dir = workDir();
    const file = join(dir, 'orders.csv');
    writeFileSync(file, exportOf(130_000));
    expect(statSync(file).size).toBeGreaterThan(8 * 1024 * 1024);
    const dry = await runCli(['send', file, '--dry-run', '--now', NOW, '--quiet', '--threads', '1'], { timeoutMs: 120_000 });
    const expected = dry.stdout.split('\n').filter(Boolean).flatMap((line) => (JSON.parse(line) as { data: unknown[] }).data.map((e) => JSON.stringify(e)));
    expect(expected).toHaveLength(130_000);
    const record = join(dir, 'arrived.ndjson');
    const s = await sandbox({ failRate: 0.2, record });
    const result = await runCli(sendArgs(file, s.url, dir, ['--threads', '2', '--concurrency', '4', '--base-backoff-ms', '5', '--max-backoff-ms', '50', '--max-retries', '30']), {
      env: { PINTEREST_ACCESS_TOKEN: TOKEN },
      timeoutMs: 120_000,
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    await s.close();
    expect(s.stats.status['503']).toBeGreaterThan(0);
    expect(readFileSync(record, 'utf8').split('\n').filter(Boolean).sort()).toEqual(expected.sort());
  });

  it('after kill -9, the same command with the checkpoint sends what was not acknowledged', async () => {
    const dir = workDir();
    const file = join(dir, 'orders.csv');
    writeFileSync(file, exportOf(20_000));
    const record = join(dir, 'arrived.ndjson');
    // 100 ms per answer, two batches of 500 at a time: the 14,000 events left after the first 6,000
    // take about 1.4 s, so a test process slowed by other test files still kills the child in time.
    const s = await sandbox({ latencyMs: 100, record });
    const args = [CLI, ...sendArgs(file, s.url, dir, ['--batch-size', '500', '--concurrency', '2', '--checkpoint', join(dir, 'ckpt')])];
    const child = spawn(process.execPath, args, { env: { ...process.env, PINTEREST_ACCESS_TOKEN: TOKEN }, stdio: 'ignore' });
    const deadline = Date.now() + 30_000;
    while (s.stats.processedEvents < 6_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    const before = recorded(record).length;
    expect(before).toBeGreaterThanOrEqual(6_000);
    expect(before).toBeLessThan(20_000);
    const resumed = await runCli(sendArgs(file, s.url, dir, ['--batch-size', '500', '--concurrency', '2', '--checkpoint', join(dir, 'ckpt')]), {
      env: { PINTEREST_ACCESS_TOKEN: TOKEN },
    });
    expect(resumed.code).toBe(0);
    const ids = recorded(record);
    expect(new Set(ids).size).toBe(20_000);
    // Duplicates only from batches in flight at the kill: at most concurrency × batch size.
    expect(ids.length - 20_000).toBeLessThanOrEqual(2 * 500);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report.events.alreadySent).toBeGreaterThan(0);
    expect(report.events.alreadySent + report.events.sent).toBe(20_000);
    noToken(dir, resumed.stderr);
  });

  it('stops on 401 with a message on getting a new token, and resumes from the checkpoint', async () => {
    const dir = workDir();
    const file = join(dir, 'orders.csv');
    writeFileSync(file, exportOf(5_000));
    const url = await fakeApi((body, n) => (n < 3 ? [200, processed(body.data.length)] : [401, { code: 2, message: 'Authentication failed.' }]));
    const args = sendArgs(file, url, dir, ['--batch-size', '500', '--concurrency', '1', '--checkpoint', join(dir, 'ckpt')]);
    const failed = await runCli(args, { env: { PINTEREST_ACCESS_TOKEN: TOKEN } });
    expect(failed.code).toBe(1);
    expect(failed.stderr.trim().split('\n')).toHaveLength(1);
    expect(failed.stderr).toMatch(/401 \(Authentication failed\. \(code 2\)\).*Generate a new conversion access token/);
    const record = join(dir, 'arrived.ndjson');
    const s = await sandbox({ record });
    const resumed = await runCli(sendArgs(file, s.url, dir, ['--batch-size', '500', '--concurrency', '1', '--checkpoint', join(dir, 'ckpt')]), {
      env: { PINTEREST_ACCESS_TOKEN: TOKEN },
    });
    expect(resumed.code).toBe(0);
    const ids = recorded(record);
    expect(ids).toHaveLength(3_500);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report.events.alreadySent).toBe(1_500);
    noToken(dir, failed.stderr, resumed.stderr);
  });

  it('Ctrl-C finishes the requests in flight, saves, exits 130; the re-run sends the rest with no duplicate', async () => {
    const dir = workDir();
    const file = join(dir, 'orders.csv');
    writeFileSync(file, exportOf(10_000));
    const record = join(dir, 'arrived.ndjson');
    const s = await sandbox({ latencyMs: 100, record });
    const args = sendArgs(file, s.url, dir, ['--batch-size', '250', '--concurrency', '2', '--checkpoint', join(dir, 'ckpt')]);
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, PINTEREST_ACCESS_TOKEN: TOKEN }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const deadline = Date.now() + 30_000;
    while (s.stats.processedEvents < 2_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGINT');
    const code = await new Promise((r) => child.on('close', r));
    expect(code).toBe(130);
    expect(stderr).toMatch(/interrupted/);
    expect(recorded(record).length).toBeLessThan(10_000);
    const resumed = await runCli(args, { env: { PINTEREST_ACCESS_TOKEN: TOKEN } });
    expect(resumed.code).toBe(0);
    const ids = recorded(record);
    expect(ids).toHaveLength(10_000);
    expect(new Set(ids).size).toBe(10_000);
  });

  it('--test sends with ?test=true (validated, nothing recorded) and --limit sends only the first N events', async () => {
    const dir = workDir();
    const file = join(dir, 'orders.csv');
    writeFileSync(file, exportOf(50));
    const record = join(dir, 'arrived.ndjson');
    const s = await sandbox({ record });
    const result = await runCli(sendArgs(file, s.url, dir, ['--test', '--limit', '10']), { env: { PINTEREST_ACCESS_TOKEN: TOKEN } });
    expect(result.code).toBe(0);
    expect(s.stats.testRequests).toBe(1);
    expect(recorded(record)).toHaveLength(0);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report.events).toMatchObject({ built: 10, sent: 10, processed: 10, excludedByLimit: 40 });
  });

  it('refuses a checkpoint written for another input', async () => {
    const dir = workDir();
    const file = join(dir, 'orders.csv');
    writeFileSync(file, exportOf(300));
    const s = await sandbox();
    const first = await runCli(sendArgs(file, s.url, dir, ['--checkpoint', join(dir, 'ckpt')]), { env: { PINTEREST_ACCESS_TOKEN: TOKEN } });
    expect(first.code).toBe(0);
    writeFileSync(file, exportOf(300, (i) => (i % 5) + 0.25));
    const other = await runCli(sendArgs(file, s.url, dir, ['--checkpoint', join(dir, 'ckpt')]), { env: { PINTEREST_ACCESS_TOKEN: TOKEN } });
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/written for a different input/);
  });

  for (const prescan of ['off', 'on']) {
    it(`a 422 puts the failed events in rejects with Pinterest's message and their lines, and counts the rest processed (--prescan ${prescan})`, async () => {
      const dir = workDir();
      const file = join(dir, 'orders.csv');
      // Every fourth event is 10 days old: inside pinconv's --window-days 30, too old for the sandbox.
      // With a prescan, the chunk processor settles each order and its lines come with it as numbers.
      writeFileSync(file, exportOf(40, (i) => (i % 4 === 0 ? 10 : 1)));
      const record = join(dir, 'arrived.ndjson');
      const s = await sandbox({ record });
      const result = await runCli(sendArgs(file, s.url, dir, ['--window-days', '30', '--prescan', prescan]), { env: { PINTEREST_ACCESS_TOKEN: TOKEN } });
      expect(result.code).toBe(3);
      const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
      expect(report.events).toMatchObject({ sent: 40, processed: 30, failed: 10 });
      expect(report.prescan?.used ?? false).toBe(prescan === 'on');
      const rejects = readFileSync(join(dir, 'rejects.ndjson'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
      expect(rejects).toHaveLength(10);
      for (const r of rejects) {
        expect(r.reason).toBe('PINTEREST_FAILED');
        expect(r.message).toMatch(/Given timestamp is in the past/);
        expect(Number(r.order_id.slice(4)) % 4).toBe(0);
        expect(r).toMatchObject({ file, line: Number(r.order_id.slice(4)) + 2 });
      }
      expect(recorded(record)).toHaveLength(30);
    });
  }

  it('a 400 is split until only the refused events are rejected; the rest are sent once', async () => {
    const dir = workDir();
    const file = join(dir, 'orders.csv');
    writeFileSync(file, exportOf(100));
    const seen: string[] = [];
    const url = await fakeApi((body) => {
      if (body.data.some((e) => e.custom_data.order_id === 'ORD-17' || e.custom_data.order_id === 'ORD-60')) {
        return [400, { code: 4196, message: 'Invalid request' }];
      }
      seen.push(...body.data.map((e) => e.custom_data.order_id ?? ''));
      return [200, processed(body.data.length)];
    });
    const result = await runCli(sendArgs(file, url, dir), { env: { PINTEREST_ACCESS_TOKEN: TOKEN } });
    expect(result.code).toBe(3);
    expect(seen).toHaveLength(98);
    expect(new Set(seen).size).toBe(98);
    const rejects = readFileSync(join(dir, 'rejects.ndjson'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(rejects.map((r) => [r.reason, r.order_id])).toEqual([['PINTEREST_INVALID', 'ORD-17'], ['PINTEREST_INVALID', 'ORD-60']]);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report.events).toMatchObject({ sent: 100, processed: 98, failed: 2 });
  });

  it('gives up after --max-retries with exit 1, and never takes the token from argv', async () => {
    const dir = workDir();
    const file = join(dir, 'orders.csv');
    writeFileSync(file, exportOf(10));
    const s = await sandbox({ failRate: 1 });
    const result = await runCli(sendArgs(file, s.url, dir, ['--max-retries', '2', '--base-backoff-ms', '5']), { env: { PINTEREST_ACCESS_TOKEN: TOKEN } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/still failed after 2 retries \(last: HTTP 503/);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report.requests).toMatchObject({ sent: 3, retried: 2 });
    const noTokenRun = await runCli(sendArgs(file, s.url, dir));
    expect(noTokenRun.code).toBe(2);
    expect(noTokenRun.stderr).toMatch(/PINTEREST_ACCESS_TOKEN/);
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, `${TOKEN}\n`);
    const fromFile = await runCli(sendArgs(file, (await sandbox()).url, dir, ['--token-file', tokenFile]));
    expect(fromFile.code).toBe(0);
    const http = await runCli(['send', file, '--ad-account', AD, '--api-base', 'http://example.com'], { env: { PINTEREST_ACCESS_TOKEN: TOKEN } });
    expect(http.code).toBe(2);
    expect(http.stderr).toMatch(/plain http is allowed only on loopback/);
  });
});
