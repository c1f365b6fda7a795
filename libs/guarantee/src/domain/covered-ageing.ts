/**
 * Ageing inputs of BANK_COVERED loans between the bank's status reports (SPEC §3: the daily close of business ages
 * arrears, marks loans non-performing and so opens compensation eligibility; SPEC §2.2 circuit breaker).
 *
 * The rule: the bank's latest status report (`loans.status_reported_on` / `status_reported_days`, by as-of date) is
 * authoritative as of its date; after it the engine ages the loan itself from the frozen schedule. For a business
 * date D:
 *
 *   days_overdue(D) = max( reported_days > 0 and the reported arrears still stand ? reported_days + (D − reported_on) : 0,
 *                          D − the oldest due date of an instalment still owing something (OPEN or OVERDUE) with
 *                              reported_on < due date < D (any due date < D when the loan was never reported) )
 *
 * and 0 when neither applies. A report of arrears keeps growing by the calendar while it stands: while an instalment
 * due on or before the report's date still owes something, or no repayment has been reported since (the bank's word
 * then holds even where the engine's schedule says otherwise). A repayment reported on or after the report's date
 * that leaves nothing owing from before it ends the reported arrears: a borrower who paid up is not aged on.
 * Instalments that fell due on or before the report's date are otherwise the bank's word (a report "current"
 * settles them), later ones count again when they fall due unpaid. The bucket and the non-performing flag are the
 * one ageing rule of libs/loans, with the district fund's `npl_overdue_days` as the line.
 */

/** What the rule reads of one covered loan as of D (the store reads them for a batch in one statement). */
export interface CoveredAgeingFacts {
  loanId: string;
  /** the bank's latest status report: its as-of date and days overdue (null: never reported) */
  reportedOn: string | null;
  reportedDays: number | null;
  /** an instalment due on or before the report's date still owes something */
  owingFromBeforeReport: boolean;
  /** a repayment was reported on or after the report's date */
  repaidSinceReport: boolean;
  /** the oldest due date < D, after the report's date, of an instalment still owing something (null: none) */
  oldestUnpaidDueAfterReport: string | null;
  /** the district fund's non-performing line */
  nplOverdueDays: number;
}

/** Whole calendar days from `from` to `to` (YYYY-MM-DD), negative when `to` is earlier. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** Whether the bank's reported arrears still stand on the loan (see the rule above). */
export function reportedArrearsStand(f: CoveredAgeingFacts): boolean {
  return (f.reportedDays ?? 0) > 0 && (f.owingFromBeforeReport || !f.repaidSinceReport);
}

/** Days overdue as of `date` by the covered basis rule. */
export function coveredDaysOverdue(f: CoveredAgeingFacts, date: string): number {
  const reported =
    reportedArrearsStand(f) && f.reportedOn !== null
      ? (f.reportedDays ?? 0) + daysBetween(f.reportedOn, date)
      : 0;
  const scheduled =
    f.oldestUnpaidDueAfterReport === null ? 0 : daysBetween(f.oldestUnpaidDueAfterReport, date);
  return Math.max(reported, scheduled);
}

/** The figures the one ageing rule is applied to, for every loan of a batch. */
export function coveredAgeingFigures(facts: readonly CoveredAgeingFacts[], date: string) {
  return facts.map((f) => ({
    loanId: f.loanId,
    daysOverdue: coveredDaysOverdue(f, date),
    nplOverdueDays: f.nplOverdueDays,
  }));
}
