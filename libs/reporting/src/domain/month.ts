/** A report month `YYYY-MM` (calendar month in the business time zone). */
export const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function isMonth(text: unknown): text is string {
  return typeof text === 'string' && MONTH.test(text) && Number(text.slice(0, 4)) >= 2000 && Number(text.slice(0, 4)) <= 2100;
}

function parts(month: string): { y: number; m: number } {
  const r = MONTH.exec(month);
  if (!r) throw new RangeError(`not a month YYYY-MM: ${month}`);
  return { y: Number(r[1]), m: Number(r[2]) };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Adds n months (n may be negative). */
export function addMonths(month: string, n: number): string {
  const { y, m } = parts(month);
  const i = y * 12 + (m - 1) + n;
  return `${pad(Math.floor(i / 12), 4)}-${pad((i % 12) + 1)}`;
}

/** First and last calendar day of the month, as YYYY-MM-DD (leap years included). */
export function monthBounds(month: string): { start: string; end: string } {
  const { y, m } = parts(month);
  // day 0 of the next month is the last day of this one; UTC so no time zone shifts the date
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { start: `${month}-01`, end: `${month}-${pad(last)}` };
}

/** The month a business date falls in. */
export const monthOf = (date: string): string => date.slice(0, 7);

/** The `count` months ending with `last`, oldest first. */
export function monthsEnding(last: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => addMonths(last, i - count + 1));
}
