import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Batcher, batchBody, sliceBody } from '../../src/events/batch.js';

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

  it('a run of a body\'s events, sliced out through their offsets, is the body of those events', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 40 }), { minLength: 1, maxLength: 30 }), fc.nat(), fc.nat(), (texts, a, b) => {
        // Text and bytes, ASCII and not, as events come from the main thread and from workers.
        const events = texts.map((t, i) => (i % 2 ? JSON.stringify(t) : Buffer.from(JSON.stringify(t))));
        const offsets: number[] = [];
        const body = batchBody(events, undefined, offsets);
        const from = a % events.length;
        const to = from + 1 + (b % (events.length - from));
        const sizes = events.map((e) => Buffer.byteLength(e));
        const slice = sliceBody(body, offsets[from] as number, (offsets[to - 1] as number) + (sizes[to - 1] as number));
        expect(slice).toEqual(batchBody(events.slice(from, to)));
        expect(JSON.parse(slice.toString('utf8')).data).toEqual(texts.slice(from, to));
      }),
    );
  });
});
