#!/usr/bin/env node
// npm run bench:duckdb: pinconv csv against DuckDB doing roughly the same work on the same
// order-level export — read the CSV (all varchar), normalise and SHA-256 the personal fields,
// parse the event time, keep valid rows, one row per order_id, COPY TO a CSV — with threads=2 and
// threads=1. Each engine runs in its own child process, so wall time and peak RSS are its own.
// Then plain.mjs, a plain Node program writing the same columns without pinconv's rules (threads=2
// and 1), and `pinconv csv` on the same file; wall times are printed as ratios to DuckDB's (2 threads).
import path from 'node:path';
import { rmSync, statSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  parseArgs, fail, requireBuiltCli, ensureData, runMeasured, waitIdle, fmtCores, readJson, envInfo, printEnv, table, tail, fmtMB, fmtInt, fmtSec,
  saveResult, scratchDir, log, cliHasOption, cliArgs, DEFAULT_NOW,
} from './lib.mjs';

const SELF = fileURLToPath(import.meta.url);
const PLAIN = path.join(path.dirname(SELF), 'plain.mjs');
const USAGE = `node duckdb.mjs [options]         (npm run bench:duckdb -- [options])

  --rows N        rows of the generated order-level export (default 1000000)
  --seed S        generator seed (default 42)
  --now ISO       generator and pinconv clock (default ${DEFAULT_NOW})
  --input FILE    use this order-level CSV instead of a generated one
  --threads N     passed to pinconv as --threads N, only if its --help lists --threads
  --keep-output   keep both engines' output CSVs (under <tmpdir>/pinconv-bench/runs/)
  --columns C     DuckDB's output: upload = pinconv's default upload columns, the same output
                  (default); all = also phone and 7 more hashed personal fields, one column each
  --show-sql      print the DuckDB statement and exit
  --wait-idle S   before each run, wait up to S s for other processes to go idle (default 60; 0 = don't)`;

// The email rule's shape (one @, non-empty local part, dotted domain), ISO 4217 codes seen in
// practice: approximations of pinconv's rules, not copies of them.
const CURRENCIES = ['USD', 'EUR', 'GBP', 'CAD', 'AUD', 'JPY', 'CHF', 'SEK', 'NOK', 'DKK', 'PLN', 'CZK', 'HUF', 'MXN', 'BRL', 'INR', 'CNY',
  'HKD', 'SGD', 'NZD', 'ZAR', 'KRW', 'TRY', 'ILS', 'AED', 'SAR', 'RON', 'BGN', 'ARS', 'CLP', 'COP', 'PEN', 'THB', 'TWD', 'PHP', 'IDR', 'MYR'];

