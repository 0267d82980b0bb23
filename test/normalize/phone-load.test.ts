import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The built library (npm test builds first), in a fresh process: which modules a run loads.
const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

/** Runs the upload CSV of the sample export with these --columns, and says whether libphonenumber was loaded. */
function loadsPhoneLibrary(columns: string | undefined): boolean {
  const script = `
    import { createRequire } from 'node:module';
    import { Readable } from 'node:stream';
    const pinconv = await import(${JSON.stringify(dist)});
    const options = pinconv.resolveCsvOptions({ out: '-', now: '2026-11-28T00:00:00Z', threads: 1, ${columns ? `columns: ${JSON.stringify(columns)}` : ''} });
    const csv = 'order_id,email,phone,timestamp,currency,value\\nA-1,jane@example.com,(415) 555-0100,2026-11-27T10:00:00Z,USD,12.50\\n';
    let events = 0;
    for await (const batch of pinconv.buildEvents(options, new pinconv.Report(), { stdin: Readable.from([Buffer.from(csv)]) })) events += batch.length;
    const loaded = Object.keys(createRequire(import.meta.url).cache).some((path) => path.includes('libphonenumber-js'));
    process.stdout.write(JSON.stringify({ events, loaded }));
  `;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  expect(result.stderr).toBe('');
  const { events, loaded } = JSON.parse(result.stdout) as { events: number; loaded: boolean };
  expect(events).toBe(1);
  return loaded;
}

describe('libphonenumber', () => {
  it('is loaded only when a phone is hashed: not for the upload CSV\'s default columns', () => {
    expect(loadsPhoneLibrary(undefined)).toBe(false);
    expect(loadsPhoneLibrary('+phone')).toBe(true);
  });
});
