import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeBirthdate } from '../../src/normalize/birthdate.js';
import { normalizeCountry } from '../../src/normalize/country.js';
import { normalizeEmail } from '../../src/normalize/email.js';
import { normalizeGender } from '../../src/normalize/gender.js';
import { hashNormalized, sha256Hex } from '../../src/normalize/hash.js';
import { normalizeCity, normalizeName } from '../../src/normalize/names.js';
import { normalizePhone } from '../../src/normalize/phone.js';
import { normalizePostal } from '../../src/normalize/postal.js';
import { normalizeState } from '../../src/normalize/state.js';
import { LOWER_HEX_64, anyString, hexDigest } from './arbitraries.js';

// REFERENCE.md §6, "Test vectors (sha256 hex of the normalised value)".
const VECTORS: ReadonlyArray<readonly [string, string]> = [
  ['jane.doe@example.com', '86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d'],
  ['15551234567', 'd6736136ea896c1bfdc553e0e86e702c70d060d805696ca3e4e9e0961353860a'],
  ['jane', '81f8f6dde88365f3928796ec7aa53f72820b06db8664f5fe76a7eb13e24546a2'],
  ['doe', '799ef92a11af918e3fb741df42934f3b568ed2d93ac1df74f1b8d41a27932a6f'],
  ['f', '252f10c83610ebca1a059c0bae8255eba2f95be4d1d7bcfa89d7248a82d9f111'],
  ['19800115', '63bc378e17fad09e905df38a6bd8a6d00ea60037c6168ad55cc2d69c2f0b78a0'],
  ['sanfrancisco', '1a6bd4d9d79dc0a79b53795c70d3349fa9e38968a3fbefbfe8783efb1d2b6aac'],
  ['ca', '6959097001d10501ac7d54c0bdb8db61420f658f2922cc26e46d536119a31126'],
  ['94103', '91dc2519ea98c5002cf2091e6a12b772eafdce9dca618e626d7d3b8275361789'],
  ['us', '79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621'],
];

describe('sha256Hex', () => {
  it.each(VECTORS)('sha256(%j) is the REFERENCE §6 vector', (input, digest) => {
    expect(sha256Hex(input)).toBe(digest);
  });

  it('hashes the empty string to the well-known digest (which is never sent)', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('hashes the UTF-8 bytes of non-ASCII text', () => {
    expect(sha256Hex('s\u00e3opaulo')).toBe(createHash('sha256').update(Buffer.from('s\u00e3opaulo', 'utf8')).digest('hex'));
    expect(sha256Hex('s\u00e3opaulo')).not.toBe(sha256Hex('sa\u0303opaulo'));
  });

  it('agrees with createHash on any string and is 64 lowercase hex', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const digest = sha256Hex(s);
        expect(digest).toMatch(LOWER_HEX_64);
        expect(digest).toBe(createHash('sha256').update(s, 'utf8').digest('hex'));
      }),
    );
  });
});

describe('hashNormalized', () => {
  it.each(VECTORS)('hashNormalized(%j) is the REFERENCE §6 vector', (input, digest) => {
    expect(hashNormalized(input)).toBe(digest);
  });

  it('never hashes a digest twice', () => {
    for (const [, digest] of VECTORS) expect(hashNormalized(digest)).toBe(digest);
    fc.assert(
      fc.property(hexDigest, (hex) => {
        const lower = hex.toLowerCase();
        expect(hashNormalized(lower)).toBe(lower);
      }),
    );
  });

  it('hashes a 63- or 65-character hex string (not a digest)', () => {
    const digest = VECTORS[0]![1];
    expect(hashNormalized(digest.slice(1))).toBe(sha256Hex(digest.slice(1)));
    expect(hashNormalized(`${digest}a`)).toBe(sha256Hex(`${digest}a`));
  });

  it('is 64 lowercase hex for any string', () => {
    fc.assert(fc.property(anyString, (s) => LOWER_HEX_64.test(hashNormalized(s.toLowerCase()))));
  });
});

describe('raw values through their normaliser to the REFERENCE §6 vectors', () => {
  const vector = new Map(VECTORS);
  it.each([
    ['email', () => normalizeEmail(' Jane.Doe@Example.COM '), 'jane.doe@example.com'],
    ['phone', () => normalizePhone('+1 (555) 123-4567', 'US'), '15551234567'],
    ['phone, national', () => normalizePhone('(555) 123-4567', 'US'), '15551234567'],
    ['given name', () => normalizeName(' Jane '), 'jane'],
    ['surname', () => normalizeName('DOE'), 'doe'],
    ['gender', () => normalizeGender('Female'), 'f'],
    ['birthdate', () => normalizeBirthdate('1980-01-15', '20250601'), '19800115'],
    ['city', () => normalizeCity('San Francisco'), 'sanfrancisco'],
    ['state', () => normalizeState('California'), 'ca'],
    ['postal', () => normalizePostal('94103-1234', 'us'), '94103'],
    ['country', () => normalizeCountry('United States'), 'us'],
  ] as const)('%s', (_field, run, normalised) => {
    const out = run();
    expect(out).toBe(normalised);
    expect(hashNormalized(out!)).toBe(vector.get(normalised));
  });
});
