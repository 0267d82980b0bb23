/** Shared fast-check arbitraries and helpers for the normaliser tests (not a test file itself). */
import fc from 'fast-check';
import { hashNormalized } from '../../src/normalize/hash.js';

/** Characters that stress the rules: digits, separators, markers, letters that change under case/NFC, marks, odd spaces. */
const INTERESTING = [
  ...'0123456789', ' ', '  ', '\t', '\n', '\u00a0', '\u2007', '\u3000', '\ufeff', '\u200b',
  '-', '.', ',', '/', '(', ')', '(0)', '+', '00', '#', 'x', 'X', 'ext', 'e', 'E', '@', '$', '€', '£', ':', 'T', 'Z',
  "'", '’', '_', 'a', 'B', 'f', 'M', 'é', 'É', 'ß', 'ẞ', 'İ', 'ı', 'Σ', 'ǅ', 'K', 'Å', '\u0301', '\u0303', '\u0307', '\u0345',
  'ア', 'ж', '李', '٣', '０', '😀', 'mar', 'May', 'sept', 'st', 'ny', 'uk',
];

/** Any string: ASCII graphemes, printable Unicode graphemes, any code points, and a tricky alphabet. */
export const anyString: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.constantFrom(...INTERESTING), maxLength: 24 }),
);

/** Strings drawn from a given alphabet (each unit one of `units`). */
export function stringOf(units: readonly string[], maxLength = 24): fc.Arbitrary<string> {
  return fc.string({ unit: fc.constantFrom(...units), maxLength });
}

/** 64 hex characters in mixed case. */
export const hexDigest: fc.Arbitrary<string> = fc.string({
  unit: fc.constantFrom(...'0123456789abcdefABCDEF'),
  minLength: 64,
  maxLength: 64,
});

/** Optional whitespace around a value. */
export const padding: fc.Arbitrary<string> = fc.constantFrom('', ' ', '  ', '\t', '\n ', '\u00a0', ' \r\n');

export const LOWER_HEX_64 = /^[0-9a-f]{64}$/;

/** A real SHA-256 digest (of "jane.doe@example.com", REFERENCE.md §6). */
export const DIGEST = '86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d';

/** Asserts the three properties every hashed personal-field normaliser has. */
export function checkPersonalProperties(
  normalize: (raw: string) => string | undefined,
  arbitrary: fc.Arbitrary<string> = anyString,
): void {
  fc.assert(
    fc.property(arbitrary, (raw) => {
      const out = normalize(raw); // (a) never throws
      if (out === undefined) return;
      if (out === '' || typeof out !== 'string') throw new Error(`bad output ${String(out)}`);
      if (normalize(out) !== out) throw new Error(`not idempotent: ${JSON.stringify(out)} → ${JSON.stringify(normalize(out))}`); // (b)
      if (out.normalize('NFC') !== out) throw new Error(`not NFC: ${JSON.stringify(out)}`);
      if (!LOWER_HEX_64.test(hashNormalized(out))) throw new Error('hash is not 64 lowercase hex'); // (c)
    }),
  );
}

/** Inputs every personal normaliser treats alike: blanks are absent, a digest is passed through lowercased. */
export const BLANK_AND_DIGEST_CASES: ReadonlyArray<readonly [string, string | undefined]> = [
  ['', undefined],
  [' ', undefined],
  ['   \t\n ', undefined],
  ['\u00a0\u3000\ufeff', undefined],
  [DIGEST, DIGEST],
  [`  ${DIGEST.toUpperCase()}  `, DIGEST],
  [`\t${DIGEST.slice(0, 32).toUpperCase()}${DIGEST.slice(32)}\n`, DIGEST],
];
