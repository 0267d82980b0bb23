import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkGrouper, SETTLED_MARK, type ChunkItem } from '../../src/events/chunk-group.js';
import { COUNT_UNKNOWN } from '../../src/events/runs.js';
import { decodeSettled, HEAD_FIELDS, HEAD_HAS_ORDER_ID, type ChunkHeads } from '../../src/events/settle.js';
import { chunkBytesFor } from '../../src/input/records.js';
import { resolveSendOptions } from '../../src/options.js';
import { buildEvents, EventItem } from '../../src/pipeline.js';
import type { ConversionEvent } from '../../src/pinterest/contract.js';
import { Report } from '../../src/report.js';
import type { NormalizedRow } from '../../src/rows/normalize-row.js';
import { NOW, runPipeline } from '../helpers/pipeline.js';
import { tempDir } from '../helpers/temp.js';

const HEADER = 'order_id,email,timestamp,currency,price,quantity,item_name\n';

/** Runs the pipeline on a file (the prescan needs one); small chunks cut runs at chunk ends. */
async function runFile(path: string, raw: Record<string, unknown>, chunkBytes?: number) {
  const options = resolveSendOptions({ dryRun: true, now: NOW, quiet: true, threads: 1, inputs: [path], ...raw });
  if (chunkBytes !== undefined) options.chunkBytes = chunkBytes;
  const report = new Report();
  const events: string[] = [];
  for await (const batch of buildEvents(options, report)) events.push(...batch.map((e) => e.json));
  return { events, report };
}

type Kind = 'ok' | 'anon' | 'badTime' | 'old' | 'eur' | 'noEmail';
const rowArb = fc.record({
  id: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 6, max: 1_000_000 })), // a few ids come back
  repeat: fc.integer({ min: 1, max: 6 }),
  kind: fc.constantFrom<Kind>('ok', 'ok', 'ok', 'anon', 'badTime', 'old', 'eur', 'noEmail'),
  price: fc.integer({ min: 1, max: 999 }),
});

/** Rows in runs: an id may come back later (a scattered order) or stay in one run. */
function csvOf(rows: Array<{ id: number; repeat: number; kind: Kind; price: number }>, padding: number, prefix = true): string {
  // The first 64 KiB are read ahead as one piece (format detection): orders there fill it, so
  // that the generated rows are cut into several chunks.
  let text = HEADER;
  for (let i = 0; prefix && text.length < 70_000; i++) text += `P-${i},p${i}@example.com,2026-11-27T01:00:00Z,USD,1.${i % 100},1,p\n`;
  let n = 0;
  for (const { id, repeat, kind, price } of rows) {
    for (let r = 0; r < repeat; r++) {
      n++;
      const orderId = kind === 'anon' ? '' : ` O-${id} `;
      const email = kind === 'noEmail' ? '' : `u${id}@example.com`;
      // 'old': outside the 7-day window.
      const time = kind === 'badTime' ? 'soon' : `2026-${kind === 'old' ? '10' : '11'}-27T${String(id % 24).padStart(2, '0')}:00:00Z`;
      const currency = kind === 'eur' && r > 0 ? 'EUR' : 'USD';
      text += `${orderId},${email},${time},${currency},${price}.${r},${r + 1},"item ${n} ${'x'.repeat(padding)}"\n`;
    }
  }
  return text;
}

const sorted = (list: string[]): string[] => [...list].sort();

