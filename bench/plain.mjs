#!/usr/bin/env node
// The plain-Node reference of bench:duckdb: the least a Node program does to turn the order export
// into pinconv's upload columns, with none of pinconv's rules. It splits lines at commas (quote-aware
// only on lines with a quote), lowercases and trims the email and SHA-256es it, parses the timestamp
// with Date.parse, strips "$" and "," from the revenue, and writes one line per row. No validation,
// no rejects, no time window, no grouping by order_id (repeated orders stay repeated), one pass.
// Its wall time says how much of pinconv's is the work any Node program does on these bytes.
//
// node plain.mjs --child THREADS INPUT OUTPUT: prints {"rows": N, "seconds": S}. With THREADS > 1
// the input is cut at line ends into that many byte ranges, one worker thread each, each writing
// OUTPUT.N; the parts are not joined.
import { openSync, readSync, writeSync, closeSync, fstatSync } from 'node:fs';
import { hash } from 'node:crypto';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const BLOCK = 1 << 20;
const HEADER = 'email,event_time,event_type,event_source,value,order_id,quantity\n';

function fields(line) {
  if (!line.includes('"')) return line.split(',');
  const out = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted && c === '"' && line[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (c === ',' && !quoted) {
      out.push(cell);
      cell = '';
    } else {
      cell += c;
    }
  }
  out.push(cell);
  return out;
}

/** Converts the lines of input[start, end) (start at a line start) into output; returns the rows written. */
function convert(input, start, end, output, header) {
  const fd = openSync(input, 'r');
  const out = openSync(output, 'w');
  const buf = Buffer.allocUnsafe(BLOCK);
  let columns;
  let rest = '';
  let rows = 0;
  let pos = start;
  let lines = [];
  const row = (line) => {
    const f = fields(line);
    if (columns === undefined) {
      columns = Object.fromEntries(f.map((name, i) => [name.trim(), i]));
      return;
    }
    const email = (f[columns.email] ?? '').trim().toLowerCase();
    const time = Math.floor(Date.parse(f[columns.timestamp]) / 1000);
    const value = (f[columns.order_revenue] ?? '').replace(/[$,]/g, '');
    lines.push(`${email === '' ? '' : hash('sha256', email, 'hex')},${time},checkout,offline,${value},${f[columns.order_id]},${f[columns.quantity]}\n`);
    rows++;
    if (lines.length === 4096) {
      writeSync(out, lines.join(''));
      lines = [];
    }
  };
  row(header);
  if (start === 0) writeSync(out, HEADER);
  while (pos < end) {
    const got = readSync(fd, buf, 0, Math.min(BLOCK, end - pos), pos);
    if (got === 0) break;
    pos += got;
    const text = rest + buf.toString('utf8', 0, got);
    let from = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
      const line = text.slice(from, nl > from && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl);
      from = nl + 1;
      if (line !== '' && !(start === 0 && rows === 0 && line === header)) row(line);
    }
    rest = text.slice(from);
  }
  if (rest !== '') row(rest);
  writeSync(out, lines.join(''));
  closeSync(fd);
  closeSync(out);
  return rows;
}

/** The header line, and cut points at line starts that split the file into `parts` ranges. */
function plan(input, parts) {
  const fd = openSync(input, 'r');
  const size = fstatSync(fd).size;
  const probe = Buffer.allocUnsafe(BLOCK);
  const got = readSync(fd, probe, 0, BLOCK, 0);
  const headerEnd = probe.subarray(0, got).indexOf(10);
  const header = probe.toString('utf8', 0, headerEnd).replace(/\r$/, '');
  const cuts = [0];
  for (let k = 1; k < parts; k++) {
    const at = Math.floor((size * k) / parts);
    const n = readSync(fd, probe, 0, BLOCK, at);
    const nl = probe.subarray(0, n).indexOf(10);
    cuts.push(nl < 0 ? size : at + nl + 1);
  }
  cuts.push(size);
  closeSync(fd);
  return { header, cuts };
}

if (!isMainThread) {
  const { input, start, end, output, header } = workerData;
  parentPort.postMessage(convert(input, start, end, output, header));
} else if (process.argv[2] === '--child') {
  const [, , , threadsArg, input, output] = process.argv;
  const threads = Math.max(1, Number(threadsArg));
  const started = process.hrtime.bigint();
  const { header, cuts } = plan(input, threads);
  let rows = 0;
  if (threads === 1) {
    rows = convert(input, 0, cuts[1], output, header);
  } else {
    const counts = await Promise.all(
      cuts.slice(0, -1).map(
        (start, k) =>
          new Promise((resolve, reject) => {
            const worker = new Worker(new URL(import.meta.url), { workerData: { input, start, end: cuts[k + 1], output: `${output}.${k}`, header } });
            worker.once('message', resolve);
            worker.once('error', reject);
          }),
      ),
    );
    rows = counts.reduce((a, b) => a + b, 0);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(JSON.stringify({ rows, seconds }) + '\n');
} else {
  process.stderr.write('node plain.mjs --child THREADS INPUT OUTPUT (run by duckdb.mjs)\n');
  process.exitCode = 2;
}
