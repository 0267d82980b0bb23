/**
 * The bytes of the events settled in one chunk: events are written here as they are settled, with
 * no string in between, and the buffer crosses to the main thread whole, transferred, not copied.
 * Chunks settle about as many bytes as the one before: each buffer starts a quarter larger than the
 * last chunk's bytes, so it rarely grows; one that did, and so is mostly empty, is copied to its
 * size before it leaves (the main thread holds several chunks' bytes at once).
 */
export class ByteSink {
  private buffer: Buffer;
  private length = 0;

  constructor(capacity = 256 * 1024) {
    this.buffer = Buffer.from(new ArrayBuffer(capacity));
  }

  /** Bytes written since the sink started afresh. */
  get size(): number {
    return this.length;
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.from(new ArrayBuffer(Math.max(this.buffer.length + (this.buffer.length >>> 1), this.length + bytes)));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  /** Writes text (of this UTF-8 size) and returns its offset. */
  append(text: string, size: number): number {
    this.reserve(size);
    const at = this.length;
    // A text whose UTF-8 size equals its length is ASCII: latin1 is a plain copy.
    this.length += this.buffer.write(text, at, size, size === text.length ? 'latin1' : 'utf8');
    return at;
  }

  /** Writes text known to be ASCII (keys, numbers, hex digests). */
  ascii(text: string): void {
    this.reserve(text.length);
    // A copy in JS beats the call into C++ for short texts; a digest goes faster through write().
    if (text.length >= 24) {
      this.length += this.buffer.write(text, this.length, 'latin1');
      return;
    }
    const buffer = this.buffer;
    let at = this.length;
    for (let i = 0; i < text.length; i++) buffer[at++] = text.charCodeAt(i);
    this.length = at;
  }

  /** Writes an ASCII text (a hex digest) in quotes: `"text"`. */
  quoted(text: string): void {
    this.reserve(text.length + 2);
    this.buffer[this.length++] = 0x22;
    this.length += this.buffer.write(text, this.length, 'latin1');
    this.buffer[this.length++] = 0x22;
  }

  /** Writes an integer in decimal, as String() does for safe integers. */
  integer(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) {
      this.ascii(String(value));
      return;
    }
    this.reserve(16);
    const buffer = this.buffer;
    let digits = 1;
    for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    let at = this.length + digits;
    this.length = at;
    let rest = value;
    do {
      buffer[--at] = 0x30 + (rest % 10);
      rest = Math.floor(rest / 10);
    } while (rest > 0);
  }

  /** Writes any text as UTF-8. */
  utf8(text: string): void {
    this.reserve(text.length * 3);
    this.length += this.buffer.write(text, this.length, 'utf8');
  }

  /** Writes text as a JSON string, exactly as JSON.stringify does. */
  jsonText(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      // Control characters, quotes, backslashes and non-ASCII take JSON.stringify's way.
      if (code < 0x20 || code === 0x22 || code === 0x5c || code > 0x7e) {
        this.utf8(JSON.stringify(text));
        return;
      }
    }
    this.reserve(text.length + 2);
    const buffer = this.buffer;
    let at = this.length;
    buffer[at++] = 0x22;
    for (let i = 0; i < text.length; i++) buffer[at++] = text.charCodeAt(i);
    buffer[at++] = 0x22;
    this.length = at;
  }

  /** The bytes written so far, on a buffer of their own (safe to transfer); the sink starts afresh. */
  take(): Uint8Array | undefined {
    const length = this.length;
    if (length === 0) return undefined;
    let taken = new Uint8Array(this.buffer.buffer, 0, length);
    if (length < this.buffer.length * 0.75) taken = new Uint8Array(taken);
    this.buffer = Buffer.from(new ArrayBuffer(Math.max(length + (length >>> 2), 64 * 1024)));
    this.length = 0;
    return taken;
  }

  /** The bytes written so far, as text; the sink starts afresh on the same buffer. */
  takeText(): string {
    const text = this.buffer.toString('utf8', 0, this.length);
    this.length = 0;
    return text;
  }
}
