import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { ChunkRunCollector } from '../../src/events/runs.js';
import { ChunkProcessor, type ChunkConfig, type RowItem } from '../../src/rows/chunk.js';
import type { Field } from '../../src/rows/columns.js';
import { orderIdOf } from '../../src/rows/normalize-row.js';

const RULES = { defaultCountry: 'us', defaultCurrency: 'USD', timeZone: undefined, dateOrder: 'mdy', todayYmd: '2026-11-28', keepRejectValues: false } as const;
const COLUMNS: Field[] = ['order_id', 'email', 'given_name', 'timestamp', 'order_revenue', 'item_name'];

function processor(scan: boolean): ChunkProcessor {
  const config: ChunkConfig = { kind: 'csv', file: 'f.csv', delimiter: ',', columnFields: COLUMNS, maxRecordBytes: 1 << 20, rules: { ...RULES }, renames: [], scan };
  return new ChunkProcessor(config);
}

const char = fc.constantFrom('a', 'B', '7', ' ', '@', '.', ',', '"', '\n', 'é', '漢', '😀', '\u00a0');
const text = fc.array(char, { maxLength: 6 }).map((cs) => cs.join(''));
const record = fc.tuple(
  fc.constantFrom('A-1', 'Ä-2', 'A-3', 'x\ny'),
  fc.oneof(text, fc.constant('josé@example.com')),
  text,
  // Padding makes the chunk several pieces of 128 KiB, some cut inside a quoted field.
  fc.oneof(fc.constant(''), fc.nat(30_000).map((n) => 'p'.repeat(n)), fc.nat(30_000).map((n) => `${'q'.repeat(n)}\n"z"`)),
);
const quote = (field: string) => (/[",\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field);

describe('a CSV chunk of several pieces', () => {
  it('gives the rows and the prescan runs of csv-parse\'s records, with their lines', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 24 }), fc.boolean(), (records, crlf) => {
        const eol = crlf ? '\r\n' : '\n';
        const fields = records.map(([id, email, name, pad]) => [id, email, name, '2026-11-25T07:26:39Z', '10.50', pad]);
        const chunk = Buffer.from(fields.map((f) => f.map(quote).join(',')).join(eol) + eol);

        const reference = processor(false);
        const expected: RowItem[] = [];
        const runs = new ChunkRunCollector();
        let line = 5;
        (parse(chunk, { relax_column_count: true }) as string[][]).forEach((cells, k) => {
          const value = Object.fromEntries(COLUMNS.map((field, i) => [field, cells[i]]));
          expected.push(reference.object(value, 2 * 2 ** 21 + k, { file: 'f.csv', line }));
          runs.add(orderIdOf(cells[0]));
          line += 1 + cells.join('').split('\n').length - 1;
        });

        expect(processor(false).process(chunk, 5, 2, false).items).toEqual(expected);
        expect(processor(true).process(chunk, 5, 2, false).runs).toEqual(runs.result());
      }),
      { numRuns: 60 },
    );
  });
});
