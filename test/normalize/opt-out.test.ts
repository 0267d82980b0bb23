import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeOptOutType, parseOptOut } from '../../src/normalize/opt-out.js';
import { anyString } from './arbitraries.js';

describe('parseOptOut', () => {
  it.each(['true', 'TRUE', 'True', '1', 'yes', 'YES', 'Yes', 'y', 'Y', 't', 'T', ' true ', '\ttrue\n'])('%j → true', (raw) => {
    expect(parseOptOut(raw)).toBe(true);
  });

  it.each(['false', 'FALSE', 'False', '0', 'no', 'NO', 'No', 'n', 'N', 'f', 'F', ' no '])('%j → false', (raw) => {
    expect(parseOptOut(raw)).toBe(false);
  });

  it.each(['', ' ', 'maybe', '2', '-1', '01', '1.0', 'yes!', 'ye s', 'on', 'off', 'null', 'ldp', 'true false'])('%j → undefined', (raw) => {
    expect(parseOptOut(raw)).toBeUndefined();
  });

  it('never throws and only knows the listed words', () => {
    const words = new Set(['true', '1', 'yes', 'y', 't', 'false', '0', 'no', 'n', 'f']);
    fc.assert(
      fc.property(anyString, (raw) => {
        const out = parseOptOut(raw);
        expect(out === undefined).toBe(!words.has(raw.normalize('NFC').trim().toLowerCase()));
      }),
    );
  });
});

describe('normalizeOptOutType', () => {
  it.each([
    ['ldp', 'LDP'],
    ['LDP', 'LDP'],
    [' Ldp ', 'LDP'],
    ['ldp, other', 'LDP,OTHER'],
    ['l d p', 'LDP'],
  ])('%j → %j', (raw, want) => {
    expect(normalizeOptOutType(raw)).toBe(want);
  });

  it.each(['', ' ', '\t\n'])('%j → undefined', (raw) => {
    expect(normalizeOptOutType(raw)).toBeUndefined();
  });

  it('never throws; output is uppercase, without whitespace, and idempotent', () => {
    fc.assert(
      fc.property(anyString, (raw) => {
        const out = normalizeOptOutType(raw);
        if (out === undefined) return;
        expect(out).not.toBe('');
        expect(out).not.toMatch(/\s/u);
        expect(out).toBe(out.toUpperCase());
        expect(normalizeOptOutType(out)).toBe(out);
      }),
    );
  });
});
