// Shared helpers of the pinconv benchmarks: options, generated data sets, child runs with
// wall time and peak RSS, tables. No dependencies beyond Node.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync, statSync, mkdirSync, rmSync, writeFileSync, cpSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
export const REPO_DIR = path.resolve(BENCH_DIR, '..');
export const REPO_CLI = path.join(REPO_DIR, 'dist', 'cli.js');
/** The CLI the benchmarks run: a snapshot of dist/ (see requireBuiltCli), else the repository's. */
export let CLI = REPO_CLI;

/**
 * The arguments that run the CLI as its installed `pinconv` command does: the Node options of its
 * shebang line (`#!/usr/bin/env -S node --max-semi-space-size=4`), the script, then `args`.
 */
export function cliArgs(...args) {
  const first = readFileSync(CLI, 'utf8').split('\n', 1)[0];
  const match = /^#!\S*(?:env(?: -S)? )?node((?: --?\S+)*)\s*$/.exec(first);
  const flags = match && match[1] ? match[1].trim().split(/\s+/) : [];
  return [...flags, CLI, ...args];
}
let snapshotNote = '';
export const DEFAULT_NOW = '2026-11-28T00:00:00Z';
export const DEFAULT_DATA_DIR = process.env.PINCONV_BENCH_DIR || path.join(os.tmpdir(), 'pinconv-bench');
/** Bump when generate.mjs changes what it writes, so stale cached exports are regenerated. */
export const GENERATOR_VERSION = 3;

/** --name value / --name=value / --flag parsing against a spec of defaults (numbers, strings, booleans). */
export function parseArgs(argv, spec, usage) {
  const out = { ...spec };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    if (arg === '-h' || arg === '--help') {
      process.stdout.write(usage + '\n');
      process.exit(0);
    }
    if (!arg.startsWith('--')) fail(`unexpected argument '${arg}'\n\n${usage}`);
    let value;
    const eq = arg.indexOf('=');
    if (eq >= 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const key = arg.slice(2).replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (!(key in spec)) fail(`unknown option '${arg}'\n\n${usage}`);
    const def = spec[key];
    if (typeof def === 'boolean') {
      out[key] = value === undefined ? true : !/^(0|false|no)$/i.test(value);
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= argv.length) fail(`option '${arg}' needs a value`);
      value = argv[++i];
    }
    if (typeof def === 'number') {
      const n = Number(value.replace(/_/g, ''));
      if (!Number.isFinite(n)) fail(`option '${arg}' needs a number, got '${value}'`);
      out[key] = n;
    } else {
      out[key] = value;
    }
  }
  return out;
}

export function fail(message, code = 2) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(code);
}

/**
 * Checks dist/ is built and, unless PINCONV_BENCH_NO_SNAPSHOT=1, copies it to bench/out/pinconv-dist-PID/
 * and runs that copy: a rebuild of dist/ during a long benchmark (tsc rewriting files under a
 * running or starting child) then changes nothing. The copy resolves its packages from the
 * repository's node_modules, as dist/ does (bench/out/ is inside the repository).
 */
export function requireBuiltCli() {
  if (!existsSync(REPO_CLI)) fail(`${REPO_CLI} is missing: run "npm run build" at the repository root first`, 1);
  if (process.env.PINCONV_BENCH_NO_SNAPSHOT === '1') return;
  const src = path.join(REPO_DIR, 'dist');
  // One copy per benchmark process (two benchmarks may run at once), removed when it exits.
  const dst = path.join(BENCH_DIR, 'out', `pinconv-dist-${process.pid}`);
  process.on('exit', () => rmSync(dst, { recursive: true, force: true }));
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(130));
  for (let attempt = 1; attempt <= 10; attempt++) {
    // Wait until dist/ has been quiet for 3 s (no build writing it), copy it, check the copy runs.
    const newest = newestMtime(src);
    if (Date.now() - newest < 3000) {
      spawnSync('sleep', ['1']);
      continue;
    }
    rmSync(dst, { recursive: true, force: true });
    mkdirSync(path.dirname(dst), { recursive: true });
    cpSync(src, dst, { recursive: true });
    const check = spawnSync(process.execPath, [path.join(dst, 'cli.js'), '--help'], { encoding: 'utf8' });
    if (check.status === 0 && newestMtime(src) === newest) {
      CLI = path.join(dst, 'cli.js');
      snapshotNote = `snapshot of dist/ as built at ${new Date(newest).toISOString()}`;
      return;
    }
    spawnSync('sleep', ['2']);
  }
  fail(`could not take a stable snapshot of ${src} (is a build running?); set PINCONV_BENCH_NO_SNAPSHOT=1 to run dist/ directly`, 1);
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const m = statSync(path.join(entry.parentPath ?? entry.path, entry.name)).mtimeMs;
    if (m > newest) newest = m;
  }
  return newest;
}

