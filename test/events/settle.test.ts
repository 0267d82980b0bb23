import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteSink, bytesAt } from '../../src/events/bytes.js';
import { buildEvent, eventBasis, eventOf, openOrder, writeOrderEvent, type OrderState } from '../../src/events/order.js';
import { SETTLED_MARK } from '../../src/events/chunk-group.js';
import { decodeSettled, encodeSettled, HEAD_FIELDS, HEAD_HAS_ORDER_ID, HeadTable, LineHead, settle, settleInto, Settled, type Outcome } from '../../src/events/settle.js';
import { MAX_BATCH_BYTES } from '../../src/events/batch.js';
import { EventItem } from '../../src/pipeline.js';
import type { ConversionEvent } from '../../src/pinterest/contract.js';
import { USER_KEYS } from '../../src/rows/normalize-row.js';
import { csvCell, csvLine, csvRow, writeCsvRow, writeOrderCsvRow } from '../../src/upload/rows.js';

const position = (file: string) => fc.integer({ min: 1, max: 2 ** 31 }).map((line) => ({ file, line }));
const outcome: fc.Arbitrary<Outcome> = fc.oneof(
  fc.constantFrom<Outcome>({ ok: false, reason: 'NO_IDENTIFIER' }, { ok: false, reason: 'NO_VALUE' }),
  fc
    .tuple(fc.integer({ min: -62_000_000_000, max: 99_999_999_999 }), fc.string({ unit: 'binary', minLength: 1 }))
    .map(([eventTime, text]): Outcome => ({ ok: true, eventTime, text, bytes: Buffer.byteLength(text) })),
);

/** A settled order's first seq, positions (in one file), order id and outcome. */
const settledOrder = [
  fc.integer({ min: 0, max: 2 ** 52 }),
  fc.array(position('in put.csv'), { minLength: 1, maxLength: 4 }),
  fc.option(fc.string({ unit: 'binary' }), { nil: undefined }),
  outcome,
] as const;

