/** A term band of the benchmark table: terms from `termMinMonths` to `termMaxMonths` inclusive. */
export interface TermBand {
  termMinMonths: number;
  termMaxMonths: number;
}

export function bandsOverlap(a: TermBand, b: TermBand): boolean {
  return a.termMinMonths <= b.termMaxMonths && b.termMinMonths <= a.termMaxMonths;
}

export function bandContains(band: TermBand, termMonths: number): boolean {
  return termMonths >= band.termMinMonths && termMonths <= band.termMaxMonths;
}

export interface DatedRate extends TermBand {
  effectiveFrom: string;
}

/**
 * The rate in force for a term on a date: among rows whose band holds the term and that took effect on or before
 * the date, the latest. Each band keeps its own history, so a change published for one band leaves the others in
 * force. (The database query does the same; this is the rule in one place for tests and callers holding rows.)
 */
export function pickInForce<T extends DatedRate>(rows: readonly T[], termMonths: number, date: string): T | undefined {
  let best: T | undefined;
  for (const r of rows) {
    if (!bandContains(r, termMonths) || r.effectiveFrom > date) continue;
    if (!best || r.effectiveFrom > best.effectiveFrom) best = r;
  }
  return best;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date written YYYY-MM-DD (rejects 2026-02-30 and datetimes). */
export function isBusinessDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = DATE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1900 || y > 2199 || mo < 1 || mo > 12 || d < 1) return false;
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return d <= days;
}
