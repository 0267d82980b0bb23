import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ZERO,
  addDecimal,
  amountText,
  decimalFromCanonical,
  formatDecimal,
  multiplyDecimal,
  parseDecimal,
  parseQuantity,
  type Decimal,
} from '../../src/normalize/decimal.js';
import { anyString, stringOf } from './arbitraries.js';

/** Canonical text of a parse that must succeed. */
function canonical(raw: string | number): string {
  const result = parseDecimal(raw);
  if (!result.ok) throw new Error(`${JSON.stringify(raw)} did not parse: ${result.reason}`);
  return formatDecimal(result.value);
}

const decimal: fc.Arbitrary<Decimal> = fc.record({
  units: fc.bigInt({ min: 0n, max: 10n ** 28n }),
  scale: fc.integer({ min: 0, max: 10 }),
});

/** The exact value of `d` times 10^20, as a BigInt (scale ≤ 20). */
const fixed = (d: Decimal): bigint => d.units * 10n ** BigInt(20 - d.scale);

describe('parseDecimal + formatDecimal: PRODUCT §3 examples', () => {
  it('$1,234.50 → 1234.5', () => {
    const result = parseDecimal('$1,234.50');
    expect(result).toEqual({ ok: true, value: { units: 123450n, scale: 2 } });
    expect(canonical('$1,234.50')).toBe('1234.5');
  });
  it('12,34 (a decimal comma) is invalid', () => expect(parseDecimal('12,34')).toEqual({ ok: false, reason: 'invalid' }));
  it('a negative is reported as negative', () => expect(parseDecimal('-5')).toEqual({ ok: false, reason: 'negative' }));
  it('10.00 → "10"', () => expect(canonical('10.00')).toBe('10'));
  it('59.970 → "59.97"', () => expect(canonical('59.970')).toBe('59.97'));
  it('19.99 × 3 = "59.97" exactly, from text and from a JSON number', () => {
    for (const raw of ['19.99', 19.99]) {
      const price = parseDecimal(raw);
      if (!price.ok) throw new Error('19.99 must parse');
      expect(formatDecimal(multiplyDecimal(price.value, 3))).toBe('59.97');
    }
    expect(0.1 + 0.2).not.toBe(0.3); // why floats are not used
  });
  it('NDJSON numbers are read as the shortest decimal JSON gives (19.99 stays 19.99)', () => {
    expect(canonical(JSON.parse('19.99') as number)).toBe('19.99');
    expect(canonical(JSON.parse('0.1') as number)).toBe('0.1');
  });
});

describe('parseDecimal', () => {
  it.each([
    ['0', '0'],
    ['0.00', '0'],
    ['-0', '0'],
    ['-0.00', '0'],
    ['19.99', '19.99'],
    ['  19.99  ', '19.99'],
    ['.5', '0.5'],
    ['0.5', '0.5'],
    ['007', '7'],
    ['007.50', '7.5'],
    ['1,234', '1234'],
    ['1,234,567.891', '1234567.891'],
    ['12,345', '12345'],
    ['$19.99', '19.99'],
    ['$ 19.99', '19.99'],
    ['\u20ac19.99', '19.99'],
    ['\u00a31,000', '1000'],
    ['\u00a5500', '500'],
    ['1000000000000000000000000.000001', '1000000000000000000000000.000001'],
    ['0.000000000000000000000000001', '0.000000000000000000000000001'],
  ])('%j → %j', (raw, want) => {
    expect(canonical(raw)).toBe(want);
  });

  it.each([
    '',
    '   ',
    'abc',
    '12,34',
    '1,23',
    '1,2345',
    '1,234,56',
    ',123',
    '1,,234',
    '1.234,56',
    '1 234',
    '12.34.56',
    '.',
    '5.',
    '$',
    '1e3',
    '1E-2',
    '+5',
    '0x10',
    'NaN',
    'Infinity',
    '19.99 USD',
    '19.99$',
    'USD 19.99',
    '$$5',
    '\u0661\u0662',
    '\uff11\uff12',
    '1'.repeat(41),
  ])('invalid %j', (raw) => {
    expect(parseDecimal(raw)).toEqual({ ok: false, reason: 'invalid' });
  });

  // '--5' counts as negative too: a minus is read before and after the currency symbol.
  it.each(['-5', '-0.01', '- 5', '-$5', '$-5', '-$1,234.50', '\u20ac-3', '--5'])('negative %j', (raw) => {
    expect(parseDecimal(raw)).toEqual({ ok: false, reason: 'negative' });
  });

  it.each([
    [0, '0'],
    [-0, '0'],
    [10, '10'],
    [19.99, '19.99'],
    [0.1, '0.1'],
    [1e21, '1000000000000000000000'],
    [1.5e-7, '0.00000015'],
    [123456789.125, '123456789.125'],
    [Number.MAX_SAFE_INTEGER, '9007199254740991'],
  ])('number %d → %j', (raw, want) => {
    expect(canonical(raw)).toBe(want);
  });

  it.each([
    [-1, 'negative'],
    [-0.01, 'negative'],
    [Number.NaN, 'invalid'],
    [Number.POSITIVE_INFINITY, 'invalid'],
    [Number.NEGATIVE_INFINITY, 'invalid'],
  ] as const)('number %d → %s', (raw, reason) => {
    expect(parseDecimal(raw)).toEqual({ ok: false, reason });
  });
});

