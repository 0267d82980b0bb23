import { cleanText } from './text.js';

/** An exact decimal: `units / 10^scale`. Money never goes through a float. */
export interface Decimal {
  units: bigint;
  scale: number;
}

export type DecimalResult = { ok: true; value: Decimal } | { ok: false; reason: 'invalid' | 'negative' };

// Plain digits, or digits grouped by "," thousands separators, with an optional "." fraction.
const PLAIN = /^(\d*)(?:\.(\d+))?$/;
const GROUPED = /^(\d{1,3}(?:,\d{3})+)(?:\.(\d+))?$/;
// JSON numbers may come as 1e21 or 1.5e-7 from String(number).
const EXPONENT = /^(\d+)(?:\.(\d+))?e([+-]?\d+)$/i;
const CURRENCY_SYMBOL = /^\p{Sc}\s*/u;
const MAX_DIGITS = 40;

function fromParts(intPart: string, fraction: string): DecimalResult {
  if (intPart === '' && fraction === '') return { ok: false, reason: 'invalid' };
  if (intPart.length + fraction.length > MAX_DIGITS) return { ok: false, reason: 'invalid' };
  return { ok: true, value: { units: BigInt((intPart || '0') + fraction), scale: fraction.length } };
}

/**
 * Parses a money amount: `$1,234.50`, `19.99`, `.5`. A decimal comma (`12,34`), an exponent in text,
 * or a non-number is invalid; a negative amount is reported apart.
 */
export function parseDecimal(raw: string | number): DecimalResult {
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) return { ok: false, reason: 'invalid' };
    if (raw < 0) return { ok: false, reason: 'negative' };
    const text = String(raw); // the shortest decimal that round-trips: 19.99 stays 19.99
    const exp = EXPONENT.exec(text);
    if (exp) {
      const [, i = '', f = '', e = '0'] = exp;
      const shift = Number(e) - f.length;
      const units = BigInt(i + f);
      return shift >= 0
        ? { ok: true, value: { units: units * 10n ** BigInt(shift), scale: 0 } }
        : { ok: true, value: { units, scale: -shift } };
    }
    return parseDecimal(text);
  }
  let text = cleanText(raw);
  let negative = false;
  if (text.startsWith('-')) {
    negative = true;
    text = text.slice(1).trimStart();
  }
  text = text.replace(CURRENCY_SYMBOL, '');
  if (text.startsWith('-')) {
    negative = true;
    text = text.slice(1).trimStart();
  }
  const match = PLAIN.exec(text) ?? GROUPED.exec(text);
  if (!match) return { ok: false, reason: 'invalid' };
  const parsed = fromParts((match[1] ?? '').replace(/,/g, ''), match[2] ?? '');
  if (parsed.ok && negative && parsed.value.units !== 0n) return { ok: false, reason: 'negative' };
  return parsed;
}

export type AmountResult = { ok: true; text: string } | { ok: false; reason: 'invalid' | 'negative' };

/**
 * The canonical text of an amount, formatDecimal(parseDecimal(raw)). Plain digits with an optional
 * fraction ("140.88", "0050.10"), most warehouse amounts, are read without a regular expression or a
 * BigInt; anything else goes through parseDecimal.
 */
export function amountText(raw: string | number): AmountResult {
  if (typeof raw === 'string') {
    const plain = plainAmountText(raw);
    if (plain !== undefined) return { ok: true, text: plain };
  }
  const parsed = parseDecimal(raw);
  return parsed.ok ? { ok: true, text: formatDecimal(parsed.value) } : parsed;
}

/** The canonical text of ASCII digits with at most one "." followed by a digit; undefined for anything else. */
function plainAmountText(raw: string): string | undefined {
  const length = raw.length;
  let dot = -1;
  for (let i = 0; i < length; i++) {
    const code = raw.charCodeAt(i);
    if (code === 0x2e && dot < 0) dot = i;
    else if (code < 0x30 || code > 0x39) return undefined;
  }
  const digits = dot < 0 ? length : length - 1;
  if (digits === 0 || digits > MAX_DIGITS || dot === length - 1) return undefined;
  const intEnd = dot < 0 ? length : dot;
  let intStart = 0;
  while (intStart < intEnd && raw.charCodeAt(intStart) === 0x30) intStart++;
  let fracEnd = length;
  if (dot >= 0) while (fracEnd > dot + 1 && raw.charCodeAt(fracEnd - 1) === 0x30) fracEnd--;
  const whole = intStart === intEnd ? '0' : raw.slice(intStart, intEnd);
  return dot >= 0 && fracEnd > dot + 1 ? `${whole}.${raw.slice(dot + 1, fracEnd)}` : whole;
}

export const ZERO: Decimal = { units: 0n, scale: 0 };

function rescale(d: Decimal, scale: number): bigint {
  return d.units * 10n ** BigInt(scale - d.scale);
}

export function addDecimal(a: Decimal, b: Decimal): Decimal {
  const scale = Math.max(a.scale, b.scale);
  return { units: rescale(a, scale) + rescale(b, scale), scale };
}

export function multiplyDecimal(a: Decimal, factor: number): Decimal {
  return { units: a.units * BigInt(factor), scale: a.scale };
}

/** Canonical text: no exponent, no sign, no trailing fractional zeros (`10.00` → `10`, `59.970` → `59.97`). */
export function formatDecimal(d: Decimal): string {
  let units = d.units;
  let scale = d.scale;
  while (scale > 0 && units % 10n === 0n) {
    units /= 10n;
    scale -= 1;
  }
  const digits = units.toString();
  if (scale === 0) return digits;
  const padded = digits.padStart(scale + 1, '0');
  return `${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
}

/** Parses canonical text produced by formatDecimal (no sign, no separators). */
export function decimalFromCanonical(text: string): Decimal {
  const dot = text.indexOf('.');
  if (dot < 0) return { units: BigInt(text), scale: 0 };
  return { units: BigInt(text.slice(0, dot) + text.slice(dot + 1)), scale: text.length - dot - 1 };
}

export type QuantityResult = { ok: true; value: number } | { ok: false };

/** A non-negative integer; `3.0` (a float column) is accepted as 3. */
export function parseQuantity(raw: string | number): QuantityResult {
  if (typeof raw === 'number') {
    return Number.isSafeInteger(raw) && raw >= 0 ? { ok: true, value: raw } : { ok: false };
  }
  // Plain digits, the usual case, are read without a regular expression.
  if (raw.length > 0 && raw.length <= 15) {
    let digits = true;
    for (let i = 0; i < raw.length && digits; i++) digits = raw.charCodeAt(i) >= 0x30 && raw.charCodeAt(i) <= 0x39;
    if (digits) return { ok: true, value: Number(raw) };
  }
  const match = /^(\d{1,15})(?:\.0*)?$/.exec(cleanText(raw));
  return match ? { ok: true, value: Number(match[1]) } : { ok: false };
}
