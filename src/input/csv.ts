import type { CsvError } from 'csv-parse';
import { InputError, type Position } from '../errors.js';

// csv-parse's own messages quote field values, which may be personal data; ours name the line only.
export function describeCsvError(error: CsvError, maxRecordBytes: number): string {
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

/** An I/O or gzip failure while reading, as a message without data. */
export function readFailure(error: unknown, position: Position): InputError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'Z_BUF_ERROR' || code === 'Z_DATA_ERROR' || (error as Error).message === 'unexpected end of file') {
    return new InputError('gzip data is truncated or corrupt', position);
  }
  return new InputError(`read failed (${code ?? (error as Error).name ?? 'error'})`, position);
}
