import { remembered } from '#libs/money';
/**
 * Calendar dates as plain Y-M-D, with no time zone and no Date object: a business date is a label of a day, so
 * due dates and day counts are pure integer arithmetic on the proleptic Gregorian calendar.
 */

/** A calendar day. `epochDay` is the number of days since 1970-01-01, which makes day counts a subtraction. */
export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

/**
 * Dates accepted from a request (disbursement, value dates). The window keeps every due date of a 360-quarter loan
 * within four-digit years and refuses typos such as 0202-01-01.
 */
export const MIN_YEAR = 1900;
export const MAX_YEAR = 2199;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : MONTH_DAYS[month - 1];
}

/** Parses "YYYY-MM-DD" into a real calendar day (refuses 2023-02-29, 2024-13-01, 2024-1-5…); null otherwise. */
export function parseDate(text: unknown): CalendarDate | null {
  if (typeof text !== 'string') return null;
  const m = DATE.exec(text);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return { year, month, day };
}

/** A calendar date within the window accepted from requests (see MIN_YEAR/MAX_YEAR). */
export function isBusinessDate(text: unknown): text is string {
  const d = parseDate(text);
  return d !== null && d.year >= MIN_YEAR && d.year <= MAX_YEAR;
}

/** Parses a date the caller guarantees (a schedule's own dates); throws a RangeError on anything else. */
export function requireDate(text: string, what = 'date'): CalendarDate {
  const d = parseDate(text);
  if (!d) throw new RangeError(`${what} must be a calendar date YYYY-MM-DD: ${text}`);
  return d;
}

export function formatDate(d: CalendarDate): string {
  const mm = d.month < 10 ? `0${d.month}` : `${d.month}`;
  const dd = d.day < 10 ? `0${d.day}` : `${d.day}`;
  return `${d.year}-${mm}-${dd}`;
}

/** Days since 1970-01-01 (H. Hinnant's days_from_civil): exact for every Gregorian date. */
export function epochDay(d: CalendarDate): number {
  const y = d.month <= 2 ? d.year - 1 : d.year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (d.month + (d.month > 2 ? -3 : 9)) + 2) / 5) + d.day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Calendar days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: CalendarDate, to: CalendarDate): number {
  return epochDay(to) - epochDay(from);
}

/**
 * The anchor moved by `months`, on the anchor's day of month or, when the target month is shorter, on its last
 * day. Always computed from the anchor (never from the previous due date), so Jan 31 → Feb 28/29 → Mar 31 rather
 * than drifting to Mar 28.
 */
export function addMonthsClamped(anchor: CalendarDate, months: number): CalendarDate {
  const index = anchor.year * 12 + (anchor.month - 1) + months;
  const year = Math.floor(index / 12);
  const month = index - year * 12 + 1;
  const last = daysInMonth(year, month);
  return { year, month, day: anchor.day <= last ? anchor.day : last };
}

/** Compares two dates in YYYY-MM-DD form; the format sorts like the calendar. */
export const compareDates = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

// ─── Business-date arithmetic on YYYY-MM-DD labels (no time zone): the one home of these helpers ───────────────

/** The date `days` after `date` (negative goes back). Throws RangeError for a label that is not a calendar date. */
export function addDays(date: string, days: number): string {
  const e = epochDayOf(date);
  return days === 0 ? date : labelOf(e + days);
}

/** The label of an epoch day, remembered like the epoch days below (the same few thousand dates come back). */
const EPOCH_DAYS_MAX = 100_000;
const labelOf = remembered((e: number): string => fromEpochDay(e), EPOCH_DAYS_MAX);

/** Calendar days from `from` to `to` (negative when `to` is earlier). */
export function daysFrom(from: string, to: string): number {
  return epochDayOf(to) - epochDayOf(from);
}

/**
 * The epoch day of a label, remembered: the replay and the projection ask for the same few thousand dates millions
 * of times, and parsing is most of their date arithmetic. Bounded (cleared when full); only valid labels are kept (an invalid one throws before it is kept).
 */
const epochDayOf = remembered((label: string): number => epochDay(requireDate(label)), EPOCH_DAYS_MAX);

/** Inverse of epochDay (H. Hinnant's civil_from_days). */
export function fromEpochDay(z0: number): string {
  const z = z0 + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return formatDate({ year, month, day });
}
