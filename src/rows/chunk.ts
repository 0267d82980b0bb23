import { parse, type CsvError, type Options } from 'csv-parse/sync';
import type { Position } from '../errors.js';
import { describeCsvError } from '../input/csv.js';
import { CsvScan, nextHigh, ParsedRecords, wordsOf, type CsvRecords } from '../input/csv-fast.js';
import { orderIdCell, UNSURE } from '../input/json-id.js';
import { wellFormed } from '../normalize/text.js';
import type { Delimiter } from '../input/detect.js';
import { ColumnResolver, FIELDS, FIELD_INDEX, type Field } from './columns.js';
import type { BlockLease } from '../events/bytes.js';
import { encodeRow } from '../events/row-format.js';
import { ChunkGrouper, type ChunkItem } from '../events/chunk-group.js';
import type { ChunkHeads } from '../events/settle.js';
import type { EventRules } from '../events/order.js';
import { ChunkRunCollector, repeatTest, type ChunkRuns } from '../events/runs.js';
import { orderIdOf, PERSONAL_KEY, RowNormalizer, type Cell, type InvalidFieldCounts, type RowRules, type UserKey } from './normalize-row.js';

/**
 * A row after the field rules, encoded as a line (events/row-format.ts), or the reject it became;
 * after a prescan also an order settled inside its chunk (events/chunk-group.ts). Lines cross from
 * worker threads as plain strings, which copy far cheaper than objects.
 */
export type RowItem = ChunkItem;

/**
 * A chunk's text is made a piece at a time (pieceEnd), each piece at most this long: V8 puts a
 * longer string in its large-object space, whose fresh pages fault in on every chunk. Making the
 * latin1 text of 256 KiB took 0.25 ms at once against 0.04 ms in pieces (microbenchmark).
 */
const PIECE_BYTES = 128 * 1024 - 64;

/** Where the piece of `bytes` from `from` ends: past a line end, or at the end of the chunk. */
function pieceEnd(bytes: Buffer, from: number): number {
  if (bytes.length - from <= PIECE_BYTES) return bytes.length;
  const cut = bytes.lastIndexOf(0x0a, from + PIECE_BYTES - 1);
  return cut >= from ? cut + 1 : bytes.length;
}

/**
 * Where a csv-parse error lies, in lines after the parsed text's first. csv-parse tells the line it
 * stopped at: for a quote never closed, the end of the text. That record starts after the records
 * parsed before it, whose last line a second parse up to them gives.
 */
function csvErrorLineOffset(text: Buffer, error: CsvError & { lines?: number; records?: number }, options: Options): number {
  const stopped = typeof error.lines === 'number' ? error.lines - 1 : 0;
  if (error.code !== 'CSV_QUOTE_NOT_CLOSED' || typeof error.records !== 'number') return stopped;
  if (error.records === 0) return 0;
  try {
    const before = parse(text, { ...options, to: error.records, info: true }) as unknown as Array<{ info: { lines: number } }>;
    return before.at(-1)?.info.lines ?? stopped;
  } catch {
    return stopped;
  }
}

/**
 * Sequence numbers order rows across chunks and files: (chunks of earlier files + chunk index) ×
 * 2^21 + record index within the chunk. They decide the order of events (their orders' first rows)
 * wherever orders are merged back by it (the spill).
 */
export const SEQ_PER_CHUNK = 2 ** 21;

/** Everything a chunk processor needs; plain data, so it can be handed to a worker thread. */
export interface ChunkConfig {
  kind: 'csv' | 'ndjson';
  file: string;
  delimiter: Delimiter;
  /** CSV: the field of each column of the header, or null for an ignored column. */
  columnFields: Array<Field | null>;
  maxRecordBytes: number;
  rules: RowRules;
  /** NDJSON: the --map renames, as [source, field] pairs. */
  renames: Array<[string, Field]>;
  /** Prescan: read only the order ids and return their runs (events/runs.ts), no rows. */
  scan?: boolean;
  /** Chunks of the files read before this one in the same pass, so that sequence numbers go on from theirs. */
  firstChunk?: number;
  /** After a prescan: the words of its multi-run filter, its row counts, and the event rules to settle orders with. */
  group?: { repeatWords: Uint32Array; rowCounts: Uint8Array; eventRules: EventRules };
}

