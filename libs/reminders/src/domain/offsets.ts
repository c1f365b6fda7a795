import { addDays, daysFrom } from '#libs/schedules/domain';

/**
 * When a repayment reminder is due (SPEC §3): T-7, T-1 and T0 before or at the due date, T+1, T+7 and T+30 while the
 * instalment stays unpaid.
 *
 * Catch-up rule. Each offset owns a window of business dates, from its own date up to (not including) the next
 * offset's date; the last one (T+30) stays open for CATCH_UP_LAST_DAYS. A selection run on date D picks, for every
 * unpaid instalment, the offset whose window contains D (windows do not overlap, so at most one per instalment and
 * run). A worker that was down for a few days therefore catches up on its first run with the newest reminder that
 * is still true ("due in 3 days", "7 days overdue") and never sends a burst of stale ones: an offset whose window
 * closed while nobody ran is superseded by the next offset. A run for a past date D (an operator re-running a day)
 * only adds offsets whose window is still open today, so it can never create a reminder today's run would not.
 * Delivery applies the same rule: a reminder still undelivered when its window closes (a receiver down for days,
 * an SMS deferred past the window) is marked SUPERSEDED instead of being sent late.
 */
export const REMINDER_OFFSETS = [-7, -1, 0, 1, 7, 30] as const;
export type ReminderOffset = (typeof REMINDER_OFFSETS)[number];

/** How long the last reminder (T+30) may still be caught up after its date. */
export const CATCH_UP_LAST_DAYS = 7;

export type ReminderEvent = 'DUE_T7' | 'DUE_T1' | 'DUE_T0' | 'OVERDUE_T1' | 'OVERDUE_T7' | 'OVERDUE_T30';

export interface OffsetWindow {
  offset: ReminderOffset;
  event: ReminderEvent;
  /** Offset (days from the due date) where the window starts, inclusive. */
  from: number;
  /** Offset where the window ends, exclusive: the next offset, or T+30 + CATCH_UP_LAST_DAYS. */
  until: number;
}

const EVENTS: Record<ReminderOffset, ReminderEvent> = {
  [-7]: 'DUE_T7',
  [-1]: 'DUE_T1',
  0: 'DUE_T0',
  1: 'OVERDUE_T1',
  7: 'OVERDUE_T7',
  30: 'OVERDUE_T30',
};

export const OFFSET_WINDOWS: readonly OffsetWindow[] = REMINDER_OFFSETS.map((offset, i) => ({
  offset,
  event: EVENTS[offset],
  from: offset,
  until: REMINDER_OFFSETS[i + 1] ?? offset + CATCH_UP_LAST_DAYS,
}));

export function eventOf(offset: number): ReminderEvent {
  const e = EVENTS[offset as ReminderOffset];
  if (!e) throw new RangeError(`${offset} is not a reminder offset`);
  return e;
}

export function windowOf(offset: number): OffsetWindow {
  const w = OFFSET_WINDOWS.find((x) => x.offset === offset);
  if (!w) throw new RangeError(`${offset} is not a reminder offset`);
  return w;
}

/** "T-7", "T0", "T+30". */
export function offsetLabel(offset: number): string {
  return offset === 0 ? 'T0' : offset < 0 ? `T${offset}` : `T+${offset}`;
}

/** Days from a to b between calendar dates (YYYY-MM-DD): b − a. */
export const daysBetween = (a: string, b: string): number => daysFrom(a, b);

export { addDays };

/** The offset a run on `runDate` selects for an instalment due on `dueDate`, or null (see the catch-up rule). */
export function offsetFor(dueDate: string, runDate: string, today: string = runDate): ReminderOffset | null {
  const d = daysBetween(dueDate, runDate);
  const t = daysBetween(dueDate, today);
  for (const w of OFFSET_WINDOWS) {
    if (w.from <= d && d < w.until && t < w.until) return w.offset;
  }
  return null;
}

/** True while a reminder of this offset is still worth sending on `today` (its window has not closed). */
export function stillRelevant(offset: number, dueDate: string, today: string): boolean {
  return daysBetween(dueDate, today) < windowOf(offset).until;
}
