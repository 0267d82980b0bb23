import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeCity, normalizeExternId, normalizeMaid, normalizeName } from '../../src/normalize/names.js';
import { BLANK_AND_DIGEST_CASES, LOWER_HEX_64, anyString, checkPersonalProperties, stringOf } from './arbitraries.js';

const MARKS = ['\u0301', '\u0303', '\u0308', '\u0307', '\u0345', '\u093f'];
const nameish = stringOf([...'aZé', 'É', 'İ', 'Σ', 'ß', '李', 'क', ' ', '-', "'", '.', '_', '1', '\u00a0', ...MARKS]);

describe('normalizeName (given_name, surname)', () => {
  it.each([
    // PRODUCT §3 examples
    ["O'Connor", 'oconnor'],
    ['S\u00e3o Paulo', 's\u00e3opaulo'],
    ['St. Louis', 'stlouis'],
    // more
    [' Jane ', 'jane'],
    ['DOE', 'doe'],
    ['Mary Ann', 'maryann'],
    ['  MARY   ann\t', 'maryann'],
    ['Jean-Luc', 'jeanluc'],
    ['O\u2019Brien', 'obrien'],
    ['Smith, Jr.', 'smithjr'],
    ['Dr. J. R. R. Tolkien', 'drjrrtolkien'],
    ['Anne_Marie', 'annemarie'],
    ['Henry VIII', 'henryviii'],
    ['Jos\u00e9 2nd', 'jos\u00e92nd'],
    ['M\u00dcLLER', 'm\u00fcller'],
    ['Stra\u00dfe', 'stra\u00dfe'],
    ['\u674e\u5c0f\u9f99', '\u674e\u5c0f\u9f99'],
    ['\u0416\u0430\u043d\u043d\u0430', '\u0436\u0430\u043d\u043d\u0430'],
    ['\u0394\u0397\u039c\u0397\u03a4\u03a1\u0397\u03a3', '\u03b4\u03b7\u03bc\u03b7\u03c4\u03c1\u03b7\u03c2'],
    ['\u092a\u094d\u0930\u093f\u092f\u093e', '\u092a\u094d\u0930\u093f\u092f\u093e'],
    ['\u0645\u062d\u0645\u062f', '\u0645\u062d\u0645\u062f'],
    ['Jane\u00a0Doe', 'janedoe'],
    ['Jane \ud83d\ude00', 'jane'],
  ])('%j → %j', (raw, want) => {
    expect(normalizeName(raw)).toBe(want);
  });

  it.each(BLANK_AND_DIGEST_CASES)('blank or digest %j → %j', (raw, want) => {
    expect(normalizeName(raw)).toBe(want);
  });

  it.each(["'", '---', '...', '. - _', '\ud83d\ude00', '()', '\u200b'])('nothing but punctuation/symbols %j → undefined', (raw) => {
    expect(normalizeName(raw)).toBeUndefined();
  });

  it('NFD input equals the NFC result', () => {
    expect(normalizeName('Sa\u0303o Paulo')).toBe('s\u00e3opaulo');
    expect(normalizeName('Jose\u0301')).toBe(normalizeName('Jos\u00e9'));
    expect(normalizeName('MU\u0308LLER')).toBe('m\u00fcller');
  });

  it('composes a combining mark that punctuation removal brings next to its letter', () => {
    expect(normalizeName('a-\u0301')).toBe('\u00e1');
    expect(normalizeName("Jose'\u0301")).toBe('jos\u00e9');
  });

  it('a digest with inner spaces or a 63/65-char hex string is a name, not a digest', () => {
    const digest = '81f8f6dde88365f3928796ec7aa53f72820b06db8664f5fe76a7eb13e24546a2';
    expect(normalizeName(`${digest.slice(0, 32)} ${digest.slice(32)}`)).toBe(digest);
    expect(normalizeName(digest.slice(1).toUpperCase())).toBe(digest.slice(1));
  });

  it('properties: never throws, idempotent, NFC, hashes to 64 lowercase hex', () => {
    checkPersonalProperties(normalizeName);
    checkPersonalProperties(normalizeName, nameish);
  });

  it('output holds only lowercase letters, marks and digits', () => {
    fc.assert(
      fc.property(fc.oneof(anyString, nameish), (raw) => {
        const out = normalizeName(raw);
        if (out === undefined) return;
        expect(out).toMatch(/^[\p{L}\p{M}\p{N}]+$/u);
        expect(out).toBe(out.toLowerCase());
      }),
    );
  });
});

