import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { OutputError } from './errors.js';

/** Resolves on 'drain', or when the stream closes or fails; removes its listeners either way. */
function drained(out: Writable): Promise<void> {
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
  private failure: NodeJS.ErrnoException | undefined;
  closed = false;

  constructor(out: Writable) {
    this.out = out;
    out.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') this.closed = true;
      else this.failure = error;
    });
  }

  async write(text: string | Uint8Array): Promise<void> {
    if (this.failure) throw new OutputError(`write failed (${this.failure.code ?? 'error'})`);
    if (this.closed) return;
    if (!this.out.write(text)) await drained(this.out);
  }

  /** Ends a stream pinconv opened (not stdout) and waits until it is flushed. */
  async end(): Promise<void> {
    if (this.closed) return;
    this.out.end();
    await once(this.out, 'finish').catch(() => undefined);
    if (this.failure) throw new OutputError(`write failed (${this.failure.code ?? 'error'})`);
  }
}
