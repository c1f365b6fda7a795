import type { BookSnapshot, SnapshotLoan } from '#libs/projection';
import { WATERFALL_STEPS, type RepaymentTerms } from '#libs/repayment';
import { generateSchedule } from '#libs/schedules';

export interface SyntheticBookOptions {
  /** the snapshot date; everything due by then was paid on its due date */
  asOf: string;
  /** the loans' terms in months, in turn (loan i has terms[i mod terms.length]) */
  terms: readonly number[];
  /** village funds; loan i is in fund 1 + (i mod funds) */
  funds: number;
  cashFen: bigint;
  capitalFen: bigint;
}

/** The terms every synthetic loan has: 6 % a year, equal principal, monthly, the engine's default waterfall. */
const termsOf = (principalFen: bigint): RepaymentTerms => ({
  principalFen,
  annualRatePercent: '6',
  penaltyRatePercent: '9',
  method: 'EQUAL_PRINCIPAL',
  frequency: 'MONTHLY',
  dayCount: 'PERIOD',
  rounding: 'HALF_UP',
  graceDays: 0,
  waterfall: WATERFALL_STEPS,
  prepaymentMode: 'SHORTEN_TERM',
  earlyRepaymentFee: 'ACCRUED',
});

/**
 * A projection snapshot of `n` mutual-aid loans disbursed over 2025 (2,000.00 to 9,999.99 yuan, spread by a fixed
 * rule, so the same `n` always gives the same book), each paid on time up to the snapshot date: what the projection
 * benchmark and the threaded runner's test project.
 */
export function syntheticBook(n: number, o: SyntheticBookOptions): BookSnapshot {
  const loans: SnapshotLoan[] = [];
  for (let i = 0; i < n; i++) {
    const months = o.terms[i % o.terms.length];
    const principalFen = 200_000n + BigInt((i * 7919) % 800_000);
    const disbursed = `2025-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`;
    const s = generateSchedule({
      principalFen,
      annualRatePercent: '6',
      numberOfInstallments: months,
      frequency: 'MONTHLY',
      termMonths: months,
      method: 'EQUAL_PRINCIPAL',
      dayCount: 'PERIOD',
      disbursementDate: disbursed,
      rounding: 'HALF_UP',
      installmentMultipleFen: 1n,
      principalGraceInstallments: 0,
    });
    const schedule = s.installments.map((x) => ({
      number: x.number,
      periodStart: x.periodStart,
      dueDate: x.dueDate,
      days: x.days,
      principalFen: x.principalFen,
      originalInterestFen: x.interestFen,
    }));
    loans.push({
      id: String(i + 1),
      channel: 'MUTUAL_AID',
      kind: 'MUTUAL_AID',
      householdId: `h${i}`,
      fundId: String(1 + (i % o.funds)),
      riskFundId: null,
      agreementId: null,
      coverMultiple: null,
      nplOverdueDays: 90,
      terms: termsOf(principalFen),
      schedule,
      payments: schedule
        .filter((x) => x.dueDate <= o.asOf)
        .map((x) => ({
          id: String(x.number),
          valueDate: x.dueDate,
          amountFen: x.principalFen + x.originalInterestFen,
        })),
      termMonths: months,
      subsidy: null,
    });
  }
  const funds = Array.from({ length: o.funds }, (_, k) => ({
    id: String(k + 1),
    villageId: String(k + 1),
    districtId: '1',
    name: `fund ${k + 1}`,
    cashFen: o.cashFen,
    capitalFen: o.capitalFen,
    lendingCapPercent: '90',
    newLoans: null,
  }));
  return {
    asOf: o.asOf,
    loans,
    funds,
    riskFunds: [],
    agreements: [],
    budgets: [],
    benchmarkRatePercent: null,
  };
}
