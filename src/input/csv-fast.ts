import { isAscii } from 'node:buffer';

/**
 * A CSV reader for the common case, used before csv-parse: RFC 4180 quoting, one record ending
 * (LF, or CRLF) per chunk. It gives up (undefined) at anything unusual, such as a quote inside an
 * unquoted field, text after a closing quote, an unterminated quote, a stray CR or a record over
 * the size bound, and the chunk then goes to csv-parse, whose records and errors are the reference.
 * test/input/csv-fast.test.ts checks both give the same records.
 *
 * The scan notes where each field starts and ends, in typed arrays, and makes no string; a record's
 * fields are sliced only when it is read. So a chunk's rows are garbage as soon as they are handled,
 * rather than all alive until the chunk ends (which made every young-generation collection in a
 * worker copy the whole chunk's fields).
 *
 * Measured on a 1M-row order export (bench/): csv-parse's sync parser took ~10 µs per row in a
 * worker thread, about a third of the worker's time; this reader takes ~2 µs.
 */
/** Field kinds: a plain slice, a quoted field's inside, or a quoted field with doubled quotes. */
const PLAIN = 0;
const QUOTED = 1;
const ESCAPED = 2;
/** Added to a field's kind when it holds a byte over 127 (scanBytes): it is decoded as UTF-8 when read. */
const HIGH = 4;

/** Records of a chunk as the chunk reader asks for them: one field at a time, by index. */
export interface CsvRecords {
  readonly records: number;
  /** The number of fields of record r. */
  width(r: number): number;
  /** Field k of record r (k < width(r)). */
  field(r: number, k: number): string;
  /** The line breaks inside record r's fields (the lines it spans, minus one). */
  lineBreaks(r: number): number;
  /** Whether every field of record r is empty after trim. */
  blank(r: number): boolean;
}

/** Records that csv-parse read (a chunk the scan gave up on), behind the same questions. */
export class ParsedRecords implements CsvRecords {
  private readonly rows: string[][];
  readonly records: number;

  constructor(rows: string[][]) {
    this.rows = rows;
    this.records = rows.length;
  }

  width(r: number): number {
    return (this.rows[r] as string[]).length;
  }

  field(r: number, k: number): string {
    return (this.rows[r] as string[])[k] as string;
  }

  lineBreaks(r: number): number {
    let breaks = 0;
    for (const field of this.rows[r] as string[]) for (let i = field.indexOf('\n'); i >= 0; i = field.indexOf('\n', i + 1)) breaks++;
    return breaks;
  }

  blank(r: number): boolean {
    return (this.rows[r] as string[]).every((field) => field.trim() === '');
  }
}

/** The records of one scanned chunk, as field offsets into its text. */
export class CsvScan implements CsvRecords {
  private text = '';
  /** scanBytes: the bytes that `text` reads as latin1. */
  private bytes: Buffer | undefined;
  /** Per field: start, end, kind. */
  private fields = new Int32Array(3 * 4096);
  private fieldCount = 0;
  /** Per record: the index of its first field; one more entry closes the last record. */
  private starts = new Int32Array(1024);
  /** Per record: the line breaks inside its quoted fields (the lines it spans, minus one). */
  private breaks = new Int32Array(1024);
  records = 0;

  /** With `one`, where the record scanned ends (past its line end). */
  next = 0;

