import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeBirthdate, ymdOf } from '../../src/normalize/birthdate.js';
import { BLANK_AND_DIGEST_CASES, LOWER_HEX_64, anyString, checkPersonalProperties, stringOf } from './arbitraries.js';

const TODAY = '20250601';
const bd = (raw: string, order: 'mdy' | 'dmy' = 'mdy'): string | undefined => normalizeBirthdate(raw, TODAY, order);
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

describe('normalizeBirthdate: PRODUCT §3 examples', () => {
  it('1990-12-31 → 19901231', () => expect(bd('1990-12-31')).toBe('19901231'));
  it('16-2-1997 → 19970216 (a part over 12 is the day)', () => {
    expect(bd('16-2-1997')).toBe('19970216');
    expect(bd('16-2-1997', 'dmy')).toBe('19970216');
  });
  it('05-03-1995 → 19950503 with mdy (the default), 19950305 with dmy', () => {
    expect(normalizeBirthdate('05-03-1995', TODAY)).toBe('19950503');
    expect(bd('05-03-1995', 'mdy')).toBe('19950503');
    expect(bd('05-03-1995', 'dmy')).toBe('19950305');
  });
  it('English month names: 5 Mar 1980 and March 5, 1980', () => {
    expect(bd('5 Mar 1980')).toBe('19800305');
    expect(bd('March 5, 1980')).toBe('19800305');
  });
});

describe('normalizeBirthdate', () => {
  it.each([
    // year first, with - / . or none
    ['1990/12/31', '19901231'],
    ['1990.12.31', '19901231'],
    ['19901231', '19901231'],
    ['1990-1-2', '19900102'],
    ['1990/01/02', '19900102'],
    ['  1990-12-31  ', '19901231'],
    // ISO date-times: the date part
    ['1990-12-31T00:00:00Z', '19901231'],
    ['1990-12-31T23:59:59.999+05:00', '19901231'],
    ['1990-12-31 00:00:00', '19901231'],
    ['1990-12-31t10:00:00z', '19901231'],
    // day/month first with / - .
    ['12/31/1990', '19901231'],
    ['31/12/1990', '19901231'],
    ['31.12.1990', '19901231'],
    ['31-12-1990', '19901231'],
    ['1/2/1990', '19900102'],
    ['13/1/1990', '19900113'],
    ['1/13/1990', '19900113'],
    // English month names, long and short, any case, with ordinals and periods
    ['5 March 1980', '19800305'],
    ['05 mar 1980', '19800305'],
    ['5-Mar-1980', '19800305'],
    ['5th March 1980', '19800305'],
    ['March 5 1980', '19800305'],
    ['mar 5, 1980', '19800305'],
    ['Mar. 5, 1980', '19800305'],
    ['MARCH 5TH, 1980', '19800305'],
    ['Sept 9, 1980', '19800909'],
    ['Sep 9 1980', '19800909'],
    ['September 9, 1980', '19800909'],
    ['1st Jan 2000', '20000101'],
    ['31 Dec 1999', '19991231'],
    ['Feb 29, 2000', '20000229'],
  ])('%j → %j', (raw, want) => {
    expect(bd(raw)).toBe(want);
  });

  it('dmy only matters when both parts are ≤ 12', () => {
    expect(bd('12/31/1990', 'dmy')).toBe('19901231');
    expect(bd('31/12/1990', 'dmy')).toBe('19901231');
    expect(bd('1/2/1990', 'dmy')).toBe('19900201');
    expect(bd('1990-01-02', 'dmy')).toBe('19900102');
    expect(bd('March 5, 1980', 'dmy')).toBe('19800305');
  });

  it.each(BLANK_AND_DIGEST_CASES)('blank or digest %j → %j', (raw, want) => {
    expect(bd(raw)).toBe(want);
  });

  describe('range: 1900 to the --now date', () => {
    it.each([
      ['1900-01-01', '19000101'],
      ['1899-12-31', undefined],
      ['1850-06-15', undefined],
      ['0001-01-01', undefined],
      ['0099-01-01', undefined],
      ['2025-06-01', '20250601'],
      ['2025-06-02', undefined],
      ['2025-12-31', undefined],
      ['2099-01-01', undefined],
      ['6/2/2025', undefined],
      ['June 1, 2025', '20250601'],
      ['2 Jun 2025', undefined],
    ])('%j (today %s) → %j', (raw, want) => {
      expect(bd(raw)).toBe(want);
    });

    it('follows the todayYmd it is given', () => {
      expect(normalizeBirthdate('2030-01-01', '20300101')).toBe('20300101');
      expect(normalizeBirthdate('2030-01-01', '20291231')).toBeUndefined();
    });
  });

  describe('real dates only', () => {
    it.each([
      ['2023-02-29', undefined],
      ['2/29/2023', undefined],
      ['29.02.2023', undefined],
      ['Feb 29, 2023', undefined],
      ['1900-02-29', undefined],
      ['2100-02-29', undefined],
      ['2000-02-29', '20000229'],
      ['2024-02-29', '20240229'],
      ['1996-02-29', '19960229'],
      ['1990-04-31', undefined],
      ['1990-06-31', undefined],
      ['1990-13-01', undefined],
      ['1990-00-10', undefined],
      ['1990-01-00', undefined],
      ['1990-01-32', undefined],
      ['13/13/1990', undefined],
      ['00/00/1990', undefined],
      ['31/31/1990', undefined],
    ])('%j → %j', (raw, want) => {
      expect(bd(raw)).toBe(want);
    });
  });

  it.each([
    'yesterday',
    '90-12-31',
    '12/31/90',
    '1990',
    '199012',
    '1990-12',
    '1990123',
    '199012311',
    '1990-12-31-01',
    '5 Foo 1980',
    'Marchh 5, 1980',
    '5 M\u00e4rz 1980',
    '31 decembre 1990',
    '1990\u201312\u201331',
    '\u0661\u0669\u0669\u0660-12-31',
    '1990 12 31',
  ])('invalid %j → undefined', (raw) => {
    expect(bd(raw)).toBeUndefined();
  });

  it('properties: never throws, idempotent, NFC, hashes to 64 lowercase hex', () => {
    checkPersonalProperties(bd);
    checkPersonalProperties(bd, stringOf([...'0123456789', '19', '20', '-', '/', '.', ' ', 'T', ',', 'mar', 'Sept', 'st']));
    checkPersonalProperties((raw) => bd(raw, 'dmy'));
  });

  it('output is a real YYYYMMDD between 19000101 and today (or a digest)', () => {
    fc.assert(
      fc.property(fc.oneof(anyString, stringOf([...'0123456789', '19', '20', '-', '/', '.', ' '])), (raw) => {
        const out = bd(raw);
        if (out === undefined || LOWER_HEX_64.test(out)) return;
        expect(out).toMatch(/^\d{8}$/);
        expect(out >= '19000101' && out <= TODAY).toBe(true);
        const date = new Date(`${out.slice(0, 4)}-${out.slice(4, 6)}-${out.slice(6)}T00:00:00Z`);
        expect(ymdOf(date.getTime())).toBe(out);
      }),
    );
  });

  it('every accepted spelling of a date in range gives the same YYYYMMDD', () => {
    const day = fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2025-06-01T23:59:59Z'), noInvalidDate: true });
    fc.assert(
      fc.property(day, (date) => {
        const y = date.getUTCFullYear();
        const m = date.getUTCMonth() + 1;
        const d = date.getUTCDate();
        const mm = String(m).padStart(2, '0');
        const dd = String(d).padStart(2, '0');
        const want = `${y}${mm}${dd}`;
        const name = MONTHS[m - 1]!;
        const spellings = [
          `${y}-${mm}-${dd}`, `${y}/${m}/${d}`, `${y}.${mm}.${dd}`, want, `${y}-${mm}-${dd}T12:34:56Z`,
          `${d} ${name} ${y}`, `${d} ${name.slice(0, 3)} ${y}`, `${name} ${d}, ${y}`, `${name.slice(0, 3).toUpperCase()}. ${d}, ${y}`,
        ];
        for (const s of spellings) expect(bd(s), s).toBe(want);
        // day/month first: unambiguous when the day is over 12, otherwise --date-order decides
        expect(bd(`${m}/${d}/${y}`, 'mdy'), 'mdy').toBe(want);
        expect(bd(`${d}.${m}.${y}`, 'dmy'), 'dmy').toBe(want);
        if (d > 12) {
          expect(bd(`${d}-${m}-${y}`, 'mdy')).toBe(want);
          expect(bd(`${m}-${d}-${y}`, 'dmy')).toBe(want);
        }
      }),
    );
  });
});

