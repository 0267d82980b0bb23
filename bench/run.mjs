#!/usr/bin/env node
// npm run bench: pinconv's dry run (send --dry-run, bodies to /dev/null) and upload-CSV path on a
// generated order-level export and a generated item-level export; wall time, rows/s, MB/s and the
// child's peak RSS, with the report's counts checked against what the generator wrote.
import path from 'node:path';
import { rmSync } from 'node:fs';
import {
  parseArgs, fail, requireBuiltCli, ensureData, runMeasured, waitIdle, readJson, cliHasOption, envInfo, printEnv, table, tail,
  fmtMB, fmtInt, fmtSec, fmtCores, saveResult, scratchDir, log, cliArgs, DEFAULT_NOW,
} from './lib.mjs';

const USAGE = `node run.mjs [options]            (npm run bench -- [options])

  --rows N             rows of each generated export (default 1000000; 10000000 works)
  --kinds LIST         order,item (default both)
  --paths LIST         dry-run,csv (default both)
  --item-format F      ndjson (default) or csv: the item-level export's format
  --gzip               benchmark gzip'd exports (MB/s is then compressed bytes)
  --seed S             generator seed (default 42)
  --now ISO            generator and pinconv clock (default ${DEFAULT_NOW})
  --threads LIST       passed to pinconv as --threads N, only if its --help lists --threads; a list
                       (1,2) runs each case once per value (default: not passed, pinconv's default)
  --repeat N           runs of each case; the table shows the median wall time (default 1)
  --keep-output        keep the upload CSV parts and reports (under <tmpdir>/pinconv-bench/runs/)
  --wait-idle S        before each run, wait up to S s for other processes to go idle (default 60; 0 = don't)`;

const opts = parseArgs(
  process.argv.slice(2),
  { rows: 1_000_000, kinds: 'order,item', paths: 'dry-run,csv', itemFormat: 'ndjson', gzip: false, seed: 42, now: DEFAULT_NOW, threads: '',
    repeat: 1, keepOutput: false, waitIdle: 60 },
  USAGE,
);
requireBuiltCli();
const kinds = opts.kinds.split(',').filter(Boolean);
const paths = opts.paths.split(',').filter(Boolean);
for (const k of kinds) if (!['order', 'item'].includes(k)) fail(`--kinds: unknown kind '${k}'`);
for (const p of paths) if (!['dry-run', 'csv'].includes(p)) fail(`--paths: unknown path '${p}'`);

const notes = [];
const threadValues = String(opts.threads).split(',').filter(Boolean);
for (const t of threadValues) if (!/^\d+$/.test(t)) fail(`--threads: a number or a list of numbers, got '${t}'`);
const hasThreads = { send: cliHasOption('send', '--threads'), csv: cliHasOption('csv', '--threads') };
const threadArgs = (command, t) => {
  if (t === undefined) return [];
  if (hasThreads[command]) return ['--threads', t];
  const note = `--threads ignored for "pinconv ${command}": its --help does not list --threads`;
  if (!notes.includes(note)) notes.push(note);
  return [];
};
const threadLabel = (command, t) => (t !== undefined && hasThreads[command] ? t : hasThreads[command] ? 'default' : '-');

const info = envInfo();
const work = scratchDir('run');
const results = [];
const problems = [];