  /**
   * Scans text; false when it holds anything unusual (see above), for csv-parse to read. With `one`,
   * only the record at text[from] (which must start a line): it is record 0, and `next` tells where
   * it ends.
   */
  scan(text: string, delimiter: string, maxRecordChars: number, from = 0, one = false): boolean {
    this.text = text;
    this.bytes = undefined;
    this.fieldCount = 0;
    this.records = 0;
    const n = text.length;
    const d = delimiter.charCodeAt(0);
    const firstNewline = text.indexOf('\n');
    const crlf = firstNewline > 0 && text.charCodeAt(firstNewline - 1) === 13;
    // Records without a quote, in a text without a CR, are cut by indexOf (a builtin that outruns a
    // loop over every character about threefold on the bench's exports); `quote` is the next quote.
    // Not for `one` record: the prescan asks for those that hold a quote (rows/chunk.ts), and the
    // search for a CR would cross the whole text at each.
    const plainLines = !one && text.indexOf('\r') < 0;
    let quote = plainLines ? text.indexOf('"', from) : 0;
    let i = from;
    while (i < n) {
      const recordStart = i;
      this.startRecord();
      if (plainLines) {
        if (quote >= 0 && quote < i) quote = text.indexOf('"', i);
        let end = text.indexOf('\n', i);
        if (end < 0) end = n;
        if (quote < 0 || quote > end) {
          const next = end < n ? end + 1 : n;
          if (next - recordStart > maxRecordChars) return false;
          for (let at = text.indexOf(delimiter, i); at >= 0 && at < end; at = text.indexOf(delimiter, i)) {
            this.addField(i, at, PLAIN);
            i = at + 1;
          }
          this.addField(i, end, PLAIN);
          i = next;
          if (one) break;
          continue;
        }
      }
      let ended = false;
      while (!ended) {
        if (text.charCodeAt(i) === 34) {
          // Quoted field: "" is a quote; it ends at a quote followed by a delimiter, a newline or the end.
          let kind = QUOTED;
          let from = i + 1;
          for (;;) {
            const q = text.indexOf('"', from);
            if (q < 0) return false;
            if (text.charCodeAt(q + 1) === 34) {
              kind = ESCAPED;
              from = q + 2;
              continue;
            }
            this.addField(i + 1, q, kind);
            let breaks = 0;
            for (let b = text.indexOf('\n', i + 1); b >= 0 && b < q; b = text.indexOf('\n', b + 1)) breaks++;
            if (breaks > 0) this.breaks[this.records - 1] = (this.breaks[this.records - 1] as number) + breaks;
            i = q + 1;
            break;
          }
          if (i >= n) {
            ended = true;
            break;
          }
          const c = text.charCodeAt(i);
          if (c === d) i++;
          else if (c === 10 && !crlf) {
            i++;
            ended = true;
          } else if (c === 13 && crlf && text.charCodeAt(i + 1) === 10) {
            i += 2;
            ended = true;
          } else return false;
          if (!ended && i >= n) {
            this.addField(i, i, PLAIN);
            ended = true;
          }
          continue;
        }
        let j = i;
        let c = 0;
        for (; j < n; j++) {
          c = text.charCodeAt(j);
          if (c === d || c === 10 || c === 13 || c === 34) break;
        }
        if (j < n && c === 34) return false;
        this.addField(i, j, PLAIN);
        if (j >= n) {
          i = n;
          ended = true;
        } else if (c === d) {
          i = j + 1;
          if (i >= n) {
            this.addField(i, i, PLAIN);
            ended = true;
          }
        } else if (c === 10) {
          if (crlf) return false;
          i = j + 1;
          ended = true;
        } else {
          if (!crlf || text.charCodeAt(j + 1) !== 10) return false;
          i = j + 2;
          ended = true;
        }
      }
      if (i - recordStart > maxRecordChars) return false;
      if (one) break;
    }
    this.next = i;
    this.startRecord();
    this.records--;
    return true;
  }

  /**
   * Scans UTF-8 bytes read as latin1, a character per byte, which costs a copy where decoding UTF-8
   * costs far more, and keeps the text one byte per character. The offsets are byte offsets, and
   * UTF-8 never puts a quote, a delimiter or a line end inside a multi-byte character. The fields
   * that hold a byte over 127 are marked, and decoded from the bytes as UTF-8 when read: they read
   * as they would from the decoded text (an invalid sequence becomes U+FFFD either way).
   */
  scanBytes(bytes: Buffer, delimiter: string, maxRecordChars: number): boolean {
    if (!this.scan(bytes.toString('latin1'), delimiter, maxRecordChars)) return false;
    this.bytes = bytes;
    if (!isAscii(bytes)) this.markHigh(bytes);
    return true;
  }

  /** Marks the fields holding a byte over 127 (every such byte is inside a field: see scan). */
  private markHigh(bytes: Buffer): void {
    const f = this.fields;
    const count = this.fieldCount;
    const words = wordsOf(bytes);
    let k = 0;
    for (let p = nextHigh(bytes, 0, words); p >= 0 && k < count; ) {
      while (k < count && (f[3 * k + 1] as number) <= p) k++;
      if (k === count) break;
      if ((f[3 * k] as number) <= p) {
        f[3 * k + 2] = (f[3 * k + 2] as number) | HIGH;
        p = nextHigh(bytes, f[3 * k + 1] as number, words);
        k++;
      } else p = nextHigh(bytes, p + 1, words);
    }
  }

  /** The number of fields of record r. */
  width(r: number): number {
    return (this.starts[r + 1] as number) - (this.starts[r] as number);
  }

  /** The line breaks inside record r's quoted fields. */
  lineBreaks(r: number): number {
    return this.breaks[r] as number;
  }

  /** Field k of record r (k < width(r)). */
  field(r: number, k: number): string {
    return this.value(3 * ((this.starts[r] as number) + k));
  }

