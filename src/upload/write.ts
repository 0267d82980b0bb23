import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InterruptedError, LimitError, OutputError, UsageError } from '../errors.js';
import type { CsvOptions } from '../options.js';
import { LineWriter } from '../output.js';
import type { EventItem } from '../pipeline.js';
import type { Report } from '../report.js';
import { csvLine, csvRow } from './rows.js';

const PART_NAME = /^upload-\d{5,}\.csv$/;

export function partName(index: number): string {
  return `upload-${String(index).padStart(5, '0')}.csv`;
}

interface Part {
  name: string;
  tempPath: string;
  out: WriteStream;
  writer: LineWriter;
  hash: Hash;
  rows: number;
  bytes: number;
}

export interface PartSummary {
  file: string;
  rows: number;
  bytes: number;
  sha256: string;
}

/** A data row without its line end: text, or UTF-8 bytes when a worker thread built it. */
type RowText = string | Uint8Array;

/** The UTF-8 size of a row with its line end. */
function lineSize(row: RowText): number {
  return (typeof row === 'string' ? Buffer.byteLength(row) : row.byteLength) + 1;
}

/** rows[from, to), each followed by a line end, copied into one buffer of `bytes` bytes. */
function lines(rows: readonly RowText[], from: number, to: number, bytes: number): Buffer {
  const out = Buffer.allocUnsafe(bytes);
  let at = 0;
  for (let i = from; i < to; i++) {
    const row = rows[i] as RowText;
    if (typeof row === 'string') at += out.write(row, at, 'utf8');
    else {
      out.set(row, at);
      at += row.byteLength;
    }
    out[at++] = 0x0a;
  }
  return out;
}

/**
 * Writes events as upload CSV parts under Pinterest's limits. Parts are written under temporary
 * names and renamed only when the whole run succeeded, manifest last: an interrupted or failed
 * run leaves nothing that looks complete.
 */
class PartWriter {
  private readonly dir: string;
  private readonly header: string;
  private readonly maxRows: number;
  private readonly maxBytes: number;
  private part: Part | undefined;
  readonly done: Array<Part & { sha256: string }> = [];

  constructor(dir: string, header: string, maxRows: number, maxBytes: number) {
    this.dir = dir;
    this.header = header;
    this.maxRows = maxRows;
    this.maxBytes = maxBytes;
  }

  private async open(): Promise<Part> {
    const index = this.done.length + 1;
    const name = partName(index);
    const tempPath = join(this.dir, `.${name}.partial`);
    const out = createWriteStream(tempPath, { highWaterMark: 1024 * 1024 });
    const part: Part = { name, tempPath, out, writer: new LineWriter(out, `--out ${this.dir}`), hash: createHash('sha256'), rows: 0, bytes: 0 };
    await this.append(part, this.header);
    return part;
  }

  private async append(part: Part, text: string): Promise<void> {
    part.hash.update(text);
    part.bytes += Buffer.byteLength(text);
    await part.writer.write(text);
  }

  /**
   * Writes data rows, starting a new part whenever the next row would cross a limit. The rows of a
   * part are copied into one buffer: one hash update and one write per batch, not per row.
   */
  async rows(rows: readonly RowText[]): Promise<void> {
    const headerSize = Buffer.byteLength(this.header);
    let from = 0;
    let blockBytes = 0;
    for (let i = 0; i < rows.length; i++) {
      const size = lineSize(rows[i] as RowText);
      if (headerSize + size > this.maxBytes) {
        throw new LimitError(`one upload row does not fit in --max-bytes ${this.maxBytes}`);
      }
      if (this.part && (this.part.rows >= this.maxRows || this.part.bytes + size > this.maxBytes)) {
        await this.writeBlock(this.part, lines(rows, from, i, blockBytes));
        from = i;
        blockBytes = 0;
        await this.close();
      }
      this.part ??= await this.open();
      blockBytes += size;
      this.part.bytes += size;
      this.part.rows++;
    }
    if (this.part && blockBytes > 0) await this.writeBlock(this.part, lines(rows, from, rows.length, blockBytes));
  }

  private async writeBlock(part: Part, block: Buffer): Promise<void> {
    part.hash.update(block);
    await part.writer.write(block);
  }

