/**
 * A local stand-in of POST /v5/ad_accounts/{id}/events (PRODUCT.md §8): a real HTTP server on
 * 127.0.0.1 that answers like the contract in REFERENCE.md §1-5 and injects faults on request,
 * so the sender can be tested against retries, splitting and rate limits without Pinterest.
 * It records what it accepted, so a test can prove that nothing was lost or sent twice.
 */
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { Ajv2020, type ErrorObject, type SchemaObject, type ValidateFunction } from 'ajv/dist/2020.js';
import schema from './schema/conversion-events.request.schema.json' with { type: 'json' };
import type { EventResult } from './contract.js';

export interface SandboxOptions {
  /** 0 = any free port. */
  port: number;
  /** The accepted bearer token. */
  token: string;
  /** 0..1: share of requests answered 503 {code:4197}. */
  failRate: number;
  /** 0..1: share of requests whose socket is destroyed without an answer. */
  resetRate: number;
  /** Past this many requests in the last 60 s: 429 {code:8} with Retry-After. */
  rateLimitPerMinute: number | undefined;
  /** Delay before every answer. */
  latencyMs: number;
  /** Events older than this fail. */
  maxAgeDays: number;
  /** Clock in ms. */
  now: () => number;
  /** Appends every accepted (processed, non-test) event as one JSON line. */
  record: string | undefined;
  /** Seed of the fault injection, so runs are repeatable. */
  seed: number;
}

export interface SandboxStats {
  /** Every request received, resets included. */
  requests: number;
  /** Events answered "processed" in non-test requests (the ones recorded). */
  processedEvents: number;
  /** Events answered "failed" in non-test requests. */
  failedEvents: number;
  /** Answers by HTTP status ("200", "422", ...). */
  status: Record<string, number>;
  resets: number;
  testRequests: number;
}

export interface Sandbox {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  /** Live counters. */
  stats: SandboxStats;
  /** Closes the server and every socket, and flushes the record file. Safe to call twice. */
  close(): Promise<void>;
}

export const MAX_BODY_BYTES = 2_000_000;
const MAX_EVENTS = 1000;
const FUTURE_TOLERANCE_S = 300;
const RATE_WINDOW_MS = 60_000;
const PATH = /^\/v5\/ad_accounts\/(\d{1,18})\/events\/?$/;
const PATH_ANY_ACCOUNT = /^\/v5\/ad_accounts\/[^/]+\/events\/?$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const HASHED_FIELDS = ['em', 'hashed_maids', 'ph', 'fn', 'ln', 'ge', 'db', 'ct', 'st', 'zp', 'country', 'external_id'] as const;

const MESSAGES = {
  auth: 'Authentication failed.',
  rateLimited: 'You have exceeded your rate limit. Try again later.',
  rampedDown: 'The endpoint has been ramped down and is currently not accepting any traffic.',
  partial: 'The action could not be processed properly due to some or all data provided being invalid.',
} as const;

let compiled: ValidateFunction | undefined;

/**
 * One event's validator, compiled once per process. The request's top level is checked by hand so
 * that a message can name the event's index. user_data's anyOf (em | hashed_maids | IP+UA) is taken
 * out of the schema and checked as a per-event rule instead: a batch with one unidentifiable event
 * then answers 422 for that event rather than 400 for all of them.
 */
function eventValidator(): ValidateFunction {
  if (compiled) return compiled;
  const items = structuredClone((schema as unknown as { properties: { data: { items: SchemaObject } } }).properties.data.items);
  const userData = (items.properties as Record<string, SchemaObject>).user_data;
  if (userData) delete userData.anyOf;
  // strictRequired off: REFERENCE.md §2 (the anyOf branches name properties declared elsewhere).
  const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: false });
  // The schema keeps OpenAPI's int64 as a format; strict mode refuses formats it does not know.
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 63 });
  compiled = ajv.compile(items);
  return compiled;
}

