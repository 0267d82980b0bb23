import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { workerFailure } from '../src/errors.js';
import * as pinconv from '../src/index.js';

describe('library entry', () => {
  it('runs the same pipeline as the CLI', async () => {
    const options = pinconv.resolveSendOptions({ dryRun: true, now: '2026-11-28T00:00:00Z', threads: 1 });
    const report = new pinconv.Report();
    const csv = 'order_id,email,timestamp,currency,value\nA-1, Jane.Doe@Example.com ,2026-11-27T10:00:00Z,usd,"$1,234.50"\n';
    const events: pinconv.EventItem[] = [];
    for await (const batch of pinconv.buildEvents(options, report, { stdin: Readable.from([Buffer.from(csv)]) })) events.push(...batch);
    expect(events).toHaveLength(1);
    expect(events[0]?.event.user_data.em).toEqual(['86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d']);
    expect(events[0]?.event.custom_data).toMatchObject({ currency: 'USD', value: '1234.5', order_id: 'A-1' });
    expect(report.rows).toEqual({ read: 1, inEvents: 1, rejected: 0, excluded: 0 });
  });

  it('exports the error classes with stable codes', () => {
    expect(new pinconv.UsageError('x').code).toBe('PINCONV_USAGE');
    expect(new pinconv.UsageError('x').exitCode).toBe(pinconv.EXIT.usage);
    expect(new pinconv.AuthError(401, 'x').code).toBe('PINCONV_AUTH');
    expect(new pinconv.InputError('x', { file: 'f.csv', line: 3 }).message).toBe('f.csv:3: x');
    const oom = workerFailure(Object.assign(new Error('boom'), { code: 'ERR_WORKER_OUT_OF_MEMORY' }));
    expect(oom).toBeInstanceOf(pinconv.PinconvError);
    expect(oom.exitCode).toBe(1);
    expect(oom.message).toBe('a worker thread failed (ERR_WORKER_OUT_OF_MEMORY): it ran out of memory; retry with --threads 1');
  });
});
