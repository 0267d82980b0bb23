import fc from 'fast-check';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { describe, expect, it } from 'vitest';
import { hashNormalized } from '../../src/normalize/hash.js';
import { normalizePhone, phoneCountry } from '../../src/normalize/phone.js';
import { BLANK_AND_DIGEST_CASES, LOWER_HEX_64, anyString, stringOf } from './arbitraries.js';

const NANP: readonly CountryCode[] = ['US', 'CA', 'AG', 'AI', 'AS', 'BB', 'BM', 'BS', 'DM', 'DO', 'GD', 'GU', 'JM', 'KN', 'KY', 'LC', 'MP', 'MS', 'PR', 'SX', 'TC', 'TT', 'VC', 'VG', 'VI'];
const COUNTRIES: readonly CountryCode[] = ['US', 'CA', 'GB', 'FR', 'DE', 'IT', 'ES', 'IN', 'BR', 'JP', 'AU', 'MX', 'AG', 'RU', 'CN'];
const digit = (from: number, to = 9): fc.Arbitrary<string> => fc.integer({ min: from, max: to }).map(String);
const digits = (n: number): fc.Arbitrary<string> => fc.string({ unit: digit(0), minLength: n, maxLength: n });

/** What libphonenumber-js makes of a national number: calling code + national number, or undefined. */
function library(text: string, country: CountryCode): string | undefined {
  const parsed = parsePhoneNumberFromString(text, country);
  return parsed ? parsed.countryCallingCode + parsed.nationalNumber : undefined;
}

describe('normalizePhone: PRODUCT §3 examples', () => {
  it.each([
    ['(650) 555-1212', '16505551212'],
    ['555.123.4567', '15551234567'],
    ['+44 (0)20 7946 0958', '442079460958'],
    ['+001 (616) 954-78 88', '16169547888'],
  ])('%j (US) → %j', (raw, want) => {
    expect(normalizePhone(raw, 'US')).toBe(want);
  });
});

