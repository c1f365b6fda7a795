import { lendingCapOf } from '#libs/funds/domain';
import { capacityFor, coverFor, coverProblems, minimumShortfall, nplAtOrAbove, parseMultiple, splitByShares } from '#libs/guarantee/domain';
import { penaltyRateFor } from '#libs/products/domain';
import { accrueTo, applyPayment, daysOverdueOf, markOverdue, replay } from '#libs/repayment/domain';
import { payableNow, periodComputedFen, periodContaining, periodOutcome, splitForBudget, yearShare } from '#libs/subsidy/domain';
import type { Kernel } from './domain/kernel.js';

/**
 * The live engine's functions, from each library's domain entry (its pure functions, without its Nest module and
 * stores, so a worker thread loads only those): what the simulator advances the books with.
 */
export const ENGINE_KERNEL: Kernel = {
  replay,
  applyPayment,
  accrueTo,
  markOverdue,
  daysOverdueOf,
  coverFor,
  capacityFor,
  coverProblems,
  parseMultiple,
  nplAtOrAbove,
  minimumShortfall,
  splitByShares,
  lendingCapOf,
  penaltyRateFor,
  periodComputedFen,
  yearShare,
  payableNow,
  periodContaining,
  periodOutcome,
  splitForBudget,
};
