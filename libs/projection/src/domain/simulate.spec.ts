import fc from 'fast-check';
import { WATERFALL_STEPS, replay, type RepaymentTerms } from '#libs/repayment';
import { generateSchedule } from '#libs/schedules';
import { ENGINE_KERNEL } from '../kernel.js';
import { fanChartSvg } from './chart.js';
import type { BookSnapshot, ScenarioSpec, SnapshotLoan } from './model.js';
import { bandsOf, eventsOf, percentile, runMonteCarlo, sortedBigints } from './monte-carlo.js';
import { rngOf, runSeed } from './prng.js';
import { BASELINE_SCENARIO, parseScenario } from './scenario.js';
import { monthEndsAfter, simulateRun } from './simulate.js';
import { resultView } from './views.js';

const AS_OF = '2026-03-10';

const termsOf = (principalFen: bigint, method: RepaymentTerms['method'] = 'EQUAL_PRINCIPAL'): RepaymentTerms => ({
  principalFen,
  annualRatePercent: '6',
  penaltyRatePercent: '9',
  method,
  frequency: 'MONTHLY',
  dayCount: 'PERIOD',
  rounding: 'HALF_UP',
  graceDays: 0,
  waterfall: WATERFALL_STEPS,
  prepaymentMode: 'SHORTEN_TERM',
  earlyRepaymentFee: 'ACCRUED',
});

function loan(id: string, principalFen: bigint, months: number, o: Partial<SnapshotLoan> = {}): SnapshotLoan {
  const terms = termsOf(principalFen);
  const s = generateSchedule({
    principalFen,
    annualRatePercent: terms.annualRatePercent,
    numberOfInstallments: months,
    frequency: 'MONTHLY',
    termMonths: months,
    method: terms.method,
    dayCount: 'PERIOD',
    disbursementDate: AS_OF,
    rounding: 'HALF_UP',
    installmentMultipleFen: 1n,
    principalGraceInstallments: 0,
  });
  return {
    id,
    channel: 'MUTUAL_AID',
    kind: 'MUTUAL_AID',
    householdId: `h${id}`,
    fundId: '1',
    riskFundId: null,
    agreementId: null,
    coverMultiple: null,
    nplOverdueDays: 90,
    terms,
    schedule: s.installments.map((i) => ({
      number: i.number,
      periodStart: i.periodStart,
      dueDate: i.dueDate,
      days: i.days,
      principalFen: i.principalFen,
      originalInterestFen: i.interestFen,
    })),
    payments: [],
    termMonths: months,
    subsidy: null,
    ...o,
  };
}

function book(loans: SnapshotLoan[], over: Partial<BookSnapshot> = {}): BookSnapshot {
  return {
    asOf: AS_OF,
    loans,
    funds: [
      {
        id: '1',
        villageId: '1',
        districtId: '1',
        name: 'fund',
        cashFen: 1_000_000n,
        capitalFen: 2_000_000n,
        lendingCapPercent: '90',
        newLoans: {
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
          maxLoanFen: 1_000_000n,
          maxTermMonths: 12,
        },
      },
    ],
    riskFunds: [
      {
        id: '7',
        districtId: '1',
        name: 'rf',
        balanceFen: 10_000_000n,
        availableFen: 10_000_000n - 400_000n,
        heavyTask: true,
        minimumFen: 9_900_000n,
        nplOverdueDays: 90,
      },
    ],
    agreements: [
      {
        id: '3',
        riskFundId: '7',
        bankId: '2',
        leverageMultiple: '10',
        nplThresholdPercent: '5',
        fundSharePercent: '80',
        bankSharePercent: '20',
        triggerDays: 90,
      },
    ],
    budgets: [],
    benchmarkRatePercent: '3.45',
    ...over,
  };
}

const covered = (id: string) =>
  loan(id, 4_000_000n, 12, {
    channel: 'BANK_COVERED',
    kind: 'HOUSEHOLD_MICROCREDIT',
    fundId: null,
    riskFundId: '7',
    agreementId: '3',
    coverMultiple: '10',
    terms: { ...termsOf(4_000_000n), penaltyRatePercent: '0' },
  });

