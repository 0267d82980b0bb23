import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { UsageError } from './errors.js';
import { DELIMITERS, type Delimiter, type Format } from './input/detect.js';
import { parseColumnMap, type Field } from './rows/columns.js';
import { normalizeCountry } from './normalize/country.js';
import { normalizeCurrency } from './normalize/currency.js';
import { isValidTimeZone } from './normalize/timestamp.js';
import type { DateOrder } from './normalize/birthdate.js';

/** Options shared by `send` and `csv`, with every field set. The CLI and the library build the same object. */
export interface PipelineOptions {
  inputs: string[];
  format: Format | 'auto';
  delimiter: Delimiter | undefined;
  map: Map<string, Field>;
  grouping: 'full' | 'adjacent';
  /** --grouping full: read regular files once for their order ids first (events/runs.ts). */
  prescan: 'auto' | 'on' | 'off';
  /** The clock, injected: milliseconds since the epoch. */
  now: number;
  windowDays: number;
  timeZone: string | undefined;
  defaultCountry: string;
  defaultCurrency: string | undefined;
  dateOrder: DateOrder;
  partnerName: string;
  limit: number | undefined;
  quiet: boolean;
  report: string | undefined;
  rejects: string | undefined;
  rejectsValues: boolean;
  /** Bound on one CSV record or NDJSON line. */
  maxRecordBytes: number;
  /**
   * Bound on orders held in memory by --grouping full before they spill to disk; by default 20,000,
   * or 1,000 after a prescan, which holds few orders. After a prescan it bounds both the orders
   * whose rows are being counted and those held to the end.
   */
  maxOpenOrders: number | undefined;
  /** Folder for spill files; the system temp folder by default. */
  tempDir: string | undefined;
  /** Worker threads that parse and normalise CSV and NDJSON; 1 = the main thread only. */
  threads: number;
  /** Target size of the chunks of records (1 MiB); tests set it small to cut runs at chunk ends. */
  chunkBytes?: number;
  /**
   * Below this size a file is processed in the main thread, whatever `threads` says: starting worker
   * threads would cost more than they save. By default 8 MiB for events and 32 MiB for the upload
   * CSV (input/records.ts); tests set it to 0 to run small files through the workers.
   */
  workerMinBytes?: number;
  /** Whether a maid alone identifies a buyer (always for the API; for the CSV only with the maid column). */
  maidIdentifies: boolean;
  /** Whether an email identifies a buyer (always for the API; for the CSV only with the email column). */
  emailIdentifies: boolean;
  /**
   * Set by resolveCsvOptions: the events are for the upload CSV, with these columns. Each event then
   * leaves with its CSV row (EventItem.csvRow) and without JSON, and personal fields that no column
   * holds are checked but not hashed.
   */
  csvColumns?: readonly CsvColumn[];
}

export interface SendOptions extends PipelineOptions {
  dryRun: boolean;
  out: string | undefined;
  adAccount: string | undefined;
  test: boolean;
  concurrency: number;
  maxRetries: number;
  apiBase: string;
  tokenFile: string | undefined;
  checkpoint: string | undefined;
  /** Milliseconds: cap of one backoff wait. */
  maxBackoffMs: number;
  /** Milliseconds: first backoff step. */
  baseBackoffMs: number;
  timeoutMs: number;
  /** Events per request, at most 1000 (Pinterest's limit). */
  batchSize: number;
}

const message = (name: string, expected: string, got: unknown): string =>
  `--${name} must be ${expected}, got ${JSON.stringify(got)}`;

function intOption(name: string, min: number, max: number) {
  return z.union([z.string(), z.number()]).transform((raw, ctx) => {
    const text = String(raw).trim().replace(/_/g, '');
    const value = /^-?\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      ctx.addIssue({ code: 'custom', message: message(name, `an integer from ${min} to ${max}`, raw) });
      return z.NEVER;
    }
    return value;
  });
}

function choice<T extends string>(name: string, values: readonly T[]) {
  return z.string().transform((raw, ctx) => {
    if (!(values as readonly string[]).includes(raw)) {
      ctx.addIssue({ code: 'custom', message: message(name, `one of ${values.join(', ')}`, raw) });
      return z.NEVER;
    }
    return raw as T;
  });
}

const DELIMITER_NAMES: Record<string, Delimiter> = { ',': ',', comma: ',', ';': ';', semicolon: ';', '\t': '\t', '\\t': '\t', tab: '\t', '|': '|', pipe: '|' };

