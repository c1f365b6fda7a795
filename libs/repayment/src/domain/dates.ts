/**
 * Business-date arithmetic on YYYY-MM-DD labels (no time zone). addDays, daysFrom and fromEpochDay live with the
 * schedule engine's calendar (`#libs/schedules`) and are re-exported here for this library's callers.
 */
export { addDays, daysFrom, fromEpochDay } from '#libs/schedules/domain';

export const maxDate = (a: string, b: string): string => (a > b ? a : b);
export const minDate = (a: string, b: string): string => (a < b ? a : b);