const spec = (o: Partial<ScenarioSpec>): ScenarioSpec => ({ ...structuredClone(BASELINE_SCENARIO), ...o });
const run = (b: BookSnapshot, s: ScenarioSpec, k = 0) =>
  simulateRun({ snapshot: b, scenario: s, kernel: ENGINE_KERNEL, rng: rngOf(runSeed(s.seed, k)) });
const at = (r: ReturnType<typeof run>, month: number, key: string) => r.months[month].values.get(key);

describe('percentiles', () => {
  it('take the nearest rank, so every band is a value some run produced', () => {
    expect(percentile([1n, 2n, 3n, 4n], 50)).toBe(2n);
    expect(percentile([1n, 2n, 3n, 4n], 10)).toBe(1n);
    expect(percentile([1n, 2n, 3n, 4n], 90)).toBe(4n);
    expect(percentile(['2027-01'], 90)).toBe('2027-01');
    const ten = Array.from({ length: 10 }, (_, i) => BigInt(i + 1));
    expect([percentile(ten, 10), percentile(ten, 50), percentile(ten, 90)]).toEqual([1n, 5n, 9n]);
    expect(() => percentile([], 50)).toThrow(RangeError);
  });

  it('sort bigints the same in 64 bits as beyond them', () => {
    const asBigints = (x: ArrayLike<bigint>) => Array.from(x);
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: -(1n << 64n), max: 1n << 64n })), (values) => {
        const expected = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        expect(asBigints(sortedBigints([...values]))).toEqual(expected);
        const small = values.map((v) => v % (1n << 62n));
        expect(asBigints(sortedBigints([...small]))).toEqual(
          [...small].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
        );
      }),
    );
    expect(sortedBigints([3n, 1n << 63n, -5n])).toEqual([-5n, 3n, 1n << 63n]);
    expect(sortedBigints([3n, (1n << 63n) - 1n, -(1n << 63n)])).toBeInstanceOf(BigInt64Array);
  });

  it('bands each figure of each month over the runs', () => {
    const runs = [5n, 1n, 3n].map((x) => ({
      months: [{ month: '2026-04', monthEnd: '2026-04-30', values: new Map([['total:maCash', x]]) }],
      events: new Map(x > 2n ? [['FUND_OUT_OF_ROOM:fund:1', x > 4n ? '2026-06' : '2026-04']] : []),
    }));
    expect(bandsOf(runs)[0].bands).toEqual([{ month: '2026-04', p10: 1n, p50: 3n, p90: 5n }]);
    expect(eventsOf(runs)).toEqual([
      {
        key: 'FUND_OUT_OF_ROOM:fund:1',
        event: 'FUND_OUT_OF_ROOM',
        scope: 'fund',
        id: '1',
        probabilityPercent: '66.67',
        runs: 2,
        firstMonth: { p10: '2026-04', p50: '2026-04', p90: '2026-06' },
      },
    ]);
  });
});