const common = {
  inputs: z.array(z.string()).default([]),
  format: choice('format', ['auto', 'csv', 'ndjson', 'json'] as const).default('auto'),
  delimiter: z
    .string()
    .transform((raw, ctx) => {
      const d = DELIMITER_NAMES[raw];
      if (!d) {
        ctx.addIssue({ code: 'custom', message: message('delimiter', `one of , ; tab | (${DELIMITERS.length} choices)`, raw) });
        return z.NEVER;
      }
      return d;
    })
    .optional(),
  map: z.array(z.string()).default([]),
  grouping: choice('grouping', ['full', 'adjacent'] as const).default('full'),
  prescan: choice('prescan', ['auto', 'on', 'off'] as const).default('auto'),
  now: z
    .string()
    .transform((raw, ctx) => {
      const ms = Date.parse(raw);
      if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(ms)) {
        ctx.addIssue({ code: 'custom', message: message('now', 'an ISO 8601 date-time such as 2025-01-15T12:00:00Z', raw) });
        return z.NEVER;
      }
      return ms;
    })
    .optional(),
  windowDays: intOption('window-days', 1, 3650).optional(),
  timezone: z
    .string()
    .transform((raw, ctx) => {
      if (!isValidTimeZone(raw)) {
        ctx.addIssue({ code: 'custom', message: message('timezone', 'an IANA time zone such as America/New_York', raw) });
        return z.NEVER;
      }
      return raw;
    })
    .optional(),
  defaultCountry: z
    .string()
    .transform((raw, ctx) => {
      const code = normalizeCountry(raw);
      if (!code || code.length !== 2) {
        ctx.addIssue({ code: 'custom', message: message('default-country', 'an ISO 3166 country code such as US', raw) });
        return z.NEVER;
      }
      return code;
    })
    .default('us'),
  defaultCurrency: z
    .string()
    .transform((raw, ctx) => {
      const code = normalizeCurrency(raw);
      if (!code) {
        ctx.addIssue({ code: 'custom', message: message('default-currency', 'an ISO 4217 code such as USD', raw) });
        return z.NEVER;
      }
      return code;
    })
    .optional(),
  dateOrder: choice('date-order', ['mdy', 'dmy'] as const).default('mdy'),
  partnerName: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, { message: '--partner-name must be lowercase letters, digits, "-", "_" or "." (such as ss-amperity)' })
    .default('ss-amperity'),
  limit: intOption('limit', 1, Number.MAX_SAFE_INTEGER).optional(),
  quiet: z.boolean().default(false),
  report: z.string().min(1).optional(),
  rejects: z.string().min(1).optional(),
  rejectsValues: z.boolean().default(false),
  maxRecordBytes: intOption('max-record-bytes', 1024, 256 * 1024 * 1024).default(1024 * 1024),
  maxOpenOrders: intOption('max-open-orders', 1, 100_000_000).optional(),
  tempDir: z.string().min(1).optional(),
  threads: intOption('threads', 1, 64).optional(),
};

function check<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.join('.') ?? '';
  const text = issue?.code === 'custom' || issue?.message.startsWith('--') ? issue.message : `--${kebab(path)}: ${issue?.message ?? 'invalid'}`;
  throw new UsageError(text);
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

type Raw = Record<string, unknown>;

