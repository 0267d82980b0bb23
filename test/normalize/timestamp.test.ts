import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commonIso, isoByPattern, isValidTimeZone, parseTimestamp } from '../../src/normalize/timestamp.js';
import { anyString, stringOf } from './arbitraries.js';

const EXAMPLE = 1736691716; // 2025-01-12T14:21:56Z
const ZONES = ['UTC', 'America/New_York', 'America/Los_Angeles', 'Europe/London', 'Europe/Berlin', 'Australia/Sydney', 'Asia/Kolkata', 'America/St_Johns', 'Pacific/Chatham', 'Asia/Tokyo'];

/** Wall-clock "YYYY-MM-DD HH:MM:SS" of a UTC instant in `timeZone`. */
function wallClock(utcSeconds: number, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    })
      .formatToParts(new Date(utcSeconds * 1000))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

describe('parseTimestamp: PRODUCT §3', () => {
  it('2025-01-12T14:21:56.000Z → 1736691716', () => {
    expect(parseTimestamp('2025-01-12T14:21:56.000Z')).toBe(EXAMPLE);
  });

  it.each([
    ['2025-01-12T14:21:56Z', EXAMPLE],
    ['2025-01-12T14:21:56z', EXAMPLE],
    ['2025-01-12T14:21:56.999Z', EXAMPLE], // fractions cut
    ['2025-01-12T14:21:56,5Z', EXAMPLE],
    ['2025-01-12T14:21:56.123456789Z', EXAMPLE],
    ['  2025-01-12T14:21:56.000Z  ', EXAMPLE],
    // no zone = UTC
    ['2025-01-12T14:21:56', EXAMPLE],
    ['2025-01-12 14:21:56', EXAMPLE],
    ['2025-01-12 14:21:56.000', EXAMPLE],
    ['2025-01-12 14:21:56.999', EXAMPLE],
    ['2025-01-12T14:21', EXAMPLE - 56],
    ['2025-01-12', EXAMPLE - (14 * 3600 + 21 * 60 + 56)],
    // explicit offsets
    ['2025-01-12T15:21:56+01:00', EXAMPLE],
    ['2025-01-12T15:21:56+0100', EXAMPLE],
    ['2025-01-12T15:21:56+01', EXAMPLE],
    ['2025-01-12T09:21:56-05:00', EXAMPLE],
    ['2025-01-12T19:51:56+05:30', EXAMPLE],
    ['2025-01-12 09:21:56 -05:00', EXAMPLE],
    ['2025-01-12T14:21:56+00:00', EXAMPLE],
    ['2025-01-12T14:21:56-00:00', EXAMPLE],
    // crossing a day, month and year by offset
    ['2025-01-01T00:30:00+01:00', Date.UTC(2024, 11, 31, 23, 30) / 1000],
    // leap day, epoch start
    ['2024-02-29T12:00:00Z', Date.UTC(2024, 1, 29, 12) / 1000],
    ['1970-01-01T00:00:00Z', 0],
  ])('%j → %d', (raw, want) => {
    expect(parseTimestamp(raw)).toBe(want);
  });

  describe('epoch integers', () => {
    it.each([
      ['1736691716', EXAMPLE], // 10 digits: seconds
      [' 1736691716 ', EXAMPLE],
      ['0', 0],
      ['1', 1],
      ['17366917160', 17366917160], // 11 digits: still seconds
      ['99999999999', 99999999999],
      ['100000000000', 100000000], // 12 digits: milliseconds
      ['1736691716000', EXAMPLE], // 13 digits: milliseconds
      ['1736691716999', EXAMPLE], // floored
      ['17366917160000', 17366917160], // 14 digits: milliseconds
      ['99999999999999', 99999999999],
      ['1736691716.9', EXAMPLE], // fractional seconds floored
      ['1736691716.000', EXAMPLE],
    ])('%j → %d', (raw, want) => {
      expect(parseTimestamp(raw)).toBe(want);
    });

    it.each([
      [1736691716, EXAMPLE],
      [1736691716.9, EXAMPLE],
      [1736691716000, EXAMPLE],
      [1736691716999, EXAMPLE],
      [0, 0],
    ])('number %d → %d', (raw, want) => {
      expect(parseTimestamp(raw)).toBe(want);
    });

    it.each(['123456789012345', '1736691716000000', '-1736691716', '+1736691716', '1_736_691_716', '1,736,691,716', '1.7e9', '0x67'])(
      '%j → undefined',
      (raw) => {
        expect(parseTimestamp(raw)).toBeUndefined();
      },
    );

    it.each([-1, Number.NaN, Number.POSITIVE_INFINITY, 1e15, 1e21])('number %d → undefined', (raw) => {
      expect(parseTimestamp(raw)).toBeUndefined();
    });
  });

  it.each([
    '',
    '   ',
    'now',
    'yesterday',
    '12/01/2025',
    '2025/01/12 14:21:56',
    '2025-1-12',
    '2025-01-12T',
    '2025-01-12T14',
    '2025-02-29T00:00:00Z',
    '2025-13-01T00:00:00Z',
    '2025-00-10T00:00:00Z',
    '2025-01-32T00:00:00Z',
    '2025-04-31T00:00:00Z',
    '2025-01-12T24:00:00Z',
    '2025-01-12T14:60:00Z',
    '2025-01-12T14:21:60Z',
    '2025-01-12T14:21:56 PST',
    '2025-01-12T14:21:56+25:00', // no such offset
    '2025-01-12T14:21:56-0960',
    '2025-01-12T14:21:56Z garbage',
    '\uff12\uff10\uff12\uff15-01-12',
  ])('invalid %j → undefined', (raw) => {
    expect(parseTimestamp(raw)).toBeUndefined();
  });
});

