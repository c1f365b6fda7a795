import fc from 'fast-check';
import { WATERFALL_STEPS, type ReplayPayment, type RepaymentTerms } from '#libs/repayment';
import { addDays, generateSchedule } from '#libs/schedules';
import { ENGINE_KERNEL } from '../kernel.js';
import type { BookSnapshot, ScenarioSpec, SnapshotFund, SnapshotLoan } from './model.js';
import { rngOf, runSeed } from './prng.js';
import { BASELINE_SCENARIO } from './scenario.js';
import { simulateRun } from './simulate.js';

/**
 * The funds' pools of on-time months (simulate.ts, Prep) stand for adding the pooled loans one by one: on random
 * books (loans of any age, paid on time, late or not at all before the snapshot, households with several loans,
 * funds that lend) and random behaviour and demand, a run with the pools equals the run that adds every loan itself,
 * and both equal the run that shares nothing: every loan replayed by the run, month end by month end (no months
 * computed once, no stopped loan read without its replay).
 */

const AS_OF = '2026-03-10';

const terms = (principalFen: bigint, ratePercent: string, graceDays: number): RepaymentTerms => ({
  principalFen,
  annualRatePercent: ratePercent,
  penaltyRatePercent: '9',
  method: 'EQUAL_PRINCIPAL',
  frequency: 'MONTHLY',
  dayCount: 'PERIOD',
  rounding: 'HALF_UP',
  graceDays,
  waterfall: WATERFALL_STEPS,
  prepaymentMode: 'SHORTEN_TERM',
  earlyRepaymentFee: 'ACCRUED',
});

const fund = (id: string, lends: boolean): SnapshotFund => ({
  id,
  villageId: id,
  districtId: '1',
  name: `fund ${id}`,
  cashFen: 300_000n,
  capitalFen: 2_000_000n,
  lendingCapPercent: '90',
  newLoans: lends
    ? {
        annualRatePercent: '6',
        rateSource: 'FIXED',
        markupPercent: '0',
        terms: {
          method: 'EQUAL_PRINCIPAL',
          frequency: 'MONTHLY',
          dayCount: 'PERIOD',
          rounding: 'HALF_UP',
          graceDays: 0,
          waterfall: WATERFALL_STEPS,
          prepaymentMode: 'SHORTEN_TERM',
          earlyRepaymentFee: 'ACCRUED',
          penaltyBasis: 'ANNUAL_RATE',
          penaltyRatePercent: '9',
        },
        installmentMultipleFen: 1n,
        nplOverdueDays: 90,
        maxLoanFen: 500_000n,
        maxTermMonths: 12,
      }
    : null,
});

const loanArb = fc.record({
  principalFen: fc.bigInt({ min: 10_000n, max: 900_000n }),
  months: fc.integer({ min: 2, max: 18 }),
  disbursedDaysBefore: fc.integer({ min: 1, max: 420 }),
  rate: fc.constantFrom('6', '7.2', '0'),
  fund: fc.constantFrom('1', '2'),
  household: fc.integer({ min: 1, max: 8 }),
  /** per instalment due by the snapshot: 0 paid on its due date, 1 not paid, 2..40 paid that many days late */
  paid: fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 18, maxLength: 18 }),
  nplOverdueDays: fc.constantFrom(30, 90),
  graceDays: fc.constantFrom(0, 0, 3),
});

function loanOf(id: number, x: LoanInput): SnapshotLoan {
  const disbursed = addDays(AS_OF, -x.disbursedDaysBefore);
  const t = terms(x.principalFen, x.rate, x.graceDays);
  const s = generateSchedule({
    principalFen: x.principalFen,
    annualRatePercent: x.rate,
    numberOfInstallments: x.months,
    frequency: 'MONTHLY',
    termMonths: x.months,
    method: 'EQUAL_PRINCIPAL',
    dayCount: 'PERIOD',
    disbursementDate: disbursed,
    rounding: 'HALF_UP',
    installmentMultipleFen: 1n,
    principalGraceInstallments: 0,
  });
  const schedule = s.installments.map((i) => ({ number: i.number, periodStart: i.periodStart, dueDate: i.dueDate, days: i.days, principalFen: i.principalFen, originalInterestFen: i.interestFen }));
  const payments: ReplayPayment[] = [];
  for (const i of schedule) {
    const how = x.paid[i.number - 1] ?? 0;
    if (how === 1) continue;
    const day = how === 0 ? i.dueDate : addDays(i.dueDate, how);
    if (day > AS_OF) continue;
    payments.push({ id: String(payments.length + 1), valueDate: day, amountFen: i.principalFen + i.originalInterestFen });
  }
  payments.sort((a, b) => (a.valueDate < b.valueDate ? -1 : a.valueDate > b.valueDate ? 1 : 0));
  payments.forEach((p, n) => (p.id = String(n + 1)));
  return {
    id: String(id),
    channel: 'MUTUAL_AID',
    kind: 'MUTUAL_AID',
    householdId: `h${x.household}`,
    fundId: x.fund,
    riskFundId: null,
    agreementId: null,
    coverMultiple: null,
    nplOverdueDays: x.nplOverdueDays,
    terms: t,
    schedule,
    payments,
    termMonths: x.months,
    subsidy: null,
  };
}

interface LoanInput {
  principalFen: bigint;
  months: number;
  disbursedDaysBefore: number;
  rate: string;
  fund: string;
  household: number;
  paid: number[];
  nplOverdueDays: number;
  graceDays: number;
}

const scenarioArb = fc.record({
  horizonMonths: fc.integer({ min: 1, max: 14 }),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  latePercent: fc.integer({ min: 0, max: 50 }),
  defaultPercent: fc.integer({ min: 0, max: 50 }),
  lateMax: fc.integer({ min: 1, max: 45 }),
  applications: fc.constantFrom(0, 0, 0.5, 2),
});

describe('the funds’ pools of on-time months', () => {
  it('give every run exactly what adding the loans one by one, or replaying every loan in the run, gives', () => {
    fc.assert(
      fc.property(fc.array(loanArb, { minLength: 1, maxLength: 10 }), scenarioArb, fc.boolean(), (ls, sc, lends) => {
        const snapshot: BookSnapshot = {
          asOf: AS_OF,
          loans: ls.map((x, n) => loanOf(n + 1, x)),
          funds: [fund('1', lends), fund('2', false)],
          riskFunds: [],
          agreements: [],
          budgets: [],
          benchmarkRatePercent: null,
        };
        const scenario: ScenarioSpec = {
          ...structuredClone(BASELINE_SCENARIO),
          horizonMonths: sc.horizonMonths,
          seed: sc.seed,
          behaviour: { MUTUAL_AID: { latePercent: sc.latePercent, lateDays: { min: 1, max: sc.lateMax }, defaultPercent: sc.defaultPercent } },
          newDemand: { applicationsPerVillagePerMonth: sc.applications, amount: { min: '1000.00', max: '4000.00', step: '500.00' }, termMonths: [3, 6] },
        };
        for (let k = 0; k < 3; k++) {
          const input = { snapshot, scenario, kernel: ENGINE_KERNEL };
          const pooled = simulateRun({ ...input, rng: rngOf(runSeed(sc.seed, k)) });
          const oneByOne = simulateRun({ ...input, rng: rngOf(runSeed(sc.seed, k)), pooled: false });
          expect(pooled).toEqual(oneByOne);
          const unshared = simulateRun({ ...input, rng: rngOf(runSeed(sc.seed, k)), shared: false });
          expect(pooled).toEqual(unshared);
        }
      }),
      { numRuns: 100 },
    );
  });
});
