import { Batcher, releasedBody } from '../events/batch.js';
import type { LineWriter } from '../output.js';
import type { EventItem } from '../pipeline.js';

/** `send --dry-run`: each request body that would be sent, one JSON line each, nothing sent. */
export async function writeDryRun(events: AsyncIterable<EventItem[]>, out: LineWriter, batchSize?: number): Promise<number> {
  const batcher = new Batcher<EventItem>(batchSize);
  let bodies = 0;
  for await (const items of events) {
    for (const item of items) {
      const full = batcher.add(item.payload, item, item.bytes);
      if (full) {
        await out.write(releasedBody(full));
        await out.write('\n');
        bodies++;
      }
    }
    if (out.closed) return bodies;
  }
  const last = batcher.flush();
  if (last) {
    await out.write(releasedBody(last));
    await out.write('\n');
    bodies++;
  }
  return bodies;
}
