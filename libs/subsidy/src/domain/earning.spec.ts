import { loanSubsidyTerms, parsePolicy, type SubsidyPolicy } from './policy.js';
import {
  loanPeriodSubsidies,
  periodComputedFen,
  periodOutcome,
  yearShare,
  type SubsidyInstallmentFacts,
  type SubsidyLoanFacts,
} from './earning.js';
import { percentToRatio } from '#libs/money';

const policy = (json: Record<string, unknown>): SubsidyPolicy => {
  const r = parsePolicy({ programmeId: '1', ...json });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.policy;
};

const monthly: SubsidyLoanFacts = {
  principalFen: 5_000_000n,
  termMonths: 12,
  method: 'EQUAL_INSTALLMENT',
  frequency: 'MONTHLY',
  dayCount: 'PERIOD',
  rounding: 'HALF_UP',
  status: 'DISBURSED',
  flags: [],
};

const inst = (over: Partial<SubsidyInstallmentFacts> = {}): SubsidyInstallmentFacts => ({
  number: 1,
  periodStart: '2026-01-05',
  dueDate: '2026-02-05',
  days: 31,
  principalFen: 400_000n,
  interestFen: 18_125n,
  originalInterestFen: 18_125n,
  paidInterestFen: 18_125n,
  interestPaidOn: '2026-02-05',
  ...over,
});

describe('policy terms of a loan', () => {
  it('FULL_BENCHMARK takes the benchmark of the contract date, capped at 50,000 principal for a household', () => {
    const t = loanSubsidyTerms(policy({ type: 'FULL_BENCHMARK' }), {
      borrowerType: 'HOUSEHOLD',
      annualRatePercent: '4.35',
      benchmarkRatePercent: '4.35',
      linkedPoorCount: null,
    });
    expect(t).toEqual({ ratePercent: '4.35', basisCapFen: 5_000_000n });
  });

  it('FIXED_RATE on an entity loan covers 50,000 per linked poor household', () => {
    const t = loanSubsidyTerms(policy({ type: 'FIXED_RATE', ratePercent: '2' }), {
      borrowerType: 'ENTITY',
      annualRatePercent: '4.75',
      benchmarkRatePercent: '4.75',
      linkedPoorCount: 3,
    });
    expect(t).toEqual({ ratePercent: '2', basisCapFen: 15_000_000n });
  });

  it('CAPPED takes the lower of the contract rate and the cap', () => {
    const capped = policy({ type: 'CAPPED', capPercent: '5' });
    const facts = { borrowerType: 'HOUSEHOLD' as const, benchmarkRatePercent: null, linkedPoorCount: null };
    expect(loanSubsidyTerms(capped, { ...facts, annualRatePercent: '6' }).ratePercent).toBe('5');
    expect(loanSubsidyTerms(capped, { ...facts, annualRatePercent: '4.35' }).ratePercent).toBe('4.35');
  });
});

describe('share of the year per day count', () => {
  it('PERIOD monthly and quarterly: 1/12 and 1/4, whatever the days', () => {
    expect(yearShare(monthly, inst({ periodStart: '2026-01-31', dueDate: '2026-02-28', days: 28 }))).toEqual({
      num: 1n,
      den: 12n,
    });
    expect(yearShare(monthly, inst({ periodStart: '2026-02-28', dueDate: '2026-03-31', days: 31 }))).toEqual({
      num: 1n,
      den: 12n,
    });
    expect(
      yearShare(
        { ...monthly, frequency: 'QUARTERLY' },
        inst({ periodStart: '2026-01-05', dueDate: '2026-04-05', days: 90 }),
      ),
    ).toEqual({ num: 1n, den: 4n });
  });

  it('PERIOD partial first period: days over the full period ending on the same due date', () => {
    // disbursed Jan 10, the bank's repayment day is the 21st: 11 of the 31 days Dec 21 .. Jan 21
    expect(yearShare(monthly, inst({ periodStart: '2026-01-10', dueDate: '2026-01-21', days: 11 }))).toEqual({
      num: 11n,
      den: 372n,
    });
  });

  it('BULLET: term months / 12; ACTUAL_*: days / 360 or 365', () => {
    expect(
      yearShare({ ...monthly, method: 'BULLET', frequency: 'AT_MATURITY', termMonths: 9 }, inst()),
    ).toEqual({ num: 9n, den: 12n });
    expect(yearShare({ ...monthly, dayCount: 'ACTUAL_365' }, inst({ days: 31 }))).toEqual({
      num: 31n,
      den: 365n,
    });
    expect(yearShare({ ...monthly, dayCount: 'ACTUAL_360' }, inst({ days: 29 }))).toEqual({
      num: 29n,
      den: 360n,
    });
  });
});