/** Where generate.mjs writes an export with these parameters (unless --out is given). */
export function dataPath({ kind, rows, seed, now, format, gzip, dir = DEFAULT_DATA_DIR }) {
  const stamp = now === DEFAULT_NOW ? '' : `-${now.replace(/[^0-9]/g, '').slice(0, 12)}`;
  const name = `${kind === 'item' ? 'items' : 'orders'}-${rows}-s${seed}${stamp}.${format}${gzip ? '.gz' : ''}`;
  return path.join(dir, name);
}

export function metaPath(file) {
  return `${file}.meta.json`;
}

/** The generator's sidecar when it matches the requested parameters, else undefined. */
export function readMeta(file, want) {
  try {
    const meta = JSON.parse(readFileSync(metaPath(file), 'utf8'));
    if (meta.generatorVersion !== GENERATOR_VERSION) return undefined;
    for (const key of ['kind', 'rows', 'seed', 'now', 'format', 'gzip']) {
      if (want[key] !== undefined && meta[key] !== want[key]) return undefined;
    }
    if (!existsSync(file) || statSync(file).size !== meta.bytes) return undefined;
    return meta;
  } catch {
    return undefined;
  }
}

/** Generates the export unless a matching one (with its .meta.json) already exists. Returns its meta. */
export async function ensureData(params, { quiet = false } = {}) {
  const file = params.out ?? dataPath(params);
  const existing = readMeta(file, params);
  if (existing) {
    if (!quiet) log(`using ${file} (${fmtMB(existing.bytes)} MB, generated earlier; delete it to regenerate)`);
    return { ...existing, file };
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const args = [
    '--max-semi-space-size=64', // fewer scavenges: generation ~15% faster
    path.join(BENCH_DIR, 'generate.mjs'),
    '--rows', String(params.rows), '--kind', params.kind, '--seed', String(params.seed),
    '--now', params.now, '--format', params.format, '--out', file,
  ];
  if (params.gzip) args.push('--gzip');
  log(`generating ${file} …`);
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) fail(`generate.mjs failed (exit ${r.status ?? r.signal})`, 1);
  const meta = readMeta(file, params);
  if (!meta) fail(`generate.mjs wrote ${file} but its meta does not match`, 1);
  return { ...meta, file };
}

export function log(message) {
  process.stderr.write(`[bench] ${message}\n`);
}

const GNU_TIME = '/usr/bin/time';
let gnuTimeOk;
/** GNU time with -f %M (max RSS in KiB) works here? */
export function hasGnuTime() {
  if (gnuTimeOk === undefined) {
    gnuTimeOk = false;
    if (existsSync(GNU_TIME)) {
      const r = spawnSync(GNU_TIME, ['-f', '%M', 'true'], { encoding: 'utf8' });
      gnuTimeOk = r.status === 0 && /^\d+\s*$/.test(r.stderr.trim().split('\n').pop() ?? '');
    }
  }
  return gnuTimeOk;
}

/** How peak RSS is measured, for the header of the tables. */
export function rssMethod() {
  return hasGnuTime() ? '/usr/bin/time -f %M (max RSS of the child)' : 'VmHWM of /proc/<pid>/status, polled every 50 ms';
}

/**
 * Runs `cmd args` as a child: stdout to /dev/null (or a file / 'pipe'), stderr kept (last 64 KiB).
 * Resolves { code, signal, seconds, peakRssKB, stderr, stdout? }.
 */
