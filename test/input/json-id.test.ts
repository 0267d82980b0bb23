import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { orderIdCell, UNSURE } from '../../src/input/json-id.js';
import { objectCells } from '../../src/rows/chunk.js';
import { ColumnResolver, FIELD_INDEX } from '../../src/rows/columns.js';

const KEYS = ['order_id', 'ORDER_ID', ' Order_Id ', 'ref', 'email', 'x', 'order', '__proto__', 'é"\\\n'];
const scalar = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('A-1', ' A-1 ', '', 'ü\u0301', '\u2028'),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(1e21, -0, 0.1, 1.5e-7),
  fc.boolean(),
  fc.constant(null),
);
const value = fc.oneof({ weight: 4, arbitrary: scalar }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) });
const space = fc.constantFrom('', ' ', '\t', ' \r\n ');

/** JSON object text, keys possibly repeated or written with escapes, with or without spaces. */
const objectText = fc
  .tuple(fc.array(fc.tuple(fc.constantFrom(...KEYS), value, fc.boolean(), space), { maxLength: 8 }), space)
  .map(([entries, outer]) => {
    const members = entries.map(([key, v, escaped, sp]) => {
      const keyText = escaped ? JSON.stringify(key).replace(/_/g, '\\u005f') : JSON.stringify(key);
      return `${sp}${keyText}${sp}:${sp}${JSON.stringify(v)}${sp}`;
    });
    return `${outer}{${members.join(',')}}${outer}`;
  });
const oddText = fc.oneof(fc.string(), fc.constantFrom('[1]', '"x"', '5', 'null', '{"order_id":1,}', '{"order_id" 1}', '{"order_id":01}', '{"a":1}x', '{"order_id":"\t"}', '{'));

describe('orderIdCell: the order_id cell of an NDJSON line without JSON.parse', () => {
  for (const [name, renames, mayName] of [
    ['plain', [], undefined],
    ['plain, stopping at the order id', [], /order_id/gi],
    ['--map ref=order_id', [['ref', 'order_id']], undefined],
  ] as const) {
    it(`gives what objectCells(JSON.parse(line)) gives, or UNSURE (${name})`, () => {
      const resolver = new ColumnResolver(new Map(renames));
      const names = (key: string): boolean => resolver.resolve(key) === 'order_id';
      let answered = 0;
      fc.assert(
        fc.property(fc.oneof({ weight: 5, arbitrary: objectText }, { weight: 1, arbitrary: oddText }), (line) => {
          const got = orderIdCell(line, names, mayName);
          let parsed: unknown;
          try {
            parsed = JSON.parse(line);
          } catch {
            return;
          }
          const cells = objectCells(parsed, resolver);
          if (cells === undefined) {
            expect(got).toBe(UNSURE);
            return;
          }
          if (got === UNSURE) return;
          answered++;
          expect(got).toStrictEqual(cells[FIELD_INDEX.order_id]);
        }),
        { numRuns: 3000 },
      );
      expect(answered).toBeGreaterThan(1500);
    });
  }

  it('reads the common shapes', () => {
    const names = (key: string): boolean => key.trim().toLowerCase() === 'order_id';
    expect(orderIdCell('{"order_id":"A-1","email":"a@b.c"}', names)).toBe('A-1');
    expect(orderIdCell('{"email":"a@b.c","order_id":17,"items":[{"order_id":"x"}]}', names)).toBe(17);
    expect(orderIdCell('{"order_id":{"v":1},"ORDER_ID":"B"}', names)).toBe('B');
    expect(orderIdCell('{"order_id":null,"ORDER_ID":"B"}', names)).toBe(null);
    expect(orderIdCell('{"email":"a"}', names)).toBeUndefined();
    expect(orderIdCell('{"order_id":"A","order_id":"B"}', names)).toBe(UNSURE);
    expect(orderIdCell('[{"order_id":"A"}]', names)).toBe(UNSURE);
    // A lone surrogate reads as U+FFFD, as in objectCells.
    expect(orderIdCell('{"order_id":"X\\ud800"}', names)).toBe('X\uFFFD');
  });
});
