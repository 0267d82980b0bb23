import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { CsvScan, nextHigh, ParsedRecords, parseCsvFast, wordsOf } from '../../src/input/csv-fast.js';

const reference = (text: string, delimiter: string): string[][] | Error => {
  try {
    return parse(text, { delimiter, relax_column_count: true, max_record_size: 1 << 20 }) as string[][];
  } catch (error) {
    return error as Error;
  }
};

// Field text drawn from the characters that matter to CSV, plus some ordinary and non-ASCII ones.
const fieldChar = fc.constantFrom('a', 'B', '1', ' ', ',', ';', '\t', '|', '"', '\n', '\r', 'é', '漢', '😀', '\u00a0', '\u2003');
const rawField = fc.array(fieldChar, { maxLength: 8 }).map((cs) => cs.join(''));

function quote(field: string, delimiter: string, always: boolean): string {
  return always || /[",;\t|\r\n]/.test(field) || field.includes(delimiter) ? `"${field.replace(/"/g, '""')}"` : field;
}

describe('parseCsvFast', () => {
  it('gives csv-parse\'s records for well-formed CSV (LF or CRLF, any delimiter, quoting)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.tuple(rawField, fc.boolean()), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 6 }),
        fc.constantFrom(',', ';', '\t', '|'),
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        fc.nat(3),
        (rows, delimiter, eol, trailing, offset) => {
          const text = rows.map((r) => r.map(([f, q]) => quote(f, delimiter, q)).join(delimiter)).join(eol) + (trailing ? eol : '');
          const fast = parseCsvFast(text, delimiter, 1 << 18);
          if (fast === undefined) return; // handed to csv-parse: nothing to compare
          const ref = reference(text, delimiter) as string[][];
          expect(fast).toEqual(ref);
          // What the chunk reader asks of a scan, record by record, without the arrays.
          const scan = new CsvScan();
          expect(scan.scan(text, delimiter, 1 << 18)).toBe(true);
          const parsed = new ParsedRecords(ref);
          expect(scan.records).toBe(parsed.records);
          // The same text as UTF-8 bytes, read as latin1, at any alignment of the memory under them.
          const utf8 = Buffer.from(text);
          const bytes = Buffer.alloc(offset + utf8.length);
          utf8.copy(bytes, offset);
          const byteScan = new CsvScan();
          expect(byteScan.scanBytes(bytes.subarray(offset), delimiter, 1 << 18)).toBe(true);
          expect(byteScan.records).toBe(parsed.records);
          ref.forEach((fields, r) => {
            for (const records of [scan, byteScan, parsed]) {
              expect(records.width(r)).toBe(fields.length);
              fields.forEach((field, k) => expect(records.field(r, k)).toBe(field));
              expect(records.lineBreaks(r)).toBe(fields.join('').split('\n').length - 1);
              expect(records.blank(r)).toBe(fields.every((field) => field.trim() === ''));
            }
          });
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('finds the first byte over 127 from any position, at any alignment', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat(3), fc.nat(45), (raw, offset, from) => {
        const backing = new Uint8Array(offset + raw.length);
        backing.set(raw, offset);
        const bytes = backing.subarray(offset);
        let expected = -1;
        for (let i = from; i < bytes.length; i++) if ((bytes[i] as number) > 127) {
          expected = i;
          break;
        }
        expect(nextHigh(bytes, from, wordsOf(bytes))).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it('never returns records where csv-parse fails, on arbitrary text', () => {
    fc.assert(
      fc.property(fc.array(fieldChar, { maxLength: 40 }).map((cs) => cs.join('')), fc.constantFrom(',', ';'), (text, delimiter) => {
        const fast = parseCsvFast(text, delimiter, 1 << 18);
        const ref = reference(text, delimiter);
        if (fast !== undefined) expect(fast).toEqual(ref);
      }),
      { numRuns: 3000 },
    );
  });

  it('gives up on a record over the bound, its line end included, however the record is read', () => {
    // Lines with and without quotes: the quote-free ones are cut by indexOf, the others char by char.
    const line = fc.array(fc.constantFrom('a', 'é', ',', '"x"'), { maxLength: 6 }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 5 }), fc.boolean(), fc.integer({ min: 1, max: 12 }), (lines, trailing, max) => {
        const text = lines.join('\n') + (trailing ? '\n' : '');
        const fast = parseCsvFast(text, ',', max);
        const reference = parseCsvFast(text, ',', 1 << 20);
        const sizes = lines.map((l, i) => l.length + (i < lines.length - 1 || trailing ? 1 : 0));
        if (reference === undefined) expect(fast).toBeUndefined();
        else expect(fast).toEqual(sizes.some((size) => size > max) ? undefined : reference);
      }),
      { numRuns: 2000 },
    );
  });

  it('takes the fast path on ordinary exports and gives up on oddities', () => {
    expect(parseCsvFast('a,b\r\n"x,""y""",2\r\n', ',', 1000)).toEqual([['a', 'b'], ['x,"y"', '2']]);
    expect(parseCsvFast('a,b\n1,\n', ',', 1000)).toEqual([['a', 'b'], ['1', '']]);
    expect(parseCsvFast('a,b"c\n', ',', 1000)).toBeUndefined();
    expect(parseCsvFast('"a"b\n', ',', 1000)).toBeUndefined();
    expect(parseCsvFast('"open\n', ',', 1000)).toBeUndefined();
    expect(parseCsvFast('a\rb\n', ',', 1000)).toBeUndefined();
    expect(parseCsvFast('a,b\n', ',', 2)).toBeUndefined();
  });
});
