import { cleanText } from './text.js';

const TRUE = new Set(['true', '1', 'yes', 'y', 't']);
const FALSE = new Set(['false', '0', 'no', 'n', 'f']);

/** opt_out flag: true/1/yes/y/t and false/0/no/n/f, any case; anything else is undefined. */
export function parseOptOut(raw: string): boolean | undefined {
  const text = cleanText(raw).toLowerCase();
  if (TRUE.has(text)) return true;
  if (FALSE.has(text)) return false;
  return undefined;
}

/** opt_out_type is sent uppercased (`ldp` → `LDP`). */
export function normalizeOptOutType(raw: string): string | undefined {
  // NFC after uppercasing: "ß\u0307" uppercases to "SS\u0307", whose last two characters compose.
  const text = cleanText(raw).toUpperCase().replace(/\s+/g, '').normalize('NFC');
  return text === '' ? undefined : text;
}