describe('parseTimestamp with --timezone', () => {
  it('reads a zoneless time as wall-clock time in the zone (winter, EST = UTC−5)', () => {
    expect(parseTimestamp('2025-01-12 09:21:56', 'America/New_York')).toBe(EXAMPLE);
    expect(parseTimestamp('2025-01-12T09:21:56.750', 'America/New_York')).toBe(EXAMPLE);
  });

  it('follows DST (summer, EDT = UTC−4)', () => {
    expect(parseTimestamp('2025-07-04 12:00:00', 'America/New_York')).toBe(Date.UTC(2025, 6, 4, 16) / 1000);
    expect(parseTimestamp('2025-07-04 12:00:00', 'Europe/London')).toBe(Date.UTC(2025, 6, 4, 11) / 1000);
    expect(parseTimestamp('2025-01-12 12:00:00', 'Australia/Sydney')).toBe(Date.UTC(2025, 0, 12, 1) / 1000);
    expect(parseTimestamp('2025-07-12 12:00:00', 'Australia/Sydney')).toBe(Date.UTC(2025, 6, 12, 2) / 1000);
    expect(parseTimestamp('2025-01-12 12:00:00', 'Asia/Kolkata')).toBe(Date.UTC(2025, 0, 12, 6, 30) / 1000);
  });

  it('a date-only value is midnight in the zone', () => {
    expect(parseTimestamp('2025-07-04', 'America/New_York')).toBe(Date.UTC(2025, 6, 4, 4) / 1000);
  });

  it('around the spring-forward transition (2025-03-09, 02:00 EST → 03:00 EDT)', () => {
    expect(parseTimestamp('2025-03-09 01:59:59', 'America/New_York')).toBe(Date.UTC(2025, 2, 9, 6, 59, 59) / 1000);
    expect(parseTimestamp('2025-03-09 03:00:00', 'America/New_York')).toBe(Date.UTC(2025, 2, 9, 7) / 1000);
  });

  it('a wall time inside the spring-forward gap does not go back in time: it is read with the offset before the gap', () => {
    // 02:30 does not exist in New York that night; like PostgreSQL and Temporal ("compatible") it is 02:30 EST = 07:30Z.
    expect(parseTimestamp('2025-03-09 02:30:00', 'America/New_York')).toBe(Date.UTC(2025, 2, 9, 7, 30) / 1000);
    expect(parseTimestamp('2025-03-09 02:00:00', 'America/New_York')).toBe(Date.UTC(2025, 2, 9, 7) / 1000);
    // The same rule east of UTC: 02:30 in Berlin on 2025-03-30 is 02:30 CET = 01:30Z.
    expect(parseTimestamp('2025-03-30 02:30:00', 'Europe/Berlin')).toBe(Date.UTC(2025, 2, 30, 1, 30) / 1000);
  });

  it('around the fall-back transition (2025-11-02, 02:00 EDT → 01:00 EST)', () => {
    expect(parseTimestamp('2025-11-02 00:59:59', 'America/New_York')).toBe(Date.UTC(2025, 10, 2, 4, 59, 59) / 1000);
    expect(parseTimestamp('2025-11-02 02:00:00', 'America/New_York')).toBe(Date.UTC(2025, 10, 2, 7) / 1000);
    // 01:30 happens twice; either reading is a real instant with that wall-clock time.
    expect([Date.UTC(2025, 10, 2, 5, 30) / 1000, Date.UTC(2025, 10, 2, 6, 30) / 1000]).toContain(
      parseTimestamp('2025-11-02 01:30:00', 'America/New_York'),
    );
  });

  it('an explicit zone or an epoch value wins over --timezone', () => {
    expect(parseTimestamp('2025-01-12T14:21:56.000Z', 'America/New_York')).toBe(EXAMPLE);
    expect(parseTimestamp('2025-01-12T15:21:56+01:00', 'America/New_York')).toBe(EXAMPLE);
    expect(parseTimestamp('1736691716', 'America/New_York')).toBe(EXAMPLE);
    expect(parseTimestamp('1736691716000', 'Asia/Tokyo')).toBe(EXAMPLE);
  });

  it('UTC as --timezone equals no --timezone', () => {
    expect(parseTimestamp('2025-01-12 14:21:56', 'UTC')).toBe(EXAMPLE);
    expect(parseTimestamp('2025-01-12 14:21:56', 'Etc/UTC')).toBe(EXAMPLE);
  });

  it('property: the wall clock of any instant in any zone reads back as an instant with that wall clock', () => {
    const instant = fc.integer({ min: 0, max: 4_102_444_800 }); // 1970..2100
    fc.assert(
      fc.property(instant, fc.constantFrom(...ZONES), (seconds, zone) => {
        const wall = wallClock(seconds, zone);
        const parsed = parseTimestamp(wall, zone);
        expect(parsed).toBeDefined();
        expect(wallClock(parsed!, zone)).toBe(wall);
        // Only an ambiguous (repeated) wall time may read as the other instant, at most an hour away.
        expect(Math.abs(parsed! - seconds)).toBeLessThanOrEqual(3600);
      }),
      { numRuns: 300 },
    );
  });

  it('property: parsing is monotonic in wall-clock time, even across DST gaps', () => {
    const minute = fc.integer({ min: 0, max: 60 * 24 * 366 * 3 });
    const base = Date.UTC(2024, 0, 1) / 1000;
    const text = (seconds: number): string => new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
    fc.assert(
      fc.property(minute, minute, fc.constantFrom(...ZONES), (a, b, zone) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        if (hi - lo < 120) return; // an hour of fall-back overlap may legitimately reorder close wall times
        expect(parseTimestamp(text(base + lo * 60), zone)!).toBeLessThan(parseTimestamp(text(base + hi * 60), zone)!);
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseTimestamp properties', () => {
  const stampish = stringOf([...'0123456789', '-', ':', 'T', 'Z', ' ', '.', '+', '2025-', '01-', '12', 'T14:21:56']);

  it('never throws on any string (with or without a zone); results are integers', () => {
    fc.assert(
      fc.property(fc.oneof(anyString, stampish), fc.option(fc.constantFrom(...ZONES)), (raw, zone) => {
        const out = parseTimestamp(raw, zone ?? undefined);
        if (out !== undefined) expect(Number.isInteger(out)).toBe(true);
      }),
    );
  });

  it('the hand-read common shape agrees with the regular expression wherever it answers', () => {
    const common = fc
      .tuple(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.constantFrom('T', 't', ' '), fc.constantFrom('', '.', ',', '.5', ',123', '.000001'), fc.constantFrom('', 'Z', 'z', ' Z', '+02:00', 'ZZ'))
      .map(([t, sep, fraction, zone]) => new Date(t).toISOString().slice(0, 19).replace('T', sep) + fraction + zone);
    let answered = 0;
    fc.assert(
      fc.property(fc.oneof(anyString, stampish, common), (text) => {
        const fast = commonIso(text);
        if (fast === undefined) return;
        answered++;
        const slow = isoByPattern(text);
        expect(slow).toBeDefined();
        expect(fast.slice(0, 6)).toEqual(slow?.slice(0, 6));
        expect(fast[6]?.toUpperCase()).toBe(slow?.[6]?.toUpperCase());
      }),
      { numRuns: 2000 },
    );
    expect(answered).toBeGreaterThan(100);
    expect(commonIso('2025-01-12T14:21:56.970Z')).toEqual([2025, 1, 12, 14, 21, 56, 'Z']);
    expect(commonIso('2025-01-12 14:21:56')).toEqual([2025, 1, 12, 14, 21, 56, undefined]);
    for (const other of ['2025-01-12T14:21:56+02:00', '2025-01-12T14:21:56.Z', '2025-01-12T14:21', '2025-1-12T14:21:56Z', '2025-01-12T14:21:56 Z']) {
      expect(commonIso(other)).toBeUndefined();
    }
  });

  it('never throws on any number', () => {
    fc.assert(fc.property(fc.double(), (n) => { parseTimestamp(n); }));
  });

  it('any ISO instant reads back as its floored Unix seconds, and so do its epoch forms', () => {
    const ms = fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2100, 0, 1) });
    fc.assert(
      fc.property(ms, (t) => {
        const seconds = Math.floor(t / 1000);
        const iso = new Date(t).toISOString();
        expect(parseTimestamp(iso)).toBe(seconds);
        expect(parseTimestamp(iso.replace('Z', ''))).toBe(seconds);
        expect(parseTimestamp(iso.replace('T', ' ').replace('Z', ''))).toBe(seconds);
        expect(parseTimestamp(String(seconds))).toBe(seconds);
        if (t >= 1e11) expect(parseTimestamp(String(t))).toBe(seconds);
      }),
    );
  });

  it('idempotent on its output: parseTimestamp(String(out)) === out for 0 ≤ out < 10^11', () => {
    fc.assert(
      fc.property(fc.oneof(anyString, stampish, fc.integer({ min: 0, max: 4_102_444_800_000 }).map((t) => new Date(t).toISOString())), (raw) => {
        const out = parseTimestamp(raw);
        if (out === undefined || out < 0 || out >= 1e11) return;
        expect(parseTimestamp(String(out))).toBe(out);
      }),
    );
  });
});

describe('isValidTimeZone', () => {
  it.each(['UTC', 'America/New_York', 'Europe/London', 'Asia/Kolkata', 'Etc/GMT+5', 'america/new_york'])('%j is valid', (zone) => {
    expect(isValidTimeZone(zone)).toBe(true);
  });

  it.each(['Mars/Olympus_Mons', 'America/Nowhere', 'EST5EDT6', 'not a zone', '+25:00'])('%j is not', (zone) => {
    expect(isValidTimeZone(zone)).toBe(false);
  });

  it('every IANA zone Intl lists is valid and parses a timestamp without throwing', () => {
    for (const zone of Intl.supportedValuesOf('timeZone')) {
      expect(isValidTimeZone(zone)).toBe(true);
      expect(parseTimestamp('2025-07-04 12:00:00', zone)).toBeTypeOf('number');
    }
  });
});
