import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvLine, csvUserKeys } from '../../src/upload/rows.js';

describe('csvLine', () => {
  // A carriage return is quoted too: csv-stringify with a "\n" record delimiter leaves a lone "\r"
  // bare unless told otherwise, and readers may take it for a line end.
  it('gives the bytes csv-stringify gives (quotes only where needed, also around a carriage return)', () => {
    const field = fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r', ' ', 'é', '\t') }));
    fc.assert(
      fc.property(fc.array(field, { minLength: 1, maxLength: 8 }), (fields) => {
        const expected = stringify([fields], { record_delimiter: 'unix', quoted: false, bom: false, quote_record_delimiter: true });
        expect(csvLine(fields) + '\n').toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('quotes only where needed', () => {
    expect(csvLine(['a', '', 'b,c', 'say "hi"', 'x\ny', 'x\ry'])).toBe('a,,"b,c","say ""hi""","x\ny","x\ry"');
  });
});

describe('csvUserKeys', () => {
  it('names the user_data keys of the personal columns only', () => {
    expect(csvUserKeys(['email', 'event_time', 'event_type'])).toEqual(['em']);
    expect(csvUserKeys(['maid', 'phone', 'event_time', 'event_type'])).toEqual(['ph', 'hashed_maids']);
  });
});