export function runMeasured(cmd, args, { env, stdout = '/dev/null', cwd, onStdoutLine } = {}) {
  return new Promise((resolve, reject) => {
    const tmp = path.join(os.tmpdir(), `pinconv-bench-rss-${process.pid}-${Math.random().toString(36).slice(2)}`);
    const useTime = hasGnuTime();
    const file = useTime ? GNU_TIME : cmd;
    const argv = useTime ? ['-o', tmp, '-f', '%M %U %S', cmd, ...args] : args;
    const cpuBefore = machineBusySeconds();
    let outFd;
    let stdoutSpec;
    if (stdout === 'pipe') stdoutSpec = 'pipe';
    else {
      outFd = openSync(stdout, 'w');
      stdoutSpec = outFd;
    }
    const start = process.hrtime.bigint();
    const child = spawn(file, argv, { env: env ?? process.env, cwd, stdio: ['ignore', stdoutSpec, 'pipe'] });
    if (outFd !== undefined) closeSync(outFd);
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => {
      stderr += d;
      if (stderr.length > 65536) stderr = stderr.slice(-65536);
    });
    let stdoutText = '';
    if (child.stdout) {
      child.stdout.setEncoding('utf8');
      let pending = '';
      child.stdout.on('data', (d) => {
        if (stdoutText.length < 65536) stdoutText += d;
        if (onStdoutLine) {
          pending += d;
          let nl;
          while ((nl = pending.indexOf('\n')) >= 0) {
            onStdoutLine(pending.slice(0, nl));
            pending = pending.slice(nl + 1);
          }
        }
      });
    }
    let peakKB = 0;
    let poll;
    if (!useTime) {
      poll = setInterval(() => {
        try {
          const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (m) peakKB = Math.max(peakKB, Number(m[1]));
        } catch {
          /* gone */
        }
      }, 50);
    }
    child.on('error', (e) => {
      if (poll) clearInterval(poll);
      reject(e);
    });
    child.on('close', (code, signal) => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (poll) clearInterval(poll);
      const cpuAfter = machineBusySeconds();
      let rss = peakKB;
      let cpuSeconds;
      if (useTime) {
        try {
          const lines = readFileSync(tmp, 'utf8').trim().split('\n');
          // GNU time prefixes "Command exited with non-zero status N" when the child fails.
          const [m, u, sys] = lines[lines.length - 1].split(' ').map(Number);
          rss = m || 0;
          cpuSeconds = u + sys;
        } catch {
          rss = 0;
        }
        rmSync(tmp, { force: true });
      }
      // Cores kept busy by other processes during the run (machine busy time − the child's CPU time) / wall.
      const otherCores =
        cpuBefore !== undefined && cpuAfter !== undefined && cpuSeconds !== undefined
          ? Math.max(0, (cpuAfter - cpuBefore - cpuSeconds) / seconds)
          : undefined;
      resolve({ code, signal, seconds, peakRssKB: rss, cpuSeconds, otherCores, stderr, stdout: stdoutText, pid: child.pid });
    });
  });
}

/** Busy CPU seconds of the whole machine so far (all cores; /proc/stat, 100 ticks a second). */
export function machineBusySeconds() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal
    return (f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] || 0)) / 100;
  } catch {
    return undefined;
  }
}

/**
 * Waits (up to maxSeconds) until other processes use less than 0.25 of a core over 2 s, so a run
 * does not start while something else (a build, a test suite, another benchmark) is busy.
 * Returns the cores last seen busy.
 */
export async function waitIdle(maxSeconds) {
  const deadline = Date.now() + maxSeconds * 1000;
  let announced = false;
  for (;;) {
    const a = machineBusySeconds();
    await new Promise((r) => setTimeout(r, 2000));
    const b = machineBusySeconds();
    if (a === undefined || b === undefined) return undefined;
    const busy = (b - a) / 2;
    if (busy < 0.25 || Date.now() >= deadline) {
      if (busy >= 0.25) log(`machine still busy (${busy.toFixed(2)} cores used by others); running anyway`);
      return busy;
    }
    if (!announced) {
      log(`waiting up to ${maxSeconds} s for the machine to be idle (${busy.toFixed(2)} cores busy elsewhere)…`);
      announced = true;
    }
  }
}