function resolveCommon(raw: Raw, defaultWindowDays: number, clock: () => number): PipelineOptions {
  const o = check(z.object(common), raw);
  return {
    inputs: o.inputs,
    format: o.format,
    delimiter: o.delimiter,
    map: parseColumnMap(o.map),
    grouping: o.grouping,
    prescan: o.prescan,
    now: o.now ?? clock(),
    windowDays: o.windowDays ?? defaultWindowDays,
    timeZone: o.timezone,
    defaultCountry: o.defaultCountry,
    defaultCurrency: o.defaultCurrency,
    dateOrder: o.dateOrder,
    partnerName: o.partnerName,
    limit: o.limit,
    quiet: o.quiet,
    report: o.report,
    rejects: o.rejects,
    rejectsValues: o.rejectsValues,
    maxRecordBytes: o.maxRecordBytes,
    maxOpenOrders: o.maxOpenOrders,
    tempDir: o.tempDir,
    threads: o.threads ?? availableParallelism(),
    maidIdentifies: true,
    emailIdentifies: true,
  };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Options of `pinconv send`, validated once. Raw keys are camelCase option names. */
export function resolveSendOptions(raw: Raw, clock: () => number = Date.now): SendOptions {
  const base = resolveCommon(raw, 7, clock);
  const s = check(
    z.object({
      dryRun: z.boolean().default(false),
      out: z.string().min(1).optional(),
      adAccount: z
        .string()
        .regex(/^\d{1,18}$/, { message: '--ad-account must be the numeric ad account id (up to 18 digits), as in Ads Manager' })
        .optional(),
      test: z.boolean().default(false),
      concurrency: intOption('concurrency', 1, 64).default(4),
      maxRetries: intOption('max-retries', 0, 100).default(8),
      apiBase: z.string().default('https://api.pinterest.com'),
      tokenFile: z.string().min(1).optional(),
      checkpoint: z.string().min(1).optional(),
      maxBackoffMs: intOption('max-backoff-ms', 1, 3_600_000).default(60_000),
      baseBackoffMs: intOption('base-backoff-ms', 1, 60_000).default(500),
      timeoutMs: intOption('timeout-ms', 100, 3_600_000).default(60_000),
      batchSize: intOption('batch-size', 1, 1000).default(1000),
    }),
    raw,
  );
  if (!s.dryRun && s.adAccount === undefined) {
    throw new UsageError('--ad-account is required to send (or use --dry-run to print the request bodies)');
  }
  if (s.out !== undefined && !s.dryRun) throw new UsageError('--out is for --dry-run: it names where the request bodies go');
  let url: URL;
  try {
    url = new URL(s.apiBase);
  } catch {
    throw new UsageError(`--api-base must be a URL such as https://api.pinterest.com, got ${JSON.stringify(s.apiBase)}`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    throw new UsageError('--api-base must use https (plain http is allowed only on loopback, such as http://127.0.0.1:8080)');
  }
  return {
    ...base,
    dryRun: s.dryRun,
    out: s.out,
    adAccount: s.adAccount,
    test: s.test,
    concurrency: s.concurrency,
    maxRetries: s.maxRetries,
    apiBase: url.origin + url.pathname.replace(/\/+$/, ''),
    tokenFile: s.tokenFile,
    checkpoint: s.checkpoint,
    maxBackoffMs: s.maxBackoffMs,
    baseBackoffMs: s.baseBackoffMs,
    timeoutMs: s.timeoutMs,
    batchSize: s.batchSize,
  };
}

export const CSV_COLUMNS = ['email', 'event_time', 'event_type', 'event_source', 'value', 'order_id', 'quantity', 'currency', 'phone', 'maid'] as const;
export type CsvColumn = (typeof CSV_COLUMNS)[number];
export const DEFAULT_CSV_COLUMNS: readonly CsvColumn[] = ['email', 'event_time', 'event_type', 'event_source', 'value', 'order_id', 'quantity'];
const REQUIRED_CSV_COLUMNS: readonly CsvColumn[] = ['event_time', 'event_type'];

/** Pinterest's upload limits: fewer than 10,000,000 rows and under 5 GB per file. */
export const UPLOAD_MAX_ROWS = 9_999_999;
export const UPLOAD_MAX_BYTES = 4_999_999_999;

export interface CsvOptions extends PipelineOptions {
  out: string;
  columns: Array<{ column: CsvColumn; header: string }>;
  maxRows: number;
  maxBytes: number;
  force: boolean;
}

/**
 * `--columns` accepts a full list (`email,event_time,…`), or changes to the default list
 * (`+currency,-quantity`), each entry optionally renamed (`event_source=source_type`).
 */
export function parseCsvColumns(spec: string | undefined): Array<{ column: CsvColumn; header: string }> {
  let list: Array<{ column: CsvColumn; header: string }> = DEFAULT_CSV_COLUMNS.map((column) => ({ column, header: column }));
  if (spec === undefined || spec.trim() === '') return list;
  const entries = spec.split(',').map((e) => e.trim()).filter((e) => e !== '');
  const incremental = entries.every((e) => e.startsWith('+') || e.startsWith('-') || (e.includes('=') && list.some((c) => c.column === e.split('=')[0])));
  if (!incremental) list = [];
  for (const entry of entries) {
    const op = entry.startsWith('+') || entry.startsWith('-') ? entry[0] : '';
    const [name = '', header] = entry.slice(op ? 1 : 0).split('=');
    const column = CSV_COLUMNS.find((c) => c === name.trim());
    if (!column) throw new UsageError(`--columns: unknown column "${name}"; choose from ${CSV_COLUMNS.join(', ')}`);
    const existing = list.find((c) => c.column === column);
    if (op === '-') {
      if (REQUIRED_CSV_COLUMNS.includes(column)) throw new UsageError(`--columns: ${column} is required by Pinterest's upload and cannot be removed`);
      list = list.filter((c) => c.column !== column);
    } else if (existing) {
      if (header) existing.header = header.trim();
    } else {
      list.push({ column, header: header?.trim() || column });
    }
  }
  if (!list.some((c) => c.column === 'email' || c.column === 'maid')) {
    throw new UsageError('--columns must keep email or maid: Pinterest needs one of them to match a conversion');
  }
  for (const required of REQUIRED_CSV_COLUMNS) {
    if (!list.some((c) => c.column === required)) throw new UsageError(`--columns must include ${required}`);
  }
  return list;
}

export function resolveCsvOptions(raw: Raw, clock: () => number = Date.now): CsvOptions {
  const base = resolveCommon(raw, 30, clock);
  const c = check(
    z.object({
      out: z.string({ message: '--out is required: a folder for the upload parts, or - for one CSV on stdout' }).min(1),
      columns: z.string().optional(),
      maxRows: intOption('max-rows', 1, UPLOAD_MAX_ROWS).default(UPLOAD_MAX_ROWS),
      maxBytes: intOption('max-bytes', 1024, UPLOAD_MAX_BYTES).default(UPLOAD_MAX_BYTES),
      force: z.boolean().default(false),
    }),
    raw,
  );
  const columns = parseCsvColumns(c.columns);
  return {
    ...base,
    out: c.out,
    columns,
    maxRows: c.maxRows,
    maxBytes: c.maxBytes,
    force: c.force,
    maidIdentifies: columns.some((col) => col.column === 'maid'),
    emailIdentifies: columns.some((col) => col.column === 'email'),
    csvColumns: columns.map((col) => col.column),
  };
}
