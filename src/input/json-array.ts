import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import streamArray from 'stream-json/streamers/stream-array.js';
import { InputError } from '../errors.js';
import { readFailure } from './csv.js';

export interface JsonRecord {
  value: unknown;
  line: number;
}

/** Streams the elements of a top-level JSON array with stream-json; positions are record numbers. */
export async function* readJsonArray(bytes: Readable, file: string): AsyncGenerator<JsonRecord> {
  const parser = streamArray.withParserAsStream();
  pipeline(bytes, parser, () => undefined);
  let record = 0;
  try {
    for await (const item of parser as AsyncIterable<{ key: number; value: unknown }>) {
      record = item.key + 1;
      yield { value: item.value, line: record };
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code && code.startsWith('Z_')) throw readFailure(error, { file, line: record + 1, unit: 'record' });
    throw new InputError('malformed JSON array', { file, line: record + 1, unit: 'record' });
  }
}