describe('the monthly simulator', () => {
  it('reports the month ends after the snapshot date', () => {
    expect(monthEndsAfter('2026-03-10', 3)).toEqual(['2026-03-31', '2026-04-30', '2026-05-31']);
    expect(monthEndsAfter('2026-03-31', 2)).toEqual(['2026-04-30', '2026-05-31']);
    expect(monthEndsAfter('2026-12-15', 2)).toEqual(['2026-12-31', '2027-01-31']);
  });

  it('collects exactly the schedule from on-time borrowers: cash grows by principal plus fee, outstanding runs off', () => {
    const l = loan('1', 600_000n, 6);
    const r = run(book([l]), spec({ horizonMonths: 8 }));
    const total = l.schedule.reduce((s, i) => s + i.principalFen + i.originalInterestFen, 0n);
    expect(at(r, 7, 'fund:1:cash')).toBe(1_000_000n + total);
    expect(at(r, 7, 'fund:1:outstanding')).toBe(0n);
    // after the first due date (10 April) one instalment has been repaid
    expect(at(r, 1, 'fund:1:outstanding')).toBe(500_000n);
    expect(at(r, 0, 'fund:1:households')).toBe(1n);
    expect(at(r, 7, 'fund:1:households')).toBe(0n);
    expect(at(r, 7, 'fund:1:householdsCumulative')).toBe(1n);
    // the same as the repayment engine's own replay of those payments
    const replayed = replay(l.terms, l.schedule, [], '2026-05-31');
    expect(replayed.installments.filter((i) => i.status === 'OVERDUE').map((i) => i.number)).toEqual([1, 2]);
  });

  it('ages a defaulter into PAR30 and charges penalty by the replay', () => {
    const r = run(book([loan('1', 600_000n, 6)]), spec({ horizonMonths: 4, behaviour: { MUTUAL_AID: { latePercent: 0, lateDays: { min: 0, max: 0 }, defaultPercent: 100 } } }));
    const par30 = r.months.map((m) => m.values.get('fund:1:par30'));
    expect(par30[0]).toBe(0n);
    expect(par30[3]).toBeGreaterThan(0n);
    expect(at(r, 3, 'total:par30Percent')).toBeGreaterThan(0n);
  });

  it('is reproducible by seed, and another seed draws other runs', () => {
    const loans = Array.from({ length: 12 }, (_, i) => loan(String(i + 1), 300_000n + BigInt(i) * 10_000n, 12));
    const s = spec({
      horizonMonths: 12,
      runs: 8,
      seed: 42,
      behaviour: { MUTUAL_AID: { latePercent: 30, lateDays: { min: 5, max: 40 }, defaultPercent: 20 } },
      newDemand: { applicationsPerVillagePerMonth: 1.5, amount: { min: '1000.00', max: '5000.00', step: '500.00' }, termMonths: [6, 12] },
    });
    const a = runMonteCarlo({ snapshot: book(loans), scenario: s, kernel: ENGINE_KERNEL });
    const b = runMonteCarlo({ snapshot: book(loans), scenario: s, kernel: ENGINE_KERNEL });
    expect(b).toEqual(a);
    const c = runMonteCarlo({ snapshot: book(loans), scenario: { ...s, seed: 43 }, kernel: ENGINE_KERNEL });
    expect(c.series).not.toEqual(a.series);
    const cash = a.series.find((x) => x.key === 'total:maCash')!;
    for (const m of cash.bands) {
      expect(m.p10 <= m.p50 && m.p50 <= m.p90).toBe(true);
    }
    expect(cash.bands.some((m) => m.p10 < m.p90)).toBe(true);
  });

  it('compensates a defaulted covered loan past the trigger: the fund pays its share and the breaker and minimum events fire', () => {
    const l = covered('9');
    const s = spec({ horizonMonths: 8, behaviour: { HOUSEHOLD_MICROCREDIT: { latePercent: 0, lateDays: { min: 0, max: 0 }, defaultPercent: 100 } } });
    const r = run(book([l]), s);
    const balance = r.months.map((m) => m.values.get('riskFund:7:balance')!);
    expect(balance[0]).toBe(10_000_000n);
    const paidAt = balance.findIndex((b) => b < 10_000_000n);
    expect(paidAt).toBeGreaterThan(2);
    const st = replay(l.terms, l.schedule, [], r.months[paidAt].monthEnd);
    // the bank's borrower stopped at instalment 0 to 2: the claim is the unpaid principal and due fee, 80 % the fund's
    expect(10_000_000n - balance[paidAt]).toBeGreaterThan(0n);
    expect(10_000_000n - balance[paidAt]).toBeLessThanOrEqual(((st.installments.reduce((x, i) => x + i.principalFen + i.interestFen, 0n)) * 8n) / 10n);
    // non-performing (over 90 days) at the month end before the claim is paid: the breaker trips then
    expect(r.events.get('BREAKER_TRIPS:riskFund:7')).toBe(r.months[paidAt - 1].month);
    expect(at(r, paidAt - 1, 'riskFund:7:breaker')).toBe(1n);
    expect(r.events.get('RISK_FUND_BELOW_MINIMUM:riskFund:7')).toBe(r.months[paidAt].month);
    expect(at(r, paidAt, 'riskFund:7:coveredOutstanding')).toBe(0n);
  });

  it('releases cover as the bank reports principal, and the capacity is ⌊multiple × available⌋', () => {
    const r = run(book([covered('9')]), spec({ horizonMonths: 3 }));
    expect(at(r, 0, 'riskFund:7:capacityLeft')).toBe(96_000_000n);
    // one instalment of 333,333 fen paid in April: the backing falls from 400,000 to ⌈3,666,667 / 10⌉
    expect(at(r, 1, 'riskFund:7:available')).toBe(10_000_000n - 366_667n);
    expect(at(r, 1, 'riskFund:7:leverage')).toBe(3667n); // 3,666,667 ÷ 10,000,000 = 0.3667
  });

  it('applies policy changes from their month: a top-up, a new multiple, a tighter lending cap', () => {
    const s = spec({
      horizonMonths: 3,
      newDemand: { applicationsPerVillagePerMonth: 20, amount: { min: '5000.00', max: '5000.00', step: '100.00' }, termMonths: [12] },
      policies: [
        { fromMonth: '2026-04', topUps: [{ target: 'RISK_FUND', id: '7', amount: '1000.00' }], leverageMultiple: '5' },
        { fromMonth: '2026-05', fundRules: { lendingCapPercent: '1' } },
      ],
    });
    const r = run(book([]), s);
    expect(at(r, 0, 'riskFund:7:balance')).toBe(10_000_000n);
    expect(at(r, 1, 'riskFund:7:balance')).toBe(10_100_000n);
    expect(at(r, 1, 'riskFund:7:capacityLeft')).toBe(5n * (10_100_000n - 400_000n));
    // 20 applications a month of 5,000 yuan against 10,000 yuan of cash: the fund runs out of room in the first month
    expect(r.events.get('FUND_OUT_OF_ROOM:fund:1')).toBe('2026-03');
    expect(at(r, 2, 'fund:1:roomToLend')).toBe(0n);
  });
});

