// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/;

/** Unicode NFC. Most warehouse values are ASCII; NFC of ASCII is the identity, and the check is cheaper than normalize(). */
function nfc(text: string): string {
  return ASCII.test(text) ? text : text.normalize('NFC');
}

/** Shared first step of every text rule (PRODUCT §3): Unicode NFC, then trim. */
export function cleanText(raw: string): string {
  return nfc(raw).trim();
}

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

/** A value that already is a SHA-256 hex digest is passed through lowercased, never hashed twice. */
export function isSha256Hex(value: string): boolean {
  return value.length === 64 && SHA256_HEX.test(value);
}

/**
 * Applies the common frame of a personal-field rule: clean, drop empties, pass digests through,
 * otherwise run the field's own rule on the cleaned text.
 */
export function personal(raw: string, rule: (clean: string) => string | undefined): string | undefined {
  const clean = cleanText(raw);
  if (clean === '') return undefined;
  if (isSha256Hex(clean)) return clean.toLowerCase();
  const out = rule(clean);
  // NFC again: a rule that removes characters can leave a combining mark beside a letter it composes with
  // ("a-\u0301" → "a\u0301" → "á").
  return out === undefined || out === '' ? undefined : nfc(out);
}

type Surrogates = string & { isWellFormed(): boolean; toWellFormed(): string };

/**
 * The text with each lone UTF-16 surrogate replaced by U+FFFD. Only a JSON escape (`"\ud800"`) can
 * make one: text decoded from UTF-8 never holds one. Writing text as UTF-8 (a spill file, the upload
 * CSV) makes the same replacement, so an order id must have it from the start, or its rows held in
 * memory and its rows spilled would name two orders.
 */
export function wellFormed(text: string): string {
  return (text as Surrogates).isWellFormed() ? text : (text as Surrogates).toWellFormed();
}
