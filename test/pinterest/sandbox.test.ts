import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { resolveSandboxOptions } from '../../src/pinterest/sandbox-cli.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/pinterest/sandbox.js';

const NOW_MS = Date.parse('2026-11-28T00:00:00Z');
const NOW_S = NOW_MS / 1000;
const TOKEN = 'test-token-0123';
const EMAIL_HASH = '86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d'; // sha256("jane.doe@example.com")
const PATH = '/v5/ad_accounts/549755885175/events';

let sandboxes: Sandbox[] = [];
let agent: Agent;
let dir: string;

beforeEach(async () => {
  // A fresh dispatcher per test: no keep-alive socket outlives its sandbox.
  agent = new Agent({ connect: { timeout: 5_000 } });
  dir = await mkdtemp(join(tmpdir(), 'pinconv-sandbox-'));
});

afterEach(async () => {
  await Promise.all(sandboxes.map((s) => s.close()));
  sandboxes = [];
  await agent.destroy();
  await rm(dir, { recursive: true, force: true });
});

async function start(overrides: Partial<SandboxOptions> = {}): Promise<Sandbox> {
  const sandbox = await startSandbox({
    port: 0,
    token: TOKEN,
    failRate: 0,
    resetRate: 0,
    rateLimitPerMinute: undefined,
    latencyMs: 0,
    maxAgeDays: 7,
    now: () => NOW_MS,
    record: undefined,
    seed: 1,
    ...overrides,
  });
  sandboxes.push(sandbox);
  return sandbox;
}

function event(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_name: 'checkout',
    action_source: 'offline',
    event_time: NOW_S - 3600,
    event_id: id,
    partner_name: 'ss-pinconv',
    user_data: { em: [EMAIL_HASH] },
    custom_data: { currency: 'USD', value: '72.39', order_id: id },
    ...overrides,
  };
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

