import { createWriteStream, type WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { once } from 'node:events';
import { OutputError, type Position } from './errors.js';
import { drained } from './output.js';
import type { RejectReason } from './events/reasons.js';
import type { Field, ColumnResolver } from './rows/columns.js';
import type { InvalidFieldCounts } from './rows/normalize-row.js';

/** One line of the --rejects file. Values only with --rejects-values. */
export interface RejectLine {
  file: string;
  line: number;
  unit?: 'line' | 'record';
  reason: RejectReason;
  field?: Field;
  message: string;
  event_id?: string;
  order_id?: string;
  value?: string;
}

/** The order_id part of a reject line: present only when the order has one. */
export function orderIdField(orderId: string | undefined): { order_id?: string } {
  return orderId === undefined ? {} : { order_id: orderId };
}

/** The run's counters (PRODUCT §7). rows.read = rows.inEvents + rows.rejected + rows.excluded, always. */
export class Report {
  readonly startedAt = Date.now();
  command = '';
  rows = { read: 0, inEvents: 0, rejected: 0, excluded: 0 };
  /** Rows counted in rows.excluded because the run stopped before their orders were complete. */
  rowsExcludedByStop = 0;
  /** --limit N was reached while the input was read: the rest of it was not read. */
  stoppedAtLimit = false;
  /** Ctrl-C (or SIGTERM) stopped the reading: the rest of the input was not read. */
  interrupted = false;
  events = { built: 0, excluded: 0, excludedByWindow: 0, excludedByLimit: 0, alreadySent: 0, sent: 0, processed: 0, failed: 0 };
  requests = { sent: 0, retried: 0, rateLimited: 0 };
  rejects: Partial<Record<RejectReason, number>> = {};
  invalidFields: InvalidFieldCounts = {};
  unknownColumns: string[] = [];
  /** Bytes read from the raw inputs, and their total size when every input is a regular file. */
  input: { bytes: number; size: number | undefined } = { bytes: 0, size: undefined };
  /** What the run is doing, for the progress line. */
  phase: 'scanning' | 'reading' | 'grouping' = 'reading';
  /** Bytes read by the prescan (a first pass over the files for order ids), for progress. */
  scan = { bytes: 0 };
  /**
   * Prescan counts: order-id runs, runs of an id seen before (or a filter false positive), and
   * whether the second pass used it (not when most orders were scattered).
   */
  prescan: { runs: number; repeated: number; used: boolean } | undefined;
  /** Seconds the prescan took. */
  scanSeconds: number | undefined;
  /** Seconds from the start until the whole input was read. */
  readSeconds: number | undefined;
  files: Array<{ path: string; rows: number; bytes: number; sha256: string }> = [];
  private rejectsOut: WriteStream | undefined;
  private rejectsPath: string | undefined;
  private rejectsError: Error | undefined;

  async openRejects(path: string | undefined): Promise<void> {
    if (path === undefined) return;
    const out = createWriteStream(path, { flags: 'w' });
    out.on('error', (error) => {
      this.rejectsError = error;
    });
    await once(out, 'open').catch((error: NodeJS.ErrnoException) => {
      throw new OutputError(`--rejects ${path}: cannot write (${error.code ?? 'error'})`);
    });
    this.rejectsOut = out;
    this.rejectsPath = path;
  }

  /** Counts rejected rows and writes their lines; resolves when the rejects file can take more. */
  async reject(reason: RejectReason, positions: readonly Position[], detail: Omit<RejectLine, 'file' | 'line' | 'reason'>): Promise<void> {
    this.rows.rejected += positions.length;
    this.rejects[reason] = (this.rejects[reason] ?? 0) + positions.length;
    await this.writeRejects(reason, positions, detail);
  }

  /** An event Pinterest did not take: its rows are already counted in rows.inEvents. */
  async failedEvent(reason: RejectReason, positions: readonly Position[], detail: Omit<RejectLine, 'file' | 'line' | 'reason'>): Promise<void> {
    this.rejects[reason] = (this.rejects[reason] ?? 0) + positions.length;
    await this.writeRejects(reason, positions, detail);
  }

  private async writeRejects(reason: RejectReason, positions: readonly Position[], detail: Omit<RejectLine, 'file' | 'line' | 'reason'>): Promise<void> {
    const out = this.rejectsOut;
    if (out === undefined) return;
    if (this.rejectsError) throw this.rejectsFailure(this.rejectsError);
    let ok = true;
    for (const pos of positions) {
      const line: RejectLine = { file: pos.file, line: pos.line, ...(pos.unit ? { unit: pos.unit } : {}), reason, ...detail };
      ok = out.write(JSON.stringify(line) + '\n');
    }
    if (ok) return;
    // A stream that failed never drains: wait for whichever comes first, then report the failure.
    await drained(out);
    if (this.rejectsError) throw this.rejectsFailure(this.rejectsError);
  }

  private rejectsFailure(error: NodeJS.ErrnoException): OutputError {
    return new OutputError(`--rejects: write failed (${error.code ?? 'error'})`);
  }

  async closeRejects(): Promise<void> {
    const out = this.rejectsOut;
    if (out === undefined) return;
    this.rejectsOut = undefined;
    out.end();
    // finished(), unlike once('finish'), also settles for a stream that failed before.
    await finished(out).catch(() => undefined);
    if (this.rejectsError) throw this.rejectsFailure(this.rejectsError);
  }

  mergeInvalid(counts: InvalidFieldCounts, resolver: ColumnResolver): void {
    this.invalidFields = { ...counts };
    // A CSV without a header line would list data as column names: never show one that looks like an email.
    this.unknownColumns = [...resolver.unknown].map((name) => (name.includes('@') ? '(a name with "@", not shown)' : name));
  }

  /** The JSON written by --report. */
  toJSON(): Record<string, unknown> {
    return {
      command: this.command,
      rows: { ...this.rows, ...(this.rowsExcludedByStop > 0 ? { excludedByStop: this.rowsExcludedByStop } : {}) },
      events: { ...this.events },
      ...(this.stoppedAtLimit ? { stoppedAtLimit: true } : {}),
      ...(this.interrupted ? { interrupted: true } : {}),
      requests: { ...this.requests },
      rejects: { ...this.rejects },
      invalidFields: { ...this.invalidFields },
      unknownColumns: [...this.unknownColumns],
      bytesRead: this.input.bytes,
      files: this.files.map((f) => ({ ...f })),
      seconds: Math.round((Date.now() - this.startedAt) / 100) / 10,
      ...(this.readSeconds !== undefined ? { readSeconds: this.readSeconds } : {}),
      ...(this.scanSeconds !== undefined ? { scanSeconds: this.scanSeconds } : {}),
      ...(this.prescan !== undefined ? { prescan: { ...this.prescan } } : {}),
    };
  }

  /** The stderr summary: counts, reasons and codes only. */
  summary(): string {
    const seconds = (Date.now() - this.startedAt) / 1000;
    const lines = [
      `pinconv ${this.command}: ${this.rows.read} rows read in ${seconds.toFixed(seconds < 1 ? 2 : 1)} s (${rate(this.rows.read, seconds)} rows/s)`,
      `  rows:     ${this.rows.inEvents} in events, ${this.rows.rejected} rejected, ${this.rows.excluded} excluded`,
      `  events:   ${this.events.built} built, ${this.events.excluded} excluded (${this.events.excludedByWindow} outside the time window${this.events.excludedByLimit ? `, ${this.events.excludedByLimit} past --limit` : ''})`,
    ];
    // readSeconds is set once the whole input has been read: a stop after that ends no reading.
    const stoppedBy = this.stoppedAtLimit
      ? `--limit reached after ${this.events.built} events: reading stopped there`
      : this.interrupted
        ? this.readSeconds === undefined
          ? 'interrupted: reading stopped there'
          : 'interrupted after the whole input was read'
        : undefined;
    if (stoppedBy !== undefined) {
      lines.push(`  stopped:  ${stoppedBy}` + (this.rowsExcludedByStop > 0 ? ` (${this.rowsExcludedByStop} rows of orders still open count as excluded)` : ''));
    }
    if (this.requests.sent > 0 || this.events.sent > 0 || this.events.alreadySent > 0) {
      lines.push(
        `  sent:     ${this.events.sent} events in ${this.requests.sent} requests: ${this.events.processed} processed, ${this.events.failed} failed; ${this.requests.retried} retries, ${this.requests.rateLimited} rate-limited` +
          (this.events.alreadySent ? `; ${this.events.alreadySent} already sent (checkpoint)` : ''),
      );
    }
    if (this.prescan) {
      const { runs, repeated, used } = this.prescan;
      lines.push(
        used
          ? `  prescan:  ${runs} order runs in ${this.scanSeconds ?? 0} s; ${repeated} of them repeat an order id (such an order leaves once all the rows counted for it are read)`
          : `  prescan:  given up after ${runs} order runs: most order ids come back from far away, so every order was held to the end`,
      );
    }
    const reasons = Object.entries(this.rejects);
    if (reasons.length > 0) {
      lines.push(`  rejects:  ${reasons.map(([r, n]) => `${r} ${n}`).join(', ')}`);
      lines.push(this.rejectsPath ? `  each reject is a line of ${this.rejectsPath}` : '  --rejects FILE lists each rejected row with its position and reason');
    }
    const invalid = Object.entries(this.invalidFields);
    if (invalid.length > 0) lines.push(`  dropped invalid values: ${invalid.map(([f, n]) => `${f} ${n}`).join(', ')}`);
    if (this.unknownColumns.length > 0) lines.push(`  ignored columns: ${this.unknownColumns.join(', ')}`);
    for (const file of this.files) lines.push(`  wrote ${file.path}: ${file.rows} rows, ${file.bytes} bytes`);
    return lines.join('\n');
  }
}

function rate(count: number, seconds: number): string {
  return seconds > 0 ? Math.round(count / seconds).toLocaleString('en-US') : '-';
}