describe('--prescan (full grouping that streams orders whose rows are together)', () => {
  it('gives the same events, rejects and counts as holding every order, however chunks cut the runs', async () => {
    const dir = tempDir('pinconv-prescan-');
    let round = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(rowArb, { minLength: 1, maxLength: 80 }), fc.integer({ min: 0, max: 400 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 8000 }), async (rows, padding, maxOpenOrders, chunkBytes) => {
        const path = join(dir, `in-${round++}.csv`);
        writeFileSync(path, csvOf(rows, padding));
        const off = await runFile(path, { prescan: 'off' });
        const on = await runFile(path, { prescan: 'on', maxOpenOrders }, chunkBytes);
        expect(sorted(on.events)).toEqual(sorted(off.events));
        expect(on.report.rows).toEqual(off.report.rows);
        expect(on.report.rejects).toEqual(off.report.rejects);
        expect(on.report.events).toEqual(off.report.events);
        expect(on.report.prescan?.used).toBe(true);
        expect(off.report.prescan).toBeUndefined();
      }),
      { numRuns: 40 },
    );
  });

  it('keeps as many events under --limit as holding every order does, and stops reading once it has them', async () => {
    const dir = tempDir('pinconv-prescan-');
    let round = 0;
    let stops = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(rowArb, { minLength: 1, maxLength: 80 }), fc.integer({ min: 1, max: 1500 }), fc.integer({ min: 1, max: 8000 }), async (rows, limit, chunkBytes) => {
        const path = join(dir, `in-${round++}.csv`);
        writeFileSync(path, csvOf(rows, 20));
        // Without a prescan every order is held to the end of the input: all of it is read.
        const off = await runFile(path, { prescan: 'off', limit });
        const on = await runFile(path, { prescan: 'on', limit }, chunkBytes);
        expect(off.report.stoppedAtLimit).toBe(false);
        // Which events make the limit depends on the order they leave in: only their number is the same.
        // (The file starts with about 1,200 orders: a limit may fall before, among or after the rows drawn.)
        expect(on.events).toHaveLength(off.events.length);
        for (const { report } of [on, off]) expect(report.rows.read).toBe(report.rows.inEvents + report.rows.rejected + report.rows.excluded);
        if (on.report.stoppedAtLimit) {
          stops++;
          expect(on.events).toHaveLength(limit);
          expect(on.report.rows.read).toBeLessThanOrEqual(off.report.rows.read);
          return;
        }
        // Read to the end: the same counts, but for the rows the held orders hold when the limit cuts.
        expect(on.report.events).toEqual(off.report.events);
        expect(on.report.rejects).toEqual(off.report.rejects);
        const { inEvents, excluded, ...rest } = on.report.rows;
        expect(rest).toEqual({ read: off.report.rows.read, rejected: off.report.rows.rejected });
        expect(inEvents + excluded).toBe(off.report.rows.inEvents + off.report.rows.excluded);
        if (off.report.events.excludedByLimit === 0) expect(on.report.rows).toEqual(off.report.rows);
      }),
      { numRuns: 30 },
    );
    expect(stops).toBeGreaterThan(0);
  });

  it('--limit N stops reading once N events are out: they are the first N of a run without it', async () => {
    const dir = tempDir('pinconv-prescan-');
    const rows = Array.from({ length: 3000 }, (_, i) => ({ id: 10 + i, repeat: 1 + (i % 3), kind: (i % 17 === 0 ? 'badTime' : 'ok') as Kind, price: i + 1 }));
    const path = join(dir, 'orders.csv');
    writeFileSync(path, csvOf(rows, 10));
    const all = await runFile(path, { prescan: 'on' }, 16_384);
    const limited = await runFile(path, { prescan: 'on', limit: 50 }, 16_384);
    expect(all.report.stoppedAtLimit).toBe(false);
    expect(limited.events).toEqual(all.events.slice(0, 50));
    expect(limited.report.stoppedAtLimit).toBe(true);
    expect(limited.report.toJSON()).toMatchObject({ stoppedAtLimit: true });
    expect(limited.report.summary()).toMatch(/stopped: {2}--limit reached after 50 events: reading stopped there/);
    const { rows: read } = limited.report;
    // A chunk is read whole: the rows after the 50th event in its chunk are excluded, the rest never read.
    expect(read.read).toBeLessThan(all.report.rows.read / 2);
    expect(read.read).toBe(read.inEvents + read.rejected + read.excluded);
    expect(read.inEvents).toBeGreaterThanOrEqual(50);
    // Without a prescan, grouping in full holds every order to the end of the input: it is all read.
    const held = await runFile(path, { prescan: 'off', limit: 50 }, 16_384);
    expect(held.report.stoppedAtLimit).toBe(false);
    expect(held.report.rows.read).toBe(all.report.rows.read);
    expect(held.events).toHaveLength(50);
  });

  it('streams adjacent orders: none is held for a spill, and repeated ids are found', async () => {
    const dir = tempDir('pinconv-prescan-');
    const spill = tempDir('pinconv-prescan-spill-');
    const rows = [];
    for (let i = 0; i < 3000; i++) rows.push({ id: i, repeat: 1 + (i % 3), kind: 'ok' as Kind, price: i + 1 });
    const path = join(dir, 'adjacent.csv');
    writeFileSync(path, csvOf(rows, 0, false).replace(/ O-(\d+) /g, 'A-$1'));
    const { events, report } = await runFile(path, { prescan: 'on', maxOpenOrders: 1, tempDir: spill }, 1);
    expect(events).toHaveLength(3000);
    expect(report.prescan).toEqual({ runs: 3000, repeated: 0, used: true });
    expect(readdirSync(spill)).toEqual([]);
    // Events leave as their orders end, so here in input order.
    expect(events.map((e) => JSON.parse(e).custom_data.order_id)).toEqual(rows.map((r) => `A-${r.id}`));

    writeFileSync(path, HEADER + 'A,a@example.com,2026-11-27T01:00:00Z,USD,1,1,x\nB,b@example.com,2026-11-27T01:00:00Z,USD,1,1,x\nA,a@example.com,2026-11-27T01:00:00Z,USD,2,1,x\n');
    const twice = await runFile(path, { prescan: 'on' });
    expect(twice.report.prescan).toEqual({ runs: 3, repeated: 1, used: true });
    expect(twice.report.summary()).toMatch(/prescan: {2}3 order runs in [\d.]+ s; 1 of them repeat an order id/);
    expect(twice.events.map((e) => JSON.parse(e).custom_data.value)).toEqual(['1', '3']);
  });

  it('rejects an event too large to send whether a worker or the main thread settles its order', async () => {
    const dir = tempDir('pinconv-prescan-');
    const path = join(dir, 'big.csv');
    // One order of 1,000 rows whose item names make its event over 2 MB, between small orders.
    let text = HEADER;
    for (let j = 0; j < 20; j++) text += `S-${j},s${j}@example.com,2026-11-27T01:00:00Z,USD,1,1,x\n`;
    for (let i = 0; i < 1000; i++) text += `BIG,big@example.com,2026-11-27T01:00:00Z,USD,1,1,${'n'.repeat(2100)}${i}\n`;
    for (let j = 20; j < 40; j++) text += `S-${j},s${j}@example.com,2026-11-27T01:00:00Z,USD,1,1,x\n`;
    writeFileSync(path, text);
    const rejects = join(dir, 'rejects.ndjson');
    // 4 MiB chunks hold the whole order (a chunk processor settles it); 64 KiB chunks cut it (the main thread does).
    for (const chunkBytes of [4 * 1024 * 1024, 64 * 1024]) {
      const options = resolveSendOptions({ dryRun: true, now: NOW, quiet: true, threads: 1, inputs: [path], prescan: 'on' });
      options.chunkBytes = chunkBytes;
      const report = new Report();
      await report.openRejects(rejects);
      const events: string[] = [];
      for await (const batch of buildEvents(options, report)) events.push(...batch.map((e) => e.json));
      await report.closeRejects();
      expect(events).toHaveLength(40);
      expect(report.rows).toEqual({ read: 1040, inEvents: 40, rejected: 1000, excluded: 0 });
      expect(report.rejects).toEqual({ EVENT_TOO_LARGE: 1000 });
      const lines = readFileSync(rejects, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { line: number; order_id: string });
      expect(lines).toHaveLength(1000);
      expect(lines.every((reject, i) => reject.order_id === 'BIG' && reject.line === 22 + i)).toBe(true);
    }
  });

  it('streams orders interleaved with their neighbours: all their rows lie in one chunk', async () => {
    const dir = tempDir('pinconv-prescan-');
    const path = join(dir, 'interleaved.csv');
    // Each order's second row comes two rows after its first, as in an item export.
    const ids: number[] = [];
    for (let i = 0; i < 3000; i++) ids.push(i, i - 1);
    let text = HEADER;
    for (const id of ids.filter((id) => id >= 0).concat([2999])) text += `I-${id},i${id}@example.com,2026-11-27T01:00:00Z,USD,1,1,x\n`;
    writeFileSync(path, text);
    const options = resolveSendOptions({ dryRun: true, now: NOW, quiet: true, threads: 1, inputs: [path], prescan: 'on' });
    options.chunkBytes = 8000;
    const report = new Report();
    const events: string[] = [];
    let whileReading = 0;
    for await (const batch of buildEvents(options, report)) {
      if (report.phase === 'reading') whileReading += batch.length;
      events.push(...batch.map((e) => e.json));
    }
    const off = await runFile(path, { prescan: 'off' });
    expect(sorted(events)).toEqual(sorted(off.events));
    expect(events).toHaveLength(3000);
    expect(report.prescan?.used).toBe(true);
    // Only the orders that cross a chunk boundary (about one per 8 KB chunk) wait for the end.
    expect(whileReading).toBeGreaterThan(2800);
  });

  it('sizes the second pass\'s chunks by the orders the prescan counted, so that fewer orders cross them', async () => {
    expect(chunkBytesFor(158_000_000, 1_000_000)).toBe(128 * 1024);
    expect(chunkBytesFor(30_000_000, 100_000)).toBe(256 * 1024);
    expect(chunkBytesFor(392_000_000, 333_000)).toBe(512 * 1024);
    expect(chunkBytesFor(1_000_000, 0)).toBe(512 * 1024);
    const dir = tempDir('pinconv-prescan-');
    const path = join(dir, 'wide-items.csv');
    // 1200 orders of 3 rows of about 500 bytes, interleaved as in an item export (see below).
    const placed: Array<{ at: number; id: number; r: number }> = [];
    for (let id = 0; id < 1200; id++) for (let r = 0; r < 3; r++) placed.push({ at: 3 * id + 7 * r, id, r });
    placed.sort((a, b) => a.at - b.at);
    let text = HEADER;
    for (const { id, r } of placed) text += `W-${id},w${id}@example.com,2026-11-27T01:00:00Z,USD,${r + 1},1,${'x'.repeat(450)}\n`;
    writeFileSync(path, text);
    // An order whose rows are all in one chunk is settled there, as bytes; the main thread puts the
    // others together, and their JSON is text.
    const mainThread = async (chunkBytes: number | undefined) => {
      const options = resolveSendOptions({ dryRun: true, now: NOW, quiet: true, threads: 1, inputs: [path], prescan: 'on' });
      if (chunkBytes !== undefined) options.chunkBytes = chunkBytes;
      const events: string[] = [];
      let held = 0;
      for await (const batch of buildEvents(options, new Report())) {
        held += batch.filter((e) => typeof e.payload === 'string').length;
        events.push(...batch.map((e) => e.json));
      }
      return { events, held };
    };
    // 1200 orders in 1.6 MB: chunks of 512 KiB.
    expect(chunkBytesFor(text.length, 1200)).toBe(512 * 1024);
    const sized = await mainThread(undefined);
    const big = await mainThread(512 * 1024);
    const small = await mainThread(128 * 1024);
    const off = await runFile(path, { prescan: 'off' });
    expect(sorted(sized.events)).toEqual(sorted(off.events));
    expect(sorted(small.events)).toEqual(sorted(off.events));
    expect(sized.events).toEqual(big.events);
    expect(sized.held).toBe(big.held);
    // A quarter of the boundaries of 128 KiB chunks.
    expect(big.held).toBeLessThan(small.held / 2);
  });

  it('counts the rows of orders that cross chunks, past its bound too, with refused rows among them', async () => {
    const dir = tempDir('pinconv-prescan-');
    const path = join(dir, 'crossing.csv');
    // 3000 orders of 3 rows, each row 7 rows after the previous one of its order; every 9th row is refused.
    // Interleaved: row r of order id goes at position 3 * id + 7 * r (ties keep their order).
    const placed: Array<{ at: number; id: number; r: number }> = [];
    for (let id = 0; id < 3000; id++) for (let r = 0; r < 3; r++) placed.push({ at: 3 * id + 7 * r, id, r });
    placed.sort((a, b) => a.at - b.at);
    let n = 0;
    let text = HEADER;
    for (const { id, r } of placed) {
      const time = ++n % 9 === 0 ? 'soon' : '2026-11-27T01:00:00Z';
      text += `C-${id},c${id}@example.com,${time},USD,${r + 1},1,x\n`;
    }
    writeFileSync(path, text);
    const off = await runFile(path, { prescan: 'off' });
    for (const maxOpenOrders of [1, 3, 50]) {
      const on = await runFile(path, { prescan: 'on', maxOpenOrders }, 500);
      expect(sorted(on.events)).toEqual(sorted(off.events));
      expect(on.report.rows).toEqual(off.report.rows);
      expect(on.report.rejects).toEqual(off.report.rejects);
    }
  });

  it('is given up when most orders are scattered, with the same result', async () => {
    const dir = tempDir('pinconv-prescan-');
    const path = join(dir, 'scattered.csv');
    let text = HEADER;
    for (let i = 0; i < 60_000; i++) text += `S-${i % 20_000},s@example.com,2026-11-27T01:00:00Z,USD,1,1,x\n`;
    writeFileSync(path, text);
    const on = await runFile(path, { prescan: 'on' });
    const off = await runFile(path, { prescan: 'off' });
    expect(on.report.prescan).toEqual({ runs: expect.any(Number), repeated: expect.any(Number), used: false });
    expect(on.report.summary()).toMatch(/prescan: {2}given up after \d+ order runs/);
    expect(on.events).toEqual(off.events);
    expect(on.events).toHaveLength(20_000);
  });

  it('is used for big files by default, and never for stdin', async () => {
    const dir = tempDir('pinconv-prescan-');
    const path = join(dir, 'small.csv');
    writeFileSync(path, HEADER + 'A,a@example.com,2026-11-27T01:00:00Z,USD,1,1,x\n');
    expect((await runFile(path, {})).report.prescan).toBeUndefined();
    expect((await runFile(path, { prescan: 'on' })).report.prescan).toEqual({ runs: 1, repeated: 0, used: true });
    const piped = await runPipeline(HEADER + 'A,a@example.com,2026-11-27T01:00:00Z,USD,1,1,x\n', { prescan: 'on' });
    expect(piped.report.prescan).toBeUndefined();
    expect(piped.events).toHaveLength(1);
  });

  it('refuses a file that changed between the two passes', async () => {
    const dir = tempDir('pinconv-prescan-');
    const path = join(dir, 'growing.csv');
    writeFileSync(path, HEADER + Array.from({ length: 2000 }, (_, i) => `A${i},a@example.com,2026-11-27T01:00:00Z,USD,1,1,x\n`).join(''));
    const options = resolveSendOptions({ dryRun: true, now: NOW, quiet: true, threads: 1, inputs: [path], prescan: 'on' });
    options.chunkBytes = 1;
    const events = buildEvents(options, new Report());
    await events.next();
    appendFileSync(path, 'B,b@example.com,2026-11-27T01:00:00Z,USD,1,1,x\n');
    await expect((async () => {
      for (;;) if ((await events.next()).done) return;
    })()).rejects.toThrow(/changed while pinconv was reading it/);
  });
});

