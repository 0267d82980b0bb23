import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeGender } from '../../src/normalize/gender.js';
import { BLANK_AND_DIGEST_CASES, LOWER_HEX_64, anyString, checkPersonalProperties, stringOf } from './arbitraries.js';

describe('normalizeGender', () => {
  it.each([
    ['Female', 'f'], // PRODUCT §3 example
    ['female', 'f'],
    ['FEMALE', 'f'],
    [' Woman ', 'f'],
    ['woman', 'f'],
    ['F', 'f'],
    ['f', 'f'],
    ['Male', 'm'],
    ['MALE', 'm'],
    ['man', 'm'],
    ['Man', 'm'],
    ['M', 'm'],
    ['\tm\n', 'm'],
    ['non-binary', 'n'],
    ['Non-Binary', 'n'],
    ['nonbinary', 'n'],
    ['NONBINARY', 'n'],
    ['Non Binary', 'n'],
    ['n', 'n'],
    ['N', 'n'],
  ])('%j → %j', (raw, want) => {
    expect(normalizeGender(raw)).toBe(want);
  });

  it.each(['other', 'unknown', 'U', 'x', 'X', '1', '2', '3', 'fem', 'females', 'men', 'women', 'mf', 'f.', 'none', 'prefer not to say', 'féminin', 'w', '\u0192'])(
    'anything else is omitted: %j',
    (raw) => {
      expect(normalizeGender(raw)).toBeUndefined();
    },
  );

  it.each(BLANK_AND_DIGEST_CASES)('blank or digest %j → %j', (raw, want) => {
    expect(normalizeGender(raw)).toBe(want);
  });

  it('properties: never throws, idempotent, NFC, hashes to 64 lowercase hex', () => {
    checkPersonalProperties(normalizeGender);
    checkPersonalProperties(normalizeGender, stringOf(['f', 'M', 'n', 'male', 'FEMALE', 'non', '-', 'binary', ' ', 'woman', 'man']));
  });

  it('output is f, m, n or a digest', () => {
    fc.assert(
      fc.property(anyString, (raw) => {
        const out = normalizeGender(raw);
        return out === undefined || out === 'f' || out === 'm' || out === 'n' || LOWER_HEX_64.test(out);
      }),
    );
  });
});
