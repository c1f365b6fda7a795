import { addDays, OFFSET_WINDOWS, offsetFor } from './offsets.js';

/** The latest window end (T+30 + catch-up) and the earliest start (T-7), in days from the due date. */
const LAST_UNTIL = Math.max(...OFFSET_WINDOWS.map((w) => w.until));
const FIRST_FROM = Math.min(...OFFSET_WINDOWS.map((w) => w.from));

/** The earliest business date a run may select for today: no window reaching today starts before it. */
export const earliestRunDate = (today: string): string => addDays(today, -(LAST_UNTIL - FIRST_FROM));

/** Why a run date is refused (a future day, or one no window reaching today starts from), or null. */
export function runDateRefusal(
  date: string,
  today: string,
): { earliest: string; code: 'FUTURE_DATE' | 'TOO_OLD'; message: string } | null {
  const earliest = earliestRunDate(today);
  if (date > today)
    return {
      earliest,
      code: 'FUTURE_DATE',
      message: 'reminders are selected for today or a past day, never ahead',
    };
  if (date < earliest)
    return {
      earliest,
      code: 'TOO_OLD',
      message: `no reminder window reaching today starts before ${earliest}`,
    };
  return null;
}

/** Every due date with a reminder window open on `businessDate` and still open today, with its offset. */
export function dueDatesOf(businessDate: string, today: string): { dueDate: string; offset: number }[] {
  const out: { dueDate: string; offset: number }[] = [];
  const last = addDays(businessDate, -FIRST_FROM);
  for (let d = addDays(today, -(LAST_UNTIL - 1)); d <= last; d = addDays(d, 1)) {
    const offset = offsetFor(d, businessDate, today);
    if (offset !== null) out.push({ dueDate: d, offset });
  }
  return out;
}
