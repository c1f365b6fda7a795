import { addDays, isBusinessDate } from '#libs/schedules/domain';

/** The longest move of the business date one call makes (a year and a day: a leap year and its close). */
export const MAX_ADVANCE_DAYS = 366;

export interface AdvanceRefusal {
  code: 'isCalendarDate' | 'BUSINESS_DATE_BACKWARDS' | 'BUSINESS_DATE_TOO_FAR';
  message: string;
}

/** Where an advance from `current` to `target` is refused, or null. Equal dates are a no-op, not a refusal. */
export function advanceRefusal(current: string, target: string): AdvanceRefusal | null {
  if (!isBusinessDate(target)) return { code: 'isCalendarDate', message: 'must be a calendar date YYYY-MM-DD' };
  if (target < current)
    return { code: 'BUSINESS_DATE_BACKWARDS', message: `before the business date ${current}: the business date only moves forward` };
  if (target > addDays(current, MAX_ADVANCE_DAYS))
    return { code: 'BUSINESS_DATE_TOO_FAR', message: `more than ${MAX_ADVANCE_DAYS} days after ${current}: advance in steps` };
  return null;
}

/** The days the clock passes through moving from `current` to `target`: current+1 … target. */
export function daysBetween(current: string, target: string): string[] {
  const out: string[] = [];
  for (let d = addDays(current, 1); d <= target; d = addDays(d, 1)) out.push(d);
  return out;
}

/** What the arrival of business date `day` runs (what the scheduled jobs of the night before it would have run). */
export type DayStep = 'COB' | 'REMINDERS' | 'SUBSIDY' | 'REPORT';

export interface DayPlan {
  day: string;
  /** Close of business of the day that has just ended. */
  cobDate: string;
  /** The month whose report is generated (the day is the 1st), or null. */
  reportMonth: string | null;
}

export function planOf(day: string): DayPlan {
  const yesterday = addDays(day, -1);
  return { day, cobDate: yesterday, reportMonth: day.endsWith('-01') ? yesterday.slice(0, 7) : null };
}

/** The hour of a business day its reminders are delivered at when the day is run by an advance (within 08:00–21:00). */
export const DELIVERY_HOUR = 10;

/** The instant `hour`:00 of a calendar day in a time zone (for a zone without a change of offset that day). */
export function instantAt(day: string, hour: number, timeZone: string): Date {
  const [y, m, d] = day.split('-').map(Number);
  const guess = Date.UTC(y, m - 1, d, hour);
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(new Date(guess));
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  const asLocal = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
  return new Date(guess - (asLocal - guess));
}
