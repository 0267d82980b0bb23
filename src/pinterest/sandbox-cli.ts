/**
 * `pinconv sandbox`: turns the parsed options into SandboxOptions, starts the server, prints its
 * URL as the first line of stdout (scripts read it) and runs until SIGINT or SIGTERM.
 */
import { EXIT, OutputError, UsageError } from '../errors.js';
import { startSandbox, type Sandbox, type SandboxOptions, type SandboxStats } from './sandbox.js';

const DEFAULT_TOKEN = 'sandbox-token';
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/i;

function text(values: Record<string, unknown>, key: string): string | undefined {
  const value = values[key];
  return typeof value === 'string' ? value : undefined;
}

function numberOption(values: Record<string, unknown>, key: string, flag: string, fallback: number, check: (n: number) => boolean, what: string): number {
  const raw = text(values, key);
  if (raw === undefined) return fallback;
  const n = raw.trim() === '' ? Number.NaN : Number(raw.trim());
  if (!Number.isFinite(n) || !check(n)) throw new UsageError(`${flag} must be ${what}, got "${raw}"`);
  return n;
}

function rateLimit(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const match = /^\s*(\d+)\s*(?:\/\s*min)?\s*$/i.exec(raw);
  const n = match ? Number(match[1]) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(`--rate-limit must be a whole number of requests per minute, at least 1, such as 600/min, got "${raw}"`);
  }
  return n;
}

/** A fixed start time that then advances with the real clock, so a long session does not freeze time. */
function clock(raw: string | undefined): () => number {
  if (raw === undefined) return Date.now;
  const at = ISO_DATE_TIME.test(raw.trim()) ? Date.parse(raw.trim()) : Number.NaN;
  if (Number.isNaN(at)) {
    throw new UsageError(`--now must be an ISO date-time with a zone, such as 2025-01-15T12:00:00Z, got "${raw}"`);
  }
  const startedAt = Date.now();
  return () => at + (Date.now() - startedAt);
}

function token(values: Record<string, unknown>, env: NodeJS.ProcessEnv): { token: string; source: string } {
  const given = text(values, 'token');
  // The value is never quoted in a message: it is a secret even when it is wrong.
  const check = (value: string, where: string): string => {
    if (value === '' || /[\s\u0000-\u001f]/.test(value)) throw new UsageError(`${where} must be non-empty without whitespace or control characters`);
    return value;
  };
  if (given !== undefined) return { token: check(given, '--token'), source: '--token' };
  const fromEnv = env.PINTEREST_ACCESS_TOKEN?.trim();
  if (fromEnv) return { token: check(fromEnv, 'PINTEREST_ACCESS_TOKEN'), source: 'PINTEREST_ACCESS_TOKEN' };
  return { token: DEFAULT_TOKEN, source: 'the built-in default (see --help)' };
}

/** The sandbox's options from parseArgs values (camelCase keys); throws UsageError on a bad one. */
export function resolveSandboxOptions(values: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): SandboxOptions & { tokenSource: string } {
  const inputs = values.inputs;
  if (Array.isArray(inputs) && inputs.length > 0) throw new UsageError('sandbox takes no input files (see --help)');
  const rate = (n: number): boolean => n >= 0 && n <= 1;
  const record = text(values, 'record');
  if (record !== undefined && record.trim() === '') throw new UsageError('--record must be a file path');
  const { token: accepted, source } = token(values, env);
  return {
    port: numberOption(values, 'port', '--port', 0, (n) => Number.isInteger(n) && n >= 0 && n <= 65_535, 'an integer from 0 to 65535'),
    token: accepted,
    tokenSource: source,
    failRate: numberOption(values, 'failRate', '--fail-rate', 0, rate, 'a number from 0 to 1'),
    resetRate: numberOption(values, 'resetRate', '--reset-rate', 0, rate, 'a number from 0 to 1'),
    rateLimitPerMinute: rateLimit(text(values, 'rateLimit')),
    latencyMs: numberOption(values, 'latency', '--latency', 0, (n) => Number.isInteger(n) && n >= 0 && n <= 600_000, 'whole milliseconds from 0 to 600000'),
    maxAgeDays: numberOption(values, 'maxAgeDays', '--max-age-days', 7, (n) => n > 0 && n <= 36_500, 'a number of days greater than 0'),
    now: clock(text(values, 'now')),
    record,
    seed: numberOption(values, 'seed', '--seed', 1, (n) => Number.isSafeInteger(n), 'an integer'),
  };
}

export function formatStats(stats: SandboxStats): string {
  const statuses = Object.entries(stats.status)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([status, count]) => `${status}: ${count}`)
    .join(', ');
  const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;
  return (
    `pinconv sandbox: ${count(stats.requests, 'request')} (${statuses || 'none answered'}; ${stats.resets} reset), ` +
    `${count(stats.testRequests, 'test request')}, ${count(stats.processedEvents, 'event')} processed, ${stats.failedEvents} failed`
  );
}

function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export async function runSandboxCommand(values: Record<string, unknown>): Promise<number> {
  const { tokenSource, ...options } = resolveSandboxOptions(values);
  let sandbox: Sandbox;
  try {
    sandbox = await startSandbox(options);
  } catch (error) {
    const { code, syscall } = error as NodeJS.ErrnoException;
    if (syscall === 'listen' && code === 'EADDRINUSE') {
      throw new UsageError(`port ${options.port} is already in use; choose another --port, or 0 for any free port`);
    }
    if (syscall === 'listen' && code === 'EACCES') throw new UsageError(`port ${options.port} needs privileges; choose a port above 1023`);
    if (options.record !== undefined && syscall === 'open') throw new OutputError(`--record ${options.record}: cannot open (${code ?? 'error'})`);
    throw error;
  }
  const stopped = untilSignal();
  process.stdout.write(`${sandbox.url}\n`);
  process.stderr.write(
    `pinconv sandbox: POST ${sandbox.url}/v5/ad_accounts/{ad_account_id}/events` +
      ` (token from ${tokenSource}${options.record === undefined ? '' : `, recording to ${options.record}`}); Ctrl-C to stop\n`,
  );
  await stopped;
  await sandbox.close();
  process.stderr.write(formatStats(sandbox.stats) + '\n');
  return EXIT.ok;
}
