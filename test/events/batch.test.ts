import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Batcher, batchBody } from '../../src/events/batch.js';

describe('Batcher', () => {
  it('never exceeds the event and byte limits and loses nothing, in order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 100 })), { maxLength: 400 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 400, max: 5000 }),
        (texts, maxEvents, maxBytes) => {
          const batcher = new Batcher<number>(maxEvents, maxBytes);
          const out: number[] = [];
          const check = (batch: ReturnType<Batcher<number>['flush']>): void => {
            if (!batch) return;
            const body = batchBody(batch.events, batch.sizes);
            expect(body.toString('utf8')).toBe(`{"data":[${batch.events.join(',')}]}`);
            expect(batchBody(batch.events)).toEqual(body);
            expect(batch.events.length).toBeGreaterThan(0);
            expect(batch.events.length).toBeLessThanOrEqual(maxEvents);
            expect(Buffer.byteLength(body)).toBe(batch.bytes);
            expect(batch.bytes).toBeLessThanOrEqual(maxBytes);
            out.push(...batch.items);
          };
          texts.forEach((text, i) => check(batcher.add(JSON.stringify(text), i)));
          check(batcher.flush());
          expect(out).toEqual(texts.map((_, i) => i));
        },
      ),
    );
  });
});
