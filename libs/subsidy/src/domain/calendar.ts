import { daysInMonth, formatDate, parseDate } from '#libs/schedules/domain';

/**
 * A programme's settlement calendar: periods end on `endDay` of each of `endMonths` (default the 20th of Mar, Jun,
 * Sep and Dec, the banks' quarterly interest settlement day 结息日). A period runs from the day after the previous
 * end to its own end: 2025-12-21 .. 2026-03-20. It belongs to the budget year of its end date.
 */
export interface SettlementCalendar {
  endMonths: readonly number[];
  endDay: number;
}

export const DEFAULT_CALENDAR: SettlementCalendar = { endMonths: [3, 6, 9, 12], endDay: 20 };

export interface SettlementPeriod {
  /** First day of the period (the day after the previous end). */
  start: string;
  end: string;
  /** Budget year: the year of the end date. */
  year: number;
  /** 1-based position in its year (Q1 = 1 under the default calendar). */
  number: number;
  /** `2026-P1`: stable label of the period. */
  label: string;
}

/** Every rule a calendar breaks (empty = valid). */
export function calendarErrors(c: {
  endMonths: unknown;
  endDay: unknown;
}): { field: string; message: string }[] {
  const errors: { field: string; message: string }[] = [];
  const months = c.endMonths;
  if (
    !Array.isArray(months) ||
    months.length < 1 ||
    months.length > 12 ||
    months.some((m) => !Number.isInteger(m) || m < 1 || m > 12) ||
    new Set(months).size !== months.length
  ) {
    errors.push({
      field: 'periodEndMonths',
      message: 'periodEndMonths must be 1 to 12 distinct months from 1 to 12',
    });
  }
  if (!Number.isInteger(c.endDay) || (c.endDay as number) < 1 || (c.endDay as number) > 28) {
    errors.push({
      field: 'periodEndDay',
      message: 'periodEndDay must be a day from 1 to 28 (every month has it)',
    });
  }
  return errors;
}

const sorted = (c: SettlementCalendar) => [...c.endMonths].sort((a, b) => a - b);

function endOf(year: number, month: number, day: number): string {
  return formatDate({ year, month, day });
}

function dayAfter(year: number, month: number, day: number): string {
  if (day < daysInMonth(year, month)) return formatDate({ year, month, day: day + 1 });
  return month === 12
    ? formatDate({ year: year + 1, month: 1, day: 1 })
    : formatDate({ year, month: month + 1, day: 1 });
}

function periodAt(year: number, index: number, c: SettlementCalendar): SettlementPeriod {
  const months = sorted(c);
  const month = months[index];
  const [prevYear, prevMonth] = index > 0 ? [year, months[index - 1]] : [year - 1, months[months.length - 1]];
  return {
    start: dayAfter(prevYear, prevMonth, c.endDay),
    end: endOf(year, month, c.endDay),
    year,
    number: index + 1,
    label: `${year}-P${index + 1}`,
  };
}

/** The period ending on `end`, or null when `end` is not an end date of the calendar. */
export function periodEnding(end: string, c: SettlementCalendar): SettlementPeriod | null {
  const d = parseDate(end);
  if (!d || d.day !== c.endDay) return null;
  const index = sorted(c).indexOf(d.month);
  return index < 0 ? null : periodAt(d.year, index, c);
}

/** The period a date falls in. */
export function periodContaining(date: string, c: SettlementCalendar): SettlementPeriod {
  const d = parseDate(date);
  if (!d) throw new RangeError(`not a calendar date: ${date}`);
  const months = sorted(c);
  for (let i = 0; i < months.length; i++) {
    const end = endOf(d.year, months[i], c.endDay);
    if (date <= end) return periodAt(d.year, i, c);
  }
  return periodAt(d.year + 1, 0, c);
}

/**
 * The latest period that has ended by `date` (its end is before `date`), the one a claim generation on `date` may
 * claim: on 2026-03-21 the period ending 2026-03-20, and still that one until 2026-06-20 has passed.
 */
export function lastEndedPeriod(date: string, c: SettlementCalendar): SettlementPeriod {
  const current = periodContaining(date, c);
  return current.number > 1
    ? periodAt(current.year, current.number - 2, c)
    : periodAt(current.year - 1, c.endMonths.length - 1, c);
}

/** The periods of a budget year, in order. */
export function periodsOfYear(year: number, c: SettlementCalendar): SettlementPeriod[] {
  return sorted(c).map((_, i) => periodAt(year, i, c));
}
