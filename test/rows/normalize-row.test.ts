import { describe, expect, it } from 'vitest';
import { FIELDS, FIELD_INDEX, type Field } from '../../src/rows/columns.js';
import { RowNormalizer, type Cell, type RowRules } from '../../src/rows/normalize-row.js';

const RULES: RowRules = { defaultCountry: 'us', defaultCurrency: 'USD', timeZone: undefined, dateOrder: 'mdy', todayYmd: '20261128', keepRejectValues: false };
const POS = { file: 'rows.csv', line: 1 };

function cells(values: Partial<Record<Field, string>>): Cell[] {
  const row: Cell[] = new Array(FIELDS.length);
  for (const [field, value] of Object.entries(values)) row[FIELD_INDEX[field as Field]] = value;
  return row;
}

/** Rows whose values repeat, across countries, in more distinct values than a memo table holds. */
function rows(count: number): Cell[][] {
  const countries = ['US', 'GB', 'CA', 'DE', '', 'fr', 'Atlantis'];
  const postals = ['SW1A 1AA', '02166', '2166', 'M3Z 1W7', '10115', 'not a code!', '75008'];
  return Array.from({ length: count }, (_, i) =>
    cells({
      timestamp: '2026-11-27T10:00:00Z',
      email: `Person${i % 9000}@Example.com`,
      phone: `(617) 452-${String(1000 + (i % 7000)).padStart(4, '0')}`,
      given_name: ['Ana', 'José', "O'Brien", ''][i % 4],
      gender: ['F', 'male', 'x', 'Woman', ''][i % 5],
      city: i % 3 === 0 ? `City ${i % 6000}` : 'Boston',
      state: ['MA', 'Ontario', 'zz', ''][i % 4],
      postal: i % 2 === 0 ? (postals[Math.floor(i / 7) % postals.length] as string) : String(10000 + (i % 5000)),
      country: countries[i % countries.length],
      birthdate: `1990-01-${String(1 + (i % 31)).padStart(2, '0')}`,
    }),
  );
}

describe('RowNormalizer', () => {
  it('gives every row the same result as a normalizer that saw no row before (memo tables, one per country for postal)', () => {
    const shared = new RowNormalizer(RULES);
    const all = rows(12_000);
    const invalid: Record<string, number> = {};
    all.forEach((row, i) => {
      const fresh = new RowNormalizer(RULES);
      expect(shared.normalize(row, i, POS)).toEqual(fresh.normalize(row, i, POS));
      for (const [field, count] of Object.entries(fresh.invalid)) invalid[field] = (invalid[field] ?? 0) + count;
    });
    expect(shared.invalid).toEqual(invalid);
    expect(Object.keys(invalid).length).toBeGreaterThan(0);
  });

  it('reads a postal code with the rules of its row country', () => {
    const normalizer = new RowNormalizer(RULES);
    const us = normalizer.normalize(cells({ timestamp: '2026-11-27T10:00:00Z', postal: '2166', country: 'US' }), 0, POS);
    const gb = normalizer.normalize(cells({ timestamp: '2026-11-27T10:00:00Z', postal: '2166', country: 'AU' }), 1, POS);
    if (!us.ok || !gb.ok) throw new Error('rows refused');
    expect(us.row.user.zp).toBeDefined();
    expect(gb.row.user.zp).toBeDefined();
    expect(us.row.user.zp).not.toBe(gb.row.user.zp);
  });
});
