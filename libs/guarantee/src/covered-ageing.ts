import type { EntityManager } from 'typeorm';
import { LoanAgeingStore, STANDARD_BUCKET_LIMITS_DAYS } from '#libs/loans';
import { DEFAULT_NPL_OVERDUE_DAYS } from './domain/risk-funds.js';
import { coveredAgeingFigures } from './domain/covered-ageing.js';
import { coveredAgeingFacts } from './store/covered-ageing.store.js';

/**
 * The covered channel's ageing for the close of business: the loans to age are locked in the store, the days
 * overdue come from the basis rule of domain/covered-ageing.ts (the bank's latest status report, then the calendar
 * and the frozen schedule), and the bucket, the non-performing flag and the events are the one ageing rule of
 * libs/loans, with the district fund's npl_overdue_days as the line. A loan whose basis is later than D (a report as
 * of a day after D) is ahead of D and left alone. Every figure is a function of D and the rows, so running it twice
 * for D writes nothing the second time.
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
  const figures = coveredAgeingFigures(
    await coveredAgeingFacts(m, date, loanIds, DEFAULT_NPL_OVERDUE_DAYS),
    date,
  );
  const written = await new LoanAgeingStore().applyAgeing(
    m,
    { date, actor, bucketLimitsDays: STANDARD_BUCKET_LIMITS_DAYS, eventWithNonPerforming: true },
    figures,
  );
  return written.changed;
}
