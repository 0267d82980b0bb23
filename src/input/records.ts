import type { Readable } from 'node:stream';
import { EXIT, InputError, type Position } from '../errors.js';
import { FIELDS, FIELD_INDEX, type ColumnResolver, type Field } from '../rows/columns.js';
import type { Cell } from '../rows/normalize-row.js';
import { readCsv } from './csv.js';
import { detectDelimiter, detectFormat, looksBinary, type Delimiter, type Format } from './detect.js';
import { readJsonArray } from './json-array.js';
import { readNdjson } from './ndjson.js';
import { openBytes, peek, type ByteCounter, type Source } from './open.js';

/** A record read from the input, its cells indexed by FIELD_INDEX, or a record that is no row at all. */
export type InputRecord =
  | { pos: Position; cells: Cell[]; badRow?: undefined }
  | { pos: Position; cells?: undefined; badRow: string };

export interface ReadOptions {
  format: Format | 'auto';
  delimiter: Delimiter | undefined;
  maxRecordBytes: number;
  resolver: ColumnResolver;
  /** Columns a CSV header must name, as alternatives: [["timestamp"], ["email", "maid"], …]. */
  requiredColumns: ReadonlyArray<readonly Field[]>;
  stdin?: Readable;
}

const DETECT_BYTES = 64 * 1024;
// Records travel in arrays: one await per batch instead of per row.
const BATCH = 256;

function checkHeader(fields: Field[], options: ReadOptions, file: string): void {
  for (const alternatives of options.requiredColumns) {
    if (!alternatives.some((field) => fields.includes(field))) {
      const names = alternatives.map((f) => (f === 'timestamp' ? 'timestamp (or event_time)' : f === 'order_revenue' ? 'order_revenue (or value)' : f));
      throw new InputError(
        `missing required column: ${names.join(' or ')} (columns are matched case-insensitively; rename with --map SOURCE=FIELD)`,
        { file, line: 1 },
        EXIT.usage,
      );
    }
  }
}

async function* csvRecords(bytes: Readable, head: Buffer, source: Source, options: ReadOptions): AsyncGenerator<InputRecord[]> {
  const delimiter = options.delimiter ?? detectDelimiter(head);
  let columnFields: Array<Field | undefined> | undefined;
  let width = 0;
  let batch: InputRecord[] = [];
  for await (const { fields, line } of readCsv(bytes, source.name, delimiter, options.maxRecordBytes)) {
    if (columnFields === undefined) {
      columnFields = fields.map((name) => options.resolver.resolve(name));
      width = fields.length;
      const seen = new Set<Field>();
      columnFields.forEach((field, i) => {
        if (field === undefined) return;
        // Two columns for one field: the first wins, the second is listed as unknown.
        if (seen.has(field)) {
          columnFields![i] = undefined;
          options.resolver.unknown.add(fields[i] ?? '');
        }
        seen.add(field);
      });
      checkHeader([...seen], options, source.name);
      continue;
    }
    const pos: Position = { file: source.name, line };
    if (fields.length > width) {
      batch.push({ pos, badRow: `the record has ${fields.length} fields, the header ${width}` });
    } else {
      const cells: Cell[] = new Array(FIELDS.length);
      for (let i = 0; i < fields.length; i++) {
        const field = columnFields[i];
        if (field !== undefined) cells[FIELD_INDEX[field]] = fields[i];
      }
      batch.push({ pos, cells });
    }
    if (batch.length >= BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (columnFields === undefined) throw new InputError('the file has no header line', { file: source.name, line: 1 });
  if (batch.length > 0) yield batch;
}

async function* jsonRecords(
  records: AsyncGenerator<{ value: unknown; line: number }>,
  source: Source,
  options: ReadOptions,
  unit: 'line' | 'record',
): AsyncGenerator<InputRecord[]> {
  let batch: InputRecord[] = [];
  for await (const { value, line } of records) {
    const pos: Position = unit === 'record' ? { file: source.name, line, unit } : { file: source.name, line };
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      batch.push({ pos, badRow: 'the record is not a JSON object' });
    } else {
      const cells: Cell[] = new Array(FIELDS.length);
      for (const [key, cell] of Object.entries(value as Record<string, unknown>)) {
        const field = options.resolver.resolve(key);
        if (field === undefined) continue;
        // Nested values are no cells; they read as missing.
        if (cell === null || typeof cell !== 'object') cells[FIELD_INDEX[field]] ??= cell as Cell;
      }
      batch.push({ pos, cells });
    }
    if (batch.length >= BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/**
 * Reads every source in turn: gzip by magic bytes, format by the first byte (or --format),
 * CSV delimiter from the header line (or --delimiter). Never holds a whole file in memory.
 */
export async function* readRecords(
  sources: readonly Source[],
  options: ReadOptions,
  counter: ByteCounter,
): AsyncGenerator<InputRecord[]> {
  for (const source of sources) {
    const plain = await openBytes(source, counter, options.stdin);
    const { head, stream } = await peek(plain, DETECT_BYTES).catch((error: unknown) => {
      throw errorAtStart(error, source);
    });
    if (head.length === 0) throw new InputError('the input is empty', { file: source.name, line: 1 });
    if (looksBinary(head)) {
      throw new InputError('this is not a text export (binary bytes or invalid UTF-8 near the start)', { file: source.name, line: 1 });
    }
    const format = options.format === 'auto' ? detectFormat(head) : options.format;
    let count = 0;
    const records =
      format === 'csv'
        ? csvRecords(stream, head, source, options)
        : format === 'ndjson'
          ? jsonRecords(readNdjson(stream, source.name, options.maxRecordBytes), source, options, 'line')
          : jsonRecords(readJsonArray(stream, source.name), source, options, 'record');
    for await (const batch of records) {
      count += batch.length;
      yield batch;
    }
    if (count === 0) {
      throw new InputError(format === 'csv' ? 'the file has a header but no data rows' : 'the input holds no records', {
        file: source.name,
        line: format === 'csv' ? 2 : 1,
      });
    }
  }
}

function errorAtStart(error: unknown, source: Source): InputError {
  if (error instanceof InputError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code?.startsWith('Z_')) return new InputError('gzip data is truncated or corrupt', { file: source.name, line: 1 });
  return new InputError(`cannot read (${code ?? 'error'})`, { file: source.name, line: 1 });
}
