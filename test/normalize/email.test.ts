import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeEmail } from '../../src/normalize/email.js';
import { BLANK_AND_DIGEST_CASES, anyString, checkPersonalProperties, padding, stringOf } from './arbitraries.js';

describe('normalizeEmail', () => {
  it('PRODUCT §3 example: lowercases and removes whitespace', () => {
    expect(normalizeEmail(' John_Smith@Gmail.com ')).toBe('john_smith@gmail.com');
  });

  it.each(BLANK_AND_DIGEST_CASES)('blank or digest %j → %j', (raw, want) => {
    expect(normalizeEmail(raw)).toBe(want);
  });

  it.each([
    ['JANE.DOE@EXAMPLE.COM', 'jane.doe@example.com'],
    ['\tjane.doe@example.com\r\n', 'jane.doe@example.com'],
    ['jane . doe @ example . com', 'jane.doe@example.com'],
    ['jane\u00a0doe@example.com', 'janedoe@example.com'],
    ['jane\u3000doe@example.com', 'janedoe@example.com'],
    ['jane+tag@example.co.uk', 'jane+tag@example.co.uk'],
    ['a@b.c', 'a@b.c'],
    ['"quoted"@example.com', '"quoted"@example.com'],
    ['J\u00d6RG@B\u00dcCHER.DE', 'j\u00f6rg@b\u00fccher.de'],
    ['\u7528\u6237@\u4f8b\u5b50.\u5e7f\u544a', '\u7528\u6237@\u4f8b\u5b50.\u5e7f\u544a'],
    ['user@xn--bcher-kva.de', 'user@xn--bcher-kva.de'],
  ])('%j → %j', (raw, want) => {
    expect(normalizeEmail(raw)).toBe(want);
  });

  it.each([
    'jane.doe',
    'jane.doe@',
    '@example.com',
    ' @example.com',
    'jane@@example.com',
    'jane@doe@example.com',
    'jane@localhost',
    'jane@.com',
    'jane@example.',
    'jane@example..com',
    'jane@.',
    '@',
    'no at sign.com',
  ])('invalid %j → undefined', (raw) => {
    expect(normalizeEmail(raw)).toBeUndefined();
  });

  it('composes NFD input: the NFD and NFC spellings normalise alike', () => {
    const nfc = normalizeEmail('J\u00f6rg@M\u00fcller.de');
    expect(nfc).toBe('j\u00f6rg@m\u00fcller.de');
    expect(normalizeEmail('Jo\u0308rg@Mu\u0308ller.de')).toBe(nfc);
  });

  it('composes a combining mark that whitespace removal brings next to its letter', () => {
    expect(normalizeEmail('jane\u00e9 \u0301@example.com')).toBe(normalizeEmail('jane\u00e9\u0301@example.com'));
    expect(normalizeEmail('a \u0301@example.com')).toBe('\u00e1@example.com');
  });

  it('properties: never throws, idempotent, NFC, hashes to 64 lowercase hex', () => {
    checkPersonalProperties(normalizeEmail);
    checkPersonalProperties(normalizeEmail, stringOf([...'aAbZ.@-_+ \t\u00a0\u0301\u00e9\u00c9\u0130\u03a3', '@x.com']));
  });

  it('output has exactly one @, no whitespace, a dotted domain, and is lowercase', () => {
    fc.assert(
      fc.property(anyString, (raw) => {
        const out = normalizeEmail(raw);
        if (out === undefined || /^[0-9a-f]{64}$/.test(out)) return;
        expect(out.split('@')).toHaveLength(2);
        expect(out).not.toMatch(/\s/u);
        expect(out).toBe(out.toLowerCase());
        expect(out.indexOf('@')).toBeGreaterThan(0);
        expect(out.slice(out.indexOf('@') + 1)).toMatch(/^[^.]+(\.[^.]+)+$/u);
      }),
    );
  });

  it('a well-formed address with any case and padding normalises to its lowercase form', () => {
    const part = fc.string({ unit: fc.constantFrom(...'abcXYZ019_-+'), minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(part, part, part, padding, padding, (local, domain, tld, before, after) => {
        const address = `${local}@${domain}.${tld}`;
        expect(normalizeEmail(before + address + after)).toBe(address.toLowerCase());
      }),
    );
  });
});
