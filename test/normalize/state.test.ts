import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeState } from '../../src/normalize/state.js';
import { BLANK_AND_DIGEST_CASES, LOWER_HEX_64, anyString, checkPersonalProperties, stringOf } from './arbitraries.js';

describe('normalizeState', () => {
  it.each([
    // PRODUCT §3 examples
    ['California', 'ca'],
    ['N.Y.', 'ny'],
    // codes, any case and punctuation
    ['CA', 'ca'],
    ['ca', 'ca'],
    [' ny ', 'ny'],
    ['N Y', 'ny'],
    ['n.y', 'ny'],
    ['T.X.', 'tx'],
    ['BY', 'by'], // any country's region code (Bavaria)
    ['QC', 'qc'],
    // names
    ['CALIFORNIA', 'ca'],
    ['new york', 'ny'],
    ['New-York', 'ny'],
    ['  New   York ', 'ny'],
    ['Texas', 'tx'],
    ['District of Columbia', 'dc'],
    ['Washington', 'wa'],
    ['West Virginia', 'wv'],
    ['Rhode Island', 'ri'],
    ['Puerto Rico', 'pr'],
    ['U.S. Virgin Islands', 'vi'],
    ['Ontario', 'on'],
    ['British Columbia', 'bc'],
    ['Newfoundland and Labrador', 'nl'],
    ['Quebec', 'qc'],
    ['Qu\u00e9bec', 'qc'],
    ['QU\u00c9BEC', 'qc'],
    ['Que\u0301bec', 'qc'], // NFD
    ['Prince Edward Island', 'pe'],
    ['Yukon', 'yt'],
  ])('%j → %j', (raw, want) => {
    expect(normalizeState(raw)).toBe(want);
  });

  it.each([
    'Tex.', // PRODUCT §3 example: never truncated
    'Calif.',
    'Mass.',
    'Penn',
    'Bavaria',
    'N.Y.C.',
    'NYC',
    'C',
    '12',
    'C1',
    '\u00f1y',
    '\u0416\u041a',
    'New Yorkshire',
    '.',
    '--',
    // Object.prototype keys must not be found through the name table
    'constructor',
    'Constructor',
    '__proto__',
    'toString',
    'hasOwnProperty',
    'valueOf',
  ])('%j → undefined', (raw) => {
    expect(normalizeState(raw)).toBeUndefined();
  });

  it.each(BLANK_AND_DIGEST_CASES)('blank or digest %j → %j', (raw, want) => {
    expect(normalizeState(raw)).toBe(want);
  });

  it('properties: never throws, idempotent, NFC, hashes to 64 lowercase hex', () => {
    checkPersonalProperties(normalizeState);
    checkPersonalProperties(normalizeState, stringOf(['n', 'Y', 'c', 'A', '.', ' ', 'new', 'york', 'constructor', 'proto', '_', '\u00e9', '\u0301']));
  });

  it('output is two lowercase ASCII letters or a digest, always a string', () => {
    fc.assert(
      fc.property(fc.oneof(anyString, stringOf(['constructor', 'Constructor', ' ', '.', 'tostring', 'valueof', 'a', 'B'])), (raw) => {
        const out = normalizeState(raw);
        if (out === undefined) return;
        expect(typeof out).toBe('string');
        expect(/^[a-z]{2}$/.test(out) || LOWER_HEX_64.test(out)).toBe(true);
      }),
    );
  });
});
