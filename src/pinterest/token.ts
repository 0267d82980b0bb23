import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';

/** The access token: from --token-file, else PINTEREST_ACCESS_TOKEN. Never from argv, never printed. */
export async function readToken(tokenFile: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  let token: string | undefined;
  if (tokenFile !== undefined) {
    try {
      token = (await readFile(tokenFile, 'utf8')).trim();
    } catch (error) {
      throw new UsageError(`--token-file ${tokenFile}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    if (token === '') throw new UsageError(`--token-file ${tokenFile} is empty`);
  } else {
    token = env.PINTEREST_ACCESS_TOKEN?.trim();
  }
  if (!token) {
    throw new UsageError(
      'no access token: set PINTEREST_ACCESS_TOKEN or use --token-file FILE (Ads Manager > Conversions > Conversions API > Set up API > Generate new token)',
    );
  }
  if (/[\s\u0000-\u001f]/.test(token)) throw new UsageError('the access token contains whitespace or control characters; check how it was saved');
  // It travels in an HTTP header, which takes visible ASCII only (undici would fail each request).
  if (/[^\u0021-\u007e]/.test(token)) throw new UsageError('the access token contains characters other than visible ASCII; check how it was copied');
  return token;
}
