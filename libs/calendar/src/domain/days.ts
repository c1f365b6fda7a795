import { addDays, isBusinessDate } from '#libs/schedules';

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
