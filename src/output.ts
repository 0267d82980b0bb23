import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { OutputError } from './errors.js';

/** Resolves on 'drain', or when the stream closes or fails (at once if it already has); removes its listeners either way. */
export function drained(out: Writable): Promise<void> {
  if (out.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      out.off('drain', done);
      out.off('close', done);
      out.off('error', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
    out.on('error', done);
  });
}

/**
 * Writes text to a stream with backpressure (`write` false → wait for drain). A reader that went away
 * (EPIPE, as with `| head`) ends the run quietly instead of crashing it: `closed` turns true.
 */
export class LineWriter {
  private readonly out: Writable;
  /** What the messages name: "--out FILE", or nothing for stdout. */
  private readonly label: string;
  private failure: NodeJS.ErrnoException | undefined;
  closed = false;

  constructor(out: Writable, label?: string) {
    this.out = out;
    this.label = label === undefined ? '' : `${label}: `;
    out.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') this.closed = true;
      else this.failure = error;
    });
  }

  async write(text: string | Uint8Array): Promise<void> {
    if (this.failure) throw this.failed(this.failure);
    if (this.closed) return;
    if (!this.out.write(text)) await drained(this.out);
  }

  private failed(error: NodeJS.ErrnoException): OutputError {
    return new OutputError(`${this.label}write failed (${error.code ?? 'error'})`);
  }

  /** Ends a stream pinconv opened (not stdout) and waits until it is flushed. */
  async end(): Promise<void> {
    if (this.closed) return;
    this.out.end();
    await finished(this.out).catch(() => undefined);
    if (this.failure) throw this.failed(this.failure);
  }
}

/**
 * Fails early, before any input is read or event sent, when `path` cannot be written: it is a folder,
 * or it or its folder is missing or read-only. `label` names the option ("--report").
 */
export async function checkWritable(path: string, label: string): Promise<void> {
  const problem = await stat(path).then(
    (info) => (info.isDirectory() ? 'EISDIR' : access(path, constants.W_OK).then(() => undefined, (error: NodeJS.ErrnoException) => error.code)),
    async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') return error.code;
      return access(dirname(path), constants.W_OK).then(() => undefined, (e: NodeJS.ErrnoException) => e.code);
    },
  );
  if (problem !== undefined) throw new OutputError(`${label} ${path}: cannot write (${problem})`);
}