describe('normalizeCity', () => {
  it.each([
    ['S\u00e3o Paulo', 's\u00e3opaulo'],
    ['Sa\u0303o Paulo', 's\u00e3opaulo'],
    ['St. Louis', 'stlouis'],
    ['San Francisco', 'sanfrancisco'],
    ['  NEW YORK ', 'newyork'],
    ['Winston-Salem', 'winstonsalem'],
    ["Coeur d'Alene", 'coeurdalene'],
    ['M\u00fcnchen', 'm\u00fcnchen'],
    ['\u6771\u4eac', '\u6771\u4eac'],
    ['29 Palms', '29palms'],
    ['', undefined],
    ['  ', undefined],
    ['.', undefined],
  ])('%j → %j', (raw, want) => {
    expect(normalizeCity(raw)).toBe(want);
  });

  it('follows the name rule', () => {
    fc.assert(fc.property(anyString, (raw) => normalizeCity(raw) === normalizeName(raw)));
  });
});

describe('normalizeExternId', () => {
  it.each([
    [' USER-123 ', 'user-123'],
    ['USER 123', 'user123'],
    ['AB\t12\ncd', 'ab12cd'],
    ['a.b_c/d:e', 'a.b_c/d:e'],
    ['Kunde-\u00c4', 'kunde-\u00e4'],
    ['Kunde-A\u0308', 'kunde-\u00e4'],
    ['12345', '12345'],
    ['00042', '00042'],
    ['a \u0301', '\u00e1'],
  ])('%j → %j', (raw, want) => {
    expect(normalizeExternId(raw)).toBe(want);
  });

  it.each(BLANK_AND_DIGEST_CASES)('blank or digest %j → %j', (raw, want) => {
    expect(normalizeExternId(raw)).toBe(want);
  });

  it('properties: never throws, idempotent, NFC, hashes to 64 lowercase hex', () => {
    checkPersonalProperties(normalizeExternId);
    checkPersonalProperties(normalizeExternId, nameish);
  });

  it('output is lowercase with no whitespace', () => {
    fc.assert(
      fc.property(anyString, (raw) => {
        const out = normalizeExternId(raw);
        if (out === undefined) return;
        expect(out).not.toMatch(/\s/u);
        expect(out).toBe(out.toLowerCase());
      }),
    );
  });
});

describe('normalizeMaid', () => {
  it.each([
    [' 6D92078A-8246-4BA4-AE5B-76104861E7DC ', '6d92078a-8246-4ba4-ae5b-76104861e7dc'],
    ['38400000-8cf0-11bd-b23e-10b96e40000d', '38400000-8cf0-11bd-b23e-10b96e40000d'],
    ['ABC', 'abc'],
  ])('%j → %j', (raw, want) => {
    expect(normalizeMaid(raw)).toBe(want);
  });

  it('only lowercases (inner whitespace is kept; the spec asks for nothing else)', () => {
    expect(normalizeMaid('AB CD')).toBe('ab cd');
  });

  it.each(BLANK_AND_DIGEST_CASES)('blank or digest %j → %j', (raw, want) => {
    expect(normalizeMaid(raw)).toBe(want);
  });

  it('properties: never throws, idempotent, NFC, hashes to 64 lowercase hex', () => {
    checkPersonalProperties(normalizeMaid);
    checkPersonalProperties(normalizeMaid, nameish);
    fc.assert(fc.property(anyString, (raw) => {
      const out = normalizeMaid(raw);
      return out === undefined || (out === out.toLowerCase() && LOWER_HEX_64.test(out) === /^[0-9a-f]{64}$/.test(out));
    }));
  });
});
