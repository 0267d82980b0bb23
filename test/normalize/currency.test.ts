import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeCurrency } from '../../src/normalize/currency.js';
import { anyString, stringOf } from './arbitraries.js';

describe('normalizeCurrency', () => {
  it.each([
    ['usd', 'USD'], // PRODUCT §3 example
    ['USD', 'USD'],
    [' eur ', 'EUR'],
    ['Gbp', 'GBP'],
    ['jpy', 'JPY'],
    ['\tCHF\n', 'CHF'],
    ['cad', 'CAD'],
  ])('%j → %j', (raw, want) => {
    expect(normalizeCurrency(raw)).toBe(want);
  });

  it.each([
    'XXX', // "no currency"
    'xxx',
    'XTS', // "testing"
    'xts',
    '',
    '   ',
    'US',
    'USDD',
    'U SD',
    'US$',
    '$',
    '\u20ac',
    'dollar',
    'US Dollar',
    'ZZZ',
    '840',
    'U.S.D.',
    '86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d',
  ])('%j → undefined', (raw) => {
    expect(normalizeCurrency(raw)).toBeUndefined();
  });

  it('never throws; output is three uppercase letters, idempotent, never XXX/XTS', () => {
    fc.assert(
      fc.property(fc.oneof(anyString, stringOf([...'usdeurgbpXTSxt ', 'usd', 'eur'], 6)), (raw) => {
        const out = normalizeCurrency(raw);
        if (out === undefined) return;
        expect(out).toMatch(/^[A-Z]{3}$/);
        expect(out).not.toBe('XXX');
        expect(out).not.toBe('XTS');
        expect(normalizeCurrency(out)).toBe(out);
        expect(normalizeCurrency(out.toLowerCase())).toBe(out);
      }),
    );
  });
});
