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

function ymd(year: number, month: number, day: number, todayYmd: string): string | undefined {
  if (month < 1 || month > 12 || day < 1) return undefined;
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  const text = `${year}`.padStart(4, '0') + `${month}`.padStart(2, '0') + `${day}`.padStart(2, '0');
  return year >= 1900 && text <= todayYmd ? text : undefined;
}

/** `YYYYMMDD` of a UTC instant. */
export function ymdOf(nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 10).replace(/-/g, '');
}

function birthdateRule(clean: string, todayYmd: string, order: DateOrder): string | undefined {
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
