import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteSink, decodeSettled, encodeSettled, Settled, type Outcome } from '../../src/events/settle.js';

const position = (file: string) => fc.integer({ min: 1, max: 2 ** 31 }).map((line) => ({ file, line }));
const outcome: fc.Arbitrary<Outcome> = fc.oneof(
  fc.constantFrom<Outcome>({ ok: false, reason: 'NO_IDENTIFIER' }, { ok: false, reason: 'NO_VALUE' }),
  fc
    .tuple(fc.integer({ min: -62_000_000_000, max: 99_999_999_999 }), fc.string({ unit: 'binary', minLength: 1 }))
    .map(([eventTime, text]): Outcome => ({ ok: true, eventTime, text, bytes: Buffer.byteLength(text) })),
);

describe('encodeSettled / decodeSettled', () => {
  it('a run line and a chunk result line read back as what was settled', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 52 }),
        fc.array(position('in put.csv'), { minLength: 1, maxLength: 4 }),
        fc.option(fc.string({ unit: 'binary' }), { nil: undefined }),
        outcome,
        (seq, positions, orderId, settledOutcome) => {
          const settled = new Settled(seq, positions.length, settledOutcome, positions, orderId);
          const sink = new ByteSink();
          const inChunk = encodeSettled(settled, sink);
          const bytes = sink.take();
          for (const back of [decodeSettled(encodeSettled(settled)), decodeSettled(inChunk, bytes, 'in put.csv')]) {
            expect(back.firstSeq).toBe(seq);
            expect(back.rows).toBe(positions.length);
            expect(back.positions).toEqual(positions);
            expect(back.orderId).toBe(orderId);
            const got = back.outcome;
            expect(got.ok).toBe(settledOutcome.ok);
            if (got.ok && settledOutcome.ok) {
              expect(got.eventTime).toBe(settledOutcome.eventTime);
              expect(got.bytes).toBe(settledOutcome.bytes);
              expect(typeof got.text === 'string' ? got.text : Buffer.from(got.text).toString('utf8')).toBe(settledOutcome.text);
            } else if (!got.ok && !settledOutcome.ok) {
              expect(got.reason).toBe(settledOutcome.reason);
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses a chunk result line read without its file, for refused orders too', () => {
    const positions = [{ file: 'a.csv', line: 7 }];
    for (const outcome of [{ ok: false, reason: 'NO_VALUE' } as const, { ok: true, eventTime: 1, text: 'x', bytes: 1 } as const]) {
      const sink = new ByteSink();
      const line = encodeSettled(new Settled(0, 1, outcome, positions, 'A'), sink);
      expect(() => decodeSettled(line, sink.take())).toThrow(/file/);
      expect(decodeSettled(line, new Uint8Array([0x78]), 'a.csv').positions).toEqual(positions);
    }
  });
});