describe('formatDecimal and decimalFromCanonical', () => {
  it.each([
    [{ units: 1000n, scale: 2 }, '10'],
    [{ units: 59970n, scale: 3 }, '59.97'],
    [{ units: 5n, scale: 3 }, '0.005'],
    [{ units: 0n, scale: 5 }, '0'],
    [{ units: 120n, scale: 0 }, '120'],
    [ZERO, '0'],
  ])('%o → %j', (d, want) => {
    expect(formatDecimal(d)).toBe(want);
  });

  it('canonical text has no exponent, sign or trailing fractional zeros', () => {
    fc.assert(
      fc.property(decimal, (d) => {
        expect(formatDecimal(d)).toMatch(/^(0|[1-9]\d*)(\.\d*[1-9])?$/);
      }),
    );
  });

  it('formatDecimal(parseDecimal(formatDecimal(d))) round-trips', () => {
    fc.assert(
      fc.property(decimal, (d) => {
        const text = formatDecimal(d);
        expect(canonical(text)).toBe(text);
        expect(fixed(decimalFromCanonical(text))).toBe(fixed(d));
        expect(formatDecimal(decimalFromCanonical(text))).toBe(text);
      }),
    );
  });

  it('thousands separators and a currency symbol read as the same amount', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 6 }), fc.constantFrom('$', '\u20ac', '\u00a3', ''), (int, fraction, symbol) => {
        const grouped = int.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
        const text = fraction === '' ? `${int}` : `${int}.${fraction}`;
        const withSymbol = `${symbol}${fraction === '' ? grouped : `${grouped}.${fraction}`}`;
        expect(canonical(withSymbol)).toBe(canonical(text));
      }),
    );
  });

  it('a JSON number reads as the decimal that String(number) shows', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }), (n) => {
        expect(Number(canonical(n))).toBe(n);
      }),
    );
  });
});

describe('addDecimal and multiplyDecimal are exact', () => {
  it('0.1 + 0.2 = 0.3', () => {
    const a = parseDecimal('0.1');
    const b = parseDecimal('0.2');
    if (!a.ok || !b.ok) throw new Error('must parse');
    expect(formatDecimal(addDecimal(a.value, b.value))).toBe('0.3');
    expect(formatDecimal(addDecimal(ZERO, a.value))).toBe('0.1');
  });

  it('addition agrees with BigInt arithmetic', () => {
    fc.assert(
      fc.property(decimal, decimal, (a, b) => {
        const sum = addDecimal(a, b);
        expect(fixed(sum)).toBe(fixed(a) + fixed(b));
        expect(formatDecimal(sum)).toBe(formatDecimal(addDecimal(b, a)));
      }),
    );
  });

  it('addition is associative and ZERO is neutral', () => {
    fc.assert(
      fc.property(decimal, decimal, decimal, (a, b, c) => {
        expect(formatDecimal(addDecimal(addDecimal(a, b), c))).toBe(formatDecimal(addDecimal(a, addDecimal(b, c))));
        expect(formatDecimal(addDecimal(a, ZERO))).toBe(formatDecimal(a));
      }),
    );
  });

  it('multiplication by a quantity agrees with BigInt arithmetic and with repeated addition', () => {
    fc.assert(
      fc.property(decimal, fc.integer({ min: 0, max: 50 }), (a, q) => {
        const product = multiplyDecimal(a, q);
        expect(fixed(product)).toBe(fixed(a) * BigInt(q));
        let sum = ZERO;
        for (let i = 0; i < q; i++) sum = addDecimal(sum, a);
        expect(formatDecimal(product)).toBe(formatDecimal(sum));
      }),
    );
  });
});

