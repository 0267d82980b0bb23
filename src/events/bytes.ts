/** Size of a sink's blocks. */
export const BLOCK_BYTES = 64 * 1024;
/** A text's location: its block × 2^32 + its offset in the block. */
const BLOCK_SPAN = 2 ** 32;

/**
 * Blocks the main thread gave back once nothing read them any more (BlockLease): a worker writes its
 * next chunks into them instead of new buffers. Each thread has its own list.
 */
const spareBlocks: ArrayBuffer[] = [];
/** Spare blocks a thread keeps (1 MiB, about one chunk's events on a dry run); more are left to the garbage collector. */
const MAX_SPARE_BLOCKS = 16;

/** Whether a buffer can be reused as a block: a whole BLOCK_BYTES buffer (not a detached one, nor a big text's own). */
export function isWholeBlock(buffer: ArrayBuffer): boolean {
  return buffer.byteLength === BLOCK_BYTES;
}

/** Keeps blocks for reuse (whole ones only: isWholeBlock). */
export function recycleBlocks(buffers: readonly ArrayBuffer[]): void {
  for (const buffer of buffers) {
    if (isWholeBlock(buffer) && spareBlocks.length < MAX_SPARE_BLOCKS) spareBlocks.push(buffer);
  }
}

function newBlock(bytes: number): Buffer {
  const spare = bytes === BLOCK_BYTES ? spareBlocks.pop() : undefined;
  return Buffer.from(spare ?? new ArrayBuffer(bytes));
}

/**
 * The bytes of the events settled in one chunk: events are written here as they are settled, with
 * no string in between, and the blocks cross to the main thread, transferred, not copied (and come
 * back once read: BlockLease).
 *
 * Blocks all have one size (64 KiB; a bigger text gets a block of its own): buffers of varied
 * megabyte sizes, allocated in a worker and freed in the main thread, fragmented the malloc arenas.
 * Each text stays whole in one block.
 */
export class ByteSink {
  private readonly blockBytes: number;
  private blocks: Uint8Array[] = [];
  private buffer: Buffer;
  private length = 0;
  /** Where the text being written starts in the current block. */
  private mark = 0;

  constructor(blockBytes = BLOCK_BYTES) {
    this.blockBytes = blockBytes;
    this.buffer = newBlock(blockBytes);
  }

  /** Starts a text: what is written next, up to location(), is one piece. */
  start(): void {
    this.mark = this.length;
  }

  /** Bytes of the text written since start(). */
  get written(): number {
    return this.length - this.mark;
  }

  /** The location of the text written since start(), for bytesAt(). */
  get location(): number {
    return this.blocks.length * BLOCK_SPAN + this.mark;
  }

  /** Room for `bytes` more in the current block; the text written so far moves along to a new one. */
  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const carried = this.length - this.mark;
    const next = newBlock(Math.max(this.blockBytes, 2 * (carried + bytes)));
    this.buffer.copy(next, 0, this.mark, this.length);
    if (this.mark > 0) this.blocks.push(new Uint8Array(this.buffer.buffer, 0, this.mark));
    this.buffer = next;
    this.length = carried;
    this.mark = 0;
  }

  /** Writes a text of this UTF-8 size as a piece of its own and returns its location. */
  append(text: string, size: number): number {
    this.start();
    this.reserve(size);
    // A text whose UTF-8 size equals its length is ASCII: latin1 is a plain copy.
    this.length += this.buffer.write(text, this.length, size, size === text.length ? 'latin1' : 'utf8');
    return this.location;
  }

  /** Writes an ASCII text (a hex digest, a plain JSON string) in quotes: `"text"`. */
  quoted(text: string): void {
    this.reserve(text.length + 2);
    this.buffer[this.length++] = 0x22;
    this.length += this.buffer.write(text, this.length, 'latin1');
    this.buffer[this.length++] = 0x22;
  }

  /** Writes an integer in decimal, as String() does for safe integers. */
  integer(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) {
      this.text(String(value));
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

  /**
   * Writes any text as UTF-8. A copy in JS beats the call into C++ for a short ASCII text (keys,
   * numbers, cells); a long one, or one with other characters, goes through Buffer#write.
   */
  text(text: string): void {
    if (text.length >= 24) {
      this.utf8(text);
      return;
    }
    this.reserve(text.length);
    const buffer = this.buffer;
    const start = this.length;
    let at = start;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code > 0x7f) {
        this.length = start;
        this.utf8(text);
        return;
      }
      buffer[at++] = code;
    }
    this.length = at;
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
    this.quoted(text);
  }

  /** The blocks written so far, each on a buffer of its own (safe to transfer); the sink starts afresh. */
  take(): Uint8Array[] | undefined {
    if (this.length > 0) this.blocks.push(new Uint8Array(this.buffer.buffer, 0, this.length));
    const taken = this.blocks;
    if (this.length > 0) this.buffer = newBlock(this.blockBytes);
    this.blocks = [];
    this.length = 0;
    this.mark = 0;
    return taken.length > 0 ? taken : undefined;
  }

  /** The text written since start(), as a string; the sink starts afresh, keeping its block. */
  takeText(): string {
    const text = this.buffer.toString('utf8', this.mark, this.length);
    this.blocks = [];
    this.length = 0;
    this.mark = 0;
    return text;
  }
}

/** The bytes of a text at a location (ByteSink#location) in a sink's blocks, if they are there. */
export function bytesAt(blocks: readonly Uint8Array[], location: number, size: number): Uint8Array | undefined {
  const block = blocks[Math.floor(location / BLOCK_SPAN)];
  const offset = location % BLOCK_SPAN;
  return block !== undefined && offset + size <= block.length ? block.subarray(offset, offset + size) : undefined;
}

/** The sink of textOf: one per thread, reused. */
const scratch = new ByteSink(16 * 1024);

/** What a writer writes into a sink, as text: the string forms of the byte writers. */
export function textOf(write: (out: ByteSink) => void): string {
  write(scratch);
  return scratch.takeText();
}

/**
 * The main thread's hold on the blocks of one chunk result. Events point into the blocks until their
 * request body or upload row is written (EventItem#release); once the chunk's lines are all read
 * (end) and the last event let go, the blocks go back to the worker threads, transferred, for
 * their next chunks. Chunk bytes then stop flowing through the allocator: blocks freed only when
 * the main thread collected garbage kept tens of MB of dead blocks in the workers' malloc arenas.
 */
export class BlockLease {
  private holders = 0;
  private reading = true;
  private readonly blocks: readonly Uint8Array[];
  private giveBack: ((blocks: readonly Uint8Array[]) => void) | undefined;

  constructor(blocks: readonly Uint8Array[], giveBack: (blocks: readonly Uint8Array[]) => void) {
    this.blocks = blocks;
    this.giveBack = giveBack;
  }

  /** An event now points into the blocks. */
  hold(): void {
    this.holders++;
  }

  /** An event no longer reads the blocks. */
  release(): void {
    this.holders--;
    this.settle();
  }

  /** Every line of the chunk has been read: no event will hold the blocks from now on. */
  end(): void {
    this.reading = false;
    this.settle();
  }

  private settle(): void {
    if (this.reading || this.holders > 0 || this.giveBack === undefined) return;
    const giveBack = this.giveBack;
    this.giveBack = undefined;
    giveBack(this.blocks);
  }
}