describe('new covered lending', () => {
  const onTime = { HOUSEHOLD_MICROCREDIT: { latePercent: 0, lateDays: { min: 0, max: 0 }, defaultPercent: 0 } };
  const demand = (o: Record<string, unknown>) => parseScenario({ horizonMonths: 3, behaviour: onTime, ...o }).spec;

  it('registers against the capacity a top-up adds, within multiple × available, and refuses the rest', () => {
    const coveredDemand = [{ agreementId: '3', fromMonth: '2026-04', toMonth: '2026-04', loansPerMonth: 40, amount: '50000.00', termMonths: 12 }];
    const topUp = [{ fromMonth: '2026-04', topUps: [{ target: 'RISK_FUND', id: '7', amount: '20000.00' }] }];
    const withTopUp = run(book([covered('9')]), demand({ coveredDemand, policies: topUp }));
    const without = run(book([covered('9')]), demand({ coveredDemand }));
    // March: no demand yet, capacity ⌊10 × 96,000.00⌋
    expect(at(withTopUp, 0, 'riskFund:7:coveredRegistered')).toBe(0n);
    expect(at(withTopUp, 0, 'riskFund:7:capacityLeft')).toBe(96_000_000n);
    const asked = at(withTopUp, 1, 'riskFund:7:coveredRegistered')! + at(withTopUp, 1, 'riskFund:7:coveredRefused')!;
    expect(asked).toBeGreaterThan(30n);
    const registered = at(withTopUp, 1, 'riskFund:7:coveredRegisteredAmount')!;
    expect(registered).toBe(at(withTopUp, 1, 'riskFund:7:coveredRegistered')! * 5_000_000n);
    expect(at(withTopUp, 1, 'riskFund:7:coveredRefusedAmount')).toBe(at(withTopUp, 1, 'riskFund:7:coveredRefused')! * 5_000_000n);
    // bounded by the multiple: at most ⌊10 × (available after the top-up and April's release)⌋ is lent
    const availableBefore = 10_000_000n - 366_667n + 2_000_000n;
    expect(registered).toBeLessThanOrEqual(10n * availableBefore);
    expect(registered).toBeGreaterThan(10n * availableBefore - 5_000_000n);
    expect(at(withTopUp, 1, 'riskFund:7:coveredRefused')).toBeGreaterThan(0n);
    expect(at(withTopUp, 1, 'riskFund:7:available')).toBeGreaterThanOrEqual(0n);
    expect(at(withTopUp, 1, 'riskFund:7:capacityLeft')).toBeLessThan(5_000_000n);
    expect(at(withTopUp, 1, 'riskFund:7:coveredOutstanding')).toBe(3_666_667n + registered);
    expect(at(withTopUp, 1, 'riskFund:7:leverage')).toBeLessThanOrEqual(100_000n); // ≤ 10 × balance
    // the top-up levers 10 × 20,000.00 more covered lending than the same demand without it
    const lent = at(without, 1, 'riskFund:7:coveredRegisteredAmount')!;
    expect(registered - lent).toBeGreaterThan(20_000_000n - 5_000_000n);
    expect(registered - lent).toBeLessThanOrEqual(20_000_000n + 5_000_000n);
    expect(at(withTopUp, 1, 'total:coveredRegisteredAmount')).toBe(registered);
    // the new loans run like the others: the bank reports principal and the backing is released
    expect(at(withTopUp, 2, 'riskFund:7:coveredOutstanding')).toBeLessThan(at(withTopUp, 1, 'riskFund:7:coveredOutstanding')!);
    expect(at(withTopUp, 2, 'riskFund:7:available')).toBeGreaterThan(at(withTopUp, 1, 'riskFund:7:available')!);
  });

  it('refuses everything when there is no capacity left', () => {
    const rf = { ...book([]).riskFunds[0], availableFen: 0n };
    const r = run(
      book([covered('9')], { riskFunds: [rf] }),
      demand({ coveredDemand: [{ riskFundId: '7', fromMonth: '2026-03', toMonth: '2026-03', loansPerMonth: 5, amount: { min: '100.00', max: '900.00', step: '100.00' }, termMonths: [6, 12] }] }),
    );
    expect(at(r, 0, 'riskFund:7:capacityLeft')).toBe(0n);
    expect(at(r, 0, 'riskFund:7:coveredRegistered')).toBe(0n);
    expect(at(r, 0, 'riskFund:7:coveredRefused')).toBeGreaterThan(0n);
    expect(at(r, 0, 'riskFund:7:coveredRefusedAmount')).toBeGreaterThan(0n);
    expect(at(r, 0, 'riskFund:7:coveredOutstanding')).toBe(4_000_000n);
  });

  it('refuses while the district breaker is tripped, and not before', () => {
    const defaults = { HOUSEHOLD_MICROCREDIT: { latePercent: 0, lateDays: { min: 0, max: 0 }, defaultPercent: 100 } };
    const plain = run(book([covered('9')]), parseScenario({ horizonMonths: 8, behaviour: defaults }).spec);
    const trip = plain.events.get('BREAKER_TRIPS:riskFund:7')!;
    const m = plain.months.findIndex((x) => x.month === trip);
    expect(m).toBeGreaterThan(0);
    const ask = (month: string) =>
      run(
        book([covered('9')]),
        parseScenario({
          horizonMonths: 8,
          behaviour: defaults,
          coveredDemand: [{ riskFundId: '7', fromMonth: month, toMonth: month, loansPerMonth: 4, amount: '100.00', termMonths: 12 }],
        }).spec,
      );
    // in the month the breaker trips (at its end) the district still lends; in the next it does not
    const before = ask(trip);
    expect(before.events.get('BREAKER_TRIPS:riskFund:7')).toBe(trip);
    expect(at(before, m, 'riskFund:7:coveredRegistered')).toBeGreaterThan(0n);
    expect(at(before, m, 'riskFund:7:coveredRefused')).toBe(0n);
    const after = ask(plain.months[m + 1].month);
    expect(at(after, m + 1, 'riskFund:7:coveredRefused')).toBeGreaterThan(0n);
    expect(at(after, m + 1, 'riskFund:7:coveredRegistered')).toBe(0n);
  });

  it('makes the loans on the household covered product when the district has no covered loan yet, and on a named one', () => {
    const product = {
      code: 'HH',
      rateSource: 'BENCHMARK' as const,
      fixedRatePercent: '0',
      markupPercent: '1',
      terms: { ...termsOf(0n), penaltyRatePercent: '0' },
      installmentMultipleFen: 100n,
    };
    const line = { riskFundId: '7', fromMonth: '2026-03', toMonth: '2026-03', loansPerMonth: 6, amount: '1000.00', termMonths: 12 };
    const r = run(book([], { coveredProducts: [product] }), demand({ coveredDemand: [line] }));
    const n = at(r, 0, 'riskFund:7:coveredRegistered')!;
    expect(n).toBeGreaterThan(0n);
    expect(at(r, 0, 'riskFund:7:coveredOutstanding')).toBe(n * 100_000n);
    // each backed by ⌈100,000 / 10⌉ of the fund's money
    expect(at(r, 0, 'riskFund:7:available')).toBe(9_600_000n - n * 10_000n);
    const none = run(book([]), demand({ coveredDemand: [line] }));
    expect(at(none, 0, 'riskFund:7:coveredRegistered')).toBe(0n);
    expect(at(none, 0, 'riskFund:7:coveredRefused')).toBe(n);
    const unknown = run(book([covered('9')], { coveredProducts: [product] }), demand({ coveredDemand: [{ ...line, productCode: 'NOPE' }] }));
    expect(at(unknown, 0, 'riskFund:7:coveredRegistered')).toBe(0n);
  });

  it('without covered demand draws nothing more and adds no series', () => {
    const s = spec({ horizonMonths: 4, behaviour: { MUTUAL_AID: { latePercent: 20, lateDays: { min: 1, max: 20 }, defaultPercent: 10 } } });
    const a = run(book([loan('1', 600_000n, 6), covered('9')]), s);
    const b = run(book([loan('1', 600_000n, 6), covered('9')]), { ...s, coveredDemand: [] });
    expect(b).toEqual(a);
    expect([...a.months[0].values.keys()].some((x) => x.includes('coveredRegistered'))).toBe(false);
  });
});

