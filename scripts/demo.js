#!/usr/bin/env node
// `npm start`: starts the local sandbox on a free port, sends the samples to it with the real
// `pinconv send`, prints the summary, and stops the sandbox. The samples are dated November 2026,
// so both sides use the clock 2026-11-28T00:00:00Z (--now) to keep them inside the 7-day window.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSandbox } from '../dist/pinterest/sandbox.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const NOW = Date.parse('2026-11-28T00:00:00Z');
const token = `demo-${process.pid}`;
const started = Date.now();
const work = mkdtempSync(join(tmpdir(), 'pinconv-demo-'));
const record = join(work, 'received.ndjson');

const sandbox = await startSandbox({
  port: 0,
  token,
  failRate: 0.1,
  resetRate: 0,
  rateLimitPerMinute: undefined,
  latencyMs: 20,
  maxAgeDays: 7,
  now: () => NOW + (Date.now() - started),
  record,
  seed: 7,
});
console.log(`sandbox listening on ${sandbox.url} (10% of requests answer 503, to show the retries)\n`);

const samples = ['orders.csv', 'items.ndjson', 'orders-eu.csv.gz'].map((name) => join(root, 'samples', name));
const args = [
  join(root, 'dist', 'cli.js'), 'send', ...samples,
  '--ad-account', '549755885175',
  '--api-base', sandbox.url,
  '--now', '2026-11-28T00:00:00Z',
  '--concurrency', '2',
  '--base-backoff-ms', '50',
  '--report', join(work, 'report.json'),
  '--rejects', join(work, 'rejects.ndjson'),
];
console.log(`$ pinconv send samples/* --ad-account 549755885175 --api-base ${sandbox.url} --now 2026-11-28T00:00:00Z ...`);
const code = await new Promise((resolve) => {
  const child = spawn(process.execPath, args, { stdio: 'inherit', env: { ...process.env, PINTEREST_ACCESS_TOKEN: token } });
  child.on('close', (c) => resolve(c ?? 1));
});
await sandbox.close();
const received = readFileSync(record, 'utf8').split('\n').filter(Boolean).length;
console.log(`\nthe sandbox recorded ${received} events; report and rejects are in ${work}`);
console.log(`pinconv exited with ${code} (3 = finished, with rejected rows: the samples hold a few dirty rows on purpose)`);
process.exit(code === 0 || code === 3 ? 0 : code);