async function post(sandbox: Sandbox, body: unknown, options: { token?: string | null; query?: string; raw?: boolean; method?: 'POST' | 'GET'; path?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const token = options.token === undefined ? TOKEN : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const method = options.method ?? 'POST';
  const response = await request(`${sandbox.url}${options.path ?? PATH}${options.query ?? ''}`, {
    method,
    headers,
    ...(method === 'POST' ? { body: options.raw ? (body as string) : JSON.stringify(body) } : {}),
    dispatcher: agent,
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
}

async function recorded(file: string): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? '' : Promise.reject(error)));
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

describe('sandbox: routing and auth', () => {
  it('answers 401 {code:2} to a wrong or missing token', async () => {
    const sandbox = await start();
    const wrong = await post(sandbox, { data: [event('a')] }, { token: 'nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ code: 2, message: 'Authentication failed.' });
    expect(wrong.headers['content-type']).toBe('application/json');
    const missing = await post(sandbox, { data: [event('a')] }, { token: null });
    expect(missing.status).toBe(401);
    expect(sandbox.stats.status['401']).toBe(2);
  });

  it('answers 404 to other paths or a bad account id, and 405 to other methods', async () => {
    const sandbox = await start();
    expect((await post(sandbox, { data: [event('a')] }, { path: '/v5/ad_accounts/12/other' })).status).toBe(404);
    expect((await post(sandbox, { data: [event('a')] }, { path: '/v5/ad_accounts/abc/events' })).status).toBe(404);
    expect((await post(sandbox, { data: [event('a')] }, { path: `/v5/ad_accounts/${'1'.repeat(19)}/events` })).status).toBe(404);
    const get = await post(sandbox, undefined, { method: 'GET' });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
  });
});

describe('sandbox: request validation', () => {
  it('answers 400 {code:1} to malformed JSON', async () => {
    const sandbox = await start();
    const answer = await post(sandbox, '{"data": [', { raw: true });
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe(1);
    expect(answer.body.message).toMatch(/not valid JSON/);
  });

  it('answers 400 naming the event index when one event breaks the schema', async () => {
    const sandbox = await start();
    const bad = event('b', { custom_data: { currency: 'USD', value: 72.39 } });
    const answer = await post(sandbox, { data: [event('a'), bad, event('c')] });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ code: 4196, message: 'Invalid request: data[1].custom_data.value must be string or null' });
    const iso = await post(sandbox, { data: [event('a', { event_time: '2026-11-27T00:00:00Z' })] });
    expect(iso.body.message).toBe('Invalid request: data[0].event_time must be integer');
    const missing = await post(sandbox, { data: [event('a'), event('b', { event_id: undefined })] });
    expect(missing.body.message).toBe('Invalid request: data[1].event_id is required');
    expect(sandbox.stats.processedEvents).toBe(0);
  });

  it('answers 400 to a bad top level: no data, empty data, extra keys, over 1000 events', async () => {
    const sandbox = await start();
    for (const body of [{}, { data: [] }, { data: [event('a')], test: true }, [event('a')], { data: Array.from({ length: 1001 }, (_, i) => event(`e${i}`)) }]) {
      const answer = await post(sandbox, body);
      expect(answer.status).toBe(400);
      expect(answer.body.code).toBe(4196);
      expect(answer.body.message).toMatch(/^Invalid request: /);
    }
  });

  it('refuses a body over 2,000,000 bytes without reading it all', async () => {
    const sandbox = await start();
    const big = JSON.stringify({ data: [event('a', { event_source_url: 'x'.repeat(2_000_001) })] });
    const answer = await post(sandbox, big, { raw: true }).catch((error: Error) => error);
    // The server closes the connection after answering; either the client reads the 413 or the write fails.
    if (answer instanceof Error) expect(answer.message).toBeTruthy();
    else {
      expect(answer.status).toBe(413);
      expect(answer.body.message).toMatch(/larger than 2000000 bytes/);
    }
    expect(sandbox.stats.processedEvents).toBe(0);
  });
});

describe('sandbox: per-event answers', () => {
  it('answers 200 with every event processed, in request order', async () => {
    const sandbox = await start();
    const answer = await post(sandbox, { data: [event('a'), event('b'), event('c', { event_time: NOW_S + 120 })] });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      num_events_received: 3,
      num_events_processed: 3,
      events: Array.from({ length: 3 }, () => ({ status: 'processed', error_message: null, warning_message: null })),
    });
    expect(sandbox.stats.processedEvents).toBe(3);
  });

  it('answers 422 for one stale event; the others are processed and recorded', async () => {
    const file = join(dir, 'arrived.ndjson');
    const sandbox = await start({ record: file });
    const stale = NOW_S - 8 * 86_400;
    const answer = await post(sandbox, { data: [event('a'), event('old', { event_time: stale }), event('c')] });
    expect(answer.status).toBe(422);
    expect(answer.body.code).toBe(953);
    expect(answer.body.message).toBe('The action could not be processed properly due to some or all data provided being invalid.');
    expect(answer.body.details.num_events_received).toBe(3);
    expect(answer.body.details.num_events_processed).toBe(2);
    expect(answer.body.details.events.map((e: { status: string }) => e.status)).toEqual(['processed', 'failed', 'processed']);
    expect(answer.body.details.events[1].error_message).toBe(
      `Invalid event_timestamp parameter. Given timestamp is in the past. Current timestamp: ${NOW_S}, Given event_timestamp: ${stale}`,
    );
    await sandbox.close();
    expect((await recorded(file)).map((e) => e.event_id)).toEqual(['a', 'c']);
    expect(sandbox.stats).toMatchObject({ processedEvents: 2, failedEvents: 1 });
  });

  it('fails future events, events without em/maid/IP+UA, and hashes that are not SHA-256', async () => {
    const sandbox = await start({ maxAgeDays: 30 });
    const answer = await post(sandbox, {
      data: [
        event('future', { event_time: NOW_S + 301 }),
        event('noid', { user_data: { ph: [EMAIL_HASH] } }),
        event('ipua', { user_data: { client_ip_address: '203.0.113.9', client_user_agent: 'ua' } }),
        event('plain', { user_data: { em: [EMAIL_HASH], fn: ['Jane'] } }),
        event('upper', { user_data: { hashed_maids: [EMAIL_HASH.toUpperCase()] } }),
        event('old-but-allowed', { event_time: NOW_S - 20 * 86_400 }),
      ],
    });
    expect(answer.status).toBe(422);
    const messages = answer.body.details.events.map((e: { error_message: string | null }) => e.error_message);
    expect(messages[0]).toMatch(/Given timestamp is in the future\. Current timestamp: \d+, Given event_timestamp: \d+/);
    expect(messages[1]).toMatch(/em, hashed_maids, or the pair client_ip_address and client_user_agent/);
    expect(messages[2]).toBeNull();
    expect(messages[3]).toMatch(/user_data\.fn\[0\].*must be a SHA-256 hash/);
    expect(messages[3]).not.toContain('Jane');
    expect(messages[4]).toMatch(/user_data\.hashed_maids\[0\].*must be a SHA-256 hash/);
    expect(messages[5]).toBeNull();
    expect(answer.body.details.num_events_processed).toBe(2);
  });

  it('?test=true answers the same and records nothing', async () => {
    const file = join(dir, 'arrived.ndjson');
    const sandbox = await start({ record: file });
    const ok = await post(sandbox, { data: [event('a'), event('b')] }, { query: '?test=true' });
    expect(ok.status).toBe(200);
    expect(ok.body.num_events_processed).toBe(2);
    const partial = await post(sandbox, { data: [event('c'), event('d', { event_time: 1 })] }, { query: '?test=true' });
    expect(partial.status).toBe(422);
    await sandbox.close();
    expect(await recorded(file)).toEqual([]);
    expect(sandbox.stats).toMatchObject({ testRequests: 2, processedEvents: 0, failedEvents: 0 });
  });

  it('records exactly the processed events, as received, across requests', async () => {
    const file = join(dir, 'arrived.ndjson');
    const sandbox = await start({ record: file });
    const sent: Array<Record<string, unknown>> = [];
    const batches = [
      [event('a'), event('b', { custom_data: { currency: 'EUR', value: '1.50', contents: [{ id: 'sku', item_price: '0.75', quantity: 2 }] } })],
      [event('c', { event_time: NOW_S + 3600 }), event('d')],
      [event('e', { custom_data: { value: 3 } })], // 400: nothing of it recorded
    ];
    for (const batch of batches) {
      const answer = await post(sandbox, { data: batch });
      const results = answer.status === 200 ? answer.body.events : answer.status === 422 ? answer.body.details.events : [];
      results.forEach((r: { status: string }, i: number) => {
        if (r.status === 'processed') sent.push(batch[i] as Record<string, unknown>);
      });
    }
    await post(sandbox, { data: [event('t')] }, { query: '?test=true' });
    await sandbox.close();
    const lines = await recorded(file);
    expect(lines).toEqual(sent);
    expect(lines.map((e) => e.event_id)).toEqual(['a', 'b', 'd']);
    expect(sandbox.stats.processedEvents).toBe(3);
  });
});

