#!/usr/bin/env node
// npm run bench:send: `pinconv send` against `pinconv sandbox` on loopback. (1) latency 20 ms,
// concurrency 8: rows/s compared with the dry run's on the same file (how much the network path
// costs); (2) latency 2000 ms: the sender's peak RSS compared with the 20 ms run (backpressure:
// a slow API must not make memory grow). Skips with a message when the sandbox or send is not
// usable yet (usage error, no URL printed).
import path from 'node:path';
import { rmSync, readFileSync } from 'node:fs';
import {
  parseArgs, fail, requireBuiltCli, ensureData, runMeasured, waitIdle, cliHasOption, startServer, stopServer, readJson, envInfo, printEnv, table, tail, fmtMB,
  fmtInt, fmtSec, fmtCores, saveResult, scratchDir, log, cliArgs, DEFAULT_NOW,
} from './lib.mjs';

const USAGE = `node send.mjs [options]           (npm run bench:send -- [options])

  --rows N            rows of the generated export (default 1000000)
  --kind order|item   which export (default order, CSV; item is NDJSON)
  --latencies LIST    sandbox --latency values in ms (default 20,2000); the first is the baseline
  --concurrency N     pinconv send --concurrency (default 8)
  --seed S            generator seed (default 42)
  --now ISO           generator, sandbox and pinconv clock (default ${DEFAULT_NOW})
  --threads N         passed to pinconv send as --threads N, only if its --help lists --threads
  --wait-idle S       before each run, wait up to S s for other processes to go idle (default 60; 0 = don't)`;

const opts = parseArgs(
  process.argv.slice(2),
  { rows: 1_000_000, kind: 'order', latencies: '20,2000', concurrency: 8, seed: 42, now: DEFAULT_NOW, threads: 0, waitIdle: 60 },
  USAGE,
);
requireBuiltCli();
const latencies = opts.latencies.split(',').filter(Boolean).map(Number);
if (latencies.some((l) => !Number.isFinite(l) || l < 0)) fail('--latencies: numbers of ms, e.g. 20,2000');

const TOKEN = 'bench-token';
const threadArgs = opts.threads && cliHasOption('send', '--threads') ? ['--threads', String(opts.threads)] : [];
const info = envInfo();
const format = opts.kind === 'item' ? 'ndjson' : 'csv';
const data = await ensureData({ kind: opts.kind, rows: opts.rows, seed: opts.seed, now: opts.now, format, gzip: false });
const work = scratchDir('send');
const results = [];
const problems = [];

function skip(message, detail) {
  process.stdout.write(`\nSKIPPED bench:send: ${message}\n`);
  if (detail) process.stdout.write(`${detail.replace(/^/gm, '  ')}\n`);
  process.stdout.write('(pinconv sandbox / send against it are not usable yet; run again once they are.)\n');
  rmSync(work, { recursive: true, force: true });
  process.exit(0);
}

// Baseline: the dry run on the same file.
{
  const report = path.join(work, 'dry-run.report.json');
  const args = cliArgs('send', data.file, '--dry-run', '--now', opts.now, '--quiet', '--report', report, ...threadArgs);
  log(`dry run: node ${args.join(' ')} > /dev/null`);
  if (opts.waitIdle > 0) await waitIdle(opts.waitIdle);
  const r = await runMeasured(process.execPath, args);
  const rep = await readJson(report);
  if ((r.code !== 0 && r.code !== 3) || !rep) fail(`the dry run failed (exit ${r.code ?? r.signal}):\n${tail(r.stderr)}`, 1);
  results.push({ scenario: 'send --dry-run', latency: '-', ...pick(r, rep) });
}