describe('normalizePhone', () => {
  it.each(BLANK_AND_DIGEST_CASES)('blank or digest %j → %j', (raw, want) => {
    expect(normalizePhone(raw, 'US')).toBe(want);
    expect(normalizePhone(raw, 'GB')).toBe(want);
  });

  it.each([
    // national US, every punctuation
    ['6505551212', '16505551212'],
    ['650-555-1212', '16505551212'],
    ['650 555 1212', '16505551212'],
    [' (650)555-1212 ', '16505551212'],
    ['1-650-555-1212', '16505551212'],
    ['1 (650) 555-1212', '16505551212'],
    ['16505551212', '16505551212'],
    // REFERENCE §6 example
    ['+1 (555) 123-4567', '15551234567'],
    // international with + or 00, whatever the default country
    ['+16505551212', '16505551212'],
    ['001 650 555 1212', '16505551212'],
    ['+44 20 7946 0958', '442079460958'],
    ['0044 20 7946 0958', '442079460958'],
    ['0044 (0)20 7946 0958', '442079460958'],
    ['+44(0)2079460958', '442079460958'],
    ['+44 ( 0 ) 20 7946 0958', '442079460958'],
    ['+49 (0)30 123456', '4930123456'],
    ['+33 6 12 34 56 78', '33612345678'],
    ['+39 06 1234 5678', '390612345678'],
  ])('%j (US) → %j', (raw, want) => {
    expect(normalizePhone(raw, 'US')).toBe(want);
  });

  it.each([
    ['020 7946 0958', 'GB', '442079460958'],
    ['07700 900123', 'GB', '447700900123'],
    ['(020) 7946-0958', 'GB', '442079460958'],
    ['+44 7700 900123', 'GB', '447700900123'],
    ['06 12 34 56 78', 'FR', '33612345678'],
    ['06 1234 5678', 'IT', '390612345678'],
    ['312 345 6789', 'IT', '393123456789'],
    ['030 123456', 'DE', '4930123456'],
    ['(268) 464-1234', 'AG', '12684641234'],
    ['(416) 555-0199', 'CA', '14165550199'],
    ['6505551212', 'CA', '16505551212'],
  ] as const)('%j (%s) → %j', (raw, country, want) => {
    expect(normalizePhone(raw, country)).toBe(want);
  });

  it('reads a national number with the given country, not the default', () => {
    expect(normalizePhone('020 7946 0958', 'GB')).toBe('442079460958');
    expect(normalizePhone('020 7946 0958', 'US')).not.toBe('442079460958');
  });

  it('keeps numbers that only fail strict validation (test ranges such as 555)', () => {
    expect(normalizePhone('555-555-5555', 'US')).toBe('15555555555');
    expect(normalizePhone('(555) 010-0000', 'US')).toBe('15550100000');
    expect(normalizePhone('212-555-0100', 'US')).toBe('12125550100');
  });

  describe('extensions are cut off', () => {
    it.each([
      '650-555-1212 ext 12',
      '650-555-1212 ext. 12',
      '650-555-1212 Ext.12',
      '650-555-1212 EXTN 12',
      '650-555-1212 extension 12',
      '650-555-1212 x12',
      '650-555-1212 X 12',
      '650-555-1212x',
      '650-555-1212 #12',
      '650-555-1212#',
      '+1 650 555 1212 ext. 4567',
      '(650) 555-1212 x 1234 (office)',
    ])('%j → 16505551212', (raw) => {
      expect(normalizePhone(raw, 'US')).toBe('16505551212');
    });

    it('cuts an extension off an international number', () => {
      expect(normalizePhone('+44 20 7946 0958 ext 123', 'US')).toBe('442079460958');
      expect(normalizePhone('+44 20 7946 0958 #9', 'GB')).toBe('442079460958');
    });

    it('a value that is only an extension is absent', () => {
      expect(normalizePhone('x123', 'US')).toBeUndefined();
      expect(normalizePhone('#5', 'US')).toBeUndefined();
      expect(normalizePhone('ext. 12', 'US')).toBeUndefined();
    });
  });

  describe('letters make it invalid', () => {
    it.each([
      '1-800-FLOWERS',
      '1-800-flowers',
      '650-555-CALL',
      'phone: 650-555-1212',
      'tel 6505551212',
      'n/a',
      'unknown',
      'none',
      '650-555-1212 (home)',
      '+44 20 7946 0958 mobile',
      '\u0436 650 555 1212',
      '650 555 1212 \u00e9',
    ])('%j → undefined', (raw) => {
      expect(normalizePhone(raw, 'US')).toBeUndefined();
    });
  });

  describe('7–15 digits', () => {
    it.each([
      ['+123456', undefined],
      ['+1234567', '1234567'],
      ['+12345678', '12345678'],
      ['+123456789012345', '123456789012345'],
      ['+1234567890123456', undefined],
      ['+1 234 567 890 123 456 789', undefined],
      ['00 12 34 56', undefined],
      ['0012345678', '12345678'],
    ])('%j → %j', (raw, want) => {
      expect(normalizePhone(raw, 'US')).toBe(want);
    });

    it('a national number too short or too long for any reading is absent', () => {
      expect(normalizePhone('12345', 'US')).toBeUndefined();
      expect(normalizePhone('1', 'US')).toBeUndefined();
      expect(normalizePhone('65055512120000000', 'US')).toBeUndefined();
    });
  });

  describe('non-digits', () => {
    it.each(['0', '0000000', '+', '++', '00', '()', '- . -', '+(0)', '+0 (0) 00'])('%j → undefined', (raw) => {
      expect(normalizePhone(raw, 'US')).toBeUndefined();
    });

    it('non-ASCII digits are not phone digits', () => {
      expect(normalizePhone('\u0666\u0665\u0660\u0665\u0665\u0665\u0661\u0662\u0661\u0662', 'US')).toBeUndefined();
      expect(normalizePhone('\uff16\uff15\uff10\uff15\uff15\uff15\uff11\uff12\uff11\uff12', 'US')).toBeUndefined();
    });

    it('ignores odd whitespace and NFC/NFD differences', () => {
      expect(normalizePhone('\u00a0650\u2007555\u20071212\u00a0', 'US')).toBe('16505551212');
      expect(normalizePhone('\u3000+44\u300020 7946 0958', 'US')).toBe('442079460958');
    });
  });
});