describe('ymdOf', () => {
  it.each([
    [Date.UTC(2025, 0, 12, 14, 21, 56), '20250112'],
    [Date.UTC(2025, 0, 12, 23, 59, 59, 999), '20250112'],
    [Date.UTC(2025, 0, 13), '20250113'],
    [0, '19700101'],
    [Date.UTC(2024, 1, 29), '20240229'],
  ])('%d → %s', (ms, want) => {
    expect(ymdOf(ms)).toBe(want);
  });
});

describe('normalizeBirthdate: year-first dates with two-digit parts', () => {
  it('keeps exactly the real dates from 1900 to today, whatever the separators', () => {
    const two = (n: number): string => String(n).padStart(2, '0');
    fc.assert(
      fc.property(
        fc.integer({ min: 1800, max: 2100 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.constantFrom('-', '/', '.'),
        fc.constantFrom('-', '/', '.'),
        (year, month, day, a, b) => {
          const date = new Date(Date.UTC(year, month - 1, day));
          const real = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
          const text = `${year}${two(month)}${two(day)}`;
          const want = real && year >= 1900 && text <= TODAY ? text : undefined;
          expect(bd(`${year}${a}${two(month)}${b}${two(day)}`)).toBe(want);
        },
      ),
      { numRuns: 5000 },
    );
    expect(bd('2024-02-29')).toBe('20240229');
    expect(bd('2023-02-29')).toBeUndefined();
    expect(bd('1900-02-29')).toBeUndefined();
    expect(bd('2000-02-29')).toBe('20000229');
  });
});
