import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { parse, type CsvError } from 'csv-parse';
import { InputError, type Position } from '../errors.js';
import type { Delimiter } from './detect.js';

export interface CsvRecord {
  fields: string[];
  line: number;
}

// csv-parse's own messages quote field values, which may be personal data; ours name the line only.
function describe(error: CsvError, maxRecordBytes: number): string {
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is never closed (unterminated quote)';
    case 'INVALID_OPENING_QUOTE':
      return 'a quote appears inside an unquoted field';
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return 'unexpected characters after a closing quote';
    case 'CSV_MAX_RECORD_SIZE':
      return `a record is longer than ${maxRecordBytes} bytes (is this really a CSV export?)`;
    default:
      return `malformed CSV (${error.code})`;
  }
}

/**
 * Parses CSV with csv-parse: RFC 4180 quoting, embedded newlines, BOM. Yields each record with
 * the line it starts on. Errors become InputErrors that name the file and line.
 */
export async function* readCsv(
  bytes: Readable,
  file: string,
  delimiter: Delimiter,
  maxRecordBytes: number,
): AsyncGenerator<CsvRecord> {
  const parser = parse({
    bom: true,
    delimiter,
    relax_column_count: true,
    max_record_size: maxRecordBytes,
  });
  pipeline(bytes, parser, () => undefined);
  // Lines are counted here: csv-parse's info.lines is where a record ends, and it counts a CRLF
  // inside quotes as two lines. Empty lines come through as [""] and are skipped here.
  let line = 1;
  try {
    for await (const fields of parser as AsyncIterable<string[]>) {
      const start = line;
      line++;
      let blank = true;
      for (const field of fields) {
        if (field !== '') {
          if (blank && field.trim() !== '') blank = false;
          for (let i = field.indexOf('\n'); i >= 0; i = field.indexOf('\n', i + 1)) line++;
        }
      }
      if (!blank) yield { fields, line: start };
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    const csvError = error as CsvError & { lines?: number };
    const position: Position = { file, line: typeof csvError.lines === 'number' ? csvError.lines : line };
    if (typeof csvError.code === 'string' && (csvError.code.startsWith('CSV_') || csvError.code === 'INVALID_OPENING_QUOTE')) {
      throw new InputError(describe(csvError, maxRecordBytes), position);
    }
    throw readFailure(error, { file, line });
  }
}

/** An I/O or gzip failure while reading, as a message without data. */
export function readFailure(error: unknown, position: Position): InputError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'Z_BUF_ERROR' || code === 'Z_DATA_ERROR' || (error as Error).message === 'unexpected end of file') {
    return new InputError('gzip data is truncated or corrupt', position);
  }
  return new InputError(`read failed (${code ?? (error as Error).name ?? 'error'})`, position);
}
