import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import { AuthError, SendError } from '../errors.js';
import { Batcher, releasedBody, sliceBody, type Batch } from '../events/batch.js';
import type { SendOptions } from '../options.js';
import type { EventItem } from '../pipeline.js';
import { orderIdField, type Report } from '../report.js';
import { batchHash, Checkpoint } from './checkpoint.js';
import { ConversionsClient, type ApiAnswer } from './client.js';
import type { ApiErrorBody, ConversionEvent, EventResult } from './contract.js';
import { backoffMs, isRetryableError, isRetryableStatus, parseRetryAfter } from './retry.js';
import { readToken } from './token.js';

export interface SendIO {
  stopped?: () => boolean;
  /** Opened by the caller when it had to read the resumed clock first. */
  checkpoint?: Checkpoint;
  /** The client to use instead of one made from the options (tests). */
  client?: Pick<ConversionsClient, 'post' | 'close'>;
  random?: () => number;
}

function describeError(body: unknown): string {
  const error = body as Partial<ApiErrorBody> | undefined;
  if (error && typeof error.message === 'string') return `${error.message}${typeof error.code === 'number' ? ` (code ${error.code})` : ''}`;
  return 'no error message';
}

function eventResults(answer: ApiAnswer): EventResult[] | undefined {
  const body = answer.body as { events?: unknown; details?: { events?: unknown } } | undefined;
  const events = answer.status === 200 ? body?.events : body?.details?.events;
  return Array.isArray(events) ? (events as EventResult[]) : undefined;
}

/**
 * Sends one batch: retries 429, 5xx and network errors with backoff; splits a 400 to isolate the
 * events Pinterest refuses; reads per-event results from 200 and 422 answers.
 */
class BatchSender {
  private readonly client: Pick<ConversionsClient, 'post' | 'close'>;
  private readonly options: SendOptions;
  private readonly report: Report;
  private readonly random: () => number;
  /** Set when a fatal answer (401/403, retries exhausted) stops the run. */
  fatal: Error | undefined;

  constructor(client: Pick<ConversionsClient, 'post' | 'close'>, options: SendOptions, report: Report, random: () => number) {
    this.client = client;
    this.options = options;
    this.report = report;
    this.random = random;
  }

  /** POST with retries; returns the first answer that is not worth retrying. */
  private async post(body: Uint8Array): Promise<ApiAnswer> {
    const { maxRetries, baseBackoffMs, maxBackoffMs } = this.options;
    for (let attempt = 0; ; attempt++) {
      if (this.fatal) throw this.fatal;
      this.report.requests.sent++;
      if (attempt > 0) this.report.requests.retried++;
      let answer: ApiAnswer | undefined;
      let failure: string;
      try {
        answer = await this.client.post(body);
        if (!isRetryableStatus(answer.status)) return answer;
        if (answer.status === 429) this.report.requests.rateLimited++;
        failure = `HTTP ${answer.status}: ${describeError(answer.body)}`;
      } catch (error) {
        if (!isRetryableError(error)) {
          throw new SendError(`request failed (${(error as { code?: string }).code ?? (error as Error).name}); nothing more is sent`);
        }
        failure = `network error ${(error as { code?: string }).code ?? ''}`.trim();
      }
      if (attempt >= maxRetries) {
        throw new SendError(`a request still failed after ${maxRetries} retries (last: ${failure}); progress is saved where --checkpoint is set`);
      }
      const retryAfter = answer ? parseRetryAfter(answer.retryAfter, Date.now()) : undefined;
      await sleep(backoffMs(attempt, baseBackoffMs, maxBackoffMs, retryAfter, this.random));
    }
  }

  /**
   * Sends the events [from, to) of a posted batch: its whole body, or, after a 400, a slice of it.
   * Failed events are read back from the body: the events themselves were released.
   */
  async send(batch: PostedBatch, from = 0, to = batch.items.length): Promise<void> {
    const whole = from === 0 && to === batch.items.length;
    const body = whole ? batch.body : sliceBody(batch.body, batch.offsets[from] as number, (batch.offsets[to - 1] as number) + (batch.sizes[to - 1] as number));
    const answer = await this.post(body);
    const { status } = answer;
    if (status === 401 || status === 403) {
      throw new AuthError(
        status,
        `Pinterest answered ${status} (${describeError(answer.body)}): the access token is wrong, expired or lacks access to ad account ${this.options.adAccount}. ` +
          'Generate a new conversion access token in Ads Manager (Conversions > Conversions API > Set up API > Generate new token), ' +
          'set PINTEREST_ACCESS_TOKEN or --token-file, and run the same command again' +
          (this.options.checkpoint ? ` (--checkpoint ${this.options.checkpoint} keeps what was acknowledged)` : ''),
      );
    }
    if (status === 400 || status === 413) {
      // Never retried whole: halve until the refused events stand alone, send the rest once.
      if (to - from === 1) {
        const event = eventIn(batch, from);
        this.report.events.failed++;
        await this.report.failedEvent('PINTEREST_INVALID', (batch.items[from] as EventItem).positions, {
          message: `Pinterest answered ${status}: ${describeError(answer.body)}`,
          event_id: event.event_id,
          ...orderIdField(event.custom_data.order_id),
        });
        return;
      }
      const half = from + Math.ceil((to - from) / 2);
      await this.send(batch, from, half);
      await this.send(batch, half, to);
      return;
    }
    if (status !== 200 && status !== 422) {
      throw new SendError(`Pinterest answered ${status} (${describeError(answer.body)}); check --ad-account and --api-base`);
    }
    const results = eventResults(answer);
    if (results === undefined || results.length !== to - from) {
      throw new SendError(`Pinterest answered ${status} without one result per event; nothing more is sent`);
    }
    for (let i = from; i < to; i++) {
      const result = results[i - from] as EventResult;
      if (result.status === 'processed') {
        this.report.events.processed++;
        continue;
      }
      const event = eventIn(batch, i);
      this.report.events.failed++;
      await this.report.failedEvent('PINTEREST_FAILED', (batch.items[i] as EventItem).positions, {
        message: result.error_message ?? 'failed without a message',
        event_id: event.event_id,
        ...orderIdField(event.custom_data.order_id),
      });
    }
  }
}

