import fc from 'fast-check';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { batchBody, Batcher } from '../src/events/batch.js';
import { runPipeline } from './helpers/pipeline.js';
import { schemaErrors } from './helpers/schema.js';

const COLUMNS = ['order_id', 'email', 'phone', 'given_name', 'surname', 'gender', 'birthdate', 'city', 'state', 'postal', 'country', 'extern_id', 'timestamp', 'currency', 'order_revenue', 'price', 'quantity', 'product_id', 'item_name', 'opt_out', 'opt_out_type', 'maid'];

const messy = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constant(''), fc.constant('  '));
const row = fc.record({
  order_id: fc.oneof(fc.constantFrom('A', 'B', 'C', ''), fc.string({ maxLength: 8 })),
  email: fc.oneof(fc.emailAddress(), messy),
  phone: fc.oneof(fc.constantFrom('(650) 555-1212', '+44 20 7946 0958', '0044 1234', '555-CALL'), messy),
  given_name: messy,
  surname: messy,
  gender: fc.oneof(fc.constantFrom('F', 'male', 'x'), messy),
  birthdate: fc.oneof(fc.constantFrom('1990-12-31', '05-03-1995', '31/12/1899'), messy),
  city: messy,
  state: fc.oneof(fc.constantFrom('CA', 'New York', 'Tex.'), messy),
  postal: fc.oneof(fc.constantFrom('94103', '2134', 'SW1A 1AA'), messy),
  country: fc.oneof(fc.constantFrom('US', 'GBR', 'Canada', 'zz'), messy),
  extern_id: messy,
  timestamp: fc.oneof(fc.integer({ min: 1_795_000_000, max: 1_795_900_000 }).map(String), fc.constantFrom('2026-11-27T10:00:00Z', '2026-11-27 10:00:00'), messy),
  currency: fc.oneof(fc.constantFrom('USD', 'eur', 'XXX'), messy),
  order_revenue: fc.oneof(fc.constantFrom('', '10', '$1,234.50', '-1', '1e5'), fc.double().map(String)),
  price: fc.oneof(fc.constantFrom('', '19.99', '0'), messy),
  quantity: fc.oneof(fc.constantFrom('', '1', '3', '-2'), messy),
  product_id: messy,
  item_name: messy,
  opt_out: fc.constantFrom('', 'true', 'no', 'maybe'),
  opt_out_type: fc.constantFrom('', 'ldp'),
  maid: fc.oneof(fc.constant(''), fc.uuid()),
});

describe('generated rows', () => {
  it('only ever produce schema-valid bodies, and the counts add up', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 30 }), async (rows) => {
        const csv = stringify([COLUMNS, ...rows.map((r) => COLUMNS.map((c) => (r as Record<string, string>)[c]))]);
        const { events, report } = await runPipeline(csv);
        expect(report.rows.read).toBe(rows.length);
        expect(report.rows.read).toBe(report.rows.inEvents + report.rows.rejected + report.rows.excluded);
        const batcher = new Batcher<number>();
        const bodies: string[] = [];
        events.forEach((e, i) => {
          const full = batcher.add(e.json, i);
          if (full) bodies.push(batchBody(full.events));
        });
        const last = batcher.flush();
        if (last) bodies.push(batchBody(last.events));
        for (const body of bodies) expect(schemaErrors(JSON.parse(body))).toBe('');
        for (const e of events) {
          expect(e.json).toBe(JSON.stringify(e.event)); // the fast serialiser matches JSON.stringify
          for (const hashes of Object.values(e.event.user_data)) for (const h of hashes) expect(h).toMatch(/^[0-9a-f]{64}$/);
          expect(e.event.custom_data.value).toMatch(/^\d+(\.\d*[1-9])?$/);
        }
      }),
      { numRuns: 60 },
    );
  });
});