for (const kind of kinds) {
  const format = kind === 'item' ? opts.itemFormat : 'csv';
  const data = await ensureData({ kind, rows: opts.rows, seed: opts.seed, now: opts.now, format, gzip: opts.gzip });
  for (const p of paths) for (const t of threadValues.length ? threadValues : [undefined]) {
    const command = p === 'dry-run' ? 'send' : 'csv';
    const runs = [];
    for (let i = 0; i < opts.repeat; i++) {
      const report = path.join(work, `${kind}-${p}-${i}.report.json`);
      const outDir = path.join(work, `${kind}-upload-${i}`);
      const args =
        p === 'dry-run'
          ? cliArgs('send', data.file, '--dry-run', '--now', opts.now, '--quiet', '--report', report, ...threadArgs('send', t))
          : cliArgs('csv', data.file, '--out', outDir, '--force', '--now', opts.now, '--quiet', '--report', report, ...threadArgs('csv', t));
      const commandLine = `node ${args.map((a) => (a.includes(' ') ? JSON.stringify(a) : a)).join(' ')}`;
      log(`${kind}/${p}${opts.repeat > 1 ? ` #${i + 1}` : ''}: ${commandLine}${p === 'dry-run' ? ' > /dev/null' : ''}`);
      if (opts.waitIdle > 0) await waitIdle(opts.waitIdle);
      const r = await runMeasured(process.execPath, args);
      const rep = await readJson(report);
      runs.push({ ...r, report: rep, command: commandLine });
      if (!opts.keepOutput) rmSync(outDir, { recursive: true, force: true });
      if (r.code !== 0 && r.code !== 3) break; // 3 = done with rejects (the exports have ~1% dirty rows)
    }
    const sorted = [...runs].sort((a, b) => a.seconds - b.seconds);
    const median = sorted[Math.floor((sorted.length - 1) / 2)];
    const last = runs[runs.length - 1];
    const rep = median.report;
    const checks = [];
    if (last.code !== 0 && last.code !== 3) checks.push(`exit ${last.code ?? last.signal}`);
    if (!rep) checks.push('no report');
    else {
      if (rep.rows?.read !== data.rows) checks.push(`rows.read ${rep.rows?.read} != ${data.rows} generated`);
      const e = data.expected;
      if (rep.events?.built !== e.eventsBuilt) checks.push(`events.built ${rep.events?.built} != ${e.eventsBuilt} expected`);
      if (rep.rows?.rejected !== e.rowsRejected) checks.push(`rows.rejected ${rep.rows?.rejected} != ${e.rowsRejected} expected`);
      if ((rep.rows?.excluded ?? 0) !== 0) checks.push(`rows.excluded ${rep.rows.excluded} != 0`);
      const sum = (rep.rows?.inEvents ?? 0) + (rep.rows?.rejected ?? 0) + (rep.rows?.excluded ?? 0);
      if (rep.rows && sum !== rep.rows.read) checks.push(`read ${rep.rows.read} != inEvents+rejected+excluded ${sum}`);
      if (p === 'csv' && Array.isArray(rep.files)) {
        const written = rep.files.reduce((s, f) => s + (f.rows ?? 0), 0);
        if (written !== rep.events?.built - (rep.events?.excluded ?? 0)) checks.push(`CSV data rows ${written} != events ${rep.events?.built}`);
      }
    }
    const peakRssKB = Math.max(...runs.map((r) => r.peakRssKB));
    const row = {
      dataset: `${kind}-level ${format}${opts.gzip ? '.gz' : ''}`,
      path: p === 'dry-run' ? 'send --dry-run' : 'csv',
      threads: threadLabel(command, t),
      rows: data.rows,
      bytes: data.bytes,
      seconds: median.seconds,
      rowsPerSec: data.rows / median.seconds,
      mbPerSec: data.bytes / 1e6 / median.seconds,
      peakRssMB: peakRssKB / 1024,
      cpuSeconds: median.cpuSeconds,
      otherCores: median.otherCores,
      events: rep?.events?.built,
      rejected: rep?.rows?.rejected,
      exit: last.code ?? last.signal,
      check: checks.length ? 'MISMATCH' : 'ok',
      checks,
      runs: runs.map((r) => ({ seconds: r.seconds, peakRssKB: r.peakRssKB, code: r.code })),
      reportSeconds: rep?.seconds,
      command: last.command,
    };
    results.push(row);
    if (checks.length) problems.push({ row, stderr: tail(last.stderr, 20) });
  }
}

process.stdout.write('\n');
printEnv(info, [
  `exports: ${opts.rows.toLocaleString('en-US')} rows each, seed ${opts.seed}, --now ${opts.now}; wall time = spawn to exit of \`node dist/cli.js …\`${opts.repeat > 1 ? ` (median of ${opts.repeat})` : ''}`,
  ...notes,
]);
process.stdout.write('\n');
process.stdout.write(
  table(
    ['dataset', 'path', 'threads', 'rows', 'input MB', 'wall s', 'rows/s', 'MB/s', 'peak RSS MB', 'CPU s', 'others', 'events', 'rejected', 'exit', 'check'],
    results.map((r) => [r.dataset, r.path, r.threads, fmtInt(r.rows), fmtMB(r.bytes), fmtSec(r.seconds), fmtInt(r.rowsPerSec), r.mbPerSec.toFixed(1),
      fmtInt(r.peakRssMB), fmtSec(r.cpuSeconds), fmtCores(r.otherCores), fmtInt(r.events), fmtInt(r.rejected), r.exit, r.check]),
    3,
  ),
);
for (const { row, stderr } of problems) {
  process.stdout.write(`\nPROBLEM ${row.dataset} / ${row.path} / threads ${row.threads}: ${row.checks.join('; ')}\n  command: ${row.command}\n`);
  if (stderr) process.stdout.write(`  stderr (tail):\n${stderr.replace(/^/gm, '    ')}\n`);
}
const saved = saveResult('bench', { env: info, options: opts, results });
process.stdout.write(`\nCPU s = the child's user+sys time (> wall s: more than one core used); others = cores kept busy by other processes during the run.\n`);
process.stdout.write(`exit 3 = done with rejects (expected: ~1% dirty rows). Results: ${saved}\n`);
if (!opts.keepOutput) rmSync(work, { recursive: true, force: true });
process.exitCode = problems.length ? 1 : 0;