/** mulberry32: tiny, fast, and the same sequence for the same seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** "/custom_data/contents/0/id" → ".custom_data.contents[0].id" */
function pointerToPath(pointer: string): string {
  if (pointer === '') return '';
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`))
    .join('');
}

function describeSchemaError(index: number, error: ErrorObject): string {
  const at = `data[${index}]${pointerToPath(error.instancePath)}`;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `${at}.${String(params.missingProperty)} is required`;
    case 'additionalProperties':
      return `${at} has an unknown property "${String(params.additionalProperty)}"`;
    case 'type': {
      const types = Array.isArray(params.type) ? params.type.map(String) : [String(params.type)];
      return `${at} must be ${types.join(' or ')}`;
    }
    case 'format':
      return `${at} must be an integer within int64`;
    default:
      return `${at} ${error.message ?? 'is invalid'}`;
  }
}

/** The per-event rules the schema cannot express; the first broken one fails the event. */
function businessFailure(event: Record<string, unknown>, nowS: number, maxAgeDays: number): string | undefined {
  const time = event.event_time as number;
  if (time < nowS - maxAgeDays * 86_400) {
    return `Invalid event_timestamp parameter. Given timestamp is in the past. Current timestamp: ${nowS}, Given event_timestamp: ${time}`;
  }
  if (time > nowS + FUTURE_TOLERANCE_S) {
    return `Invalid event_timestamp parameter. Given timestamp is in the future. Current timestamp: ${nowS}, Given event_timestamp: ${time}`;
  }
  const user = event.user_data as Record<string, unknown>;
  const nonEmptyList = (v: unknown): boolean => Array.isArray(v) && v.length > 0;
  const nonEmptyText = (v: unknown): boolean => typeof v === 'string' && v !== '';
  if (
    !nonEmptyList(user.em) &&
    !nonEmptyList(user.hashed_maids) &&
    !(nonEmptyText(user.client_ip_address) && nonEmptyText(user.client_user_agent))
  ) {
    return 'Invalid user_data parameter. At least one of em, hashed_maids, or the pair client_ip_address and client_user_agent is required.';
  }
  for (const field of HASHED_FIELDS) {
    const values = user[field];
    if (!Array.isArray(values)) continue;
    const bad = values.findIndex((v) => typeof v !== 'string' || !SHA256_HEX.test(v));
    // The value itself is never echoed: it may be plaintext personal data sent by mistake.
    if (bad >= 0) return `Invalid user_data.${field}[${bad}] parameter. The value must be a SHA-256 hash (64 lowercase hexadecimal characters).`;
  }
  return undefined;
}

type Body = { kind: 'ok'; text: string } | { kind: 'too-large' } | { kind: 'aborted' };

/** Reads at most MAX_BODY_BYTES; past that it stops reading so a huge body costs no memory. */
function readBody(req: IncomingMessage): Promise<Body> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) return Promise.resolve({ kind: 'too-large' });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (body: Body): void => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      resolve(body);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.pause();
        finish({ kind: 'too-large' });
      } else {
        chunks.push(chunk);
      }
    };
    req.on('data', onData);
    req.once('end', () => finish({ kind: 'ok', text: Buffer.concat(chunks).toString('utf8') }));
    req.once('error', () => finish({ kind: 'aborted' }));
    req.once('close', () => finish({ kind: 'aborted' }));
  });
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  for (const [name, rate] of [['failRate', options.failRate], ['resetRate', options.resetRate]] as const) {
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`${name} must be from 0 to 1`);
  }
  if (options.rateLimitPerMinute !== undefined && !(Number.isInteger(options.rateLimitPerMinute) && options.rateLimitPerMinute >= 1)) {
    throw new RangeError('rateLimitPerMinute must be a positive integer');
  }
  const validate = eventValidator();
  const random = mulberry32(options.seed);
  const expectedAuth = Buffer.from(`Bearer ${options.token}`, 'utf8');
  const stats: SandboxStats = { requests: 0, processedEvents: 0, failedEvents: 0, status: {}, resets: 0, testRequests: 0 };
  const admitted: number[] = []; // arrival times of requests that passed the rate limit, oldest first
  const sockets = new Set<Socket>();
  const delays = new Map<NodeJS.Timeout, () => void>();
  let closing = false;

  let recorder: WriteStream | undefined;
  if (options.record !== undefined) {
    recorder = createWriteStream(options.record, { flags: 'a' });
    // Fail at start (missing folder, no permission) rather than on the first accepted event.
    await Promise.race([once(recorder, 'open'), once(recorder, 'error').then(([error]) => Promise.reject(error))]);
  }

  const authorized = (header: string | undefined): boolean => {
    if (header === undefined) return false;
    const given = Buffer.from(header, 'utf8');
    // Constant-time compare, so the sandbox does not teach bad habits about tokens.
    return given.length === expectedAuth.length && timingSafeEqual(given, expectedAuth);
  };

  /** Seconds until a slot frees up, or undefined when the request is admitted. */
  const rateLimited = (): number | undefined => {
    const limit = options.rateLimitPerMinute;
    if (limit === undefined) return undefined;
    const now = options.now();
    while (admitted.length > 0 && (admitted[0] as number) <= now - RATE_WINDOW_MS) admitted.shift();
    if (admitted.length >= limit) {
      const oldest = admitted[0] as number;
      return Math.max(1, Math.ceil((oldest + RATE_WINDOW_MS - now) / 1000));
    }
    // Refused requests do not count: a client that backs off must get back in after the window.
    admitted.push(now);
    return undefined;
  };

  /** The injected latency; a timer so other requests go on. Resolves false when the sandbox closes meanwhile. */
  const pause = (): Promise<boolean> => {
    if (options.latencyMs <= 0) return Promise.resolve(!closing);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        delays.delete(timer);
        resolve(!closing);
      }, options.latencyMs);
      delays.set(timer, () => resolve(false));
    });
  };

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    if (closing || res.headersSent || res.destroyed) return;
    const text = JSON.stringify(body);
    stats.status[String(status)] = (stats.status[String(status)] ?? 0) + 1;
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
    res.end(text);
  };

  const answer = async (res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): Promise<void> => {
    if (await pause()) send(res, status, body, headers);
  };

  const record = async (events: unknown[]): Promise<void> => {
    if (!recorder || events.length === 0 || closing) return;
    const lines = events.map((event) => JSON.stringify(event) + '\n').join('');
    // Backpressure: the answer waits for the file, which slows the client instead of growing memory.
    if (!recorder.write(lines)) {
      await Promise.race([once(recorder, 'drain'), once(recorder, 'close')]).catch(() => undefined);
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    stats.requests++;
    // Both draws happen for every request, so the fault sequence depends only on the request count.
    const resetDraw = random();
    const failDraw = random();
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const route = PATH.exec(url.pathname);
    if (!route) {
      const message = PATH_ANY_ACCOUNT.test(url.pathname)
        ? 'Not found: the ad account id must be 1 to 18 digits.'
        : `Not found: ${req.method ?? 'GET'} ${url.pathname}. The sandbox serves POST /v5/ad_accounts/{ad_account_id}/events only.`;
      return answer(res, 404, { code: 404, message });
    }
    if (req.method !== 'POST') {
      return answer(res, 405, { code: 405, message: `Method ${req.method ?? ''} not allowed; use POST.` }, { allow: 'POST' });
    }
    if (resetDraw < options.resetRate) {
      stats.resets++;
      req.socket.destroy();
      return;
    }
    if (!authorized(req.headers.authorization)) return answer(res, 401, { code: 2, message: MESSAGES.auth });
    const retryAfter = rateLimited();
    if (retryAfter !== undefined) {
      return answer(res, 429, { code: 8, message: MESSAGES.rateLimited }, { 'retry-after': String(retryAfter) });
    }
    if (failDraw < options.failRate) return answer(res, 503, { code: 4197, message: MESSAGES.rampedDown });

    const test = url.searchParams.get('test') === 'true';
    const body = await readBody(req);
    if (body.kind === 'aborted') return;
    if (body.kind === 'too-large') {
      // The rest of the body is never read: close the connection once the answer is out.
      return answer(res, 413, { code: 413, message: `Invalid request: the body is larger than ${MAX_BODY_BYTES} bytes.` }, { connection: 'close' });
    }
    if (!(await pause())) return;

    let parsed: unknown;
    try {
      parsed = JSON.parse(body.text);
    } catch {
      return send(res, 400, { code: 1, message: 'Invalid request: the body is not valid JSON.' });
    }
    const problem = requestProblem(parsed);
    if (problem !== undefined) return send(res, 400, { code: 4196, message: `Invalid request: ${problem}` });
    const events = (parsed as { data: Record<string, unknown>[] }).data;
    for (const [index, event] of events.entries()) {
      if (!validate(event)) {
        const first = validate.errors?.[0];
        const detail = first ? describeSchemaError(index, first) : `data[${index}] is invalid`;
        return send(res, 400, { code: 4196, message: `Invalid request: ${detail}` });
      }
    }

    const nowS = Math.floor(options.now() / 1000);
    const results: EventResult[] = [];
    const accepted: unknown[] = [];
    for (const event of events) {
      const failure = businessFailure(event, nowS, options.maxAgeDays);
      if (failure === undefined) {
        accepted.push(event);
        results.push({ status: 'processed', error_message: null, warning_message: null });
      } else {
        results.push({ status: 'failed', error_message: failure, warning_message: null });
      }
    }
    if (test) {
      stats.testRequests++;
    } else {
      stats.processedEvents += accepted.length;
      stats.failedEvents += events.length - accepted.length;
      await record(accepted);
    }
    const summary = { num_events_received: events.length, num_events_processed: accepted.length, events: results };
    if (accepted.length === events.length) return send(res, 200, summary);
    return send(res, 422, { code: 953, message: MESSAGES.partial, details: summary });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      // A sandbox bug: answer 500 without details (nothing here may echo headers or data).
      if (!res.headersSent) send(res, 500, { code: 500, message: 'Internal sandbox error.' });
      else res.destroy();
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    recorder?.destroy();
    throw error;
  }
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      closing = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const [timer, wake] of delays) {
        clearTimeout(timer);
        wake();
      }
      delays.clear();
      for (const socket of sockets) socket.destroy();
      await stopped;
      if (recorder) {
        const finished = once(recorder, 'close');
        recorder.end();
        await finished;
      }
    })();
    return closed;
  };

  return { url: `http://127.0.0.1:${port}`, port, stats, close };
}

/** The top level of a request: an object with a `data` array of 1..1000 events and nothing else. */
function requestProblem(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'the body must be a JSON object with a "data" array';
  const extra = Object.keys(body).find((key) => key !== 'data');
  if (extra !== undefined) return `unknown top-level property "${extra}"; only "data" is allowed`;
  const data = (body as { data?: unknown }).data;
  if (data === undefined) return 'data is required';
  if (!Array.isArray(data)) return 'data must be an array';
  if (data.length < 1 || data.length > MAX_EVENTS) return `data must hold 1 to ${MAX_EVENTS} events, got ${data.length}`;
  return undefined;
}
