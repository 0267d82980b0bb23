import { wellFormed } from '../normalize/text.js';
import type { Cell } from '../rows/normalize-row.js';

/** The scan could not tell: the caller parses the line. */
export const UNSURE = Symbol('unsure');

/** A nested object or array: no cell. */
const NESTED = Symbol('nested');
/** A string value, sliced only when its key names order_id. */
const STRING = Symbol('string');

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

function skipSpace(line: string, at: number): number {
  for (;;) {
    const c = line.charCodeAt(at);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return at;
    at++;
  }
}

/**
 * The index just past the string that opens at `at`, or -1 when it does not end. Its inside is not
 * checked (JSON.parse refuses raw control characters and bad escapes).
 */
function stringEnd(line: string, at: number): number {
  for (let from = at + 1; ; ) {
    const quote = line.indexOf('"', from);
    if (quote < 0) return -1;
    let slashes = 0;
    while (line.charCodeAt(quote - 1 - slashes) === 0x5c) slashes++;
    if (slashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/** The index just past the object or array that opens at `at`, or -1. Its inside is not checked. */
function nestedEnd(line: string, at: number): number {
  let depth = 0;
  for (let i = at; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x22) {
      const end = stringEnd(line, i);
      if (end < 0) return -1;
      i = end - 1;
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

function stringValue(token: string): string | typeof UNSURE {
  if (token.indexOf('\\') < 0) return token.slice(1, -1);
  try {
    return wellFormed(JSON.parse(token) as string);
  } catch {
    return UNSURE;
  }
}

/**
 * The prescan's reading of an NDJSON line: the cell that `objectCells(JSON.parse(line))` (rows/chunk.ts)
 * gives the order_id field, found by a scan of the object's top level instead of building the object,
 * about five times cheaper. The first key naming order_id with a scalar value wins, null included;
 * nested values are skipped. Whatever the scan is not sure of (not an object, a key naming order_id
 * twice, a malformed top level) is UNSURE, and the caller parses the line. The inside of nested values
 * and of strings other than keys and the order id is not checked: a line JSON.parse refuses fails the
 * second pass at the same line.
 *
 * `mayName`, a global pattern that matches, from its lastIndex on, any text that could be a key
 * naming order_id (written without escapes), lets the scan stop at the order id: when the rest of the
 * line holds neither a match nor a backslash, no later key can name order_id. Export lines mostly
 * begin with it.
 * test/input/json-id.test.ts checks it against JSON.parse.
 */
export function orderIdCell(line: string, namesOrderId: (key: string) => boolean, mayName?: RegExp): Cell | typeof UNSURE {
  let at = skipSpace(line, 0);
  if (line.charCodeAt(at) !== 0x7b) return UNSURE;
  at = skipSpace(line, at + 1);
  let cell: Cell = undefined;
  let orderIdKeys: string[] | undefined;
  if (line.charCodeAt(at) !== 0x7d) {
    for (;;) {
      if (line.charCodeAt(at) !== 0x22) return UNSURE;
      const keyEnd = stringEnd(line, at);
      if (keyEnd < 0) return UNSURE;
      const key = stringValue(line.slice(at, keyEnd));
      if (key === UNSURE) return UNSURE;
      at = skipSpace(line, keyEnd);
      if (line.charCodeAt(at) !== 0x3a) return UNSURE;
      at = skipSpace(line, at + 1);
      const c = line.charCodeAt(at);
      let end: number;
      let value: Cell | typeof UNSURE | typeof NESTED | typeof STRING;
      if (c === 0x22) {
        end = stringEnd(line, at);
        if (end < 0) return UNSURE;
        value = STRING;
      } else if (c === 0x7b || c === 0x5b) {
        end = nestedEnd(line, at);
        if (end < 0) return UNSURE;
        value = NESTED;
      } else {
        end = at;
        for (let d = line.charCodeAt(end); end < line.length && d !== 0x2c && d !== 0x7d && d !== 0x20 && d !== 0x09 && d !== 0x0a && d !== 0x0d; d = line.charCodeAt(++end));
        const token = line.slice(at, end);
        value = token === 'true' ? true : token === 'false' ? false : token === 'null' ? null : NUMBER.test(token) ? Number(token) : UNSURE;
      }
      if (value === UNSURE) return UNSURE;
      if (namesOrderId(key)) {
        // JSON.parse keeps a repeated key's last value at its first place: not worth imitating.
        if (orderIdKeys?.includes(key)) return UNSURE;
        (orderIdKeys ??= []).push(key);
        if (value === STRING) value = stringValue(line.slice(at, end));
        if (value === UNSURE) return UNSURE;
        if (value !== NESTED && cell === undefined) cell = value;
        if (cell !== undefined && mayName !== undefined && line.indexOf('\\', end) < 0) {
          mayName.lastIndex = end;
          if (!mayName.test(line)) return cell;
        }
      }
      at = skipSpace(line, end);
      const next = line.charCodeAt(at);
      if (next === 0x7d) break;
      if (next !== 0x2c) return UNSURE;
      at = skipSpace(line, at + 1);
    }
  }
  return skipSpace(line, at + 1) === line.length ? cell : UNSURE;
}
