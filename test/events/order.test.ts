import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/normalize/hash.js';
import { runPipeline } from '../helpers/pipeline.js';

const HEADER = 'order_id,email,maid,timestamp,currency,order_revenue,price,quantity,product_id,item_name,opt_out,opt_out_type\n';

describe('one event per order', () => {
  it('sums price × quantity exactly and counts items', async () => {
    const { events, report } = await runPipeline(
      HEADER +
        'A,a@example.com,,2026-11-27T10:00:00Z,USD,,19.99,3,S1,Shirt,,\n' +
        'B,b@example.com,,2026-11-27T11:00:00Z,USD,,0.1,1,S2,,,\n' +
        'A,,,2026-11-27T10:00:00Z,USD,,0.2,,S3,,,\n' +
        'B,b@example.com,,2026-11-27T11:00:00Z,USD,,0.2,1,S4,,,\n',
    );
    expect(events.map((e) => e.event.custom_data.order_id)).toEqual(['A', 'B']);
    const [a, b] = events.map((e) => e.event);
    expect(a?.custom_data.value).toBe('60.17'); // 59.97 + 0.2 × 1 (missing quantity → 1)
    expect(a?.custom_data.num_items).toBe(4);
    expect(a?.custom_data.contents).toEqual([
      { id: 'S1', item_name: 'Shirt', item_price: '19.99', quantity: 3 },
      { id: 'S3', item_price: '0.2', quantity: 1 },
    ]);
    expect(b?.custom_data.value).toBe('0.3'); // never 0.30000000000000004
    for (const e of events) expect(e.json).toBe(JSON.stringify(e.event));
    expect(report.rows).toEqual({ read: 4, inEvents: 4, rejected: 0, excluded: 0 });
  });

  it('takes the first order_revenue and never sums a repeated order total', async () => {
    const { events } = await runPipeline(HEADER + 'A,a@example.com,,2026-11-27T10:00:00Z,USD,150.00,100,1,,,,\nA,a@example.com,,2026-11-27T10:00:00Z,USD,150.00,50,1,,,,\n');
    expect(events[0]?.event.custom_data.value).toBe('150');
  });

  it('builds event_id from order_id, event name and time, and a stable id without order_id', async () => {
    const { events } = await runPipeline(HEADER + 'A-1,a@example.com,,2025-01-12T14:21:56.000Z,USD,10,,,,,,\n,a@example.com,,2026-11-27T10:00:00Z,USD,10,,,,,,\n', { now: '2025-01-13T00:00:00Z' });
    expect(events[0]?.event.event_id).toBe(sha256Hex('A-1|checkout|1736691716'));
    expect(events[0]?.event.event_time).toBe(1736691716);
    const again = await runPipeline(HEADER + ',a@example.com,,2026-11-27T10:00:00Z,USD,10,,,,,,\n');
    const em = sha256Hex('a@example.com');
    expect(again.events[0]?.event.event_id).toBe(sha256Hex(`|checkout|1795773600|${em}|10`));
  });

  it('rejects orders without identifier and rows with another currency, with reasons', async () => {
    const { events, report } = await runPipeline(
      HEADER +
        'A,,,2026-11-27T10:00:00Z,USD,10,,,,,,\n' +
        'A,,,2026-11-27T10:00:00Z,USD,10,,,,,,\n' +
        'B,b@example.com,,2026-11-27T10:00:00Z,USD,,5,1,,,,\n' +
        'B,b@example.com,,2026-11-27T10:00:00Z,EUR,,5,1,,,,\n' +
        'C,c@example.com,,2026-11-27T10:00:00Z,USD,,,,,,,\n' +
        'D,d@example.com,,2026-11-27T10:00:00Z,USD,,5,2.5,,,,\n' +
        'E,e@example.com,,2026-11-27T10:00:00Z,USD,12,5,lots,,,,\n' +
        'F,,m-1,2026-11-27T10:00:00Z,USD,1,,,,,,\n',
    );
    expect(report.rejects).toEqual({ NO_IDENTIFIER: 2, CURRENCY_MISMATCH: 1, NO_VALUE: 1, BAD_QUANTITY: 1 });
    expect(events.map((e) => e.event.custom_data.order_id)).toEqual(['B', 'E', 'F']);
    expect(events[0]?.event.custom_data.value).toBe('5');
    // A bad quantity does not reject a row whose value does not depend on it.
    expect(events[1]?.event.custom_data.value).toBe('12');
    expect(report.invalidFields.quantity).toBe(1);
    expect(events[2]?.event.user_data.hashed_maids).toEqual([sha256Hex('m-1')]);
    expect(report.rows.read).toBe(report.rows.inEvents + report.rows.rejected + report.rows.excluded);
  });

  it('in the upload CSV a maid alone identifies only when the maid column is written', async () => {
    const input = HEADER + 'F,,m-1,2026-11-27T10:00:00Z,USD,1,,,,,,\n';
    expect((await runPipeline(input, {}, 'csv')).report.rejects).toEqual({ NO_IDENTIFIER: 1 });
    expect((await runPipeline(input, { columns: '+maid' }, 'csv')).events).toHaveLength(1);
    // Without the email column, an email alone cannot identify the buyer in the upload either.
    const emailOnly = HEADER + 'G,g@example.com,,2026-11-27T10:00:00Z,USD,1,,,,,,\n';
    expect((await runPipeline(emailOnly, { columns: '-email,+maid' }, 'csv')).report.rejects).toEqual({ NO_IDENTIFIER: 1 });
  });

  it('the upload CSV reads only the personal fields its columns carry', async () => {
    const input = 'order_id,email,phone,gender,timestamp,currency,order_revenue\nA,a@example.com,call me,robot,2026-11-27T10:00:00Z,USD,1\n';
    // The dry run checks every field; the default upload columns hold no phone and no gender.
    expect((await runPipeline(input)).report.invalidFields).toEqual({ phone: 1, gender: 1 });
    expect((await runPipeline(input, {}, 'csv')).report.invalidFields).toEqual({});
    const withPhone = await runPipeline(input.replace('call me', '(650) 555-1212'), { columns: '+phone' }, 'csv');
    expect(withPhone.events[0]?.csvRow).toBe(`${sha256Hex('a@example.com')},1795773600,checkout,offline,1,A,,${sha256Hex('16505551212')}`);
  });

  it('the upload CSV still reads country for the phone rule, though no column holds country', async () => {
    const input = 'order_id,email,phone,country,timestamp,currency,order_revenue\nA,a@example.com,020 7946 0958,GB,2026-11-27T10:00:00Z,GBP,1\n';
    const { events } = await runPipeline(input, { columns: '+phone' }, 'csv');
    expect(events[0]?.csvRow?.endsWith(`,${sha256Hex('442079460958')}`)).toBe(true);
  });

  it('excludes events outside the window and more than 5 minutes ahead', async () => {
    const { events, report } = await runPipeline(
      HEADER +
        'A,a@example.com,,2026-11-21T00:00:01Z,USD,1,,,,,,\n' + // inside 7 days
        'B,b@example.com,,2026-11-20T23:59:59Z,USD,1,,,,,,\n' + // older
        'C,c@example.com,,2026-11-28T00:04:59Z,USD,1,,,,,,\n' + // within skew
        'D,d@example.com,,2026-11-28T00:05:01Z,USD,1,,,,,,\n',
    );
    expect(events.map((e) => e.event.custom_data.order_id)).toEqual(['A', 'C']);
    expect(report.events.excludedByWindow).toBe(2);
    expect(report.rows.excluded).toBe(2);
    const csv = await runPipeline(HEADER + 'B,b@example.com,,2026-11-01T00:00:00Z,USD,1,,,,,,\n', {}, 'csv');
    expect(csv.events).toHaveLength(1); // the CSV path keeps 30 days
  });

  it('opt_out true sends LDP unless a type is given', async () => {
    const { events } = await runPipeline(HEADER + 'A,a@example.com,,2026-11-27T10:00:00Z,USD,1,,,,,yes,\nB,b@example.com,,2026-11-27T10:00:00Z,USD,1,,,,,0,ldp\n');
    expect(events[0]?.event.opt_out).toBe(true);
    expect(events[0]?.event.custom_data.opt_out_type).toBe('LDP');
    expect(events[1]?.event.opt_out).toBe(false);
    expect(events[1]?.event.custom_data.opt_out_type).toBe('LDP');
    for (const e of events) expect(e.json).toBe(JSON.stringify(e.event));
  });

  it('--grouping adjacent streams and rejects rows of orders that already ended', async () => {
    const { events, report } = await runPipeline(
      HEADER + 'A,a@example.com,,2026-11-27T10:00:00Z,USD,,1,1,,,,\nB,b@example.com,,2026-11-27T10:00:00Z,USD,,1,1,,,,\nA,a@example.com,,2026-11-27T10:00:00Z,USD,,1,1,,,,\n',
      { grouping: 'adjacent' },
    );
    expect(events).toHaveLength(2);
    expect(report.rejects).toEqual({ ORDER_NOT_ADJACENT: 1 });
  });

  it('--map renames columns and unknown columns are listed once', async () => {
    const { events, report } = await runPipeline('id,mail,ts,cur,total,colour\nA,a@example.com,2026-11-27T10:00:00Z,USD,1,red\nB,b@example.com,2026-11-27T10:00:00Z,USD,1,blue\n', {
      map: ['id=order_id', 'mail=email', 'ts=timestamp', 'cur=currency', 'total=value'],
    });
    expect(events).toHaveLength(2);
    expect(report.unknownColumns).toEqual(['colour']);
  });

  it('--default-currency fills rows without currency', async () => {
    const { events } = await runPipeline('order_id,email,timestamp,order_revenue\nA,a@example.com,2026-11-27T10:00:00Z,3\n', { defaultCurrency: 'eur' });
    expect(events[0]?.event.custom_data.currency).toBe('EUR');
  });
});