  async close(): Promise<void> {
    const part = this.part;
    if (!part) return;
    this.part = undefined;
    await part.writer.end();
    this.done.push({ ...part, sha256: part.hash.digest('hex') });
  }

  /** Renames every part to its final name; only after the run succeeded. */
  async commit(): Promise<PartSummary[]> {
    await this.close();
    for (const part of this.done) await rename(part.tempPath, join(this.dir, part.name));
    return this.done.map((p) => ({ file: p.name, rows: p.rows, bytes: p.bytes, sha256: p.sha256 }));
  }

  async abort(): Promise<void> {
    const open = this.part;
    this.part = undefined;
    if (open) {
      // Wait for the close: a stream destroyed while still opening would create its file after the rm.
      const closed = open.out.closed ? Promise.resolve() : once(open.out, 'close');
      open.out.destroy();
      await closed.catch(() => undefined);
      await rm(open.tempPath, { force: true });
    }
    for (const part of this.done) await rm(part.tempPath, { force: true });
  }
}

async function prepareFolder(dir: string, force: boolean): Promise<void> {
  await mkdir(dir, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    throw new OutputError(`--out ${dir}: cannot create the folder (${error.code ?? 'error'})`);
  });
  const existing = (await readdir(dir)).filter((name) => PART_NAME.test(name) || name === 'manifest.json');
  if (existing.length === 0) return;
  if (!force) {
    throw new UsageError(`--out ${dir} already holds ${existing.length} upload file(s) such as ${existing[0]}; use --force to replace them, or another folder`);
  }
  for (const name of existing) await rm(join(dir, name), { force: true });
}

export interface UploadIO {
  stopped?: () => boolean;
}

/** `pinconv csv`: the hashed upload CSV, as parts in a folder or as one file on stdout. */
export async function writeUploadCsv(events: AsyncIterable<EventItem[]>, options: CsvOptions, report: Report, io: UploadIO = {}): Promise<void> {
  const columns = options.columns.map((c) => c.column);
  const header = csvLine(options.columns.map((c) => c.header)) + '\n';
  // Events of a pipeline run with these columns come with their row; others are built here.
  const rowOf = (item: EventItem): RowText => item.csvRow ?? csvRow(item.event, columns);

  if (options.out === '-') {
    const out = new LineWriter(process.stdout);
    let rows = 0;
    let bytes = Buffer.byteLength(header);
    await out.write(header);
    for await (const items of events) {
      rows += items.length;
      const texts = items.map(rowOf);
      const size = texts.reduce((n, row) => n + lineSize(row), 0);
      bytes += size;
      if (rows > options.maxRows || bytes > options.maxBytes) {
        throw new LimitError(`the upload would exceed ${rows > options.maxRows ? `${options.maxRows} rows` : `${options.maxBytes} bytes`} in one file; use --out DIR to write parts`);
      }
      const block = lines(texts, 0, texts.length, size);
      for (const item of items) item.release();
      await out.write(block);
      if (out.closed) return;
    }
    report.files.push({ path: '(stdout)', rows, bytes, sha256: '' });
    return;
  }

  const dir = options.out;
  await prepareFolder(dir, options.force);
  const parts = new PartWriter(dir, header, options.maxRows, options.maxBytes);
  try {
    for await (const items of events) {
      if (items.length > 0) await parts.rows(items.map(rowOf));
      // The rows were copied into the parts' blocks: their chunk blocks may be reused.
      for (const item of items) item.release();
    }
    if (io.stopped?.()) throw new InterruptedError();
    const summaries = await parts.commit();
    for (const part of summaries) report.files.push({ path: join(dir, part.file), rows: part.rows, bytes: part.bytes, sha256: part.sha256 });
    const manifest = {
      createdBy: 'pinconv csv',
      columns: options.columns.map((c) => c.header),
      limits: { maxRows: options.maxRows, maxBytes: options.maxBytes },
      parts: summaries,
      summary: report.toJSON(),
    };
    const tempManifest = join(dir, '.manifest.json.partial');
    await writeFile(tempManifest, JSON.stringify(manifest, null, 2) + '\n');
    await rename(tempManifest, join(dir, 'manifest.json'));
  } catch (error) {
    await parts.abort();
    throw error;
  }
}
