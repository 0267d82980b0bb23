import { personal } from './text.js';

const US_ZIP = /^(\d{5})(?:-?\d{4})?$/;
const SHORT_ZIP = /^\d{3,4}$/;

function usZip(clean: string): string | undefined {
  const compact = clean.replace(/\s+/g, '');
  const zip = US_ZIP.exec(compact);
  if (zip) return zip[1];
  // Spreadsheets drop the leading zeros of New England ZIPs: 2134 was 02134.
  return SHORT_ZIP.test(compact) ? compact.padStart(5, '0') : undefined;
}

function otherPostal(clean: string): string {
  return clean.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

/** `country` is the row's country (alpha-2, lowercase) or the default country. */
export function normalizePostal(raw: string, country: string): string | undefined {
  return personal(raw, country === 'us' ? usZip : otherPostal);
}
