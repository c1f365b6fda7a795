import { lendingCapOf } from '#libs/funds';
import { capacityFor, coverFor, coverProblems, minimumShortfall, nplAtOrAbove, parseMultiple, splitByShares } from '#libs/guarantee';
import { penaltyRateFor } from '#libs/products';
import { accrueTo, applyPayment, daysOverdueOf, markOverdue, replay } from '#libs/repayment';
import { payableNow, periodComputedFen, periodContaining, periodOutcome, splitForBudget, yearShare } from '#libs/subsidy';
import type { Kernel } from './domain/kernel.js';

/** The live engine's functions, from each library's public surface: what the simulator advances the books with. */
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
