import type { lendingCapOf } from '#libs/funds';
import type {
  capacityFor,
  coverFor,
  coverProblems,
  minimumShortfall,
  nplAtOrAbove,
  parseMultiple,
  splitByShares,
} from '#libs/guarantee';
import type { penaltyRateFor } from '#libs/products';
import type { accrueTo, applyPayment, daysOverdueOf, markOverdue, replay } from '#libs/repayment';
import type {
  payableNow,
  periodComputedFen,
  periodContaining,
  periodOutcome,
  splitForBudget,
  yearShare,
} from '#libs/subsidy';

/**
 * The live engine's own pure functions the simulator advances the books with. The domain may import values only
 * from #libs/money and #libs/schedules/domain, so the functions of the repayment, guarantee, funds, products and
 * subsidy domains are handed in as this one object (src/kernel.ts builds it from those libraries' domain entries,
 * `#libs/<lib>/domain`): the projection has no formulas of its own.
 */
export interface Kernel {
  /** libs/repayment: the replay of a loan's frozen schedule and payments (waterfall, penalty, ageing of instalments) */
  replay: typeof replay;
  /** one payment of the replay, applied to a kept state (with the accrual and overdue marking it starts with) */
  applyPayment: typeof applyPayment;
  accrueTo: typeof accrueTo;
  markOverdue: typeof markOverdue;
  daysOverdueOf: typeof daysOverdueOf;
  /** libs/guarantee: leverage arithmetic and the compensation split */
  coverFor: typeof coverFor;
  capacityFor: typeof capacityFor;
  /** the guarantee-side rules of covering a new loan (agreement in force, breaker, minimum, capacity left) */
  coverProblems: typeof coverProblems;
  parseMultiple: typeof parseMultiple;
  nplAtOrAbove: typeof nplAtOrAbove;
  minimumShortfall: typeof minimumShortfall;
  splitByShares: typeof splitByShares;
  /** libs/funds: the lending cap of a fund's capital */
  lendingCapOf: typeof lendingCapOf;
  /** libs/products: a new loan's penalty rate from the product's rule */
  penaltyRateFor: typeof penaltyRateFor;
  /** libs/subsidy: a period's subsidy and what a budget can pay */
  periodComputedFen: typeof periodComputedFen;
  yearShare: typeof yearShare;
  payableNow: typeof payableNow;
  /** libs/subsidy: the settlement period a date falls in, a period's outcome (earned, forfeited, pending), a
   * claim split at the year's budget (the part paid and the queued remainder) */
  periodContaining: typeof periodContaining;
  periodOutcome: typeof periodOutcome;
  splitForBudget: typeof splitForBudget;
}
