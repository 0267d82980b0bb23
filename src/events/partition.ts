import { closeSync, openSync, readFileSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { LateReject } from './group.js';
import { addToOrder, openOrder, type EventRules, type OrderState } from './order.js';
import { decodeRow, encodedOrderKey } from './row-format.js';
import { encodeSettled, settle } from './settle.js';

/**
 * Largest share of a partition grouped at once. A partition is 1/SPILL_PARTITIONS of the input,
 * so it grows with the input (about 2 MB at 1M rows, 20 MB at 10M); past this size its lines are
 * split into groups by a second hash of the order key, each grouped and settled alone into a run of
 * its own, so the orders held at once stay bounded whatever the input's size. Measured: 10× larger
 * partitions at 1M rows raised peak RSS by 126 MB.
 */
export const MAX_GROUP_BYTES = 4 * 1024 * 1024;

/** A second hash (FNV-1a with another basis), independent of the one that chose the partition. */
function groupOf(key: string, groups: number): number {
  let h = 0x9747b28c;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % groups;
}

/** The order key of a spill line: S + the JSON of an order, or R + an encoded row. */
function lineKey(line: string, index: number): string {
  if (line.charCodeAt(0) === 0x53) {
    const orderId = (JSON.parse(line.slice(1)) as OrderState).orderId;
    return orderId === undefined ? `a${index}` : `o${orderId}`;
  }
  return encodedOrderKey(line.slice(1)) ?? `a${index}`;
}

function splitLines(text: string): string[] {
  const lines: string[] = [];
  for (let start = 0, end = text.indexOf('\n'); end >= 0; start = end + 1, end = text.indexOf('\n', start)) {
    lines.push(text.slice(start, end));
  }
  return lines;
}

/** Groups lines into orders, settles them and writes them, sorted by first row, to runPath. */
function settleLines(lines: readonly string[], runPath: string, rules: EventRules, rejects: LateReject[]): void {
  const orders = new Map<string, OrderState>();
  let anonymous = 0;
  for (const line of lines) {
    if (line.charCodeAt(0) === 0x53) {
      const state = JSON.parse(line.slice(1)) as OrderState;
      orders.set(state.orderId === undefined ? `a${anonymous++}` : `o${state.orderId}`, state);
      continue;
    }
    const row = decodeRow(line.slice(1));
    const key = row.orderId === undefined ? `a${anonymous++}` : `o${row.orderId}`;
    const order = orders.get(key);
    if (order === undefined) orders.set(key, openOrder(row));
    else {
      const reason = addToOrder(order, row);
      if (reason) rejects.push({ pos: row.pos, orderId: row.orderId, reason });
    }
  }
  const sorted = [...orders.values()].sort((a, b) => a.firstSeq - b.firstSeq);
  orders.clear();
  const out = sorted.map((order) => encodeSettled(settle(order, rules)));
  writeFileSync(runPath, out.length > 0 ? out.join('\n') + '\n' : '');
}

export interface SettledPartition {
  rejects: LateReject[];
  /** Run files written, each sorted by first row. */
  runs: string[];
}

/**
 * Groups one spill partition (every row of an order lands in the same one), settles its orders
 * and writes them as sorted runs. Synchronous and self-contained, so that partitions can be
 * settled in worker threads side by side. Returns the rows refused on the way and the runs.
 */
export function settlePartition(path: string, runPath: string, rules: EventRules, maxGroupBytes = MAX_GROUP_BYTES): SettledPartition {
  const rejects: LateReject[] = [];
  const text = readFileSync(path, 'utf8');
  rmSync(path, { force: true });
  const lines = splitLines(text);
  const groups = Math.ceil(text.length / maxGroupBytes);
  if (groups <= 1) {
    settleLines(lines, runPath, rules, rejects);
    return { rejects, runs: [runPath] };
  }
  const byGroup: string[][] = Array.from({ length: groups }, () => []);
  lines.forEach((line, i) => (byGroup[groupOf(lineKey(line, i), groups)] as string[]).push(line));
  lines.length = 0;
  const parts = byGroup.map((group, g) => {
    const part = `${runPath}.${g}`;
    settleLines(group, part, rules, rejects);
    group.length = 0;
    return part;
  });
  // One run per partition keeps the final merge's open files and read buffers at SPILL_PARTITIONS:
  // the group runs are merged here, streaming.
  mergeSortedRuns(parts, runPath);
  return { rejects, runs: [runPath] };
}

/** Reads a file's lines synchronously, a block at a time. */
class SyncLines {
  private readonly fd: number;
  private readonly buffer = Buffer.alloc(64 * 1024);
  private readonly decoder = new StringDecoder('utf8');
  private lines: string[] = [];
  private at = 0;
  private rest = '';
  private done = false;

  constructor(path: string) {
    this.fd = openSync(path, 'r');
  }

  /** The next line, or undefined at the end of the file. */
  next(): string | undefined {
    while (this.at >= this.lines.length) {
      if (this.done) return undefined;
      const read = readSync(this.fd, this.buffer, 0, this.buffer.length, null);
      if (read === 0) {
        this.done = true;
        closeSync(this.fd);
        this.lines = this.rest === '' ? [] : [this.rest];
        this.rest = '';
      } else {
        const text = this.rest + this.decoder.write(this.buffer.subarray(0, read));
        const last = text.lastIndexOf('\n');
        this.rest = text.slice(last + 1);
        this.lines = last < 0 ? [] : text.slice(0, last).split('\n');
      }
      this.at = 0;
    }
    return this.lines[this.at++];
  }
}

/** Merges run files sorted by their leading sequence number into one, streaming, and removes them. */
function mergeSortedRuns(parts: readonly string[], runPath: string): void {
  const readers = parts.map((part) => new SyncLines(part));
  const seqOf = (line: string): number => Number(line.slice(0, line.indexOf('\t')));
  const heads = readers.map((reader) => reader.next());
  const out = openSync(runPath, 'w');
  let block = '';
  for (;;) {
    let best = -1;
    let bestSeq = 0;
    for (let r = 0; r < heads.length; r++) {
      const head = heads[r];
      if (head === undefined) continue;
      const seq = seqOf(head);
      if (best < 0 || seq < bestSeq) {
        best = r;
        bestSeq = seq;
      }
    }
    if (best < 0) break;
    block += (heads[best] as string) + '\n';
    heads[best] = (readers[best] as SyncLines).next();
    if (block.length >= 64 * 1024) {
      writeSync(out, block);
      block = '';
    }
  }
  if (block !== '') writeSync(out, block);
  closeSync(out);
  for (const part of parts) rmSync(part, { force: true });
}
