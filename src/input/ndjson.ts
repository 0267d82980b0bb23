import type { Readable } from 'node:stream';
import { InputError } from '../errors.js';
import { readFailure } from './csv.js';

export interface JsonRecord {
  value: unknown;
  line: number;
}

/**
 * Splits NDJSON into lines and parses each with JSON.parse, counting every line (blank ones too)
 * so that positions are real line numbers. stream-json's jsonl parser numbers only non-empty lines
 * and has no bound on a line's length, so this reader does both itself.
 */
export async function* readNdjson(bytes: Readable, file: string, maxRecordBytes: number): AsyncGenerator<JsonRecord> {
  const decoder = new TextDecoder('utf-8');
  let pending = '';
  let line = 0;
  let first = true;
  const parseLine = (text: string, lineNo: number): JsonRecord | undefined => {
    if (first) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (text.trim() === '') return undefined;
    try {
      return { value: JSON.parse(text), line: lineNo };
    } catch {
      // JSON.parse messages quote the input, which may be personal data.
      throw new InputError('not a valid JSON line', { file, line: lineNo });
    }
  };
  try {
    for await (const chunk of bytes) {
      pending += decoder.decode(chunk as Buffer, { stream: true });
      let start = 0;
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n', start)) {
        line++;
        const record = parseLine(pending.slice(start, nl), line);
        if (record) yield record;
        start = nl + 1;
      }
      pending = pending.slice(start);
      if (pending.length > maxRecordBytes) {
        throw new InputError(`a line is longer than ${maxRecordBytes} bytes`, { file, line: line + 1 });
      }
    }
    pending += decoder.decode();
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw readFailure(error, { file, line: line + 1 });
  }
  if (pending.trim() !== '') {
    const record = parseLine(pending, line + 1);
    if (record) yield record;
  }
}