for (const latency of latencies) {
  const sandboxArgs = cliArgs('sandbox', '--port', '0', '--latency', String(latency), '--token', TOKEN, '--now', opts.now);
  log(`sandbox: node ${sandboxArgs.join(' ')}`);
  let server;
  try {
    server = await startServer(process.execPath, sandboxArgs, { env: { ...process.env, PINTEREST_ACCESS_TOKEN: TOKEN } });
  } catch (e) {
    skip(`"pinconv sandbox" did not start: ${e.message}`, tail(e.stderr ?? '', 8));
  }
  const url = server.firstLine;
  if (!/^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\/?$/.test(url)) {
    await stopServer(server.child);
    skip(`"pinconv sandbox" printed '${url}' as its first stdout line, not a loopback URL`);
  }
  const report = path.join(work, `send-${latency}.report.json`);
  const args = cliArgs('send', data.file, '--ad-account', '1', '--api-base', url, '--concurrency', String(opts.concurrency), '--now', opts.now,
    '--quiet', '--report', report, ...threadArgs);
  log(`send: PINTEREST_ACCESS_TOKEN=${TOKEN} node ${args.join(' ')}`);
  if (opts.waitIdle > 0) await waitIdle(opts.waitIdle); // the idle sandbox uses no CPU
  const r = await runMeasured(process.execPath, args, { env: { ...process.env, PINTEREST_ACCESS_TOKEN: TOKEN } });
  let sandboxPeakKB;
  try {
    sandboxPeakKB = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${server.child.pid}/status`, 'utf8'))?.[1]);
  } catch {
    sandboxPeakKB = undefined;
  }
  await stopServer(server.child);
  const rep = await readJson(report);
  if (r.code === 2 || (!rep && r.code !== 0 && r.code !== 3)) {
    skip(`"pinconv send --api-base ${url}" exited ${r.code ?? r.signal}${rep ? '' : ' without a report'}`, tail(r.stderr, 8));
  }
  const row = { scenario: `send, sandbox ${latency} ms`, latency, ...pick(r, rep), sandboxPeakKB };
  const checks = [];
  if (r.code !== 0 && r.code !== 3) checks.push(`exit ${r.code ?? r.signal}`);
  if (rep?.rows?.read !== data.rows) checks.push(`rows.read ${rep?.rows?.read} != ${data.rows}`);
  if (rep?.events?.sent !== data.expected.eventsBuilt) checks.push(`events.sent ${rep?.events?.sent} != ${data.expected.eventsBuilt} expected`);
  if ((rep?.events?.failed ?? 0) !== 0) checks.push(`events.failed ${rep.events.failed}`);
  row.check = checks.length ? 'MISMATCH' : 'ok';
  if (checks.length) problems.push(`${row.scenario}: ${checks.join('; ')}\n  command: PINTEREST_ACCESS_TOKEN=${TOKEN} node ${args.join(' ')}\n${tail(r.stderr, 12)}`);
  results.push(row);
}

function pick(r, rep) {
  return {
    seconds: r.seconds,
    code: r.code ?? r.signal,
    peakRssKB: r.peakRssKB,
    rowsRead: rep?.rows?.read,
    built: rep?.events?.built,
    sent: rep?.events?.sent,
    processed: rep?.events?.processed,
    failed: rep?.events?.failed,
    requests: rep?.requests?.sent,
    retried: rep?.requests?.retried,
    cpuSeconds: r.cpuSeconds,
    otherCores: r.otherCores,
  };
}

const dry = results[0];
const base = results.find((r) => r.latency === latencies[0]);
process.stdout.write('\n');
printEnv(info, [
  `input: ${data.file} (${fmtMB(data.bytes)} MB, ${data.rows.toLocaleString('en-US')} rows); send --concurrency ${opts.concurrency}; ` +
    `sandbox on 127.0.0.1 with --latency per row below`,
]);
process.stdout.write('\n');
process.stdout.write(
  table(
    ['scenario', 'wall s', 'rows/s', 'vs dry run', 'MB/s', 'peak RSS MB', 'RSS vs first', 'CPU s', 'others', 'events sent', 'processed', 'failed', 'requests',
      'retried', 'sandbox RSS MB', 'exit'],
    results.map((r) => [
      r.scenario,
      fmtSec(r.seconds),
      fmtInt(data.rows / r.seconds),
      r === dry ? '1.00x' : `${(dry.seconds / r.seconds).toFixed(2)}x`,
      (data.bytes / 1e6 / r.seconds).toFixed(1),
      fmtInt(r.peakRssKB / 1024),
      r === dry || !base ? '-' : `${(r.peakRssKB / base.peakRssKB).toFixed(2)}x`,
      fmtSec(r.cpuSeconds),
      fmtCores(r.otherCores),
      fmtInt(r.sent),
      fmtInt(r.processed),
      fmtInt(r.failed),
      fmtInt(r.requests),
      fmtInt(r.retried),
      r.sandboxPeakKB ? fmtInt(r.sandboxPeakKB / 1024) : '-',
      r.code,
    ]),
    1,
  ),
);
process.stdout.write(`\n"vs dry run" = send rows/s ÷ dry-run rows/s; "RSS vs first" = peak RSS ÷ the ${latencies[0]} ms run's; ` +
  `CPU s = pinconv's user+sys; others = cores busy elsewhere during the run (the sandbox included).\n`);
for (const p of problems) process.stdout.write(`\nPROBLEM: ${p}\n`);
const saved = saveResult('send', { env: info, options: opts, input: data.file, results });
process.stdout.write(`Results: ${saved}\n`);
rmSync(work, { recursive: true, force: true });
process.exitCode = problems.length ? 1 : 0;
