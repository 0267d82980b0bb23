import { createRequire } from 'node:module';
import type { CountryCode } from 'libphonenumber-js';
import { personal } from './text.js';

type PhoneLib = typeof import('libphonenumber-js');
const require = createRequire(import.meta.url);
let lib: PhoneLib | undefined;

/**
 * libphonenumber, loaded at its first use: the upload CSV's default columns never need it, and
 * loading it took every thread 45 ms (its CommonJS build; 65 ms as an ES module) before the first row.
 */
function phoneLib(): PhoneLib {
  return (lib ??= require('libphonenumber-js') as PhoneLib);
}

// Everything from an extension marker on is cut: "ext. 12", "x12", "#12".
const EXTENSION = /(?:ext(?:ension|n)?\.?|x|#).*$/iu;
const LETTER = /\p{L}/u;
const NON_DIGITS = /\D+/g;
const LEADING_ZEROS = /^0+/;
const TRUNK_ZERO_IN_PARENS = /\(\s*0\s*\)/g;
const NANP = new Set(['US', 'CA', 'AG', 'AI', 'AS', 'BB', 'BM', 'BS', 'DM', 'DO', 'GD', 'GU', 'JM', 'KN', 'KY', 'LC', 'MP', 'MS', 'PR', 'SX', 'TC', 'TT', 'VC', 'VG', 'VI']);
const MIN_DIGITS = 7;
const MAX_DIGITS = 15;

const nationalMaxLength = new Map<string, number>();
function maxNationalLength(country: CountryCode): number {
  let max = nationalMaxLength.get(country);
  if (max === undefined) {
    const metadata = new (phoneLib().Metadata)();
    metadata.selectNumberingPlan(country);
    max = Math.max(...(metadata.numberingPlan?.possibleLengths() ?? [10]));
    nationalMaxLength.set(country, max);
  }
  return max;
}

/** ISO alpha-2 (any case) to a country libphonenumber knows, or undefined. */
export function phoneCountry(code: string | undefined): CountryCode | undefined {
  if (!code) return undefined;
  const upper = code.toUpperCase();
  return phoneLib().isSupportedCountry(upper) ? (upper as CountryCode) : undefined;
}

function withinLength(digits: string): string | undefined {
  return digits.length >= MIN_DIGITS && digits.length <= MAX_DIGITS ? digits : undefined;
}

function nationalRule(text: string, country: CountryCode): string | undefined {
  const digits = text.replace(NON_DIGITS, '');
  if (digits === '') return undefined;
  // Fast path for North American numbering: the result is what libphonenumber gives for these shapes
  // (checked by test/normalize/phone.test.ts), at a fraction of its cost per row.
  if (NANP.has(country)) {
    const first = digits.charCodeAt(0);
    if (digits.length === 10 && first >= 0x32) return '1' + digits;
    if (digits.length === 11 && first === 0x31 && digits.charCodeAt(1) >= 0x32) return digits;
  }
  const parsed = phoneLib().parsePhoneNumberFromString(text, country);
  if (parsed) {
    const national = parsed.isValid() ? parsed.nationalNumber : parsed.nationalNumber.replace(LEADING_ZEROS, '');
    return withinLength(parsed.countryCallingCode + national);
  }
  // The library gave nothing: drop leading zeros, prefix the calling code unless it is already there
  // on a number longer than a national one.
  const code = phoneLib().getCountryCallingCode(country);
  const bare = digits.replace(LEADING_ZEROS, '');
  if (bare.startsWith(code) && bare.length > maxNationalLength(country)) return withinLength(bare);
  return withinLength(code + bare);
}

function phoneRule(clean: string, country: CountryCode): string | undefined {
  const text = clean.replace(EXTENSION, '').trim();
  if (text === '' || LETTER.test(text)) return undefined;
  if (text.startsWith('+') || text.startsWith('00')) {
    // International: digits only, the "(0)" trunk hint and every leading zero of the prefix dropped.
    const digits = text.replace(TRUNK_ZERO_IN_PARENS, '').replace(NON_DIGITS, '').replace(LEADING_ZEROS, '');
    return withinLength(digits);
  }
  return nationalRule(text, country);
}

/**
 * Digits only, with the country calling code, 7 to 15 digits. `country` is the row's country
 * or the default country (ISO alpha-2); national numbers are read with its rules.
 */
export function normalizePhone(raw: string, country: CountryCode): string | undefined {
  return personal(raw, (clean) => phoneRule(clean, country));
}
