import { epochDay, formatDate, requireDate } from '#libs/schedules';

/** Business-date arithmetic on YYYY-MM-DD labels (no time zone), on top of the schedule engine's calendar. */

/** The date `days` after `date` (negative goes back). */
export function addDays(date: string, days: number): string {
  const e = epochDay(requireDate(date)) + days;
  return fromEpochDay(e);
}

/** Calendar days from `from` to `to` (negative when `to` is earlier). */
export function daysFrom(from: string, to: string): number {
  return epochDay(requireDate(to)) - epochDay(requireDate(from));
}

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

export const maxDate = (a: string, b: string): string => (a > b ? a : b);
export const minDate = (a: string, b: string): string => (a < b ? a : b);
