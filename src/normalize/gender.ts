import { personal } from './text.js';

const GENDERS: ReadonlyMap<string, string> = new Map([
  ['f', 'f'], ['female', 'f'], ['woman', 'f'],
  ['m', 'm'], ['male', 'm'], ['man', 'm'],
  ['n', 'n'], ['non-binary', 'n'], ['nonbinary', 'n'], ['non binary', 'n'],
]);

/** `f`, `m` or `n`; anything else is omitted (never hashed as a word). */
export function normalizeGender(raw: string): string | undefined {
  return personal(raw, (clean) => GENDERS.get(clean.toLowerCase()));
}