describe('encodeSettled / decodeSettled', () => {
  it('a run line and a chunk result line read back as what was settled', () => {
    fc.assert(
      fc.property(
        ...settledOrder,
        (seq, positions, orderId, settledOutcome) => {
          const settled = new Settled(seq, positions.length, settledOutcome, positions, orderId);
          const sink = new ByteSink();
          const inChunk = encodeSettled(settled, sink);
          const bytes = sink.take();
          for (const back of [decodeSettled(encodeSettled(settled)), decodeSettled(inChunk, bytes, 'in put.csv')]) {
            expect(back.firstSeq).toBe(seq);
            expect(back.rows).toBe(positions.length);
            expect(back.positions).toEqual(positions);
            expect(back.orderId).toBe(orderId);
            const got = back.outcome;
            expect(got.ok).toBe(settledOutcome.ok);
            if (got.ok && settledOutcome.ok) {
              expect(got.eventTime).toBe(settledOutcome.eventTime);
              expect(got.bytes).toBe(settledOutcome.bytes);
              expect(typeof got.text === 'string' ? got.text : Buffer.from(got.text).toString('utf8')).toBe(settledOutcome.text);
            } else if (!got.ok && !settledOutcome.ok) {
              expect(got.reason).toBe(settledOutcome.reason);
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a line read in place (LineHead) gives the numbers decodeSettled gives', () => {
    const head = new LineHead();
    fc.assert(
      fc.property(...settledOrder, (seq, positions, orderId, settledOutcome) => {
        const sink = new ByteSink();
        sink.append('padding before', 14);
        const line = SETTLED_MARK + encodeSettled(new Settled(seq, positions.length, settledOutcome, positions, orderId), sink);
        const back = decodeSettled(line.slice(1), sink.take() ?? [], 'in put.csv');
        head.read(line, 1);
        expect([head.firstSeq, head.rows, head.hasOrderId]).toEqual([seq, positions.length, orderId !== undefined]);
        expect(head.code === 0x30).toBe(!settledOutcome.ok);
        if (back.outcome.ok) expect([head.eventTime, head.size]).toEqual([back.outcome.eventTime, back.outcome.bytes]);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a chunk result line read without its file, for refused orders too', () => {
    const positions = [{ file: 'a.csv', line: 7 }];
    for (const outcome of [{ ok: false, reason: 'NO_VALUE' } as const, { ok: true, eventTime: 1, text: 'x', bytes: 1 } as const]) {
      const sink = new ByteSink();
      const line = encodeSettled(new Settled(0, 1, outcome, positions, 'A'), sink);
      expect(() => decodeSettled(line, sink.take())).toThrow(/file/);
      expect(decodeSettled(line, [new Uint8Array([0x78])], 'a.csv').positions).toEqual(positions);
    }
  });
});

const hex = fc.stringMatching(/^[0-9a-f]{64}$/);
const freeText = fc.oneof(fc.string({ unit: 'binary' }), fc.string(), fc.constantFrom('', '"', '\\', '\u007f', '\u0000', '\ud800', 'é', '😀'));
const event = fc.record(
  {
    event_name: fc.constant('checkout' as const),
    action_source: fc.constant('offline' as const),
    event_time: fc.integer({ min: -62_000_000_000, max: 99_999_999_999 }),
    event_id: fc.oneof(hex, fc.constant('')),
    user_data: fc.dictionary(fc.constantFrom(...USER_KEYS), fc.array(hex, { minLength: 1, maxLength: 2 })),
    custom_data: fc.record(
      {
        currency: freeText,
        value: freeText,
        order_id: freeText,
        content_ids: fc.array(freeText, { minLength: 1, maxLength: 3 }),
        contents: fc.array(fc.record({ id: freeText, item_name: freeText, item_price: freeText, quantity: fc.nat() }, { requiredKeys: [] }), { minLength: 1, maxLength: 3 }),
        num_items: fc.nat(),
        opt_out_type: freeText,
      },
      { requiredKeys: ['currency', 'value'] },
    ),
    partner_name: freeText,
    opt_out: fc.boolean(),
  },
  { requiredKeys: ['event_name', 'action_source', 'event_time', 'event_id', 'user_data', 'custom_data', 'partner_name'] },
) as fc.Arbitrary<ConversionEvent>;

const order: fc.Arbitrary<OrderState> = fc.record({
  firstSeq: fc.nat(),
  orderId: fc.option(freeText, { nil: undefined }),
  eventTime: fc.integer({ min: -62_000_000_000, max: 99_999_999_999 }),
  currency: freeText,
  user: fc.dictionary(fc.constantFrom(...USER_KEYS), hex),
  optOut: fc.option(fc.boolean(), { nil: undefined }),
  optOutType: fc.option(freeText, { nil: undefined }),
  value: fc.option(freeText, { nil: undefined }),
  itemSum: fc.option(freeText, { nil: undefined }),
  numItems: fc.option(fc.nat(), { nil: undefined }),
  contents: fc.array(fc.record({ id: freeText, item_name: freeText, item_price: freeText, quantity: fc.nat() }, { requiredKeys: [] }), { maxLength: 3 }),
  contentIds: fc.array(freeText, { maxLength: 3 }),
  positions: fc.constant([]),
});
const eventRules = fc.record({ partnerName: freeText, emailIdentifies: fc.boolean(), maidIdentifies: fc.boolean() });

describe('writeOrderEvent', () => {
  it('writes the bytes of JSON.stringify(buildEvent(...).event), each event whole in a block', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(order, eventRules), { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 2048 }), (orders, blockBytes) => {
        const sink = new ByteSink(blockBytes);
        const written: Array<[number, number, string]> = [];
        for (const [o, rules] of orders) {
          const built = buildEvent(o, rules);
          const decided = eventBasis(o, rules);
          expect(decided.ok).toBe(built.ok);
          if (!decided.ok || !built.ok) continue;
          sink.start();
          writeOrderEvent(o, rules, decided.basis, sink);
          written.push([sink.location, sink.written, JSON.stringify(built.event)]);
          const settled = settle(o, rules).outcome;
          expect(settled.ok && settled.text).toBe(JSON.stringify(built.event));
        }
        const blocks = sink.take() ?? [];
        for (const [location, size, json] of written) expect(Buffer.from(bytesAt(blocks, location, size) ?? []).toString('utf8')).toBe(json);
      }),
      { numRuns: 1000 },
    );
  });

  it('writeOrderCsvRow writes the bytes of writeCsvRow(eventOf(...)), for any columns', () => {
    const allColumns = ['email', 'phone', 'maid', 'event_time', 'event_type', 'event_source', 'value', 'currency', 'order_id', 'quantity'] as const;
    const columnList = fc.uniqueArray(fc.constantFrom(...allColumns), { minLength: 1 });
    fc.assert(
      fc.property(fc.array(fc.tuple(order, eventRules), { minLength: 1, maxLength: 5 }), columnList, fc.integer({ min: 1, max: 512 }), (orders, columns, blockBytes) => {
        const direct = new ByteSink(blockBytes);
        const viaEvent = new ByteSink(blockBytes);
        for (const [o, baseRules] of orders) {
          const rules = { ...baseRules, csvColumns: columns };
          const decided = eventBasis(o, rules);
          if (!decided.ok) continue;
          direct.start();
          writeOrderCsvRow(o, decided.basis, columns, direct);
          viaEvent.start();
          writeCsvRow(eventOf(o, rules, decided.basis), columns, viaEvent);
          expect(direct.written).toBe(viaEvent.written);
        }
        expect(Buffer.concat(direct.take() ?? [])).toEqual(Buffer.concat(viaEvent.take() ?? []));
      }),
      { numRuns: 1000 },
    );
  });

  it('writeCsvRow writes the UTF-8 of csvLine of the cells, each row whole in a block', () => {
    const columns = ['email', 'phone', 'maid', 'event_time', 'event_type', 'event_source', 'value', 'currency', 'order_id', 'quantity'] as const;
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 256 }), (events, blockBytes) => {
        const sink = new ByteSink(blockBytes);
        const written: Array<[number, number, string]> = [];
        for (const e of events) {
          sink.start();
          writeCsvRow(e, columns, sink);
          const line = csvLine(columns.map((column) => csvCell(e, column)));
          written.push([sink.location, sink.written, line]);
          // As bytes: a lone surrogate (never in decoded input) is written as U+FFFD either way.
          expect(Buffer.from(csvRow(e, columns))).toEqual(Buffer.from(line));
        }
        const blocks = sink.take() ?? [];
        for (const [location, size, line] of written) expect(Buffer.from(bytesAt(blocks, location, size) ?? [])).toEqual(Buffer.from(line));
      }),
      { numRuns: 500 },
    );
  });

  it('settleInto writes any order id as encodeSettled does (JSON)', () => {
    const rules = { partnerName: 'ss-amperity', emailIdentifies: true, maidIdentifies: true };
    for (const orderId of ['A-1', 'A-"1"', 'a\\b', 'Ö-1', 'tab\tid', '\u0001', ' ', '~', '\u007f', '😀']) {
      const order = openOrder({
        seq: 5, pos: { file: 'in.csv', line: 9 }, orderId, eventTime: 1_700_000_000, currency: 'EUR', value: '12.5', price: undefined,
        quantity: undefined, productId: undefined, itemName: undefined, user: { em: 'a'.repeat(64) }, optOut: undefined, optOutType: undefined,
      });
      expect(settleInto(order, rules, new ByteSink(8))).toBe(encodeSettled(settle(order, rules), new ByteSink(8)));
    }
  });

  it('settleInto gives the line and bytes of encodeSettled(settle(...))', () => {
    const order = openOrder({
      seq: 5, pos: { file: 'in.csv', line: 9 }, orderId: 'A-"1"', eventTime: 1_700_000_000, currency: 'EUR', value: '12.5', price: undefined,
      quantity: undefined, productId: undefined, itemName: 'Thé', user: { em: 'a'.repeat(64), ph: 'b'.repeat(64) }, optOut: true, optOutType: undefined,
    });
    for (const rules of [
      { partnerName: 'ss-amperity', emailIdentifies: true, maidIdentifies: true },
      { partnerName: 'ss-amperity', emailIdentifies: true, maidIdentifies: false, csvColumns: ['email', 'phone', 'event_time', 'value', 'currency', 'order_id', 'quantity'] as const },
    ]) {
      const direct = new ByteSink(8);
      const viaText = new ByteSink(8);
      direct.append('x', 1);
      viaText.append('x', 1);
      const line = settleInto(order, rules, direct);
      expect(line).toBe(encodeSettled(settle(order, rules), viaText));
      expect(Buffer.concat(direct.take() ?? []).equals(Buffer.concat(viaText.take() ?? []))).toBe(true);
      const noIdentifier = { ...order, user: {} };
      expect(settleInto(noIdentifier, rules, direct)).toBe(encodeSettled(settle(noIdentifier, rules), viaText));
      // Two rows: their line numbers; and a prefix goes first.
      const twoRows = { ...order, positions: [...order.positions, { file: 'in.csv', line: 12 }] };
      expect(settleInto(twoRows, rules, direct, '\u0002')).toBe('\u0002' + encodeSettled(settle(twoRows, rules), viaText));
    }
  });
  it('settleInto with a HeadTable: an event as numbers, read back (EventItem.inChunk) as the line without it reads', () => {
    const orders = fc.array(fc.tuple(order, fc.array(position('in put.csv'), { minLength: 1, maxLength: 4 })), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(orders, eventRules, fc.boolean(), fc.integer({ min: 1, max: 2048 }), (list, baseRules, csv, blockBytes) => {
        const rules = csv ? { ...baseRules, csvColumns: ['email', 'event_time', 'value', 'order_id', 'quantity'] as const } : baseRules;
        const viaLines = new ByteSink(blockBytes);
        const viaTable = new ByteSink(blockBytes);
        const table = new HeadTable();
        const settled = list.map(([o, positions]) => {
          const withPositions = { ...o, positions };
          return [settleInto(withPositions, rules, viaLines, SETTLED_MARK), settleInto(withPositions, rules, viaTable, SETTLED_MARK, table)] as const;
        });
        const lineBlocks = viaLines.take() ?? [];
        const tableBlocks = viaTable.take() ?? [];
        const heads = table.take();
        let entries = 0;
        for (const [line, entry] of settled) {
          const back = decodeSettled(line.slice(1), lineBlocks, 'in put.csv');
          if (typeof entry === 'string') {
            // Refused orders stay lines (their reject needs the order id), with the same text.
            expect(back.outcome.ok).toBe(false);
            expect(entry).toBe(line);
            continue;
          }
          expect(entry).toBe(entries++);
          expect(back.outcome.ok).toBe(true);
          if (!back.outcome.ok || heads === undefined) continue;
          const item = EventItem.inChunk(heads, entry, 'in put.csv', tableBlocks, csv);
          expect(heads.heads[entry * HEAD_FIELDS + HEAD_HAS_ORDER_ID]).toBe(back.hasOrderId ? 1 : 0);
          expect(Buffer.from((csv ? item.csvRow : item.payload) as Uint8Array)).toEqual(Buffer.from(back.outcome.text as Uint8Array));
          expect(item.bytes).toBe(csv ? 0 : back.outcome.bytes);
          expect(csv ? item.payload : item.csvRow).toBe(csv ? '' : undefined);
          expect(item.positions).toEqual(back.positions);
          item.release();
          expect(() => item.payload).toThrow(/released/);
        }
        expect(heads?.heads.length ?? 0).toBe(entries * HEAD_FIELDS);
      }),
      { numRuns: 500 },
    );
  });

  it('settleInto keeps an event too large for a request body as a line, for its reject', () => {
    const rules = { partnerName: 'ss-amperity', emailIdentifies: true, maidIdentifies: true };
    const big = {
      ...openOrder({
        seq: 5, pos: { file: 'in.csv', line: 9 }, orderId: 'A-1', eventTime: 1_700_000_000, currency: 'EUR', value: '12.5', price: undefined,
        quantity: undefined, productId: undefined, itemName: undefined, user: { em: 'a'.repeat(64) }, optOut: undefined, optOutType: undefined,
      }),
      contents: Array.from({ length: 1000 }, (_, i) => ({ id: `P-${i}`, item_name: 'x'.repeat(2100) })),
    };
    const table = new HeadTable();
    const sink = new ByteSink();
    const line = settleInto(big, rules, sink, SETTLED_MARK, table);
    expect(typeof line).toBe('string');
    const back = decodeSettled((line as string).slice(1), sink.take(), 'in.csv');
    expect(back.outcome.ok && back.outcome.bytes).toBeGreaterThan(MAX_BATCH_BYTES);
    expect(back.orderId).toBe('A-1');
    expect(table.take()).toBeUndefined();
    // The same order for the upload CSV (no request body) is a number.
    expect(settleInto(big, { ...rules, csvColumns: ['email', 'order_id'] }, new ByteSink(), SETTLED_MARK, table)).toBe(0);
  });
});
