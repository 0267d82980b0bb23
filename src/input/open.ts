import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable, addAbortSignal, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InputError } from '../errors.js';

/** One input: a file path, or "-" for stdin. */
export interface Source {
  /** Display name used in messages and rejects: the path as given, or "stdin". */
  name: string;
  path: string | undefined;
  /** Size in bytes when known (regular files), for progress. */
  size: number | undefined;
}

export async function resolveSources(paths: readonly string[]): Promise<Source[]> {
  const list = paths.length === 0 ? ['-'] : paths;
  if (list.filter((p) => p === '-').length > 1) throw new InputError('stdin ("-") can be read only once');
  const sources: Source[] = [];
  for (const path of list) {
    if (path === '-') {
      sources.push({ name: 'stdin', path: undefined, size: undefined });
      continue;
    }
    try {
      const info = await stat(path);
      if (info.isDirectory()) throw new InputError(`${path}: is a directory, not a file`);
      sources.push({ name: path, path, size: info.isFile() ? info.size : undefined });
    } catch (error) {
      if (error instanceof InputError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      throw new InputError(`${path}: ${code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? 'unknown error'})`}`);
    }
  }
  return sources;
}

/** Counts the bytes read from the raw (possibly compressed) source, for progress. */
export interface ByteCounter {
  bytes: number;
}

/** Reads ahead until `min` bytes or the end, returning those bytes and a stream that replays them first. */
export async function peek(stream: Readable, min: number): Promise<{ head: Buffer; stream: Readable }> {
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < min) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    chunks.push(chunk);
    length += chunk.length;
  }
  const head = Buffer.concat(chunks, length);
  async function* replay(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (done) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { head, stream: Readable.from(replay(), { objectMode: false }) };
}

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

/** Opens a source as a stream of plain bytes: gzip is detected by its magic bytes, not by the name. */
export async function openBytes(source: Source, counter: ByteCounter, stdin: Readable = process.stdin, pieceBytes = 256 * 1024, signal?: AbortSignal): Promise<Readable> {
  if (source.path === undefined && (stdin as NodeJS.ReadStream).isTTY) {
    process.stderr.write('pinconv: reading the export from the terminal (stdin); end with Ctrl-D, or give a FILE\n');
  }
  const raw = source.path === undefined ? stdin : createReadStream(source.path, { highWaterMark: pieceBytes });
  // A stop (Ctrl-C) ends the read at once, even one waiting on a pipe that has gone quiet. The
  // signal's listener goes when the stream ends (addAbortSignal), not at the end of the run.
  if (signal !== undefined) addAbortSignal(signal, raw);
  raw.on('data', (chunk: Buffer) => {
    counter.bytes += chunk.length;
  });
  const { head, stream } = await peek(raw, 2);
  if (head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1) {
    const gunzip = createGunzip({ chunkSize: 256 * 1024 });
    // The reader consumes gunzip; pipeline destroys it with any error of either side, so the
    // error reaches the reader's loop instead of being lost.
    pipeline(stream, gunzip, () => undefined);
    return gunzip;
  }
  return stream;
}
