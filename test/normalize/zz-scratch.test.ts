import { it } from 'vitest';
import { normalizeName, normalizeExternId, normalizeMaid } from '../../src/normalize/names.js';
import { normalizeEmail } from '../../src/normalize/email.js';
import { parseTimestamp } from '../../src/normalize/timestamp.js';
const esc = (s: string | undefined) => s === undefined ? 'undef' : [...s].map(c => c.codePointAt(0)!.toString(16)).join(' ');
it('x', () => {
  console.log(esc(normalizeName('a-\u0301')), '|', esc(normalizeEmail('a \u0301@b.co')), '|', esc(normalizeExternId('a \u0301')));
  console.log(parseTimestamp('2025-03-30 02:30:00','Europe/Berlin'), parseTimestamp('2025-10-26 02:30:00','Europe/Berlin'));
});