describe('subsidy by settlement period', () => {
  const subsidised = loan('1', 1_200_000n, 12, { subsidy: { programmeId: '5', ratePercent: '3', basisCapFen: 5_000_000n } });
  const withProgramme = (budgetFen: bigint) =>
    book([subsidised], {
      programmes: [{ id: '5', endMonths: [6, 12], endDay: 20, graceDays: 0 }],
      budgets: [{ programmeId: '5', year: 2026, budgetFen, committedFen: 0n, cashFen: 10_000_000n }],
    });
  const spent = (r: ReturnType<typeof run>) => r.months.map((m) => m.values.get('programme:5:spent'));

  it("is claimed at the programme's period ends, each period's earned subsidy against its year's budget", () => {
    const r = run(withProgramme(1_000_000n), spec({ horizonMonths: 12 }));
    // 3 % of the scheduled balance for a month (1/12 of a year): balance / 400 per instalment. Instalments due
    // 10 April to 10 June are claimed on 20 June; July to December on 20 December; January's and February's 2027
    // belong to the period ending 20 June 2027, beyond the horizon.
    const june = (1_200_000n + 1_100_000n + 1_000_000n) / 400n;
    const december = (900_000n + 800_000n + 700_000n + 600_000n + 500_000n + 400_000n) / 400n;
    expect(spent(r)).toEqual([0n, 0n, 0n, june, june, june, june, june, june, june + december, june + december, june + december]);
    expect(at(r, 9, 'programme:5:budgetLeft')).toBe(1_000_000n - june - december);
    expect(at(r, 11, 'total:subsidySpent')).toBe(june + december);
    expect(r.events.has('SUBSIDY_BUDGET_EXHAUSTED:programme:5')).toBe(false);
  });

  it('queues what the budget cannot pay and marks the month the claim is refused', () => {
    const r = run(withProgramme(10_000n), spec({ horizonMonths: 12 }));
    expect(at(r, 3, 'programme:5:spent')).toBe(8_250n);
    expect(at(r, 9, 'programme:5:spent')).toBe(10_000n);
    expect(at(r, 9, 'programme:5:queued')).toBe(8_250n + 9_750n - 10_000n);
    expect(at(r, 8, 'programme:5:queued')).toBeUndefined();
    expect(r.events.get('SUBSIDY_BUDGET_EXHAUSTED:programme:5')).toBe('2026-12');
    // a queued claim is paid first once there is budget; while it waits, a later claim (any year) is paid nothing
    const budget2027 = { fromMonth: '2027-01', subsidyBudget: { programmeId: '5', year: 2027, amount: '1000.00' } };
    const raised = run(withProgramme(10_000n), spec({ horizonMonths: 16, policies: [budget2027, { fromMonth: '2027-01', subsidyBudget: { programmeId: '5', year: 2026, amount: '1000.00' } }] }));
    const spring = (300_000n + 200_000n + 100_000n) / 400n;
    expect(at(raised, 14, 'programme:5:spent')).toBe(10_000n);
    expect(at(raised, 15, 'programme:5:spent')).toBe(8_250n + 9_750n + spring);
    expect(at(raised, 15, 'programme:5:queued')).toBeUndefined();
    const blocked = run(withProgramme(10_000n), spec({ horizonMonths: 16, policies: [budget2027] }));
    expect(at(blocked, 15, 'programme:5:spent')).toBe(10_000n);
    expect(at(blocked, 15, 'programme:5:queued')).toBe(8_000n + spring);
    // a late payer beyond the grace forfeits: nothing is claimed
    const late = run(withProgramme(10_000n), spec({ horizonMonths: 12, behaviour: { MUTUAL_AID: { latePercent: 100, lateDays: { min: 3, max: 3 }, defaultPercent: 0 } } }));
    expect(at(late, 11, 'programme:5:spent')).toBe(0n);
  });
});