/** Starts a long-running child (the sandbox) and resolves its first stdout line, or rejects. */
export function startServer(cmd, args, { env, timeoutMs = 15000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let buf = '';
    let done = false;
    const finish = (err, value) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) {
        if (child.exitCode === null) child.kill('SIGTERM');
        err.stderr = stderr;
        reject(err);
      } else resolve(value);
    };
    const timer = setTimeout(() => finish(new Error(`no URL on stdout within ${timeoutMs} ms`)), timeoutMs);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => {
      stderr += d;
      if (stderr.length > 65536) stderr = stderr.slice(-65536);
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) finish(null, { child, firstLine: buf.slice(0, nl).trim(), stderr: () => stderr });
    });
    child.on('error', (e) => finish(e));
    child.on('exit', (code, signal) => finish(new Error(`exited (${code ?? signal}) before printing its URL`)));
  });
}

export async function stopServer(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const closed = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 5000);
  await closed;
  clearTimeout(t);
}

export async function readJson(file) {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** `pinconv <command> --help` lists the option? (e.g. --threads, which may come later). */
export function cliHasOption(command, option) {
  const r = spawnSync(process.execPath, [CLI, command, '--help'], { encoding: 'utf8' });
  return `${r.stdout}\n${r.stderr}`.includes(option);
}

/** Whether tracked source files differ from HEAD, as far as git (if installed) can tell. */
function workingTree() {
  const r = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: REPO_DIR, encoding: 'utf8' });
  if (r.status !== 0) return 'working tree not checked';
  return r.stdout.trim() === '' ? 'no uncommitted changes' : 'with uncommitted changes';
}

export function envInfo() {
  const cpus = os.cpus();
  let commit = '';
  try {
    // Read the checked-out commit from .git without running git.
    const head = readFileSync(path.join(REPO_DIR, '.git', 'HEAD'), 'utf8').trim();
    if (head.startsWith('ref: ')) {
      const ref = head.slice(5);
      const loose = path.join(REPO_DIR, '.git', ref);
      if (existsSync(loose)) commit = readFileSync(loose, 'utf8').trim();
      else {
        const packed = readFileSync(path.join(REPO_DIR, '.git', 'packed-refs'), 'utf8');
        commit = packed.split('\n').find((l) => l.endsWith(` ${ref}`))?.split(' ')[0] ?? '';
      }
    } else commit = head;
  } catch {
    /* not a checkout */
  }
  return {
    node: process.version,
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    platform: `${os.platform()} ${os.release()}`,
    commit: commit.slice(0, 12),
    tree: workingTree(),
    loadStart: os.loadavg().map((l) => +l.toFixed(2)),
  };
}

export function printEnv(info, extra = []) {
  const lines = [
    `Node ${info.node} · ${info.cpu} · ${info.cores} cores · ${info.memGiB} GiB · ${info.platform}`,
    `pinconv ${info.commit ? `HEAD ${info.commit} (${info.tree}), ` : ''}${snapshotNote || CLI}`,
    `peak RSS: ${rssMethod()}; load average (1/5/15 min) at start ${info.loadStart.join(' ')}, at end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (other work on the machine skews the figures)`,
    ...extra,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

export const fmtMB = (bytes) => (bytes / 1e6).toFixed(1);
export const fmtInt = (n) => (n === undefined || n === null || Number.isNaN(n) ? '-' : Math.round(n).toLocaleString('en-US'));
export const fmtCores = (c) => (c === undefined ? '-' : c.toFixed(2));
export const fmtSec = (s) => (s === undefined ? '-' : s.toFixed(2));

/** A plain-text table: columns right-aligned except the first `left` ones. */
export function table(headers, rows, left = 1) {
  const cells = [headers, ...rows].map((r) => r.map((c) => String(c ?? '')));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i < left ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  const sep = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(cells[0]), sep, ...cells.slice(1).map(line)].join('\n') + '\n';
}

export function tail(text, lines = 12) {
  return text.trim().split('\n').slice(-lines).join('\n');
}

/** Writes a JSON result into bench/out/ (git-ignored) and returns its path. */
export function saveResult(name, data) {
  const dir = path.join(BENCH_DIR, 'out');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
  return file;
}

export function scratchDir(name) {
  const dir = path.join(DEFAULT_DATA_DIR, 'runs', `${name}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}