describe('ChunkGrouper', () => {
  const row = (seq: number, orderId: string | undefined, currency = 'USD'): NormalizedRow => ({
    seq, pos: { file: 'f', line: seq + 2 }, orderId, eventTime: 1_795_000_000, currency, value: '1', price: undefined,
    quantity: undefined, productId: undefined, itemName: undefined, user: { em: 'a'.repeat(64) }, optOut: undefined, optOutType: undefined,
  });
  const shape = (items: ChunkItem[], bytes?: Uint8Array[], heads?: ChunkHeads): string[] =>
    items.map((item) => {
      if (typeof item === 'number') {
        // An order settled into the chunk's bytes, noted in its HeadTable.
        const event = EventItem.inChunk(heads as ChunkHeads, item, 'f', bytes ?? [], false);
        const orderId = (JSON.parse(event.json) as ConversionEvent).custom_data.order_id;
        expect(heads?.heads[item * HEAD_FIELDS + HEAD_HAS_ORDER_ID]).toBe(orderId === undefined ? 0 : 1);
        return `settled ${orderId ?? 'anon'} @${event.positions.map((p) => `${p.file}:${p.line}`).join(',')}`;
      }
      if (typeof item !== 'string') return `reject ${item.reason} ${item.order_id}`;
      if (item.startsWith(SETTLED_MARK)) {
        // The event's JSON is in the chunk's bytes, at the offset the line gives.
        const settled = decodeSettled(item.slice(1), bytes, 'f');
        const outcome = settled.outcome;
        if (!outcome.ok || typeof outcome.text === 'string') return 'settled without bytes';
        const event = JSON.parse(Buffer.from(outcome.text).toString('utf8'));
        expect(outcome.text.byteLength).toBe(outcome.bytes);
        expect(event.custom_data.order_id).toBe(settled.orderId);
        return `settled ${settled.orderId ?? 'anon'} @${settled.positions.map((p) => `${p.file}:${p.line}`).join(',')}`;
      }
      return `row ${item.split('\t')[4]}`;
    });

  it('settles only orders whose single run lies inside the chunk, or all of whose counted rows are in it', () => {
    const counted: Record<string, number> = { M: 2, N: 2 };
    const runs = { mayRepeat: (id: string) => id in counted, rowsAtLeast: (id: string) => counted[id] ?? COUNT_UNKNOWN };
    const grouper = new ChunkGrouper(runs, { partnerName: 'p', emailIdentifies: true, maidIdentifies: true });
    const items: ChunkItem[] = [];
    const ids = ['A', 'A', undefined, 'B', 'M', 'C', 'C', 'M', 'E', 'E', 'N', 'D'];
    ids.forEach((id, i) => grouper.add(row(i, id, id === 'C' && i === 6 ? 'EUR' : 'USD'), items));
    grouper.end(items);
    expect(shape(items, grouper.takeBytes(), grouper.takeHeads())).toEqual([
      'row A', 'row A', // the first run may continue the previous chunk
      'settled anon @f:4',
      'settled B @f:5', // B ended at a row of another order; M may repeat: its rows wait
      'reject CURRENCY_MISMATCH C', 'settled C @f:7',
      'settled M @f:6,f:9', // both rows the prescan counted for M are here
      'settled E @f:10,f:11',
      'row N', // one of N's two rows: the other is in another chunk; it leaves before the last run
      'row D', // the last run may go on in the next chunk
    ]);
  });

  it('never settles an order whose count is saturated', () => {
    const runs = { mayRepeat: () => true, rowsAtLeast: () => COUNT_UNKNOWN };
    const grouper = new ChunkGrouper(runs, { partnerName: 'p', emailIdentifies: true, maidIdentifies: true });
    const items: ChunkItem[] = [];
    for (let i = 0; i < 300; i++) grouper.add(row(i, 'M'), items);
    grouper.end(items);
    expect(items).toHaveLength(300);
    expect(items.every((item) => typeof item === 'string' && !item.startsWith(SETTLED_MARK))).toBe(true);
  });
});
