import { personal } from './text.js';

// US states, DC and territories, and Canadian provinces and territories. No Intl or well-kept
// package carries subdivision names, so this one short table is typed here.
const REGION_NAMES: Record<string, string> = {
  alabama: 'al', alaska: 'ak', arizona: 'az', arkansas: 'ar', california: 'ca', colorado: 'co',
  connecticut: 'ct', delaware: 'de', districtofcolumbia: 'dc', florida: 'fl', georgia: 'ga', hawaii: 'hi',
  idaho: 'id', illinois: 'il', indiana: 'in', iowa: 'ia', kansas: 'ks', kentucky: 'ky', louisiana: 'la',
  maine: 'me', maryland: 'md', massachusetts: 'ma', michigan: 'mi', minnesota: 'mn', mississippi: 'ms',
  missouri: 'mo', montana: 'mt', nebraska: 'ne', nevada: 'nv', newhampshire: 'nh', newjersey: 'nj',
  newmexico: 'nm', newyork: 'ny', northcarolina: 'nc', northdakota: 'nd', ohio: 'oh', oklahoma: 'ok',
  oregon: 'or', pennsylvania: 'pa', rhodeisland: 'ri', southcarolina: 'sc', southdakota: 'sd',
  tennessee: 'tn', texas: 'tx', utah: 'ut', vermont: 'vt', virginia: 'va', washington: 'wa',
  westvirginia: 'wv', wisconsin: 'wi', wyoming: 'wy', puertorico: 'pr', guam: 'gu',
  americansamoa: 'as', usvirginislands: 'vi', virginislands: 'vi', northernmarianaislands: 'mp',
  alberta: 'ab', britishcolumbia: 'bc', manitoba: 'mb', newbrunswick: 'nb',
  newfoundlandandlabrador: 'nl', newfoundland: 'nl', novascotia: 'ns', ontario: 'on',
  princeedwardisland: 'pe', quebec: 'qc', québec: 'qc', saskatchewan: 'sk', northwestterritories: 'nt',
  nunavut: 'nu', yukon: 'yt',
};

function stateRule(clean: string): string | undefined {
  const letters = clean.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
  if (/^[a-z]{2}$/.test(letters)) return letters;
  // Own keys only: "constructor" must not find Object.prototype.constructor.
  return Object.hasOwn(REGION_NAMES, letters) ? REGION_NAMES[letters] : undefined;
}

/** Two-letter region code, lowercase; US state and Canadian province names map; anything else is omitted. */
export function normalizeState(raw: string): string | undefined {
  return personal(raw, stateRule);
}