// columns 'upload': exactly pinconv's default upload CSV columns (the same output, so DuckDB may skip
// normalising fields no column holds); 'all': also the 8 other hashed personal fields, one per column.
export function sql(input, output, columns = 'upload') {
  const q = (s) => `'${s.replace(/'/g, "''")}'`;
  const letters = String.raw`[^\p{L}\p{N}]`;
  return `
COPY (
  WITH src AS (
    SELECT * FROM read_csv(${q(input)}, header = true, all_varchar = true)
  ),
  cleaned AS (
    SELECT
      trim(order_id) AS order_id,
      nullif(lower(regexp_replace(nfc_normalize(email), '\\s', '', 'g')), '') AS em,
      regexp_replace(regexp_replace(trim(phone), '(?i)\\s*(ext\\.?|x|#)\\s*\\d*$', ''), '\\(0\\)', '') AS ph_text,
      nullif(lower(regexp_replace(nfc_normalize(given_name), '${letters}', '', 'g')), '') AS fn,
      nullif(lower(regexp_replace(nfc_normalize(surname), '${letters}', '', 'g')), '') AS ln,
      nullif(lower(regexp_replace(nfc_normalize(city), '${letters}', '', 'g')), '') AS ct,
      lower(regexp_replace(nfc_normalize(state), '${letters}', '', 'g')) AS st_text,
      trim(postal) AS postal,
      CASE lower(regexp_replace(country, '[^A-Za-z]', '', 'g'))
        WHEN '' THEN NULL
        WHEN 'us' THEN 'us' WHEN 'usa' THEN 'us' WHEN 'unitedstates' THEN 'us' WHEN 'unitedstatesofamerica' THEN 'us'
        WHEN 'gb' THEN 'gb' WHEN 'gbr' THEN 'gb' WHEN 'uk' THEN 'gb' WHEN 'unitedkingdom' THEN 'gb' WHEN 'greatbritain' THEN 'gb'
        WHEN 'ca' THEN 'ca' WHEN 'can' THEN 'ca' WHEN 'canada' THEN 'ca'
        WHEN 'de' THEN 'de' WHEN 'deu' THEN 'de' WHEN 'germany' THEN 'de'
        ELSE lower(regexp_replace(country, '[^A-Za-z]', '', 'g'))
      END AS country,
      nullif(lower(regexp_replace(extern_id, '\\s', '', 'g')), '') AS xid,
      trim("timestamp") AS ts,
      upper(trim(currency)) AS currency,
      try_cast(regexp_replace(trim(order_revenue), '^[$£€]|,', '', 'g') AS DECIMAL(18, 4)) AS value,
      try_cast(trim(quantity) AS INTEGER) AS quantity
    FROM src
  ),
  normalised AS (
    SELECT *,
      CASE
        WHEN regexp_full_match(ts, '\\d{1,11}') THEN ts::BIGINT
        WHEN regexp_full_match(ts, '\\d{12,14}') THEN ts::BIGINT // 1000
        ELSE floor(epoch(try_cast(ts AS TIMESTAMPTZ)))::BIGINT
      END AS event_time,
      regexp_replace(ph_text, '[^0-9]', '', 'g') AS ph_digits,
      CASE coalesce(country, 'us') WHEN 'us' THEN '1' WHEN 'ca' THEN '1' WHEN 'gb' THEN '44' WHEN 'de' THEN '49' ELSE '' END AS calling_code
    FROM cleaned
  ),
  events AS (
    SELECT
      em, event_time, value, order_id, fn, ln, ct, country, xid,
      sum(quantity) OVER (PARTITION BY order_id) AS quantity,
      CASE
        WHEN ph_digits = '' THEN NULL
        WHEN starts_with(ph_text, '+') OR starts_with(ph_digits, '00') THEN ltrim(ph_digits, '0')
        WHEN calling_code = '1' AND length(ph_digits) = 11 AND starts_with(ph_digits, '1') THEN ph_digits
        ELSE calling_code || ltrim(ph_digits, '0')
      END AS ph,
      CASE WHEN length(st_text) = 2 THEN st_text END AS st,
      nullif(CASE
        WHEN coalesce(country, 'us') = 'us' THEN lpad(regexp_extract(postal, '^(\\d{3,5})', 1), 5, '0')
        ELSE lower(regexp_replace(postal, '${letters}', '', 'g'))
      END, '00000') AS zp
    FROM normalised
    WHERE regexp_full_match(em, '[^@]+@[^@]+\\.[^@]+')
      AND event_time IS NOT NULL
      AND currency IN (${CURRENCIES.map(q).join(', ')})
      AND value >= 0
    QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY event_time) = 1
  )
  SELECT
    sha256(em) AS email,
    event_time,
    'checkout' AS event_type,
    'offline' AS event_source,
    rtrim(rtrim(value::VARCHAR, '0'), '.') AS value,
    order_id,
    quantity${columns === 'all' ? `,
    CASE WHEN ph IS NOT NULL THEN sha256(ph) END AS phone,
    CASE WHEN fn IS NOT NULL THEN sha256(fn) END AS fn,
    CASE WHEN ln IS NOT NULL THEN sha256(ln) END AS ln,
    CASE WHEN ct IS NOT NULL THEN sha256(ct) END AS ct,
    CASE WHEN st IS NOT NULL THEN sha256(st) END AS st,
    CASE WHEN zp IS NOT NULL AND zp <> '' THEN sha256(zp) END AS zp,
    CASE WHEN country IS NOT NULL THEN sha256(country) END AS country,
    CASE WHEN xid IS NOT NULL THEN sha256(xid) END AS external_id` : ''}
  FROM events
) TO ${q(output)} (HEADER, DELIMITER ',');`;
}

