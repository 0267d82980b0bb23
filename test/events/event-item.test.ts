import { describe, expect, it } from 'vitest';
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
});
