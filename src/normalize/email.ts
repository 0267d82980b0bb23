import { personal } from './text.js';

const WHITESPACE = /\s+/gu;
const DOTTED_DOMAIN = /^[^.]+(\.[^.]+)+$/u;

function emailRule(clean: string): string | undefined {
  const email = clean.toLowerCase().replace(WHITESPACE, '');
  const at = email.indexOf('@');
  if (at <= 0 || at !== email.lastIndexOf('@')) return undefined;
  return DOTTED_DOMAIN.test(email.slice(at + 1)) ? email : undefined;
}

/** Lowercase, all whitespace removed; one `@`, a non-empty local part and a dotted domain. */
export function normalizeEmail(raw: string): string | undefined {
  return personal(raw, emailRule);
}
