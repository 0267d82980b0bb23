#!/usr/bin/env -S node --max-semi-space-size=4
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { EXIT, OutputError, PinconvError, UsageError } from './errors.js';
import { checkWritable, LineWriter } from './output.js';
import { resolveCsvOptions, resolveSendOptions, type PipelineOptions } from './options.js';
import { buildEvents } from './pipeline.js';
import { writeDryRun } from './pinterest/dry-run.js';
import { startProgress } from './progress.js';
import { Report } from './report.js';
import { CSV_HELP, MAIN_HELP, SANDBOX_HELP, SEND_HELP } from './cli-help.js';

// V8 lets a heap grow to several times what is live while garbage comes fast, which here made most
// of the peak RSS. A growing factor of 1.2 keeps the heaps near their live size, for a few percent
// more time in garbage collection. It is read at every collection, so setting it now takes effect.
setFlagsFromString('--heap-growing-percent=20');

type Options = NonNullable<ParseArgsConfig['options']>;

const COMMON: Options = {
  format: { type: 'string' },
  delimiter: { type: 'string' },
  map: { type: 'string', multiple: true },
  'max-record-bytes': { type: 'string' },
  'default-country': { type: 'string' },
  'default-currency': { type: 'string' },
  timezone: { type: 'string' },
  'date-order': { type: 'string' },
  'partner-name': { type: 'string' },
  grouping: { type: 'string' },
  prescan: { type: 'string' },
  'max-open-orders': { type: 'string' },
  'temp-dir': { type: 'string' },
  threads: { type: 'string' },
  now: { type: 'string' },
  limit: { type: 'string' },
  'window-days': { type: 'string' },
  report: { type: 'string' },
  rejects: { type: 'string' },
  'rejects-values': { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
};

const SEND: Options = {
  ...COMMON,
  'dry-run': { type: 'boolean' },
  out: { type: 'string', short: 'o' },
  'ad-account': { type: 'string' },
  test: { type: 'boolean' },
  concurrency: { type: 'string' },
  'max-retries': { type: 'string' },
  checkpoint: { type: 'string' },
  'token-file': { type: 'string' },
  'api-base': { type: 'string' },
  'timeout-ms': { type: 'string' },
  'max-backoff-ms': { type: 'string' },
  'base-backoff-ms': { type: 'string' },
  'batch-size': { type: 'string' },
  // Refused with a clear message: a token on the command line ends up in shell history and ps.
  token: { type: 'string' },
};

const CSV: Options = {
  ...COMMON,
  out: { type: 'string', short: 'o' },
  columns: { type: 'string' },
  'max-rows': { type: 'string' },
  'max-bytes': { type: 'string' },
  force: { type: 'boolean' },
};

const SANDBOX: Options = {
  port: { type: 'string' },
  token: { type: 'string' },
  'fail-rate': { type: 'string' },
  'reset-rate': { type: 'string' },
  'rate-limit': { type: 'string' },
  latency: { type: 'string' },
  'max-age-days': { type: 'string' },
  record: { type: 'string' },
  seed: { type: 'string' },
  now: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * `--columns -quantity` and `--window-days -1` as `--name=value`: parseArgs takes a value that starts
 * with "-" for an option of its own and refuses it as ambiguous. Only a negative number, or a
 * --columns removal, is joined: `--report -q` is a forgotten value, and parseArgs says so.
 */
function joinDashValues(args: readonly string[], options: Options): string[] {
  const shorts = new Set(Object.values(options).flatMap((o) => (o.short === undefined ? [] : [`-${o.short}`])));
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const next = args[i + 1];
    const name = arg.startsWith('--') && !arg.includes('=') ? arg.slice(2) : undefined;
    const dashValue = next !== undefined && (/^-\d/.test(next) || (name === 'columns' && /^-[^-]/.test(next) && !shorts.has(next)));
    if (name !== undefined && options[name]?.type === 'string' && dashValue) {
      joined.push(`${arg}=${next}`);
      i++;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}

/** argv → { camelCase option: value, inputs }, with usage errors phrased for people. */
export function parseCommandLine(args: string[], options: Options): { values: Record<string, unknown>; help: boolean } {
  let parsed;
  try {
    parsed = parseArgs({ args: joinDashValues(args, options), options, allowPositionals: true, strict: true });
  } catch (error) {
    const text = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    const ambiguous = /^Option '(--[\w-]+)' argument is ambiguous/.exec(text);
    if (ambiguous) throw new UsageError(`${ambiguous[1]} needs a value; one that starts with "-" is written ${ambiguous[1]}=-VALUE (see --help)`);
    throw new UsageError(`${text.replace(/^Unknown option/, 'unknown option')} (see --help)`);
  }
  const values: Record<string, unknown> = { inputs: parsed.positionals };
  for (const [key, value] of Object.entries(parsed.values)) {
    if (key !== 'help') values[camel(key)] = value;
  }
  return { values, help: parsed.values.help === true };
}

interface Run {
  report: Report;
  stopped: boolean;
  /** Aborted at the first Ctrl-C: the input streams are destroyed, so reading stops even on a quiet pipe. */
  stop: AbortController;
}

function newRun(command: string): Run {
  const run: Run = { report: new Report(), stopped: false, stop: new AbortController() };
  run.report.command = command;
  return run;
}

async function finishReport(run: Run, options: PipelineOptions, failed: boolean): Promise<number> {
  const { report } = run;
  // The sender may have stopped before the pipeline saw the stop: the report says so either way.
  if (run.stopped) report.interrupted = true;
  // The report is written even when the rejects file failed; the first failure is the one told.
  const closed = await report.closeRejects().then(
    () => undefined,
    (error: unknown) => error,
  );
  if (options.report !== undefined) {
    await writeFile(options.report, JSON.stringify(report.toJSON(), null, 2) + '\n').catch((error: NodeJS.ErrnoException) => {
      if (!failed && closed === undefined) throw new OutputError(`--report ${options.report}: write failed (${error.code ?? 'error'})`);
    });
  }
  if (closed !== undefined && !failed) throw closed;
  // A fatal error is reported on one line of its own; the counts are in --report.
  if (!options.quiet && !failed) process.stderr.write(report.summary() + '\n');
  if (run.stopped) return EXIT.interrupted;
  return report.rows.rejected > 0 || report.events.failed > 0 ? EXIT.rejects : EXIT.ok;
}

/** Ctrl-C once: stop reading, finish what is in flight, save. Twice: leave at once. */
function onInterrupt(run: Run): () => void {
  const handler = (): void => {
    if (run.stopped) process.exit(EXIT.interrupted);
    run.stopped = true;
    run.stop.abort();
    process.stderr.write('\npinconv: interrupted; finishing requests in flight (Ctrl-C again to quit now)\n');
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

async function runSend(args: string[]): Promise<number> {
  const { values, help } = parseCommandLine(args, SEND);
  if (help) {
    process.stdout.write(SEND_HELP);
    return EXIT.ok;
  }
  if (values.token !== undefined) {
    throw new UsageError('the token is never taken from the command line: set PINTEREST_ACCESS_TOKEN or use --token-file FILE');
  }
  let options = resolveSendOptions(values);
  const run = newRun(options.dryRun ? 'send --dry-run' : 'send');
  const send = options.dryRun ? undefined : await import('./pinterest/send.js');
  const checkpoint = send ? await send.openCheckpoint(options) : undefined;
  // A resumed run reuses the first run's clock, so the same events fall in the window and batch alike.
  if (checkpoint?.resumedNow !== undefined && values.now === undefined) options = { ...options, now: checkpoint.resumedNow };
  // "-" is stdout, as for csv --out.
  const outFile = options.dryRun && options.out !== '-' ? options.out : undefined;
  await openOutputs(run, options, outFile);
  return withRun(run, options, async () => {
    const events = buildEvents(options, run.report, { stopped: () => run.stopped, signal: run.stop.signal });
    if (send === undefined) {
      const out = outFile === undefined ? new LineWriter(process.stdout) : new LineWriter(createWriteStream(outFile), `--out ${outFile}`);
      await writeDryRun(events, out, options.batchSize);
      if (outFile !== undefined) await out.end();
    } else {
      await send.sendToPinterest(events, options, run.report, {
        stopped: () => run.stopped,
        ...(checkpoint ? { checkpoint } : {}),
      });
    }
  });
}

/** Opens the rejects file, and checks that the report (and a dry run's --out FILE) can be written, before any input is read. */
async function openOutputs(run: Run, options: PipelineOptions, out?: string): Promise<void> {
  if (options.report !== undefined) await checkWritable(options.report, '--report');
  if (out !== undefined) await checkWritable(out, '--out');
  await run.report.openRejects(options.rejects);
}

/**
 * Runs a command's work with progress and Ctrl-C handling; the report and summary are written
 * even when the work fails, then the failure is passed on.
 */
async function withRun(run: Run, options: PipelineOptions, work: () => Promise<void>): Promise<number> {
  const stopProgress = options.quiet ? () => undefined : startProgress(run.report);
  const offInterrupt = onInterrupt(run);
  let failure: unknown;
  try {
    await work();
  } catch (error) {
    failure = error;
  } finally {
    stopProgress();
    offInterrupt();
  }
  const code = await finishReport(run, options, failure !== undefined);
  if (failure !== undefined) throw failure;
  return code;
}

async function runCsv(args: string[]): Promise<number> {
  const { values, help } = parseCommandLine(args, CSV);
  if (help) {
    process.stdout.write(CSV_HELP);
    return EXIT.ok;
  }
  const options = resolveCsvOptions(values);
  const run = newRun('csv');
  await openOutputs(run, options);
  const { writeUploadCsv } = await import('./upload/write.js');
  return withRun(run, options, () =>
    writeUploadCsv(buildEvents(options, run.report, { stopped: () => run.stopped, signal: run.stop.signal }), options, run.report, {
      stopped: () => run.stopped,
    }),
  );
}

async function runSandbox(args: string[]): Promise<number> {
  const { values, help } = parseCommandLine(args, SANDBOX);
  if (help) {
    process.stdout.write(SANDBOX_HELP);
    return EXIT.ok;
  }
  const { runSandboxCommand } = await import('./pinterest/sandbox-cli.js');
  return runSandboxCommand(values);
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'send':
        return await runSend(rest);
      case 'csv':
        return await runCsv(rest);
      case 'sandbox':
        return await runSandbox(rest);
      case undefined:
        // No command is a usage error: the help goes to stderr, stdout stays for data.
        process.stderr.write(MAIN_HELP);
        return EXIT.usage;
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(MAIN_HELP);
        return EXIT.ok;
      case '--version':
      case '-v':
        process.stdout.write('pinconv 0.1.0\n');
        return EXIT.ok;
      default:
        throw new UsageError(`unknown command "${command}"; the commands are send, csv and sandbox (see --help)`);
    }
  } catch (error) {
    if (error instanceof PinconvError) {
      process.stderr.write(`pinconv: ${error.message}\n`);
      return error.exitCode;
    }
    // Anything else is a bug; its message may quote input data, so only its kind is shown.
    const kind = error instanceof Error ? error.name : typeof error;
    process.stderr.write(`pinconv: internal error (${kind}); set PINCONV_DEBUG=1 for details\n`);
    if (process.env.PINCONV_DEBUG === '1' && error instanceof Error) process.stderr.write(`${error.stack ?? ''}\n`);
    return EXIT.fatal;
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
// Streams flush on their own; the timers of a finished run must not keep the process alive.
setImmediate(() => process.exit(code)).unref();
