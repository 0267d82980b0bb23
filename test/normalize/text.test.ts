import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanText, isSha256Hex, personal } from '../../src/normalize/text.js';
import { DIGEST, anyString, hexDigest, padding } from './arbitraries.js';
import { orderIdOf } from '../../src/rows/normalize-row.js';

describe('cleanText', () => {
  it.each([
    ['', ''],
    ['   ', ''],
    ['\t\n\r ', ''],
    ['\u00a0\ufeff\u3000', ''],
    ['  abc  ', 'abc'],
    ['a b', 'a b'],
    ['\ufeffemail', 'email'],
  ])('%j → %j', (raw, want) => {
    expect(cleanText(raw)).toBe(want);
  });

  it('composes NFD input to NFC', () => {
    expect(cleanText('Sa\u0303o Paulo')).toBe('S\u00e3o Paulo');
    expect(cleanText(' Que\u0301bec ')).toBe('Qu\u00e9bec');
  });

  it('keeps ASCII unchanged apart from the trim', () => {
    expect(cleanText(' O\'Connor\t')).toBe("O'Connor");
  });

  it('is NFC, trimmed and idempotent for any string', () => {
    fc.assert(
      fc.property(anyString, (raw) => {
        const out = cleanText(raw);
        expect(out).toBe(out.normalize('NFC'));
        expect(out).toBe(out.trim());
        expect(cleanText(out)).toBe(out);
      }),
    );
  });
});

describe('isSha256Hex', () => {
  it.each([
    [DIGEST, true],
    [DIGEST.toUpperCase(), true],
    ['0'.repeat(64), true],
    [DIGEST.slice(1), false],
    [`${DIGEST}0`, false],
    [` ${DIGEST}`, false],
    [`${DIGEST.slice(0, 63)}g`, false],
    ['', false],
  ])('%j → %s', (value, want) => {
    expect(isSha256Hex(value)).toBe(want);
  });

  it('accepts exactly 64 hex characters of any case', () => {
    fc.assert(fc.property(hexDigest, (hex) => isSha256Hex(hex)));
    fc.assert(
      fc.property(anyString, (s) => isSha256Hex(s) === /^[0-9a-fA-F]{64}$/.test(s)),
    );
  });
});

describe('personal', () => {
  const upper = (clean: string): string | undefined => clean.toUpperCase();

  it('drops values that are empty after cleaning without calling the rule', () => {
    let calls = 0;
    const rule = (clean: string): string => {
      calls += 1;
      return clean;
    };
    expect(personal('', rule)).toBeUndefined();
    expect(personal(' \t ', rule)).toBeUndefined();
    expect(calls).toBe(0);
  });

  it('passes a digest through lowercased, never through the rule', () => {
    fc.assert(
      fc.property(hexDigest, padding, padding, (hex, before, after) => {
        expect(personal(before + hex + after, upper)).toBe(hex.toLowerCase());
      }),
    );
  });

  it('gives the rule the NFC, trimmed text', () => {
    expect(personal('  Sa\u0303o  ', (clean) => clean)).toBe('S\u00e3o');
  });

  it('turns an empty rule result into undefined', () => {
    expect(personal('abc', () => '')).toBeUndefined();
    expect(personal('abc', () => undefined)).toBeUndefined();
  });

  it('returns NFC even when the rule removes characters between a letter and a combining mark', () => {
    expect(personal('a-\u0301', (clean) => clean.replace('-', ''))).toBe('\u00e1');
  });
});

describe('blank cells', () => {
  // normalize-row.ts decides blankness with trim alone (and a first-character shortcut), not cleanText.
  it('a cell is blank exactly when cleanText leaves nothing', () => {
    const space = fc.constantFrom(' ', '\t', '\n', '\r', '\u00a0', '\u2000', '\u2001', '\u3000', '\ufeff', '\u0301', 'a', 'É', '~', '!');
    fc.assert(
      fc.property(fc.oneof(anyString, fc.string({ unit: space, maxLength: 6 })), (cell) => {
        expect(orderIdOf(cell) === undefined).toBe(cleanText(cell) === '');
      }),
      { numRuns: 2000 },
    );
  });
});