/**
 * A batch as it is posted: its body, where each event sits in it, and its events, which were released
 * once the body was built (their chunk blocks went back to the workers): only their positions are
 * read afterwards.
 */
interface PostedBatch {
  body: Buffer;
  offsets: number[];
  sizes: readonly number[];
  items: readonly EventItem[];
}

function posted(batch: Batch<EventItem>): PostedBatch {
  const offsets: number[] = [];
  const body = releasedBody(batch, offsets);
  return { body, offsets, sizes: batch.sizes, items: batch.items };
}

/** The i-th event of a posted batch, parsed from its body. */
function eventIn(batch: PostedBatch, i: number): ConversionEvent {
  const at = batch.offsets[i] as number;
  return JSON.parse(batch.body.toString('utf8', at, at + (batch.sizes[i] as number))) as ConversionEvent;
}

/** Opens --checkpoint before the pipeline starts, so a resumed run can reuse the first run's clock. */
export async function openCheckpoint(options: SendOptions): Promise<Checkpoint | undefined> {
  if (options.checkpoint === undefined) return undefined;
  return Checkpoint.open(options.checkpoint, options.adAccount ?? '', options.test, options.now);
}

/**
 * `pinconv send`: batches of at most 1000 events and 2 MB, at most --concurrency requests in flight.
 * The reader waits for the sender, so memory stays flat however slow the API is.
 */
export async function sendToPinterest(events: AsyncIterable<EventItem[]>, options: SendOptions, report: Report, io: SendIO = {}): Promise<void> {
  const client =
    io.client ??
    new ConversionsClient({
      apiBase: options.apiBase,
      adAccount: options.adAccount ?? '',
      token: await readToken(options.tokenFile),
      test: options.test,
      timeoutMs: options.timeoutMs,
      connections: options.concurrency,
    });
  const checkpoint = io.checkpoint ?? (await openCheckpoint(options));
  const sender = new BatchSender(client, options, report, io.random ?? Math.random);
  const limit = pLimit(options.concurrency);
  const inFlight = new Set<Promise<void>>();
  let index = 0;

  const schedule = async (batch: Batch<EventItem>): Promise<void> => {
    const number = index++;
    const hash = batchHash(batch.items.map((item) => item.eventId));
    if (checkpoint?.check(number, hash) === 'skip') {
      report.events.alreadySent += batch.items.length;
      for (const item of batch.items) item.release();
      return;
    }
    // p-limit queues without bound; the producer waits here until a slot is free.
    while (inFlight.size >= options.concurrency && !sender.fatal) await Promise.race(inFlight);
    if (sender.fatal) return;
    report.events.sent += batch.items.length;
    // The body is built now: the events' chunk blocks go back to the workers while it waits or retries.
    const body = posted(batch);
    const task = limit(async () => {
      await sender.send(body);
      await checkpoint?.ack(number, hash);
    }).catch((error: unknown) => {
      sender.fatal ??= error instanceof Error ? error : new Error(String(error));
    });
    const tracked = task.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  };

  const batcher = new Batcher<EventItem>(options.batchSize);
  try {
    outer: for await (const items of events) {
      for (const item of items) {
        const full = batcher.add(item.payload, item, item.bytes);
        if (full) await schedule(full);
        if (sender.fatal || io.stopped?.()) break outer;
      }
    }
    if (!sender.fatal && !io.stopped?.()) {
      const last = batcher.flush();
      if (last) await schedule(last);
    }
    await Promise.all(inFlight);
    await checkpoint?.save();
  } finally {
    await Promise.allSettled(inFlight);
    await client.close();
  }
  if (sender.fatal) throw sender.fatal;
}