describe('phoneCountry', () => {
  it.each([
    ['US', 'US'],
    ['us', 'US'],
    ['gb', 'GB'],
    ['Gb', 'GB'],
    ['uk', undefined],
    ['zz', undefined],
    ['usa', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%j → %j', (code, want) => {
    expect(phoneCountry(code)).toBe(want);
  });
});

describe('normalizePhone properties', () => {
  const country = fc.constantFrom(...COUNTRIES);
  const phoneish = fc.oneof(
    anyString,
    stringOf([...'0123456789', '0123', '555', ' ', '-', '.', '(', ')', '(0)', '+', '00', '#', 'x', 'ext', '\u00a0', 'a']),
  );

  it('never throws; outputs are 7–15 ASCII digits without a leading zero (or a digest) that hash to 64 lowercase hex', () => {
    fc.assert(
      fc.property(phoneish, country, (raw, c) => {
        const out = normalizePhone(raw, c);
        if (out === undefined) return;
        if (!LOWER_HEX_64.test(out)) expect(out).toMatch(/^[1-9]\d{6,14}$/);
        expect(hashNormalized(out)).toMatch(LOWER_HEX_64);
      }),
    );
  });

  it('is idempotent on the international form: normalizePhone("+" + out) === out', () => {
    fc.assert(
      fc.property(phoneish, country, (raw, c) => {
        const out = normalizePhone(raw, c);
        if (out === undefined || LOWER_HEX_64.test(out)) return;
        expect(normalizePhone(`+${out}`, c)).toBe(out);
        expect(normalizePhone(`+${out}`, 'US')).toBe(out);
        expect(normalizePhone(`00${out}`, c)).toBe(out);
      }),
    );
  });

  it('US: an 11-digit output starting with 1 normalises to itself', () => {
    const us = fc.oneof(phoneish, digits(10), digits(11), fc.tuple(digit(2), digits(9)).map(([a, b]) => a + b));
    fc.assert(
      fc.property(us, (raw) => {
        const out = normalizePhone(raw, 'US');
        if (out === undefined || !/^1\d{10}$/.test(out)) return;
        expect(normalizePhone(out, 'US')).toBe(out);
      }),
    );
  });

  it('digests pass through whatever the country', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: 64, maxLength: 64 }), country, (hex, c) => {
        expect(normalizePhone(` ${hex} `, c)).toBe(hex.toLowerCase());
      }),
    );
  });

  it('punctuation, country-code and extension variants of one US number agree', () => {
    fc.assert(
      fc.property(digit(2), digits(2), digit(2), digits(6), (a, b, c, d) => {
        const area = a + b;
        const exchange = c + d.slice(0, 2);
        const line = d.slice(2);
        const want = `1${area}${exchange}${line}`;
        const variants = [
          `${area}${exchange}${line}`,
          `(${area}) ${exchange}-${line}`,
          `${area}.${exchange}.${line}`,
          `1-${area}-${exchange}-${line}`,
          `+1 ${area} ${exchange} ${line}`,
          `001 (${area}) ${exchange} ${line}`,
          `${area}-${exchange}-${line} ext. 42`,
          `${area}-${exchange}-${line} x42`,
          `${area}-${exchange}-${line} #42`,
        ];
        for (const v of variants) expect(normalizePhone(v, 'US'), v).toBe(want);
      }),
    );
  });

  describe('the NANP fast path agrees with libphonenumber-js', () => {
    const tenDigits = fc.tuple(digit(2), digits(9)).map(([a, b]) => a + b);
    const elevenDigits = fc.tuple(digit(2), digits(9)).map(([a, b]) => `1${a}${b}`);

    it('US, 10 digits starting with 2–9 and 11 digits starting with 1 then 2–9', () => {
      fc.assert(
        fc.property(fc.oneof(tenDigits, elevenDigits), (d) => {
          const lib = library(d, 'US');
          if (lib !== undefined) expect(normalizePhone(d, 'US')).toBe(lib);
        }),
        { numRuns: 500 },
      );
    });

    it('every NANP country the fast path serves', () => {
      fc.assert(
        fc.property(fc.oneof(tenDigits, elevenDigits), fc.constantFrom(...NANP), (d, c) => {
          const lib = library(d, c);
          if (lib !== undefined) expect(normalizePhone(d, c)).toBe(lib);
        }),
        { numRuns: 500 },
      );
    });

    it('the library does return a number for these shapes (the comparison is not vacuous)', () => {
      expect(library('6505551212', 'US')).toBe('16505551212');
      expect(library('16505551212', 'US')).toBe('16505551212');
      expect(library('2000000000', 'US')).toBe('12000000000');
    });
  });
});
