import { createRequire } from 'node:module';
// The package's main module registers all 78 of its languages (about 15 ms and 2 MB of heap in every
// thread that loads the field rules); its index registers none, and only English is used.
import countries from 'i18n-iso-countries/index.js';
import { personal } from './text.js';

// i18n-iso-countries carries the ISO 3166-1 alpha-3 codes and English names with their common
// variants ("USA", "U.S.", "United Kingdom"); Intl.DisplayNames adds the names ICU uses.
const require = createRequire(import.meta.url);
countries.registerLocale(require('i18n-iso-countries/langs/en.json'));

/** Lowercase letters only: "U.S.A." → "usa", "United States" → "unitedstates". */
function key(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}]+/gu, '');
}

function buildLookup(): Map<string, string> {
  const lookup = new Map<string, string>();
  const add = (name: string, alpha2: string): void => {
    const k = key(name);
    if (k !== '' && !lookup.has(k)) lookup.set(k, alpha2.toLowerCase());
  };
  const alpha2Codes = Object.keys(countries.getAlpha2Codes());
  for (const code of alpha2Codes) add(code, code);
  for (const [alpha3, alpha2] of Object.entries(countries.getAlpha3Codes())) add(alpha3, alpha2);
  const display = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
  for (const code of alpha2Codes) {
    const name = display.of(code);
    if (name) add(name, code);
  }
  for (const [code, names] of Object.entries(countries.getNames('en', { select: 'all' }))) {
    for (const name of names) add(name, code);
  }
  // "UK" is no ISO code but is what people write; ISO reserves it for the United Kingdom.
  add('UK', 'GB');
  return lookup;
}

let lookup: Map<string, string> | undefined;

/** ISO 3166-1 alpha-2, lowercase, from a code (alpha-2 or alpha-3), an English name or a common alias. */
export function normalizeCountry(raw: string): string | undefined {
  lookup ??= buildLookup();
  const table = lookup;
  return personal(raw, (clean) => table.get(key(clean)));
}