describe('scenarios', () => {
  it('fill defaults and return every problem at once', () => {
    expect(parseScenario({}).errors).toEqual([]);
    const { errors } = parseScenario({
      horizonMonths: 0,
      runs: 5000,
      behaviour: { MUTUAL_AID: { latePercent: 80, defaultPercent: 30 }, CAR_LOAN: {} },
      newDemand: { amount: { min: '10.00', max: '5.00', step: '1.00' } },
      policies: [{ fromMonth: '2026-13' }, { fromMonth: '2027-01', leverageMultiple: '-2' }],
    });
    expect(errors.map((e) => e.field)).toEqual([
      'horizonMonths',
      'runs',
      'behaviour.MUTUAL_AID',
      'behaviour.CAR_LOAN',
      'newDemand.amount',
      'policies[0].fromMonth',
      'policies[1].leverageMultiple',
    ]);
  });

  it('check covered demand field by field', () => {
    const { errors, spec: ok } = parseScenario({
      coveredDemand: [
        { agreementId: '3', riskFundId: '7', fromMonth: '2027-01', loansPerMonth: 2, amount: '1.00', termMonths: 12 },
        { riskFundId: 'x', fromMonth: '2027-13', toMonth: '2026-1', loansPerMonth: -1, amount: { min: '9.00', max: '1.00' }, termMonths: [], annualRatePercent: '0' },
      ],
    });
    expect(errors.map((e) => e.field)).toEqual([
      'coveredDemand[0]',
      'coveredDemand[1].riskFundId',
      'coveredDemand[1].fromMonth',
      'coveredDemand[1].toMonth',
      'coveredDemand[1].loansPerMonth',
      'coveredDemand[1].amount',
      'coveredDemand[1].termMonths',
      'coveredDemand[1].annualRatePercent',
    ]);
    expect(ok.coveredDemand).toEqual([]);
    expect(parseScenario({ coveredDemand: {} }).errors.map((e) => e.field)).toEqual(['coveredDemand']);
    expect(parseScenario({ coveredDemand: [{ riskFundId: '7', fromMonth: '2027-01', loansPerMonth: 2, amount: { min: '1000.00', max: '5000.00' }, termMonths: 12 }] }).spec.coveredDemand).toEqual([
      { riskFundId: '7', fromMonth: '2027-01', loansPerMonth: 2, amount: { min: '1000.00', max: '5000.00', step: '0.01' }, termMonths: [12] },
    ]);
  });
});

describe('the fan chart', () => {
  it('draws the P10–P90 band, the median and the minimum line', () => {
    const r = runMonteCarlo({ snapshot: book([loan('1', 600_000n, 6)]), scenario: spec({ horizonMonths: 3, runs: 2 }), kernel: ENGINE_KERNEL });
    const view = resultView(r, new Map([['riskFund:7:balance', { minimum: '99000.00' }]]));
    const s = view.series.find((x) => x.key === 'riskFund:7:balance')!;
    expect(s.bands[0]).toEqual({ month: '2026-03', p10: '100000.00', p50: '100000.00', p90: '100000.00' });
    const svg = fanChartSvg(s, 'risk fund <7>');
    expect(svg).toMatch(/^<svg /);
    expect(svg).toContain('class="band"');
    expect(svg).toContain('class="median"');
    expect(svg).toContain('class="minimum"');
    expect(svg).toContain('risk fund &lt;7&gt;');
    expect(svg.match(/class="month"/g)).toHaveLength(3);
  });
});
