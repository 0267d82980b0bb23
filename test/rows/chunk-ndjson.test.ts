import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkRunCollector } from '../../src/events/runs.js';
import { ChunkProcessor, objectCells, type ChunkConfig, type RowItem } from '../../src/rows/chunk.js';
import { ColumnResolver, FIELD_INDEX } from '../../src/rows/columns.js';
import { orderIdOf, type Cell } from '../../src/rows/normalize-row.js';

const RULES = { defaultCountry: 'us', defaultCurrency: 'USD', timeZone: undefined, dateOrder: 'mdy', todayYmd: '2026-11-28', keepRejectValues: false } as const;

function processor(scan: boolean): ChunkProcessor {
  const config: ChunkConfig = { kind: 'ndjson', file: 'f.ndjson', delimiter: ',', columnFields: [], maxRecordBytes: 1 << 20, rules: { ...RULES }, renames: [], scan };
  return new ChunkProcessor(config);
}

// Text with non-ASCII letters, spaces JavaScript trims (NBSP, NEL, line separator) and emoji.
const char = fc.constantFrom('a', 'B', '7', ' ', '@', '.', 'é', 'Ä', '漢', '😀', '\u00a0', '\u0085', '\u2028');
const text = fc.array(char, { maxLength: 8 }).map((cs) => cs.join(''));
// The order id's key as an export may write it: spaces around a key, even non-ASCII ones, are trimmed.
const idKey = fc.constantFrom('order_id', ' ORDER_ID', 'order_id\u00a0', '\u2028order_id');
const record = fc.record({
  order_id: fc.constantFrom('A-1', 'Ä-2', ' A-1 ', '漢-3'),
  email: fc.oneof(text, fc.constant('josé@example.com')),
  given_name: text,
  city: text,
  timestamp: fc.constant('2026-11-25T07:26:39Z'),
  order_revenue: fc.constant('10.50'),
  // Long lines make chunks of several pieces (rows/chunk.ts reads a chunk 128 KiB at a time).
  note: fc.oneof(fc.constant(''), fc.nat(60_000).map((n) => 'x'.repeat(n))),
});
// A line is a record, a blank line (perhaps of non-ASCII spaces), or a record with a byte that is not UTF-8 in a value.
const json = fc.tuple(idKey, record).map(([key, { order_id, ...rest }]) => JSON.stringify({ [key]: order_id, ...rest }));
const line = fc.oneof(
  json.map((text) => Buffer.from(text)),
  fc.constantFrom('', '  ', '\u00a0', '\u2028 ').map((blank) => Buffer.from(blank)),
  json.map((text) => Buffer.concat([Buffer.from(text.slice(0, -2)), Buffer.from([0xff, 0xc3]), Buffer.from('"}')])),
);

describe('an NDJSON chunk', () => {
  it('reads each line as the chunk decoded as UTF-8 whole would read it, rows and prescan alike', () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 10 }), fc.boolean(), fc.nat(3), (lines, trailing, offset) => {
        const joined = Buffer.concat(lines.flatMap((l, i) => (i < lines.length - 1 || trailing ? [l, Buffer.from('\n')] : [l])));
        // Any alignment of the memory under the bytes (the search for bytes over 127 reads words).
        const bytes = Buffer.alloc(offset + joined.length);
        joined.copy(bytes, offset);
        const chunk = bytes.subarray(offset);

        // The reference: the whole chunk decoded, a line at a time parsed and normalised.
        const reference = processor(false);
        const expected: RowItem[] = [];
        const runs = new ChunkRunCollector();
        let k = 0;
        chunk.toString('utf8').split('\n').forEach((raw, i) => {
          if (raw.trim() === '') return;
          const value = JSON.parse(raw) as unknown;
          expected.push(reference.object(value, 7 * 2 ** 21 + k++, { file: 'f.ndjson', line: 3 + i }));
          runs.add(orderIdOf((objectCells(value, new ColumnResolver(new Map())) as Cell[])[FIELD_INDEX.order_id]));
        });

        expect(processor(false).process(chunk, 3, 7, false).items).toEqual(expected);
        expect(processor(true).process(chunk, 3, 7, false).runs).toEqual(runs.result());
      }),
      { numRuns: 300 },
    );
  });
});