export interface ChunkResult {
  items: RowItem[];
  /** Invalid values counted in this chunk, per field. */
  invalid: InvalidFieldCounts;
  /** NDJSON keys that name no field, first seen in this chunk. */
  unknown: string[];
  error?: { message: string; line: number };
  /** Prescan only. */
  runs?: ChunkRuns;
  /** After a prescan: the blocks that settled lines point into (events/settle.ts), each on a buffer of its own. */
  bytes?: Uint8Array[];
  /** After a prescan: the orders settled into those blocks, for items that are numbers (HeadTable). */
  heads?: ChunkHeads;
  /** Set in the main thread when worker threads made the blocks: they go back to them once read. */
  lease?: BlockLease;
}

/**
 * Parses and normalises one chunk of whole records. Pure apart from its counters, so the same
 * code runs in the main thread (`--threads 1`) and in worker threads, with identical results.
 */
export class ChunkProcessor {
  private readonly config: ChunkConfig;
  private readonly normalizer: RowNormalizer;
  private readonly resolver: ColumnResolver;
  private readonly width: number;
  private readonly orderIdColumn: number;
  private reportedUnknown = 0;
  private runs: ChunkRunCollector | undefined;
  private readonly grouper: ChunkGrouper | undefined;
  private readonly scan = new CsvScan();
  private readonly namesOrderId = (key: string): boolean => this.resolver.resolve(key) === 'order_id';
  /**
   * Without --map, only "order_id" in any case, spaces around, names order_id (a rename could make
   * any text do so): the NDJSON prescan stops at the order id when the rest holds no such text.
   */
  private readonly mayNameOrderId: RegExp | undefined;
  /** CSV: the columns to read, as [column, FIELD_INDEX]; personal fields no wanted key needs are left out. */
  private readonly readColumns: Array<[number, number]> = [];

  constructor(config: ChunkConfig) {
    this.config = config;
    this.normalizer = new RowNormalizer(config.rules);
    this.resolver = new ColumnResolver(new Map(config.renames));
    this.mayNameOrderId = config.renames.length === 0 ? /order_id/gi : undefined;
    this.width = config.columnFields.length;
    this.orderIdColumn = config.columnFields.indexOf('order_id');
    const wanted = config.rules.userKeys;
    config.columnFields.forEach((field, column) => {
      if (field === null) return;
      // country is read even when its hash is not wanted: it steers the phone and postal rules.
      const key = field === 'country' ? undefined : (PERSONAL_KEY as Partial<Record<Field, UserKey>>)[field];
      if (wanted && key !== undefined && !wanted.includes(key)) return;
      this.readColumns.push([column, FIELD_INDEX[field]]);
    });
    if (config.group) this.grouper = new ChunkGrouper(repeatTest(config.group.repeatWords, config.group.rowCounts), config.group.eventRules);
  }