describe('parseDecimal never throws', () => {
  it('on any string or number', () => {
    fc.assert(
      fc.property(fc.oneof(anyString, stringOf([...'0123456789', ',', '.', '-', '+', '$', '\u20ac', ' ', 'e', 'E'])), (raw) => {
        const result = parseDecimal(raw);
        if (result.ok) {
          expect(result.value.units >= 0n).toBe(true);
          expect(canonical(formatDecimal(result.value))).toBe(formatDecimal(result.value));
        } else {
          expect(['invalid', 'negative']).toContain(result.reason);
        }
      }),
    );
    fc.assert(fc.property(fc.double(), (n) => { parseDecimal(n); }));
  });
});

describe('parseQuantity', () => {
  it.each([
    ['3', 3],
    [' 3 ', 3],
    ['0', 0],
    ['007', 7],
    ['3.0', 3],
    ['3.00', 3],
    ['3.', 3],
    ['999999999999999', 999999999999999],
    [3, 3],
    [0, 0],
  ] as const)('%j → %d', (raw, want) => {
    expect(parseQuantity(raw)).toEqual({ ok: true, value: want });
  });

  it.each(['', ' ', '-1', '1.5', '3.01', 'abc', '1,000', '1e3', '+3', '0x3', '1000000000000000', -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])(
    'invalid %j',
    (raw) => {
      expect(parseQuantity(raw)).toEqual({ ok: false });
    },
  );

  it('never throws; every non-negative safe integer reads back', () => {
    fc.assert(fc.property(anyString, (raw) => { parseQuantity(raw); }));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999_999_999_999_999 }), (n) => {
        expect(parseQuantity(String(n))).toEqual({ ok: true, value: n });
        expect(parseQuantity(n)).toEqual({ ok: true, value: n });
      }),
    );
  });
});

describe('amountText', () => {
  /** formatDecimal(parseDecimal(raw)), the long way the fast path must agree with. */
  function reference(raw: string | number): ReturnType<typeof amountText> {
    const parsed = parseDecimal(raw);
    return parsed.ok ? { ok: true, text: formatDecimal(parsed.value) } : parsed;
  }

  it.each([
    ['140.88', '140.88'],
    ['0050.10', '50.1'],
    ['.5', '0.5'],
    ['0.00', '0'],
    ['000', '0'],
    ['10.00', '10'],
    ['0.05', '0.05'],
    ['1'.repeat(40), '1'.repeat(40)],
  ])('%j → %j', (raw, want) => {
    expect(amountText(raw)).toEqual({ ok: true, text: want });
  });

  it.each(['', '.', '5.', '1.2.3', '1'.repeat(41), '-5', ' 5'])('%j reads as parseDecimal does', (raw) => {
    expect(amountText(raw)).toEqual(reference(raw));
  });

  it('agrees with formatDecimal(parseDecimal(...)) on any text and number', () => {
    fc.assert(fc.property(stringOf(['0', '1', '9', '.', ',', '-', ' ', '$', 'e', '\u0660'], 44), (raw) => {
      expect(amountText(raw)).toEqual(reference(raw));
    }), { numRuns: 3000 });
    fc.assert(fc.property(anyString, (raw) => {
      expect(amountText(raw)).toEqual(reference(raw));
    }));
    fc.assert(fc.property(fc.double({ noNaN: true }), (n) => {
      expect(amountText(n)).toEqual(reference(n));
    }));
  });
});

describe('parseQuantity fast path', () => {
  it('agrees with the pattern it replaces on any text', () => {
    const reference = (raw: string): ReturnType<typeof parseQuantity> => {
      const match = /^(\d{1,15})(?:\.0*)?$/.exec(raw.normalize('NFC').trim());
      return match ? { ok: true, value: Number(match[1]) } : { ok: false };
    };
    fc.assert(fc.property(stringOf(['0', '1', '7', '9', '.', ' ', '-', '\u0660'], 18), (raw) => {
      expect(parseQuantity(raw)).toEqual(reference(raw));
    }), { numRuns: 3000 });
  });
});
