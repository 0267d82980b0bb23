import fc from 'fast-check';
import countries from 'i18n-iso-countries';
import { describe, expect, it } from 'vitest';
import { normalizeCountry } from '../../src/normalize/country.js';
import { BLANK_AND_DIGEST_CASES, LOWER_HEX_64, anyString, checkPersonalProperties, stringOf } from './arbitraries.js';

const ALPHA2 = Object.keys(countries.getAlpha2Codes());
const ALPHA3 = Object.entries(countries.getAlpha3Codes());

describe('normalizeCountry', () => {
  it.each([
    // PRODUCT §3 examples
    ['United States', 'us'],
    ['GBR', 'gb'],
    ['UK', 'gb'],
    // codes, any case
    ['US', 'us'],
    ['us', 'us'],
    [' gb ', 'gb'],
    ['USA', 'us'],
    ['usa', 'us'],
    ['DEU', 'de'],
    ['fra', 'fr'],
    ['XK', 'xk'],
    // aliases with punctuation
    ['U.S.', 'us'],
    ['U.S.A.', 'us'],
    ['u.k.', 'gb'],
    // English names
    ['united states of america', 'us'],
    ['UNITED STATES', 'us'],
    ['United Kingdom', 'gb'],
    ['Great Britain', 'gb'],
    ['Germany', 'de'],
    ['The Netherlands', 'nl'],
    ['Netherlands', 'nl'],
    ['South Korea', 'kr'],
    ['Republic of Korea', 'kr'],
    ['North Korea', 'kp'],
    ['Russia', 'ru'],
    ['Czechia', 'cz'],
    ['Czech Republic', 'cz'],
    ['Ivory Coast', 'ci'],
    ["Cote d'Ivoire", 'ci'],
    ["C\u00f4te d\u2019Ivoire", 'ci'],
    ["Co\u0302te d'Ivoire", 'ci'], // NFD
    ['T\u00fcrkiye', 'tr'],
    ['Turkey', 'tr'],
    ['Georgia', 'ge'],
    ['Canada', 'ca'],
    ['Mexico', 'mx'],
    ['Brazil', 'br'],
    ['Japan', 'jp'],
    ['India', 'in'],
  ])('%j → %j', (raw, want) => {
    expect(normalizeCountry(raw)).toBe(want);
  });

  it.each(['Narnia', 'ZZ', 'XXX', 'U', '12', '840', 'Deutschland', 'Estados Unidos', 'America', 'England', 'EU', 'constructor', '.', '--', '\u7f8e\u56fd'])(
    'unknown %j → undefined',
    (raw) => {
      expect(normalizeCountry(raw)).toBeUndefined();
    },
  );

  it.each(BLANK_AND_DIGEST_CASES)('blank or digest %j → %j', (raw, want) => {
    expect(normalizeCountry(raw)).toBe(want);
  });

  it('maps every ISO alpha-2 code to itself and every alpha-3 code to its alpha-2', () => {
    for (const code of ALPHA2) {
      expect(normalizeCountry(code)).toBe(code.toLowerCase());
      expect(normalizeCountry(code.toLowerCase())).toBe(code.toLowerCase());
    }
    for (const [alpha3, alpha2] of ALPHA3) expect(normalizeCountry(alpha3), alpha3).toBe(alpha2.toLowerCase());
  });

  it('maps every English name from Intl to its code', () => {
    const display = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
    for (const code of ALPHA2) {
      const name = display.of(code);
      if (name) expect(normalizeCountry(name), name).toBe(code.toLowerCase());
    }
  });

  it('properties: never throws, idempotent, NFC, hashes to 64 lowercase hex', () => {
    checkPersonalProperties(normalizeCountry);
    checkPersonalProperties(normalizeCountry, stringOf(['u', 'S', 'a', '.', ' ', 'united', 'states', 'kingdom', 'gb', 'r', '\u00f4', '\u0302']));
  });

  it('output is an ISO 3166-1 alpha-2 code, lowercase, or a digest', () => {
    const known = new Set(ALPHA2.map((c) => c.toLowerCase()));
    fc.assert(
      fc.property(fc.oneof(anyString, stringOf(['u', 'S', 'a', 'K', 'G', 'B', 'R', '.', ' '])), (raw) => {
        const out = normalizeCountry(raw);
        return out === undefined || known.has(out) || LOWER_HEX_64.test(out);
      }),
    );
  });
});
