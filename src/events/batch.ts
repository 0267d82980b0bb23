/** Pinterest accepts 1 to 1000 events per request. */
export const MAX_BATCH_EVENTS = 1000;
/** Request body bound (PRODUCT §5), in bytes of the serialised body. */
export const MAX_BATCH_BYTES = 2_000_000;

const ENVELOPE_BYTES = '{"data":[]}'.length;

export interface Batch<T> {
  /** Serialised events, each a JSON object. */
  events: string[];
  items: T[];
  bytes: number;
}

export function batchBody(events: readonly string[]): string {
  return `{"data":[${events.join(',')}]}`;
}

/**
 * Packs serialised events into request bodies of at most `maxEvents` events and `maxBytes` bytes.
 * Pure: add() returns a full batch when the next event would not fit, flush() the rest.
 */
export class Batcher<T> {
  private events: string[] = [];
  private items: T[] = [];
  private bytes = ENVELOPE_BYTES;
  private readonly maxEvents: number;
  private readonly maxBytes: number;

  constructor(maxEvents = MAX_BATCH_EVENTS, maxBytes = MAX_BATCH_BYTES) {
    this.maxEvents = maxEvents;
    this.maxBytes = maxBytes;
  }

  /** Bytes an event takes in a body of its own; an event over maxBytes can never be sent. */
  static soloBytes(json: string): number {
    return ENVELOPE_BYTES + Buffer.byteLength(json);
  }

  add(json: string, item: T): Batch<T> | undefined {
    const length = Buffer.byteLength(json);
    let full: Batch<T> | undefined;
    if (this.events.length > 0 && (this.events.length >= this.maxEvents || this.bytes + length + 1 > this.maxBytes)) {
      full = this.flush();
    }
    this.bytes += length + (this.events.length > 0 ? 1 : 0);
    this.events.push(json);
    this.items.push(item);
    return full;
  }

  flush(): Batch<T> | undefined {
    if (this.events.length === 0) return undefined;
    const batch = { events: this.events, items: this.items, bytes: this.bytes };
    this.events = [];
    this.items = [];
    this.bytes = ENVELOPE_BYTES;
    return batch;
  }
}
