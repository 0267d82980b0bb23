import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { OutputError } from './errors.js';

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

  async write(text: string): Promise<void> {
    if (this.failure) throw new OutputError(`write failed (${this.failure.code ?? 'error'})`);
    if (this.closed) return;
    if (!this.out.write(text)) {
      await Promise.race([once(this.out, 'drain'), once(this.out, 'close')]).catch(() => undefined);
    }
  }

  /** Ends a stream pinconv opened (not stdout) and waits until it is flushed. */
  async end(): Promise<void> {
    if (this.closed) return;
    this.out.end();
    await once(this.out, 'finish').catch(() => undefined);
    if (this.failure) throw new OutputError(`write failed (${this.failure.code ?? 'error'})`);
  }
}