describe('sandbox: fault injection', () => {
  it('answers 429 {code:8} with an integer Retry-After past the rate limit, and lets requests in after the window', async () => {
    let now = NOW_MS;
    const sandbox = await start({ rateLimitPerMinute: 2, now: () => now });
    expect((await post(sandbox, { data: [event('a')] })).status).toBe(200);
    now += 10_000;
    expect((await post(sandbox, { data: [event('b')] })).status).toBe(200);
    const limited = await post(sandbox, { data: [event('c')] });
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe(8);
    expect(limited.headers['retry-after']).toBe('50');
    now += 50_000;
    expect((await post(sandbox, { data: [event('c')] })).status).toBe(200);
  });

  it('failRate 1 answers 503 {code:4197}', async () => {
    const sandbox = await start({ failRate: 1 });
    const answer = await post(sandbox, { data: [event('a')] });
    expect(answer.status).toBe(503);
    expect(answer.body.code).toBe(4197);
    // Auth comes first: a wrong token still gets 401.
    expect((await post(sandbox, { data: [event('a')] }, { token: 'nope' })).status).toBe(401);
  });

  it('resetRate 1 destroys the connection: the client sees a socket error', async () => {
    const sandbox = await start({ resetRate: 1 });
    await expect(post(sandbox, { data: [event('a')] })).rejects.toMatchObject({ code: expect.stringMatching(/UND_ERR_SOCKET|ECONNRESET|EPIPE/) });
    expect(sandbox.stats.resets).toBe(1);
    expect(sandbox.stats.processedEvents).toBe(0);
  });

  it('draws the same faults for the same seed', async () => {
    const outcome = async (seed: number): Promise<string[]> => {
      const sandbox = await start({ seed, failRate: 0.5 });
      const statuses: string[] = [];
      for (let i = 0; i < 8; i++) statuses.push(String((await post(sandbox, { data: [event(`e${i}`)] })).status));
      return statuses;
    };
    const first = await outcome(42);
    expect(await outcome(42)).toEqual(first);
    expect(new Set(first)).toEqual(new Set(['200', '503']));
  });

  it('latency delays answers without serialising them', async () => {
    // Four answers of 500 ms each: served one after the other they would take 2 s. The bound leaves
    // a second of slack for a machine busy with other test files.
    const sandbox = await start({ latencyMs: 500 });
    const started = Date.now();
    const answers = await Promise.all([0, 1, 2, 3].map((i) => post(sandbox, { data: [event(`e${i}`)] })));
    const elapsed = Date.now() - started;
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(elapsed).toBeGreaterThanOrEqual(490);
    expect(elapsed).toBeLessThan(1500);
  });

  it('close() returns promptly with requests pending and records nothing for them', async () => {
    const file = join(dir, 'arrived.ndjson');
    const sandbox = await start({ latencyMs: 30_000, record: file });
    const pending = post(sandbox, { data: [event('a')] }).then(
      () => 'answered',
      () => 'socket error',
    );
    while (sandbox.stats.requests === 0) await new Promise((r) => setTimeout(r, 10));
    const started = Date.now();
    await sandbox.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await pending).toBe('socket error');
    expect(await recorded(file)).toEqual([]);
  });
});

