import { personal } from './text.js';

// Letters of any script (with their combining marks) and digits are kept; everything else goes.
const NOT_LETTER_OR_DIGIT = /[^\p{L}\p{M}\p{N}]+/gu;

function nameRule(clean: string): string {
  return clean.toLowerCase().normalize('NFC').replace(NOT_LETTER_OR_DIGIT, '');
}

/** given_name, surname and city: lowercase, whitespace and punctuation removed (`O'Connor` → `oconnor`). */
export function normalizeName(raw: string): string | undefined {
  return personal(raw, nameRule);
}

export const normalizeCity = normalizeName;

/** extern_id: lowercase, whitespace removed. */
export function normalizeExternId(raw: string): string | undefined {
  return personal(raw, (clean) => clean.toLowerCase().replace(/\s+/gu, ''));
}

/** maid (GAID / IDFA): lowercase. */
export function normalizeMaid(raw: string): string | undefined {
  return personal(raw, (clean) => clean.toLowerCase());
}
