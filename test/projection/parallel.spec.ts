import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  BASELINE_SCENARIO,
  simulateRuns,
  type BookSnapshot,
  type ScenarioSpec,
  type SnapshotLoan,
} from '#libs/projection';
import { WATERFALL_STEPS, type RepaymentTerms } from '#libs/repayment';
import { generateSchedule } from '#libs/schedules';

/**
 * The projection's runs on worker threads give the runs of one thread, run by run: the compiled runner (`dist/`,
 * built by `npm test` before the tests; under the test runner the sources have no worker to start) on two threads,
 * each taking run numbers from the shared counter as it frees up, against the same runs in this thread.
 */
const COMPILED = join(process.cwd(), 'dist', 'libs', 'projection', 'src', 'parallel.js');
const AS_OF = '2026-01-15';

const terms = (principalFen: bigint): RepaymentTerms => ({
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

/** `n` mutual-aid loans of 12 or 24 months disbursed over the last year in 3 funds, paid on time so far. */
function book(n: number): BookSnapshot {
  const loans: SnapshotLoan[] = [];
  for (let i = 0; i < n; i++) {
    const months = i % 2 ? 12 : 24;
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
      fundId: String(1 + (i % 3)),
      riskFundId: null,
      agreementId: null,
      coverMultiple: null,
      nplOverdueDays: 90,
      terms: terms(principalFen),
      schedule,
      payments: schedule
        .filter((x) => x.dueDate <= AS_OF)
        .map((x) => ({
          id: String(x.number),
          valueDate: x.dueDate,
          amountFen: x.principalFen + x.originalInterestFen,
        })),
      termMonths: months,
      subsidy: null,
    });
  }
  const funds = Array.from({ length: 3 }, (_, k) => ({
    id: String(k + 1),
    villageId: String(k + 1),
    districtId: '1',
    name: `fund ${k + 1}`,
    cashFen: 5_000_000n,
    capitalFen: 10_000_000n,
    lendingCapPercent: '90',
    newLoans: null,
  }));
  return {
    asOf: AS_OF,
    loans,
    funds,
    riskFunds: [],
    agreements: [],
    budgets: [],
    benchmarkRatePercent: null,
  };
}

const SCENARIO: ScenarioSpec = {
  ...BASELINE_SCENARIO,
  horizonMonths: 12,
  runs: 9,
  seed: 5,
  behaviour: { MUTUAL_AID: { latePercent: 20, lateDays: { min: 3, max: 40 }, defaultPercent: 10 } },
};

/** A run as text: its months' figures and its events (Maps written as their entries, bigints as decimals). */
const text = (x: unknown) =>
  JSON.stringify(x, (_, v: unknown) =>
    typeof v === 'bigint' ? String(v) : v instanceof Map ? [...v.entries()] : v,
  );

describe('projection runs on worker threads', () => {
  it('are the runs of one thread, each at its own index, whichever thread took it', async () => {
    expect(existsSync(COMPILED)).toBe(true);
    const compiled = (await import(pathToFileURL(COMPILED).href)) as { simulateRuns: typeof simulateRuns };
    const snapshot = book(120);
    const progress: number[] = [];
    const threaded = await compiled.simulateRuns({
      snapshot,
      scenario: SCENARIO,
      threads: 2,
      onProgress: (d) => void progress.push(d),
    });
    expect(threaded.threads).toBe(2);
    expect(threaded.busyMs).toHaveLength(2);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const inThread = await simulateRuns({ snapshot, scenario: SCENARIO, threads: 1 });
    expect(inThread.threads).toBe(1);
    expect(threaded.runs).toHaveLength(SCENARIO.runs);
    expect(threaded.runs.map(text)).toEqual(inThread.runs.map(text));
    // the runs differ from one another (late payers and defaults are drawn per run): equal lists mean equal runs
    expect(new Set(inThread.runs.map(text)).size).toBe(SCENARIO.runs);
  }, 120_000);
});
