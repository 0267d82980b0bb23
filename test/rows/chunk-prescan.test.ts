import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { ChunkRunCollector } from '../../src/events/runs.js';
import type { Delimiter } from '../../src/input/detect.js';
import { ChunkProcessor, type ChunkConfig } from '../../src/rows/chunk.js';
import type { Field } from '../../src/rows/columns.js';
import { orderIdOf } from '../../src/rows/normalize-row.js';

const RULES = { defaultCountry: 'us', defaultCurrency: undefined, timeZone: undefined, dateOrder: 'mdy', todayYmd: '2026-11-28', keepRejectValues: false } as const;

function processor(columnFields: Array<Field | null>, delimiter: Delimiter, maxRecordBytes = 1 << 20): ChunkProcessor {
  const config: ChunkConfig = { kind: 'csv', file: 'f.csv', delimiter, columnFields, maxRecordBytes, rules: { ...RULES }, renames: [], scan: true };
  return new ChunkProcessor(config);
}

/** The prescan's runs of a chunk as the reference reads it: csv-parse's records, blank ones and wider ones left out. */
function reference(text: string, delimiter: string, width: number, column: number) {
  const collector = new ChunkRunCollector();
  for (const record of parse(text, { delimiter, relax_column_count: true, max_record_size: 1 << 20 }) as string[][]) {
    if (record.every((field) => field.trim() === '') || record.length > width) continue;
    collector.add(column < record.length ? orderIdOf(record[column]) : undefined);
  }
  return collector.result();
}

// Characters that matter to CSV, spaces JavaScript trims (NBSP, NEL, line separator), and non-ASCII.
const char = fc.constantFrom('a', 'B', '7', ' ', ',', ';', '\t', '"', '\n', 'é', '漢', '😀', '\u00a0', '\u0085', '\u2028', '-');
const value = fc.array(char, { maxLength: 6 }).map((cs) => cs.join(''));
const ids = fc.constantFrom('A-1', 'A-2', ' A-1 ', 'Ä-3', '', '  ', '\u00a0');

describe('the prescan of a CSV chunk', () => {
  it('notes the order ids a full scan notes, in order, for any well-formed chunk', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Delimiter>(',', ';', '\t', '|'),
        fc.integer({ min: 0, max: 3 }),
        fc.array(fc.tuple(ids, fc.array(value, { maxLength: 4 }), fc.boolean()), { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        (delimiter, column, records, trailing) => {
          const width = 5;
          const columnFields: Array<Field | null> = [null, null, null, null, null];
          columnFields[column] = 'order_id';
          const quote = (field: string, always: boolean) => (always || /["\n,;\t|]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field);
          const lines = records.map(([id, others, quoted]) => {
            const fields = others.slice(0, width - 1);
            fields.splice(Math.min(column, fields.length), 0, id);
            return fields.map((field, k) => quote(field, quoted && k % 2 === 0)).join(delimiter);
          });
          const text = lines.join('\n') + (trailing ? '\n' : '');
          const runs = processor(columnFields, delimiter).process(Buffer.from(text), 2, 1, false).runs;
          expect(runs).toEqual(reference(text, delimiter, width, column));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('takes the full scan for CRLF line ends, stray quotes and records over the bound, with the same runs or error', () => {
    const columnFields: Array<Field | null> = ['order_id', null];
    const crlf = 'A,x\r\n"B\r\nb",y\r\nA,z\r\n';
    expect(processor(columnFields, ',').process(Buffer.from(crlf), 2, 1, false).runs).toEqual(reference(crlf, ',', 2, 0));
    const stray = 'A,x\nB,y"y\n';
    expect(processor(columnFields, ',').process(Buffer.from(stray), 2, 1, false).error?.message).toMatch(/quote/i);
    const long = `A,${'x'.repeat(300)}\nB,y\n`;
    expect(processor(columnFields, ',', 1000).process(Buffer.from(long), 2, 1, false).runs).toEqual(reference(long, ',', 2, 0));
  });

  it('counts a record wider than the header (refused later, BAD_ROW): an extra row, never a missing one', () => {
    const text = 'A,x\nA,x,extra\nB,y\n';
    const runs = processor(['order_id', null], ',').process(Buffer.from(text), 2, 1, false).runs;
    expect(runs?.lengths).toEqual(Uint32Array.from([2, 1]));
    expect(reference(text, ',', 2, 0).lengths).toEqual(Uint32Array.from([1, 1]));
  });
});
