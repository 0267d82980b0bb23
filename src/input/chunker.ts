import type { Readable } from 'node:stream';
import { InputError } from '../errors.js';
import { readFailure } from './csv.js';

/** A run of whole records: it starts at a record boundary and ends after a record's newline. */
export interface Chunk {
  bytes: Buffer;
  /** The chunk alone views its ArrayBuffer: it can be transferred to a worker thread, not copied. */
  owned?: boolean;
  /** 1-based line of the chunk's first byte. */
  startLine: number;
  /** Position of the chunk in the input, from 0. */
  index: number;
}

const NEWLINE = 0x0a;
const QUOTE = 0x22;

/**
 * Index of the last newline that ends a CSV record (outside quotes) in `buf`, which starts
 * outside quotes; -1 when there is none. A doubled quote ("") toggles twice, so it cancels out.
 * indexOf is native (memchr), so the scan costs little next to parsing.
 */
export function lastCsvRecordEnd(buf: Buffer): number {
  let quoted = false;
  let pos = 0;
  let cut = -1;
  for (;;) {
    const quote = buf.indexOf(QUOTE, pos);
    const end = quote === -1 ? buf.length : quote;
    if (!quoted && end > pos) {
      const newline = buf.lastIndexOf(NEWLINE, end - 1);
      if (newline >= pos) cut = newline;
    }
    if (quote === -1) return cut;
    quoted = !quoted;
    pos = quote + 1;
  }
}

export function lastLineEnd(buf: Buffer): number {
  return buf.lastIndexOf(NEWLINE);
}

export function countNewlines(buf: Buffer, end = buf.length): number {
  let count = 0;
  for (let i = buf.indexOf(NEWLINE); i >= 0 && i < end; i = buf.indexOf(NEWLINE, i + 1)) count++;
  return count;
}

export interface ChunkOptions {
  file: string;
  /** Target chunk size; a chunk ends at the last record boundary after this many bytes. */
  chunkBytes: number;
  /** Longest record accepted: a chunk that finds no boundary within this many bytes is an error. */
  maxRecordBytes: number;
  /** Where a record may end: CSV respects quotes, NDJSON cuts at any newline. */
  recordEnd: (buf: Buffer) => number;
}

/**
 * Cuts a byte stream into chunks of whole records, so that each can be parsed on its own (in a
 * worker thread or not) and the results put back in input order. A UTF-8 BOM at the start is dropped.
 */
export async function* chunkRecords(stream: Readable, options: ChunkOptions): AsyncGenerator<Chunk> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let startLine = 1;
  let index = 0;
  let first = true;
  const emit = (bytes: Buffer): Chunk => {
    const chunk = { bytes, startLine, index: index++ };
    startLine += countNewlines(bytes);
    return chunk;
  };
  try {
    for await (const piece of stream) {
      let data = piece as Buffer;
      if (first) {
        first = false;
        if (data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) data = data.subarray(3);
      }
      pending.push(data);
      pendingBytes += data.length;
      if (pendingBytes < options.chunkBytes) continue;
      const buf = Buffer.concat(pending, pendingBytes);
      const cut = options.recordEnd(buf);
      if (cut < 0) {
        if (buf.length > options.maxRecordBytes + options.chunkBytes) {
          throw new InputError(`a record is longer than ${options.maxRecordBytes} bytes (is this really a CSV export?)`, {
            file: options.file,
            line: startLine,
          });
        }
        pending = [buf];
        continue;
      }
      // The rest (a part of a record, mostly) is copied out, so that the chunk owns its buffer; one
      // from Buffer's shared pool (a small chunk) is never owned.
      const owned = buf.byteOffset === 0 && buf.buffer.byteLength === buf.length;
      const rest = owned ? Buffer.from(buf.subarray(cut + 1)) : buf.subarray(cut + 1);
      pending = rest.length > 0 ? [rest] : [];
      pendingBytes = rest.length;
      const chunk = emit(buf.subarray(0, cut + 1));
      if (owned) chunk.owned = true;
      yield chunk;
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw readFailure(error, { file: options.file, line: startLine });
  }
  if (pendingBytes > 0) yield emit(Buffer.concat(pending, pendingBytes));
}