// ---------------------------------------------------------------------------------------------
// Child mode: run the statement once, print {"rows": N, "seconds": S} on stdout.
if (process.argv[2] === '--child') {
  const [, , , threads, input, output, columns] = process.argv;
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const started = process.hrtime.bigint();
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  await con.run(`SET threads = ${Number(threads)}`);
  await con.run(`SET TimeZone = 'UTC'`);
  const result = await con.runAndReadAll(sql(input, output, columns));
  const rows = Number(result.getRows()[0]?.[0] ?? -1);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(JSON.stringify({ rows, seconds }) + '\n');
  con.closeSync?.();
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
const opts = parseArgs(
  process.argv.slice(2),
  { rows: 1_000_000, seed: 42, now: DEFAULT_NOW, input: '', threads: 0, columns: 'upload', keepOutput: false, showSql: false, waitIdle: 60 },
  USAGE,
);
if (opts.columns !== 'upload' && opts.columns !== 'all') fail('--columns is upload or all', 2);
if (opts.showSql) {
  process.stdout.write(sql(opts.input || 'orders.csv', 'out.csv', opts.columns) + '\n');
  process.exit(0);
}
requireBuiltCli();
try {
  await import('@duckdb/node-api');
} catch (e) {
  fail(`@duckdb/node-api cannot be loaded (${e.message}): run "npm install" in bench/`, 1);
}

const info = envInfo();
let data;
if (opts.input) {
  data = { file: path.resolve(opts.input), bytes: statSync(opts.input).size, rows: undefined };
} else {
  data = await ensureData({ kind: 'order', rows: opts.rows, seed: opts.seed, now: opts.now, format: 'csv', gzip: false });
}
const work = scratchDir('duckdb');
const results = [];
const problems = [];

for (const threads of [2, 1]) {
  const out = path.join(work, `duckdb-t${threads}.csv`);
  log(`duckdb threads=${threads}: node duckdb.mjs --child ${threads} ${data.file} ${out} ${opts.columns}`);
  if (opts.waitIdle > 0) await waitIdle(opts.waitIdle);
  const r = await runMeasured(process.execPath, [SELF, '--child', String(threads), data.file, out, opts.columns], { stdout: 'pipe' });
  let parsed;
  try {
    parsed = JSON.parse(r.stdout.trim().split('\n').pop());
  } catch {
    parsed = undefined;
  }
  if (r.code !== 0 || !parsed) problems.push(`DuckDB threads=${threads} failed (exit ${r.code ?? r.signal}):\n${tail(r.stderr)}`);
  results.push({ engine: 'DuckDB', threads: String(threads), seconds: r.seconds, peakRssKB: r.peakRssKB, cpuSeconds: r.cpuSeconds, otherCores: r.otherCores, outRows: parsed?.rows,
    outBytes: safeSize(out), code: r.code, out });
}

// The plain-Node reference (plain.mjs): the same columns without pinconv's rules or grouping.
for (const threads of [2, 1]) {
  const out = path.join(work, `plain-t${threads}.csv`);
  log(`plain Node threads=${threads}: node plain.mjs --child ${threads} ${data.file} ${out}`);
  if (opts.waitIdle > 0) await waitIdle(opts.waitIdle);
  const r = await runMeasured(process.execPath, [PLAIN, '--child', String(threads), data.file, out], { stdout: 'pipe' });
  let parsed;
  try {
    parsed = JSON.parse(r.stdout.trim().split('\n').pop());
  } catch {
    parsed = undefined;
  }
  if (r.code !== 0 || !parsed) problems.push(`plain Node threads=${threads} failed (exit ${r.code ?? r.signal}):\n${tail(r.stderr)}`);
  const parts = threads === 1 ? [out] : Array.from({ length: threads }, (_, k) => `${out}.${k}`);
  const sizes = parts.map(safeSize);
  results.push({ engine: 'plain Node', threads: String(threads), seconds: r.seconds, peakRssKB: r.peakRssKB, cpuSeconds: r.cpuSeconds, otherCores: r.otherCores,
    outRows: parsed?.rows, outBytes: sizes.every((n) => n !== undefined) ? sizes.reduce((a, b) => a + b, 0) : undefined, code: r.code, outFiles: parts });
}

{
  const outDir = path.join(work, 'pinconv-upload');
  const report = path.join(work, 'pinconv-csv.report.json');
  const threadArgs = opts.threads && cliHasOption('csv', '--threads') ? ['--threads', String(opts.threads)] : [];
  const args = cliArgs('csv', data.file, '--out', outDir, '--force', '--now', opts.now, '--quiet', '--report', report, ...threadArgs);
  log(`pinconv: node ${args.join(' ')}`);
  if (opts.waitIdle > 0) await waitIdle(opts.waitIdle);
  const r = await runMeasured(process.execPath, args);
  const rep = await readJson(report);
  if ((r.code !== 0 && r.code !== 3) || !rep) problems.push(`pinconv csv failed (exit ${r.code ?? r.signal}): node ${args.join(' ')}\n${tail(r.stderr)}`);
  if (rep && data.rows !== undefined && rep.rows?.read !== data.rows) problems.push(`pinconv rows.read ${rep.rows?.read} != ${data.rows} generated`);
  const outRows = Array.isArray(rep?.files) ? rep.files.reduce((s, f) => s + (f.rows ?? 0), 0) : undefined;
  const outBytes = Array.isArray(rep?.files) ? rep.files.reduce((s, f) => s + (f.bytes ?? 0), 0) : undefined;
  results.push({ engine: 'pinconv csv', threads: threadArgs.length ? String(opts.threads) : cliHasOption('csv', '--threads') ? 'default' : '1 (JS)', seconds: r.seconds, peakRssKB: r.peakRssKB,
    cpuSeconds: r.cpuSeconds, otherCores: r.otherCores, outRows, outBytes, code: r.code, rowsRead: rep?.rows?.read, outDir });
}

// Not timed: do the two engines agree? Join DuckDB's output (threads=2) with pinconv's parts on order_id.
let agreement;
{
  const duck = results.find((r) => r.engine === 'DuckDB' && r.threads === '2' && r.code === 0);
  const pin = results.find((r) => r.engine === 'pinconv csv');
  const parts = pin?.outDir ? safeList(pin.outDir).filter((f) => /^upload-\d+\.csv$/.test(f)).map((f) => path.join(pin.outDir, f)) : [];
  if (duck && parts.length) {
    try {
      agreement = await compareOutputs(duck.out, parts);
    } catch (e) {
      agreement = { error: e.message };
    }
  }
}
for (const r of results) {
  if (opts.keepOutput) continue;
  if (r.out) rmSync(r.out, { force: true });
  for (const file of r.outFiles ?? []) rmSync(file, { force: true });
  if (r.outDir) rmSync(r.outDir, { recursive: true, force: true });
}

function safeList(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

async function compareOutputs(duckCsv, pinconvParts) {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  const q = (s) => `'${s.replace(/'/g, "''")}'`;
  const list = `[${pinconvParts.map(q).join(', ')}]`;
  const r = await con.runAndReadAll(`
    WITH d AS (SELECT * FROM read_csv(${q(duckCsv)}, header = true, all_varchar = true)),
         p AS (SELECT * FROM read_csv(${list}, header = true, all_varchar = true))
    SELECT
      (SELECT count(*) FROM p) AS pinconv_rows,
      (SELECT count(*) FROM d) AS duckdb_rows,
      count(*) AS joined,
      count(*) FILTER (WHERE p.email = d.email) AS email,
      count(*) FILTER (WHERE p.event_time = d.event_time) AS event_time,
      count(*) FILTER (WHERE p.value = d.value) AS value,
      count(*) FILTER (WHERE p.quantity = d.quantity) AS quantity
    FROM p JOIN d USING (order_id)`);
  const [row] = r.getRowObjects();
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)]));
}

