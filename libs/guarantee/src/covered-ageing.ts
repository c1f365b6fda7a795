import type { EntityManager } from 'typeorm';
import { LoanAgeingStore, STANDARD_BUCKET_LIMITS_DAYS } from '#libs/loans';
import { DEFAULT_NPL_OVERDUE_DAYS } from './domain/risk-funds.js';
import { coveredAgeingFigures } from './store/covered-ageing.store.js';

export { lockCoveredForAgeing } from './store/covered-ageing.store.js';

/**
 * Ageing of BANK_COVERED loans between the bank's status reports (SPEC §3: the daily close of business ages
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
 * that leaves nothing owing from before it ends the reported arrears: a borrower who paid up is not aged on. Instalments
 * that fell due on or before the report's date are otherwise the bank's word (a report "current" settles them), later
 * ones count again when they fall due unpaid. The bucket is the one of every loan (0 / 1–30 / 31–60 / 61–90 / 90+) and the loan is
 * non-performing beyond the district fund's `npl_overdue_days` (the status report's and the breaker's line, 90 by
 * default). A repayment report settles instalments, so the next run no longer counts them.
 *
 * A loan whose basis is later than D (a report as of a day after D) is ahead of D and left alone. Every figure is a
 * function of D and the rows, so running it twice for D writes nothing the second time.
 */

/**
 * Ages the given covered loans (locked by the caller in this transaction) as of D by the rule above, writes only
 * the loans whose figures change, and records a loan event (actor `actor`) when the bucket or the non-performing
 * flag changes. The bucket and the flag are the one ageing rule of libs/loans, the line the district fund's.
 * Returns the loans written.
 */
export async function ageCoveredSql(
  m: EntityManager,
  date: string,
  loanIds: string[],
  actor: string,
): Promise<number> {
  if (!loanIds.length) return 0;
  const figures = await coveredAgeingFigures(m, date, loanIds, DEFAULT_NPL_OVERDUE_DAYS);
  const written = await new LoanAgeingStore().applyAgeing(
    m,
    { date, actor, bucketLimitsDays: STANDARD_BUCKET_LIMITS_DAYS, eventWithNonPerforming: true },
    figures,
  );
  return written.changed;
}