describe('subsidy of a period', () => {
  const r = (p: string) => percentToRatio(p);

  it('is rate × basis × share, rounded once', () => {
    // 50,000 × 4.35 % / 12 = 181.25
    expect(periodComputedFen(r('4.35'), 5_000_000n, { num: 1n, den: 12n }, 18_125n, 18_125n, 'HALF_UP')).toBe(
      18_125n,
    );
    // 10,000 × 4.35 % × 31/365 = 36.945205… → 36.95
    expect(periodComputedFen(r('4.35'), 1_000_000n, { num: 31n, den: 365n }, 5_000n, 5_000n, 'HALF_UP')).toBe(
      3_695n,
    );
    // partial first period: 50,000 × 4.35 % × 11/372 = 64.3145… → 64.31
    expect(periodComputedFen(r('4.35'), 5_000_000n, { num: 11n, den: 372n }, 7_000n, 7_000n, 'HALF_UP')).toBe(
      6_431n,
    );
  });

  it('never exceeds the interest charged', () => {
    // FIXED_RATE 8 % on a 6 % loan: the subsidy is the interest itself
    expect(periodComputedFen(r('8'), 1_000_000n, { num: 1n, den: 12n }, 5_000n, 5_000n, 'HALF_UP')).toBe(
      5_000n,
    );
    // a bank that charged a partial period less than pro rata
    expect(periodComputedFen(r('4.35'), 5_000_000n, { num: 11n, den: 372n }, 6_000n, 6_000n, 'HALF_UP')).toBe(
      6_000n,
    );
  });

  it('follows the interest down after a prepayment or a payoff (only interest charged is subsidised)', () => {
    // CAPPED 5 % on a 6 % loan of 10,000 a month: 41.67 of 50.00; a payoff after 12 of 30 days charged 20.00
    expect(periodComputedFen(r('5'), 1_000_000n, { num: 1n, den: 12n }, 5_000n, 5_000n, 'HALF_UP')).toBe(
      4_167n,
    );
    expect(periodComputedFen(r('5'), 1_000_000n, { num: 1n, den: 12n }, 2_000n, 5_000n, 'HALF_UP')).toBe(
      1_667n,
    );
    // a payoff before any interest was charged
    expect(periodComputedFen(r('5'), 1_000_000n, { num: 1n, den: 12n }, 0n, 5_000n, 'HALF_UP')).toBe(0n);
  });

  it('rounds in the loan mode', () => {
    // 0.5 fen exactly: 1,000 fen × 3 % / 12 = 2.5 fen
    expect(periodComputedFen(r('3'), 1_000n, { num: 1n, den: 12n }, 10n, 10n, 'HALF_UP')).toBe(3n);
    expect(periodComputedFen(r('3'), 1_000n, { num: 1n, den: 12n }, 10n, 10n, 'HALF_EVEN')).toBe(2n);
  });
});

describe('earning a period', () => {
  const loan = { status: 'DISBURSED', flags: [] as string[] };

  it('is earned when the interest is paid in full by due date + grace', () => {
    expect(periodOutcome(loan, inst(), 0, '2026-03-21')).toEqual({ outcome: 'EARNED', reason: null });
    expect(periodOutcome(loan, inst({ interestPaidOn: '2026-01-20' }), 0, '2026-03-21').outcome).toBe(
      'EARNED',
    );
    expect(periodOutcome(loan, inst({ interestPaidOn: '2026-02-08' }), 3, '2026-03-21').outcome).toBe(
      'EARNED',
    );
  });

  it('is forfeited when paid late, unpaid after the grace, or the loan is flagged or written off', () => {
    expect(periodOutcome(loan, inst({ interestPaidOn: '2026-02-06' }), 0, '2026-03-21')).toEqual({
      outcome: 'FORFEITED',
      reason: 'LATE_PAYMENT',
    });
    expect(
      periodOutcome(loan, inst({ paidInterestFen: 18_124n, interestPaidOn: null }), 0, '2026-03-21'),
    ).toEqual({
      outcome: 'FORFEITED',
      reason: 'UNPAID',
    });
    expect(periodOutcome({ ...loan, flags: ['MISUSE'] }, inst(), 0, '2026-03-21').reason).toBe('LOAN_MISUSE');
    expect(periodOutcome({ ...loan, flags: ['MISUSE', 'FRAUD'] }, inst(), 0, '2026-03-21').reason).toBe(
      'LOAN_FRAUD',
    );
    expect(periodOutcome({ ...loan, status: 'WRITTEN_OFF' }, inst(), 0, '2026-03-21').reason).toBe(
      'WRITTEN_OFF',
    );
  });

  it('is pending while unpaid within its grace', () => {
    expect(periodOutcome(loan, inst({ paidInterestFen: 0n, interestPaidOn: null }), 3, '2026-02-08')).toEqual(
      {
        outcome: 'PENDING',
        reason: null,
      },
    );
  });
});

describe('a loan schedule', () => {
  it('applies the basis cap to the balance of each period', () => {
    const terms = { ratePercent: '4.35', basisCapFen: 5_000_000n };
    const loan = { ...monthly, principalFen: 6_000_000n };
    const periods = loanPeriodSubsidies(
      loan,
      terms,
      [
        inst({
          number: 2,
          periodStart: '2026-02-05',
          dueDate: '2026-03-05',
          days: 28,
          principalFen: 2_000_000n,
          interestFen: 14_500n,
          originalInterestFen: 14_500n,
          paidInterestFen: 14_500n,
          interestPaidOn: '2026-03-05',
        }),
        inst({
          number: 1,
          principalFen: 2_000_000n,
          interestFen: 21_750n,
          originalInterestFen: 21_750n,
          paidInterestFen: 21_750n,
        }),
        inst({
          number: 3,
          periodStart: '2026-03-05',
          dueDate: '2026-04-05',
          days: 31,
          principalFen: 2_000_000n,
          interestFen: 7_250n,
          originalInterestFen: 7_250n,
          paidInterestFen: 0n,
          interestPaidOn: null,
        }),
      ],
      0,
      '2026-04-10',
    );
    expect(
      periods.map((p) => [
        p.number,
        p.balanceFen,
        p.basisFen,
        p.computedFen,
        p.outcome,
        p.earnedFen,
        p.forfeitedFen,
      ]),
    ).toEqual([
      [1, 6_000_000n, 5_000_000n, 18_125n, 'EARNED', 18_125n, 0n],
      [2, 4_000_000n, 4_000_000n, 14_500n, 'EARNED', 14_500n, 0n],
      [3, 2_000_000n, 2_000_000n, 7_250n, 'FORFEITED', 0n, 7_250n],
    ]);
  });
});