function safeSize(file) {
  try {
    return statSync(file).size;
  } catch {
    return undefined;
  }
}

const rows = data.rows ?? results.find((r) => r.rowsRead)?.rowsRead;
const duck2 = results.find((r) => r.engine === 'DuckDB' && r.threads === '2');
process.stdout.write('\n');
printEnv(info, [
  `input: ${data.file} (${fmtMB(data.bytes)} MB${rows ? `, ${rows.toLocaleString('en-US')} rows` : ''}); wall time = spawn to exit of each child process`,
  `DuckDB ${await duckVersion()} via @duckdb/node-api: read_csv(all_varchar), normalise + sha256 (${opts.columns === 'all' ? 'email and 8 more personal fields' : 'pinconv\'s upload columns: email'}), event_time, one row per order_id, COPY TO csv`,
]);
process.stdout.write('\n');
process.stdout.write(
  table(
    ['engine', 'threads', 'wall s', 'rows/s', 'MB/s', 'peak RSS MB', 'CPU s', 'others', 'output rows', 'output MB', 'vs DuckDB 2t'],
    results.map((r) => [
      r.engine,
      r.threads,
      fmtSec(r.seconds),
      rows ? fmtInt(rows / r.seconds) : '-',
      (data.bytes / 1e6 / r.seconds).toFixed(1),
      fmtInt(r.peakRssKB / 1024),
      fmtSec(r.cpuSeconds),
      fmtCores(r.otherCores),
      fmtInt(r.outRows),
      r.outBytes === undefined ? '-' : fmtMB(r.outBytes),
      duck2 && duck2.code === 0 ? `${(r.seconds / duck2.seconds).toFixed(2)}x` : '-',
    ]),
    2,
  ),
);
const pin = results.find((r) => r.engine === 'pinconv csv');
if (duck2 && pin && duck2.code === 0) {
  process.stdout.write(`\npinconv csv / DuckDB (threads=2) wall time: ${(pin.seconds / duck2.seconds).toFixed(2)}x  ` +
    `(${fmtSec(pin.seconds)} s vs ${fmtSec(duck2.seconds)} s, same run)\n`);
}
const plain2 = results.find((r) => r.engine === 'plain Node' && r.threads === '2');
if (plain2 && pin && plain2.code === 0) {
  process.stdout.write(`pinconv csv / plain Node (threads=2) wall time: ${(pin.seconds / plain2.seconds).toFixed(2)}x  ` +
    `(plain.mjs: the same columns with no rules, no rejects, no grouping by order_id, one pass)\n`);
}
if (agreement?.error) process.stdout.write(`output comparison failed: ${agreement.error}\n`);
else if (agreement) {
  const a = agreement;
  process.stdout.write(`outputs joined on order_id (not timed): pinconv ${fmtInt(a.pinconv_rows)} rows, DuckDB ${fmtInt(a.duckdb_rows)}, ` +
    `${fmtInt(a.joined)} joined; equal email ${fmtInt(a.email)}, event_time ${fmtInt(a.event_time)}, value ${fmtInt(a.value)}, quantity ${fmtInt(a.quantity)}\n`);
}
process.stdout.write((opts.columns === 'all'
  ? 'DuckDB writes 8 more hashed columns than pinconv\'s default upload CSV, but normalises more roughly '
  : 'Same columns as pinconv\'s default upload CSV; both skip the personal fields no column holds. DuckDB normalises more roughly ') +
  '(no libphonenumber, no birthdate/gender, state names not mapped, no spill-to-disk grouping).\n');
for (const p of problems) process.stdout.write(`\nPROBLEM: ${p}\n`);
const saved = saveResult('duckdb', { env: info, options: opts, input: data.file, results, agreement });
process.stdout.write(`Results: ${saved}\n`);
if (!opts.keepOutput) rmSync(work, { recursive: true, force: true });
process.exitCode = problems.length ? 1 : 0;

async function duckVersion() {
  try {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const r = await con.runAndReadAll('SELECT version()');
    return String(r.getRows()[0][0]);
  } catch {
    return '?';
  }
}
