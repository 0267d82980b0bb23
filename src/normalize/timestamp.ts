import { cleanText } from './text.js';

const EPOCH_SECONDS = /^\d{1,11}$/;
const EPOCH_MILLIS = /^\d{12,14}$/;
const EPOCH_FRACTION = /^(\d{1,11})\.\d+$/;
// 2025-01-12T14:21:56.000Z, 2025-01-12 14:21:56, 2025-01-12T14:21+02:00, 2025-01-12
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Year, month, day, hour, minute, second and the zone as written (undefined when none). */
type IsoParts = [number, number, number, number, number, number, string | undefined];

/** The number written by text[from, from + count) if all of it is ASCII digits, or -1. */
function digitsAt(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * The shape most exports use, YYYY-MM-DD[T ]HH:MM:SS with an optional fraction and an optional Z, read
 * without the regular expression, or undefined for any other shape, which isoByPattern then reads. test/normalize/timestamp.test.ts checks both agree.
 */
export function commonIso(text: string): IsoParts | undefined {
  const length = text.length;
  if (length < 19) return undefined;
  const sep = text.charCodeAt(10);
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || (sep !== 84 && sep !== 116 && sep !== 32) || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return undefined;
  const year = digitsAt(text, 0, 4), month = digitsAt(text, 5, 2), day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2), minute = digitsAt(text, 14, 2), second = digitsAt(text, 17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return undefined;
  let at = 19;
  const mark = text.charCodeAt(at);
  if (mark === 46 || mark === 44) {
    at++;
    const digitsFrom = at;
    while (at < length && text.charCodeAt(at) >= 48 && text.charCodeAt(at) <= 57) at++;
    if (at === digitsFrom) return undefined;
  }
  if (at === length) return [year, month, day, hour, minute, second, undefined];
  const z = text.charCodeAt(at);
  return at === length - 1 && (z === 90 || z === 122) ? [year, month, day, hour, minute, second, 'Z'] : undefined;
}

/** Any shape ISO accepts, through the regular expression. */
export function isoByPattern(text: string): IsoParts | undefined {
  const m = ISO.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', zone] = m;
  return [Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s), zone];
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** Offset of an IANA zone from UTC at instant `utcMs`, in milliseconds. */
function zoneOffsetMs(timeZone: string, utcMs: number): number {
  let format = offsetFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    offsetFormats.set(timeZone, format);
  }
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(new Date(utcMs))) parts[part.type] = Number(part.value);
  const asUtc = Date.UTC(parts.year ?? 0, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0);
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

/** True when `timeZone` is an IANA zone name this Node.js knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Wall-clock time in `timeZone` to UTC milliseconds (two passes settle DST edges). A wall time inside a
 * spring-forward gap does not exist; it is read with the offset from before the gap, i.e. the later of
 * the two candidate instants (as PostgreSQL and Temporal's 'compatible' do), whichever side of UTC the zone is.
 */
function wallClockToUtc(wallMs: number, timeZone: string): number {
  const first = wallMs - zoneOffsetMs(timeZone, wallMs);
  const second = wallMs - zoneOffsetMs(timeZone, first);
  if (second === first || second + zoneOffsetMs(timeZone, second) === wallMs) return second;
  return Math.max(first, second);
}

/**
 * Event time as integer Unix seconds (fractions floored). Accepts ISO 8601 with or without a zone
 * (none = UTC, or `timeZone`), `YYYY-MM-DD HH:MM:SS[.fff]`, epoch seconds (up to 11 digits) and
 * epoch milliseconds (12 to 14 digits).
 */
export function parseTimestamp(raw: string | number, timeZone?: string): number | undefined {
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw) || raw < 0) return undefined;
    return parseTimestamp(String(Math.floor(raw)), timeZone);
  }
  const text = cleanText(raw);
  // An ISO date has a '-' where epoch forms have a digit: the order of the checks does not matter.
  const parts = commonIso(text) ?? isoByPattern(text);
  if (parts === undefined) {
    if (EPOCH_SECONDS.test(text)) return Number(text);
    if (EPOCH_MILLIS.test(text)) return Math.floor(Number(text) / 1000);
    const fraction = EPOCH_FRACTION.exec(text);
    return fraction ? Number(fraction[1]) : undefined;
  }
  const [year, month, day, hour, minute, second, zone] = parts;
  if (month < 1 || month > 12 || day < 1 || (day > 28 && day > daysInMonth(year, month))) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const wallMs = Date.UTC(year, month - 1, day, hour, minute, second);
  let utcMs: number;
  if (zone === undefined) {
    utcMs = timeZone ? wallClockToUtc(wallMs, timeZone) : wallMs;
  } else if (zone.toUpperCase() === 'Z') {
    utcMs = wallMs;
  } else {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetHours = Number(digits.slice(0, 2));
    const offsetMins = Number(digits.slice(2) || '0');
    // Offsets in use lie within -12:00 … +14:00; "+25:00" is a typo, not a time.
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    utcMs = wallMs - sign * (offsetHours * 60 + offsetMins) * 60_000;
  }
  return Math.floor(utcMs / 1000);
}