  process(bytes: Uint8Array, startLine: number, index: number, skipHeader: boolean): ChunkResult {
    const items: RowItem[] = [];
    const before = { ...this.normalizer.invalid };
    let error: ChunkResult['error'];
    if (this.config.scan) this.runs = new ChunkRunCollector();
    try {
      // The sequence number of the chunk's first record: rows of later chunks and files number after it.
      const firstSeq = ((this.config.firstChunk ?? 0) + index) * SEQ_PER_CHUNK;
      if (this.config.kind === 'csv') this.csv(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), startLine, firstSeq, skipHeader, items);
      else this.ndjson(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), startLine, firstSeq, items);
    } catch (caught) {
      error = caught as { message: string; line: number };
    }
    this.grouper?.end(items);
    const invalid: InvalidFieldCounts = {};
    for (const [field, count] of Object.entries(this.normalizer.invalid) as Array<[Field, number]>) {
      const delta = count - (before[field] ?? 0);
      if (delta > 0) invalid[field] = delta;
    }
    const unknownAll = [...this.resolver.unknown];
    const unknown = unknownAll.slice(this.reportedUnknown);
    this.reportedUnknown = unknownAll.length;
    const result: ChunkResult = error ? { items, invalid, unknown, error } : { items, invalid, unknown };
    if (this.runs) result.runs = this.runs.result();
    const settledBytes = this.grouper?.takeBytes();
    if (settledBytes) result.bytes = settledBytes;
    const heads = this.grouper?.takeHeads();
    if (heads) result.heads = heads;
    return result;
  }

  private csv(bytes: Buffer, startLine: number, firstSeq: number, skipHeader: boolean, items: RowItem[]): void {
    if (this.runs && !skipHeader) {
      let quick = true;
      for (let from = 0; from < bytes.length && quick; ) {
        const to = pieceEnd(bytes, from);
        quick = this.csvIds(bytes.subarray(from, to), this.runs);
        from = to;
      }
      if (quick) return;
      // The quick way gave up part way: the full scan starts the chunk again.
      this.runs = new ChunkRunCollector();
    }
    const { file, maxRecordBytes } = this.config;
    // Lines are counted here: a quoted field may hold newlines; blank lines are skipped.
    let line = startLine;
    let k = 0;
    for (let from = 0; from < bytes.length; ) {
      let to = pieceEnd(bytes, from);
      // The fast scan slices a record's fields only when they are read. A piece that it gives up on
      // may end inside a quoted field: the rest of the chunk is read whole, by csv-parse if odd.
      let source: CsvRecords = this.scan;
      if (!this.scan.scanBytes(bytes.subarray(from, to), this.config.delimiter, maxRecordBytes / 4)) {
        const pieceWasRest = to === bytes.length;
        const rest = bytes.subarray(from);
        to = bytes.length;
        if (pieceWasRest || !this.scan.scanBytes(rest, this.config.delimiter, maxRecordBytes / 4)) {
          const options: Options = { delimiter: this.config.delimiter, relax_column_count: true, max_record_size: maxRecordBytes };
          try {
            source = new ParsedRecords(parse(rest, options) as string[][]);
          } catch (caught) {
            const csvError = caught as CsvError & { lines?: number; records?: number };
            throw { message: describeCsvError(csvError, maxRecordBytes), line: line + csvErrorLineOffset(rest, csvError, options) };
          }
        }
      }
      from = to;
      for (let r = 0; r < source.records; r++) {
        const recordLine = line;
        line += 1 + source.lineBreaks(r);
        if (source.blank(r)) continue;
        if (skipHeader) {
          skipHeader = false;
          continue;
        }
        const pos: Position = { file, line: recordLine };
        const seq = firstSeq + k++;
        const width = source.width(r);
        if (width > this.width) {
          items.push({ pos, reason: 'BAD_ROW', message: `the record has ${width} fields, the header ${this.width}` });
          continue;
        }
        if (this.runs) {
          this.runs.add(this.orderIdColumn < 0 || this.orderIdColumn >= width ? undefined : orderIdOf(source.field(r, this.orderIdColumn)));
          continue;
        }
        // Only the columns a row needs are sliced (readColumns).
        const cells: Cell[] = new Array(FIELDS.length);
        for (const [column, at] of this.readColumns) if (column < width) cells[at] = source.field(r, column);
        this.push(cells, seq, pos, items);
      }
    }
  }

  /**
   * The prescan of a CSV chunk (not the header's), the quick way: the bytes are read as latin1 (a
   * character per byte, no decoding), and a record without a quote is cut at its line end and its
   * delimiters up to the order id only. A record with a quote is read by the full scan, alone.
   * Order ids with bytes over 127 are decoded from the bytes as UTF-8. Gives up (false) where the
   * full scan must decide: a CR anywhere (CRLF line ends, or a stray CR), a record the full scan
   * gives up on, a record over the size bound.
   *
   * It notes the ids the full scan would note, in order, except that a record with more fields
   * than the header counts here (the second pass refuses it, BAD_ROW): an extra row only delays
   * its order, never cuts one in two (events/runs.ts). A blank record's id is blank, so not noted.
   * On the bench's order export, about 0.5 ms per 256 KiB chunk, against 1.4 ms to decode and fully
   * scan it (microbenchmarks).
   */
  private csvIds(bytes: Buffer, runs: ChunkRunCollector): boolean {
    const column = this.orderIdColumn;
    const text = bytes.toString('latin1');
    if (column < 0 || text.indexOf('\r') >= 0) return false;
    const { delimiter } = this.config;
    const maxRecordChars = this.config.maxRecordBytes / 4;
    const n = text.length;
    let quote = text.indexOf('"');
    let i = 0;
    while (i < n) {
      let end = text.indexOf('\n', i);
      if (end < 0) end = n;
      if (quote >= 0 && quote < end) {
        if (!this.scan.scan(text, delimiter, maxRecordChars, i, true)) return false;
        const width = this.scan.width(0);
        if (width <= this.width) runs.add(column < width ? orderIdOf(this.scan.fieldUtf8(0, column, bytes)) : undefined);
        i = this.scan.next;
        if (quote < i) quote = text.indexOf('"', i);
        continue;
      }
      // The full scan's bound, line end included (CsvScan.scan).
      if ((end < n ? end + 1 : n) - i > maxRecordChars) return false;
      let from = i;
      for (let k = 0; k < column && from <= end; k++) {
        const at = text.indexOf(delimiter, from);
        from = at < 0 || at > end ? end + 1 : at + 1;
      }
      if (from > end) runs.add(undefined);
      else {
        let to = text.indexOf(delimiter, from);
        if (to < 0 || to > end) to = end;
        let ascii = true;
        for (let c = from; c < to; c++) if (text.charCodeAt(c) > 127) ascii = false;
        runs.add(orderIdOf(ascii ? text.slice(from, to) : bytes.toString('utf8', from, to)));
      }
      i = end + 1;
    }
    return true;
  }

  private ndjson(bytes: Buffer, startLine: number, firstSeq: number, items: RowItem[]): void {
    // Read as latin1, a character per byte, and only the lines holding a byte over 127 decoded as
    // UTF-8 (a line end is never inside a multi-byte character): most lines of an export are ASCII,
    // and decoding a whole chunk as UTF-8 cost more than parsing its JSON (bench item export).
    const words = wordsOf(bytes);
    let high = nextHigh(bytes, 0, words);
    const { file } = this.config;
    let line = startLine;
    let k = 0;
    for (let from = 0; from < bytes.length; ) {
      const to = pieceEnd(bytes, from);
      const text = bytes.toString('latin1', from, to);
      let start = 0;
      while (start < text.length) {
        let end = text.indexOf('\n', start);
        if (end < 0) end = text.length;
        let raw: string;
        if (high >= 0 && high < from + end) {
          raw = bytes.toString('utf8', from + start, from + end);
          high = nextHigh(bytes, from + end, words);
        } else raw = text.slice(start, end);
        const recordLine = line++;
        start = end + 1;
        if (raw.trim() === '') continue;
        if (this.runs) {
          // The prescan wants the order id only: a scan of the line finds it without parsing it whole.
          const cell = orderIdCell(raw, this.namesOrderId, this.mayNameOrderId);
          if (cell !== UNSURE) {
            this.runs.add(orderIdOf(cell));
            continue;
          }
        }
        let value: unknown;
        try {
          value = JSON.parse(raw);
        } catch {
          // JSON.parse messages quote the input, which may be personal data.
          throw { message: 'not a valid JSON line', line: recordLine };
        }
        const pos: Position = { file, line: recordLine };
        const seq = firstSeq + k++;
        const cells = objectCells(value, this.resolver);
        if (cells === undefined) items.push({ pos, reason: 'BAD_ROW', message: 'the record is not a JSON object' });
        else if (this.runs) this.runs.add(orderIdOf(cells[FIELD_INDEX.order_id]));
        else this.push(cells, seq, pos, items);
      }
      from = to;
    }
  }

  private push(cells: Cell[], seq: number, pos: Position, items: RowItem[]): void {
    const result = this.normalizer.normalize(cells, seq, pos);
    if (!result.ok) {
      items.push(result.reject);
      // A refused row still counts among its order's rows (the prescan counted it).
      if (this.grouper) this.grouper.refused(orderIdOf(cells[FIELD_INDEX.order_id]), result.reject, items);
    } else if (this.grouper) this.grouper.add(result.row, items);
    else items.push(encodeRow(result.row));
  }

  /** Normalises a JSON record read elsewhere (JSON arrays are parsed in the main thread). */
  object(value: unknown, seq: number, pos: Position): RowItem {
    const cells = objectCells(value, this.resolver);
    if (cells === undefined) return { pos, reason: 'BAD_ROW', message: 'the record is not a JSON object' };
    const result = this.normalizer.normalize(cells, seq, pos);
    return result.ok ? encodeRow(result.row) : result.reject;
  }

  get invalidCounts(): InvalidFieldCounts {
    return this.normalizer.invalid;
  }

  get unknownColumns(): Set<string> {
    return this.resolver.unknown;
  }
}

/** A JSON object's values as cells by field; undefined when the record is not an object. */
export function objectCells(value: unknown, resolver: ColumnResolver): Cell[] | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const cells: Cell[] = new Array(FIELDS.length);
  for (const key in value as Record<string, unknown>) {
    const field = resolver.resolve(key);
    if (field === undefined) continue;
    const cell = (value as Record<string, unknown>)[key];
    // Nested values are no cells; they read as missing. The first key naming a field wins. A lone
    // surrogate (from a "\ud800" escape) reads as U+FFFD, as it would once written as UTF-8.
    if ((cell === null || typeof cell !== 'object') && cells[FIELD_INDEX[field]] === undefined) {
      cells[FIELD_INDEX[field]] = typeof cell === 'string' ? wellFormed(cell) : (cell as Cell);
    }
  }
  return cells;
}
