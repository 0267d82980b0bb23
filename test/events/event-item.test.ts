import { describe, expect, it } from 'vitest';
import { BLOCK_BYTES, BlockLease, ByteSink, recycleBlocks } from '../../src/events/bytes.js';
import { EventItem } from '../../src/pipeline.js';

describe('EventItem', () => {
  const event = {
    event_name: 'checkout', action_source: 'offline', event_time: 1795773600, event_id: 'ab'.repeat(32),
    user_data: { em: ['cd'.repeat(32)] }, custom_data: { currency: 'EUR', value: '1', order_id: 'Ø-1' }, partner_name: 'ss-x',
  };
  const json = JSON.stringify(event);

  it('reads the same event from text and from bytes settled in a worker thread', () => {
    const text = new EventItem(json, []);
    // A view into a larger buffer, as a chunk's bytes are.
    const buffer = Buffer.concat([Buffer.from('xx'), Buffer.from(json), Buffer.from('yy')]);
    const bytes = new EventItem(new Uint8Array(buffer.buffer, buffer.byteOffset + 2, Buffer.byteLength(json)), []);
    for (const item of [text, bytes]) {
      expect(item.bytes).toBe(Buffer.byteLength(json));
      expect(item.eventId).toBe(event.event_id);
      expect(item.json).toBe(json);
      expect(item.event).toEqual(event);
    }
  });

  it('an upload-CSV event carries its row only', () => {
    const item = EventItem.csv('a,b', []);
    expect(item.csvRow).toBe('a,b');
    expect(() => item.event).toThrow(/CSV row only/);
  });

  it('gives its chunk blocks back once the chunk is read and every event that points into them is released', () => {
    const blocks = [new Uint8Array(4)];
    const given: Array<readonly Uint8Array[]> = [];
    const lease = new BlockLease(blocks, (b) => given.push(b));
    const a = new EventItem(blocks[0] as Uint8Array, []);
    const b = new EventItem(blocks[0] as Uint8Array, []);
    a.hold(lease);
    a.release();
    // Every holder so far let go, but the chunk's lines are still being read: more may come.
    expect(given).toHaveLength(0);
    b.hold(lease);
    lease.end();
    expect(given).toHaveLength(0);
    b.release();
    b.release(); // twice is once
    expect(given).toEqual([blocks]);
    lease.end();
    expect(given).toHaveLength(1);
    // A released event is never read again: its bytes may already hold another chunk's events.
    expect(() => b.payload).toThrow(/after its bytes were released/);
    expect(() => b.json).toThrow(/after its bytes were released/);
  });

  it('a sink writes into blocks given back, whole ones only', () => {
    const spare = new ArrayBuffer(BLOCK_BYTES);
    recycleBlocks([new ArrayBuffer(BLOCK_BYTES + 1), new ArrayBuffer(0), spare]);
    const sink = new ByteSink();
    sink.text('{}');
    const taken = sink.take() ?? [];
    expect(taken[0]?.buffer).toBe(spare);
    // The list is empty again: the next block is new.
    sink.text('[]');
    expect((sink.take() ?? [])[0]?.buffer).not.toBe(spare);
  });
});
