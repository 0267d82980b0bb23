import type { Report } from './report.js';

const TTY_INTERVAL_MS = 250;
const LOG_INTERVAL_MS = 10_000;

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

/**
 * Progress on stderr: a line redrawn in place on a terminal, otherwise a log line every 10 s.
 * Returns a function that stops it and clears the line.
 */
export function startProgress(report: Report, stream: NodeJS.WriteStream = process.stderr): () => void {
  const tty = stream.isTTY === true;
  const started = Date.now();
  const render = (): string => {
    const seconds = Math.max((Date.now() - started) / 1000, 0.001);
    const rows = report.rows.read;
    if (report.phase === 'grouping') {
      // Input read: orders are being put together (and merged back from disk after a spill).
      let text = `${rows.toLocaleString('en-US')} rows read; grouping orders: ${report.events.built.toLocaleString('en-US')} events built`;
      if (report.events.sent > 0) text += `, ${report.events.sent.toLocaleString('en-US')} sent`;
      return text;
    }
    const size = report.input.size;
    if (report.phase === 'scanning') {
      const done = size ? ` ${((Math.min(report.scan.bytes / size, 1)) * 100).toFixed(1)}%` : '';
      return `scanning order ids (first pass):${done}, ${mb(report.scan.bytes / seconds)} MB/s`;
    }
    const bytes = report.input.bytes;
    let text = `${rows.toLocaleString('en-US')} rows, ${Math.round(rows / seconds).toLocaleString('en-US')} rows/s, ${mb(bytes / seconds)} MB/s`;
    if (size !== undefined && size > 0) {
      const fraction = Math.min(bytes / size, 1);
      const eta = fraction > 0 ? (seconds / fraction) * (1 - fraction) : 0;
      text += `, ${(fraction * 100).toFixed(1)}%, ETA ${Math.ceil(eta)} s`;
    }
    if (report.events.sent > 0) text += `, ${report.events.sent.toLocaleString('en-US')} events sent`;
    return text;
  };
  const timer = setInterval(
    () => {
      if (tty) stream.write(`\r\x1b[K${render()}`);
      else stream.write(`pinconv: ${render()}\n`);
    },
    tty ? TTY_INTERVAL_MS : LOG_INTERVAL_MS,
  );
  timer.unref();
  return () => {
    clearInterval(timer);
    if (tty) stream.write('\r\x1b[K');
  };
}
