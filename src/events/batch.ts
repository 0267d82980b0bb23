/** Pinterest accepts 1 to 1000 events per request. */
export const MAX_BATCH_EVENTS = 1000;
/** Request body bound (PRODUCT §5), in bytes of the serialised body. */
export const MAX_BATCH_BYTES = 2_000_000;

const ENVELOPE_BYTES = '{"data":[]}'.length;

/** A serialised event, a JSON object: text, or its UTF-8 bytes. */
export type EventPayload = string | Uint8Array;

export interface Batch<T> {
  /** Serialised events. */
  events: EventPayload[];
  /** The UTF-8 size of each event. */
  sizes: number[];
  items: T[];
  /** The size of the body. */
  bytes: number;
}

/**
 * The request body {"data":[…]} of serialised events, as bytes. Each event is copied once into a
 * buffer of the exact size; an event whose UTF-8 size equals its length is ASCII and copied as
 * latin1, the cheapest encoding. sizes, when known (events settled in worker threads carry theirs),
 * spare measuring each event again; `offsets`, when given, receives where each event starts.
 */
export function batchBody(events: readonly EventPayload[], sizes: readonly number[] = events.map((e) => Buffer.byteLength(e)), offsets?: number[]): Buffer {
  let total = ENVELOPE_BYTES + Math.max(0, events.length - 1);
  for (const size of sizes) total += size;
  const body = Buffer.allocUnsafe(total);
  let at = body.write('{"data":[', 0, 'latin1');
  for (let i = 0; i < events.length; i++) {
    if (i > 0) body[at++] = 0x2c; // ,
    offsets?.push(at);
    const json = events[i] as EventPayload;
    const size = sizes[i] as number;
    if (typeof json !== 'string') {
      body.set(json, at);
      at += size;
    } else {
      at += body.write(json, at, size, size === json.length ? 'latin1' : 'utf8');
    }
  }
  body.write(']}', at, 'latin1');
  return body;
}

/**
 * A full batch's body; its events, copied into it, are released (their chunk blocks may be reused:
 * EventItem#release).
 */
export function releasedBody<T extends { release(): void }>(batch: Batch<T>, offsets?: number[]): Buffer {
  const body = batchBody(batch.events, batch.sizes, offsets);
  for (const item of batch.items) item.release();
  return body;
}

/**
 * A body of the events that lie at body[start, end) of another body (whole events and the commas
 * between them): a batch is halved from its body alone (pinterest/send.ts), its events released.
 */
export function sliceBody(body: Buffer, start: number, end: number): Buffer {
  const slice = Buffer.allocUnsafe(ENVELOPE_BYTES + end - start);
  const at = slice.write('{"data":[', 0, 'latin1');
  body.copy(slice, at, start, end);
  slice.write(']}', at + end - start, 'latin1');
  return slice;
}

/**
 * Packs serialised events into request bodies of at most `maxEvents` events and `maxBytes` bytes.
 * Pure: add() returns a full batch when the next event would not fit, flush() the rest.
 */
export class Batcher<T> {
  private events: EventPayload[] = [];
  private sizes: number[] = [];
  private items: T[] = [];
  private bytes = ENVELOPE_BYTES;
  private readonly maxEvents: number;
  private readonly maxBytes: number;

  constructor(maxEvents = MAX_BATCH_EVENTS, maxBytes = MAX_BATCH_BYTES) {
    this.maxEvents = maxEvents;
    this.maxBytes = maxBytes;
  }

  /** Bytes an event of this UTF-8 size takes in a body of its own; over maxBytes it can never be sent. */
  static soloBytes(size: number): number {
    return ENVELOPE_BYTES + size;
  }

  /** Whether an event of this UTF-8 size is too large to send even alone (EVENT_TOO_LARGE). */
  static tooLarge(size: number): boolean {
    return Batcher.soloBytes(size) > MAX_BATCH_BYTES;
  }

  /** Adds an event (its UTF-8 size when known); returns the batch it filled, if any. */
  add(json: EventPayload, item: T, length = Buffer.byteLength(json)): Batch<T> | undefined {
    let full: Batch<T> | undefined;
    if (this.events.length > 0 && (this.events.length >= this.maxEvents || this.bytes + length + 1 > this.maxBytes)) {
      full = this.flush();
    }
    this.bytes += length + (this.events.length > 0 ? 1 : 0);
    this.events.push(json);
    this.sizes.push(length);
    this.items.push(item);
    return full;
  }

  flush(): Batch<T> | undefined {
    if (this.events.length === 0) return undefined;
    const batch = { events: this.events, sizes: this.sizes, items: this.items, bytes: this.bytes };
    this.events = [];
    this.sizes = [];
    this.items = [];
    this.bytes = ENVELOPE_BYTES;
    return batch;
  }
}