describe('sandbox command options', () => {
  it('applies defaults and reads the token from the environment', () => {
    const options = resolveSandboxOptions({ inputs: [] }, { PINTEREST_ACCESS_TOKEN: 'from-env' });
    expect(options).toMatchObject({ port: 0, token: 'from-env', failRate: 0, resetRate: 0, rateLimitPerMinute: undefined, latencyMs: 0, maxAgeDays: 7, seed: 1 });
    expect(resolveSandboxOptions({}, {}).token).toBe('sandbox-token');
    expect(resolveSandboxOptions({ token: 'given' }, { PINTEREST_ACCESS_TOKEN: 'from-env' }).token).toBe('given');
  });

  it('parses --rate-limit and --now', () => {
    expect(resolveSandboxOptions({ rateLimit: '600/min' }, {}).rateLimitPerMinute).toBe(600);
    expect(resolveSandboxOptions({ rateLimit: '25' }, {}).rateLimitPerMinute).toBe(25);
    const now = resolveSandboxOptions({ now: '2026-11-28T00:00:00Z' }, {}).now();
    expect(now).toBeGreaterThanOrEqual(NOW_MS);
    expect(now).toBeLessThan(NOW_MS + 5_000);
  });

  it('throws UsageError naming the option and the bad value', () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ failRate: 'x' }, /^--fail-rate must be a number from 0 to 1, got "x"$/],
      [{ resetRate: '1.5' }, /^--reset-rate must be a number from 0 to 1, got "1.5"$/],
      [{ port: '70000' }, /^--port must be an integer from 0 to 65535/],
      [{ rateLimit: '0/min' }, /^--rate-limit must be/],
      [{ rateLimit: '10/hour' }, /^--rate-limit must be/],
      [{ latency: '-1' }, /^--latency must be/],
      [{ maxAgeDays: '0' }, /^--max-age-days must be/],
      [{ seed: '1.5' }, /^--seed must be an integer/],
      [{ now: 'yesterday' }, /^--now must be an ISO date-time/],
      [{ now: '2026-11-28T00:00:00' }, /^--now must be an ISO date-time/],
      [{ inputs: ['file.csv'] }, /no input files/],
    ];
    for (const [values, message] of cases) {
      expect(() => resolveSandboxOptions(values, {})).toThrow(UsageError);
      expect(() => resolveSandboxOptions(values, {})).toThrow(message);
    }
  });

  it('never quotes a bad token in its message', () => {
    expect(() => resolveSandboxOptions({ token: 'secret value' }, {})).toThrow(UsageError);
    try {
      resolveSandboxOptions({ token: 'secret value' }, {});
    } catch (error) {
      expect((error as Error).message).not.toContain('secret');
    }
  });
});
