import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readToken } from '../../src/pinterest/token.js';
import { tempDir } from '../helpers/temp.js';

describe('readToken', () => {
  it('takes PINTEREST_ACCESS_TOKEN, or --token-file, trimmed', async () => {
    expect(await readToken(undefined, { PINTEREST_ACCESS_TOKEN: ' pina_AbC123-_.~ \n' })).toBe('pina_AbC123-_.~');
    const file = join(tempDir('pinconv-token-'), 'token');
    writeFileSync(file, 'pina_FromFile\n');
    expect(await readToken(file, { PINTEREST_ACCESS_TOKEN: 'ignored' })).toBe('pina_FromFile');
  });

  it('refuses a missing token, and one that cannot go in an HTTP header, without showing it', async () => {
    await expect(readToken(undefined, {})).rejects.toThrow(/no access token/);
    for (const [token, message] of [
      ['pina_secret one', /whitespace or control/],
      ['pina_secret\u0007', /whitespace or control/],
      ['pina_secret€', /other than visible ASCII/],
      ['pina_secrét', /other than visible ASCII/],
    ] as const) {
      const error = await readToken(undefined, { PINTEREST_ACCESS_TOKEN: token }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message).toMatch(message);
      expect(error?.message).not.toContain('secret');
    }
  });
});