  /** The field at fields[at]: its text, with doubled quotes made single. */
  private value(at: number): string {
    const value = this.slice(at);
    return ((this.fields[at + 2] as number) & ~HIGH) === ESCAPED ? value.replace(/""/g, '"') : value;
  }

  /** The text between the bounds at fields[at], decoded as UTF-8 when marked HIGH. */
  private slice(at: number): string {
    const f = this.fields;
    const start = f[at] as number;
    const end = f[at + 1] as number;
    return (f[at + 2] as number) & HIGH ? (this.bytes as Buffer).toString('utf8', start, end) : this.text.slice(start, end);
  }

  /**
   * Field k of record r, decoded as UTF-8 from `bytes`, when the text scanned was those bytes read
   * as latin1 (a character per byte: the offsets are byte offsets, and UTF-8 never puts a quote, a
   * delimiter or a line end inside a multi-byte character).
   */
  fieldUtf8(r: number, k: number, bytes: Buffer): string {
    const at = 3 * ((this.starts[r] as number) + k);
    const f = this.fields;
    const value = bytes.toString('utf8', f[at] as number, f[at + 1] as number);
    return f[at + 2] === ESCAPED ? value.replace(/""/g, '"') : value;
  }

  /** Whether every field of record r is empty after trim (without slicing it, in the usual case). */
  blank(r: number): boolean {
    const f = this.fields;
    const text = this.text;
    for (let k = this.starts[r] as number; k < (this.starts[r + 1] as number); k++) {
      const start = f[3 * k] as number;
      const end = f[3 * k + 1] as number;
      if (start === end) continue;
      const c = text.charCodeAt(start);
      if (c > 32 && c < 127) return false;
      if (this.slice(3 * k).trim() !== '') return false;
    }
    return true;
  }

  /** The fields of record r, written into `into` (reused by the caller), which is returned. */
  record(r: number, into: string[]): string[] {
    const first = this.starts[r] as number;
    const end = this.starts[r + 1] as number;
    into.length = end - first;
    for (let k = first; k < end; k++) into[k - first] = this.value(3 * k);
    return into;
  }

  private startRecord(): void {
    if (this.records + 1 >= this.starts.length) {
      const grown = new Int32Array(this.starts.length * 2);
      grown.set(this.starts);
      this.starts = grown;
      const breaks = new Int32Array(this.breaks.length * 2);
      breaks.set(this.breaks);
      this.breaks = breaks;
    }
    this.breaks[this.records] = 0;
    this.starts[this.records++] = this.fieldCount;
  }

  private addField(start: number, end: number, kind: number): void {
    if (3 * this.fieldCount + 3 > this.fields.length) {
      const grown = new Int32Array(this.fields.length * 2);
      grown.set(this.fields);
      this.fields = grown;
    }
    const at = 3 * this.fieldCount++;
    this.fields[at] = start;
    this.fields[at + 1] = end;
    this.fields[at + 2] = kind;
  }
}

/** The bytes from the first 4-byte boundary of their memory on, as whole 32-bit words (for nextHigh). */
export function wordsOf(bytes: Uint8Array): Uint32Array {
  const head = (4 - (bytes.byteOffset & 3)) & 3;
  if (bytes.length < head + 4) return new Uint32Array(0);
  return new Uint32Array(bytes.buffer, bytes.byteOffset + head, (bytes.length - head) >> 2);
}

/**
 * The position of the first byte over 127 at or after `from`, or -1; `words` is wordsOf(bytes),
 * which lets it test four bytes at a time.
 */
export function nextHigh(bytes: Uint8Array, from: number, words: Uint32Array): number {
  const n = bytes.length;
  const head = (4 - (bytes.byteOffset & 3)) & 3;
  let i = from;
  // Byte by byte up to a word, then word by word, then byte by byte in the word found or the tail.
  while (i < n && (i < head || (i - head) & 3)) {
    if ((bytes[i] as number) > 127) return i;
    i++;
  }
  if (i < n) {
    let w = (i - head) >> 2;
    while (w < words.length && ((words[w] as number) & 0x80808080) === 0) w++;
    i = head + 4 * w;
  }
  for (; i < n; i++) if ((bytes[i] as number) > 127) return i;
  return -1;
}

/** All records of text at once (tests), or undefined when csv-parse must read it. */
export function parseCsvFast(text: string, delimiter: string, maxRecordChars: number): string[][] | undefined {
  const scan = new CsvScan();
  if (!scan.scan(text, delimiter, maxRecordChars)) return undefined;
  return Array.from({ length: scan.records }, (_, r) => scan.record(r, []));
}
