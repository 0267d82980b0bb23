import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizePostal } from '../../src/normalize/postal.js';
import { BLANK_AND_DIGEST_CASES, LOWER_HEX_64, anyString, checkPersonalProperties, stringOf } from './arbitraries.js';

const postalish = stringOf([...'0123456789', '-', ' ', '.', 'A', 'b', 'SW1A', '\u00a0', '\u00e9', '\u0301']);

describe('normalizePostal, US', () => {
  it.each([
    // PRODUCT §3 examples
    ['37221-3312', '37221'],
    ['2134', '02134'],
    // more
    ['37221', '37221'],
    [' 37221 ', '37221'],
    ['372213312', '37221'],
    ['37221 3312', '37221'],
    ['37221 - 3312', '37221'],
    ['02134', '02134'],
    ['213', '00213'],
    ['501', '00501'],
    ['94103', '94103'],
    ['\u00a094103\u00a0', '94103'],
  ])('%j → %j', (raw, want) => {
    expect(normalizePostal(raw, 'us')).toBe(want);
  });

  it.each(['21', '1', '123456', '1234567', '37221-331', '37221-33120', 'ABCDE', '9410A', '94103-ABCD', 'SW1A 1AA', '94.103', '-', '\u0669\u0664\u0661\u0660\u0663'])(
    'invalid %j → undefined',
    (raw) => {
      expect(normalizePostal(raw, 'us')).toBeUndefined();
    },
  );

  it.each(BLANK_AND_DIGEST_CASES)('blank or digest %j → %j', (raw, want) => {
    expect(normalizePostal(raw, 'us')).toBe(want);
  });

  it('properties: never throws, idempotent, NFC, hashes to 64 lowercase hex', () => {
    const us = (raw: string): string | undefined => normalizePostal(raw, 'us');
    checkPersonalProperties(us);
    checkPersonalProperties(us, postalish);
    fc.assert(
      fc.property(fc.oneof(anyString, postalish), (raw) => {
        const out = us(raw);
        return out === undefined || /^\d{5}$/.test(out) || LOWER_HEX_64.test(out);
      }),
    );
  });

  it('any 3–5 digit ZIP, with or without +4, gives the zero-padded 5 digits', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99999 }), fc.option(fc.integer({ min: 0, max: 9999 })), (zip, plus4) => {
        const five = String(zip).padStart(5, '0');
        expect(normalizePostal(five, 'us')).toBe(five);
        if (plus4 !== null) expect(normalizePostal(`${five}-${String(plus4).padStart(4, '0')}`, 'us')).toBe(five);
        if (zip >= 100) expect(normalizePostal(String(zip), 'us')).toBe(five);
      }),
    );
  });
});

describe('normalizePostal, elsewhere', () => {
  it.each([
    ['SW1A 1AA', 'gb', 'sw1a1aa'], // PRODUCT §3 example
    ['sw1a1aa', 'gb', 'sw1a1aa'],
    [' EC1A-1BB ', 'gb', 'ec1a1bb'],
    ['K1A 0B1', 'ca', 'k1a0b1'],
    ['10115', 'de', '10115'],
    ['01067', 'de', '01067'],
    ['1234 AB', 'nl', '1234ab'],
    ['100-0001', 'jp', '1000001'],
    ['75008', 'fr', '75008'],
    ['37221-3312', 'gb', '372213312'], // not US: no ZIP+4 cut
    ['2134', 'au', '2134'], // not US: no zero padding
    ['C\u00d3D.123', 'xx', 'c\u00f3d123'],
    ['CO\u0301D 123', 'xx', 'c\u00f3d123'],
  ])('%j (%s) → %j', (raw, country, want) => {
    expect(normalizePostal(raw, country)).toBe(want);
  });

  it.each(['-', ' - ', '...', '()', '\ud83d\ude00'])('nothing but punctuation %j → undefined', (raw) => {
    expect(normalizePostal(raw, 'gb')).toBeUndefined();
  });

  it.each(BLANK_AND_DIGEST_CASES)('blank or digest %j → %j', (raw, want) => {
    expect(normalizePostal(raw, 'gb')).toBe(want);
  });

  it('properties: never throws, idempotent, NFC, hashes to 64 lowercase hex', () => {
    const gb = (raw: string): string | undefined => normalizePostal(raw, 'gb');
    checkPersonalProperties(gb);
    checkPersonalProperties(gb, postalish);
    fc.assert(
      fc.property(anyString, (raw) => {
        const out = gb(raw);
        return out === undefined || (/^[\p{L}\p{N}]+$/u.test(out) && out === out.toLowerCase());
      }),
    );
  });
});
