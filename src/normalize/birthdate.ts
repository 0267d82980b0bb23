import { personal } from './text.js';

export type DateOrder = 'mdy' | 'dmy';

// The text is lowercased before matching, so the ISO date-time "T" arrives as "t" (hence /i).
const YEAR_FIRST = /^(\d{4})[-/.]?(\d{1,2})[-/.]?(\d{1,2})(?:[T ].*)?$/i;
const YEAR_FIRST_SEPARATED = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ].*)?$/i;
const YEAR_LAST = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$/;
const DAY_MONTH_NAME = /^(\d{1,2})(?:st|nd|rd|th)?[\s-]+([a-z]+)\.?,?[\s-]+(\d{4})$/;
const MONTH_NAME_DAY = /^([a-z]+)\.?[\s-]+(\d{1,2})(?:st|nd|rd|th)?,?[\s-]+(\d{4})$/;

// English month names and their abbreviations, from Intl rather than typed by hand.
function monthTable(): Map<string, number> {
  const table = new Map<string, number>();
  for (const style of ['long', 'short'] as const) {
    const format = new Intl.DateTimeFormat('en-US', { month: style, timeZone: 'UTC' });
    for (let month = 1; month <= 12; month++) {
      table.set(format.format(new Date(Date.UTC(2000, month - 1, 1))).toLowerCase(), month);
    }
  }
  table.set('sept', 9);
  return table;
}
let months: Map<string, number> | undefined;

/** Days of each month in a common year. */
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : (MONTH_DAYS[month - 1] as number);
}

function ymd(year: number, month: number, day: number, todayYmd: string): string | undefined {
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || year < 1900) return undefined;
  const text = String(year * 10000 + month * 100 + day);
  return text <= todayYmd ? text : undefined;
}

/** The digit at text[at], or -1. */
function digitAt(text: string, at: number): number {
  const code = text.charCodeAt(at) - 0x30;
  return code >= 0 && code <= 9 ? code : -1;
}

function isSeparator(code: number): boolean {
  return code === 0x2d || code === 0x2f || code === 0x2e; // - / .
}

/**
 * `YYYY-MM-DD` (any of - / . as separators), the most common shape, read without a regular
 * expression: its YYYYMMDD, undefined when it is no real date in range, null when the text has
 * another shape.
 */
function isoDate(text: string, todayYmd: string): string | undefined | null {
  if (text.length !== 10 || !isSeparator(text.charCodeAt(4)) || !isSeparator(text.charCodeAt(7))) return null;
  const y0 = digitAt(text, 0);
  const y1 = digitAt(text, 1);
  const y2 = digitAt(text, 2);
  const y3 = digitAt(text, 3);
  const m0 = digitAt(text, 5);
  const m1 = digitAt(text, 6);
  const d0 = digitAt(text, 8);
  const d1 = digitAt(text, 9);
  if ((y0 | y1 | y2 | y3 | m0 | m1 | d0 | d1) < 0) return null;
  return ymd(y0 * 1000 + y1 * 100 + y2 * 10 + y3, m0 * 10 + m1, d0 * 10 + d1, todayYmd);
}

/** `YYYYMMDD` of a UTC instant. */
export function ymdOf(nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 10).replace(/-/g, '');
}

function birthdateRule(clean: string, todayYmd: string, order: DateOrder): string | undefined {
  const iso = isoDate(clean, todayYmd);
  if (iso !== null) return iso;
  const text = clean.toLowerCase();
  const yearFirst = (text.length === 8 ? YEAR_FIRST : YEAR_FIRST_SEPARATED).exec(text);
  if (yearFirst) return ymd(Number(yearFirst[1]), Number(yearFirst[2]), Number(yearFirst[3]), todayYmd);
  const yearLast = YEAR_LAST.exec(text);
  if (yearLast) {
    const a = Number(yearLast[1]);
    const b = Number(yearLast[2]);
    const year = Number(yearLast[3]);
    // A part over 12 can only be the day; otherwise --date-order decides.
    if (a > 12) return ymd(year, b, a, todayYmd);
    if (b > 12) return ymd(year, a, b, todayYmd);
    return order === 'mdy' ? ymd(year, a, b, todayYmd) : ymd(year, b, a, todayYmd);
  }
  months ??= monthTable();
  const dayFirst = DAY_MONTH_NAME.exec(text);
  if (dayFirst) {
    const month = months.get(dayFirst[2] ?? '');
    return month ? ymd(Number(dayFirst[3]), month, Number(dayFirst[1]), todayYmd) : undefined;
  }
  const monthFirst = MONTH_NAME_DAY.exec(text);
  if (monthFirst) {
    const month = months.get(monthFirst[1] ?? '');
    return month ? ymd(Number(monthFirst[3]), month, Number(monthFirst[2]), todayYmd) : undefined;
  }
  return undefined;
}

/**
 * `YYYYMMDD` of a real date between 1900-01-01 and `todayYmd` (the --now date).
 * Year-first dates (with `-` `/` `.` or none), ISO date-times, day/month-first dates and English month names.
 */
export function normalizeBirthdate(raw: string, todayYmd: string, order: DateOrder = 'mdy'): string | undefined {
  return personal(raw, (clean) => birthdateRule(clean, todayYmd, order));
}
