import { cleanText } from './text.js';

// ICU's list of ISO 4217 codes in use; it leaves out XXX ("no currency") and XTS ("testing").
let known: Set<string> | undefined;

/** ISO 4217 code, uppercase, or undefined when the value names no currency. */
export function normalizeCurrency(raw: string): string | undefined {
  known ??= new Set(Intl.supportedValuesOf('currency'));
  const code = cleanText(raw).toUpperCase();
  return known.has(code) ? code : undefined;
}
