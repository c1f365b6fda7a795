import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { formatYuan, yuan } from '#libs/money';
import { addMonthsClamped, daysBetween, formatDate, requireDate } from './dates.js';
import { toScheduleView } from './format.js';
import { generateSchedule, levelInstallmentFen } from './generate.js';
import {
  ScheduleTermsError,
  type DayCount,
  type Frequency,
  type Schedule,
  type ScheduleMethod,
  type ScheduleRequest,
  type ScheduleRounding,
} from './types.js';

interface Vector {
  name: string;
  request: Record<string, any>;
  expected: ReturnType<typeof toScheduleView>;
}
const VECTORS: Vector[] = JSON.parse(readFileSync('/work/shared/vectors/schedule-preview.json', 'utf8'));

/** A request in the API's words, with the contract's defaults, as the preview endpoint builds it. */
function fromApi(r: Record<string, any>): ScheduleRequest {
  return {
    principalFen: yuan(r.principal),
    annualRatePercent: r.annualRatePercent,
    numberOfInstallments: r.numberOfInstallments,
    frequency: r.frequency,
    termMonths: r.termMonths,
    method: r.method,
    dayCount: r.dayCount ?? 'PERIOD',
    disbursementDate: r.disbursementDate,
    rounding: r.rounding ?? 'HALF_UP',
    installmentMultipleFen: yuan(r.installmentMultiple ?? '0.01'),
    principalGraceInstallments: r.principalGraceInstallments ?? 0,
  };
}

const base: ScheduleRequest = {
  principalFen: 1_200_000n,
  annualRatePercent: '9.6',
  numberOfInstallments: 6,
  frequency: 'MONTHLY',
  method: 'EQUAL_INSTALLMENT',
  dayCount: 'PERIOD',
  disbursementDate: '2023-12-31',
  rounding: 'HALF_UP',
  installmentMultipleFen: 1n,
  principalGraceInstallments: 0,
};
const gen = (over: Partial<ScheduleRequest>) => generateSchedule({ ...base, ...over });
/** [dueDate, days, principalFen, interestFen, totalFen, balanceAfterFen] per instalment. */
const rows = (s: Schedule) =>
  s.installments.map((i) => [
    i.dueDate,
    i.days,
    i.principalFen,
    i.interestFen,
    i.totalFen,
    i.balanceAfterFen,
  ]);

describe('reference vectors (/work/shared/vectors/schedule-preview.json)', () => {
  it('has vectors to check', () => expect(VECTORS.length).toBeGreaterThanOrEqual(4));

  it.each(VECTORS.map((v) => [v.name, v] as const))('%s: every field matches', (_name, v) => {
    const view = toScheduleView(generateSchedule(fromApi(v.request)));
    expect(view.installments).toHaveLength(v.expected.installments.length);
    v.expected.installments.forEach((row, k) => expect(view.installments[k]).toStrictEqual(row));
    expect(view.totals).toStrictEqual(v.expected.totals);
    expect(view).toStrictEqual(v.expected);
  });
});

describe('hand-checked schedules', () => {
  it('EQUAL_INSTALLMENT monthly PERIOD from Jan 31 of a leap year', () => {
    // r = 1 %; A = 1200 × 0.01 × 1.01³ / (1.01³ − 1) = 12.363612 / 0.030301 = 408.0265 → 408.03.
    // Interest 1200 × 1 % = 12.00; 803.97 × 1 % = 8.0397 → 8.04; 403.98 × 1 % = 4.0398 → 4.04.
    // Due dates Feb 29, Mar 31, Apr 30 (the anchor's day 31, clamped), days 29, 31, 30.
    const s = gen({
      principalFen: 120_000n,
      annualRatePercent: '12',
      numberOfInstallments: 3,
      disbursementDate: '2024-01-31',
    });
    expect(rows(s)).toEqual([
      ['2024-02-29', 29, 39_603n, 1_200n, 40_803n, 80_397n],
      ['2024-03-31', 31, 39_999n, 804n, 40_803n, 40_398n],
      ['2024-04-30', 30, 40_398n, 404n, 40_802n, 0n],
    ]);
    expect(s.totals).toEqual({ principalFen: 120_000n, interestFen: 2_408n, totalFen: 122_408n });
    expect(s.installments.map((i) => i.periodStart)).toEqual(['2024-01-31', '2024-02-29', '2024-03-31']);
  });

  it('EQUAL_INSTALLMENT with ACTUAL_365 keeps the PERIOD instalment and lets interest follow the days', () => {
    // A = 408.03 as above. Interest 1200 × 12 % × 29/365 = 11.4411 → 11.44, principal 396.59;
    // 803.41 × 12 % × 31/365 = 8.1883 → 8.19, principal 399.84; last: 403.57 × 12 % × 30/365 = 3.9806 → 3.98.
    const s = gen({
      principalFen: 120_000n,
      annualRatePercent: '12',
      numberOfInstallments: 3,
      disbursementDate: '2024-01-31',
      dayCount: 'ACTUAL_365',
    });
    expect(rows(s)).toEqual([
      ['2024-02-29', 29, 39_659n, 1_144n, 40_803n, 80_341n],
      ['2024-03-31', 31, 39_984n, 819n, 40_803n, 40_357n],
      ['2024-04-30', 30, 40_357n, 398n, 40_755n, 0n],
    ]);
  });

  it('EQUAL_PRINCIPAL quarterly ACTUAL_360 across a leap February', () => {
    // 1000 / 4 = 250.00 each. Nov 30 → Feb 29 (clamped) = 31 + 31 + 29 = 91 days: 1000 × 7.2 % × 91/360 = 18.20;
    // Feb 29 → May 30 = 91 days: 750 × 7.2 % × 91/360 = 13.65; → Aug 30 = 92: 500 × 0.072 × 92/360 = 9.20;
    // → Nov 30 = 92: 250 × 0.072 × 92/360 = 4.60.
    const s = gen({
      principalFen: 100_000n,
      annualRatePercent: '7.2',
      numberOfInstallments: 4,
      frequency: 'QUARTERLY',
      method: 'EQUAL_PRINCIPAL',
      dayCount: 'ACTUAL_360',
      disbursementDate: '2023-11-30',
    });
    expect(rows(s)).toEqual([
      ['2024-02-29', 91, 25_000n, 1_820n, 26_820n, 75_000n],
      ['2024-05-30', 91, 25_000n, 1_365n, 26_365n, 50_000n],
      ['2024-08-30', 92, 25_000n, 920n, 25_920n, 25_000n],
      ['2024-11-30', 92, 25_000n, 460n, 25_460n, 0n],
    ]);
  });

  it('INTEREST_ONLY rounds a half fen up in HALF_UP and to even in HALF_EVEN', () => {
    // 1005.00 × 6 % / 12 = 5.025 yuan = 502.5 fen: HALF_UP 5.03, HALF_EVEN 5.02 (502 is even).
    const terms = {
      principalFen: 100_500n,
      annualRatePercent: '6',
      numberOfInstallments: 3,
      method: 'INTEREST_ONLY' as const,
    };
    const up = gen({ ...terms, disbursementDate: '2023-01-31' });
    const even = gen({ ...terms, disbursementDate: '2023-01-31', rounding: 'HALF_EVEN' });
    expect(rows(up)).toEqual([
      ['2023-02-28', 28, 0n, 503n, 503n, 100_500n],
      ['2023-03-31', 31, 0n, 503n, 503n, 100_500n],
      ['2023-04-30', 30, 100_500n, 503n, 101_003n, 0n],
    ]);
    expect(even.installments.map((i) => i.interestFen)).toEqual([502n, 502n, 502n]);
    expect(even.totals.interestFen).toBe(1_506n);
  });

  it('FLAT with a 1-yuan instalment multiple', () => {
    // Interest 1000 × 1 % = 10.00 each; round(1000 / 3) = 333.33; 333.33 + 10 = 343.33 → 343 (multiple 1 yuan);
    // principal 333.00, 333.00, then the last takes 334.00 (+ 10.00 interest).
    const s = gen({
      principalFen: 100_000n,
      annualRatePercent: '12',
      numberOfInstallments: 3,
      method: 'FLAT',
      disbursementDate: '2023-05-15',
      installmentMultipleFen: 100n,
    });
    expect(rows(s)).toEqual([
      ['2023-06-15', 31, 33_300n, 1_000n, 34_300n, 66_700n],
      ['2023-07-15', 30, 33_300n, 1_000n, 34_300n, 33_400n],
      ['2023-08-15', 31, 33_400n, 1_000n, 34_400n, 0n],
    ]);
  });

  it('BULLET at maturity: PERIOD by months, ACTUAL_* by the days of the term', () => {
    // 2024-02-29 + 12 months = 2025-02-28 (clamped), 365 days.
    const terms = {
      principalFen: 1_000_000n,
      annualRatePercent: '4.35',
      numberOfInstallments: 1,
      frequency: 'AT_MATURITY' as const,
      termMonths: 12,
      method: 'BULLET' as const,
      disbursementDate: '2024-02-29',
    };
    // 10000 × 4.35 % × 12/12 = 435.00
    expect(rows(gen(terms))).toEqual([['2025-02-28', 365, 1_000_000n, 43_500n, 1_043_500n, 0n]]);
    // 10000 × 4.35 % × 365/365 = 435.00
    expect(gen({ ...terms, dayCount: 'ACTUAL_365' }).totals.interestFen).toBe(43_500n);
    // 10000 × 4.35 % × 365/360 = 441.0417 → 441.04
    expect(gen({ ...terms, dayCount: 'ACTUAL_360' }).totals.interestFen).toBe(44_104n);
  });

  it('BULLET quoted in monthly periods is one instalment after those months', () => {
    // 6 months from Aug 31 = Feb 28 2025, 181 days; 10000 × 4.35 % × 6/12 = 217.50
    const s = gen({
      principalFen: 1_000_000n,
      annualRatePercent: '4.35',
      method: 'BULLET',
      disbursementDate: '2024-08-31',
    });
    expect(rows(s)).toEqual([['2025-02-28', 181, 1_000_000n, 21_750n, 1_021_750n, 0n]]);
  });

  it('principal grace: the first instalments pay interest only, then the annuity runs over the rest', () => {
    // 2 grace months at 1200 × 1 % = 12.00, then the 3-instalment annuity of the first test.
    const s = gen({
      principalFen: 120_000n,
      annualRatePercent: '12',
      numberOfInstallments: 5,
      principalGraceInstallments: 2,
      disbursementDate: '2024-01-31',
    });
    expect(rows(s)).toEqual([
      ['2024-02-29', 29, 0n, 1_200n, 1_200n, 120_000n],
      ['2024-03-31', 31, 0n, 1_200n, 1_200n, 120_000n],
      ['2024-04-30', 30, 39_603n, 1_200n, 40_803n, 80_397n],
      ['2024-05-31', 31, 39_999n, 804n, 40_803n, 40_398n],
      ['2024-06-30', 30, 40_398n, 404n, 40_802n, 0n],
    ]);
  });

  it('grace with EQUAL_PRINCIPAL and FLAT spreads principal over the instalments after it', () => {
    // 1200 over 6 − 2 = 4 instalments: 300.00 each; EQUAL_PRINCIPAL interest on the balance, FLAT on 1200.
    const ep = gen({
      principalFen: 120_000n,
      annualRatePercent: '12',
      method: 'EQUAL_PRINCIPAL',
      principalGraceInstallments: 2,
    });
    expect(ep.installments.map((i) => i.principalFen)).toEqual([0n, 0n, 30_000n, 30_000n, 30_000n, 30_000n]);
    expect(ep.installments.map((i) => i.interestFen)).toEqual([1_200n, 1_200n, 1_200n, 900n, 600n, 300n]);
    const flat = gen({
      principalFen: 120_000n,
      annualRatePercent: '12',
      method: 'FLAT',
      principalGraceInstallments: 2,
    });
    expect(flat.installments.map((i) => i.principalFen)).toEqual([
      0n,
      0n,
      30_000n,
      30_000n,
      30_000n,
      30_000n,
    ]);
    expect(flat.installments.map((i) => i.interestFen)).toEqual([
      1_200n,
      1_200n,
      1_200n,
      1_200n,
      1_200n,
      1_200n,
    ]);
  });

  it('instalment multiple: a half multiple goes up in HALF_UP and to the even multiple in HALF_EVEN', () => {
    // Zero rate: 5000 / 8 = 625.00 = 12.5 × 50 yuan. HALF_UP → 650 (7 × 650 = 4550, last 450);
    // HALF_EVEN → 600 (12 is even; 7 × 600 = 4200, last 800).
    const terms = {
      principalFen: 500_000n,
      annualRatePercent: '0',
      numberOfInstallments: 8,
      installmentMultipleFen: 5_000n,
    };
    const up = gen(terms);
    const even = gen({ ...terms, rounding: 'HALF_EVEN' });
    expect(up.installments.map((i) => i.totalFen)).toEqual([...Array(7).fill(65_000n), 45_000n]);
    expect(even.installments.map((i) => i.totalFen)).toEqual([...Array(7).fill(60_000n), 80_000n]);
    expect(up.totals.interestFen).toBe(0n);
  });

  it('EQUAL_PRINCIPAL share rounds a half fen by the mode; the last instalment absorbs the difference', () => {
    // 1000.04 / 8 = 125.005: HALF_UP 125.01 (last 124.97), HALF_EVEN 125.00 (last 125.04).
    const terms = {
      principalFen: 100_004n,
      annualRatePercent: '0',
      numberOfInstallments: 8,
      method: 'EQUAL_PRINCIPAL' as const,
    };
    expect(gen(terms).installments.map((i) => i.principalFen)).toEqual([...Array(7).fill(12_501n), 12_497n]);
    expect(gen({ ...terms, rounding: 'HALF_EVEN' }).installments.map((i) => i.principalFen)).toEqual([
      ...Array(7).fill(12_500n),
      12_504n,
    ]);
  });

  it('an instalment multiple larger than the interest plus share never makes a component negative', () => {
    // FLAT 100.00 over 4 at 12 %: share 25.00 + interest 1.00 = 26.00 rounds to 0 with a 100-yuan multiple:
    // those periods pay interest only (principal is clamped at 0) and the last takes the whole principal.
    const s = gen({
      principalFen: 10_000n,
      annualRatePercent: '12',
      numberOfInstallments: 4,
      method: 'FLAT',
      installmentMultipleFen: 10_000n,
    });
    expect(s.installments.map((i) => [i.principalFen, i.interestFen])).toEqual([
      [0n, 100n],
      [0n, 100n],
      [0n, 100n],
      [10_000n, 100n],
    ]);
  });
});

/**
 * Every method × frequency × day count on one loan: 12,000.00 at 9.6 % over 6 periods from 2023-12-31.
 * Hand checks of the first instalment's interest:
 *   MONTHLY   PERIOD 12000 × 9.6 % / 12 = 96.00; ACTUAL_360 × 31/360 = 99.20; ACTUAL_365 × 31/365 = 97.8411 → 97.84
 *   QUARTERLY PERIOD 12000 × 9.6 % / 4 = 288.00; ACTUAL_360 × 91/360 = 291.20; ACTUAL_365 × 91/365 = 287.2110 → 287.21
 *   BULLET 6 months: 12000 × 9.6 % × 6/12 = 576.00; 182 days: /360 → 582.40, /365 → 574.4219 → 574.42
 *   BULLET 6 quarters (18 months, 547 days): 1728.00; /360 → 1750.40; /365 → 1726.4153 → 1726.42
 *   EQUAL_INSTALLMENT monthly: A = 12000 × 0.008 / (1 − 1.008⁻⁶) = 2056.37 → principal 2056.37 − 96.00 = 1960.37.
 *   EQUAL_PRINCIPAL: 12000 / 6 = 2000.00; INTEREST_ONLY and FLAT charge interest on the full 12000 every period.
 * Columns: method, frequency, day count, count, [first due, days, principal, interest],
 * [last due, days, principal, interest], total interest.
 */
// prettier-ignore
type Row = [ScheduleMethod, Frequency, DayCount, number, [string, number, bigint, bigint], [string, number, bigint, bigint], bigint];
// prettier-ignore
const MATRIX: Row[] = [
  ['EQUAL_INSTALLMENT', 'MONTHLY', 'PERIOD', 6, ['2024-01-31', 31, 196037n, 9600n], ['2024-06-30', 30, 204006n, 1632n], 33823n],
  ['EQUAL_INSTALLMENT', 'MONTHLY', 'ACTUAL_360', 6, ['2024-01-31', 31, 195717n, 9920n], ['2024-06-30', 30, 204389n, 1635n], 34209n],
  ['EQUAL_INSTALLMENT', 'MONTHLY', 'ACTUAL_365', 6, ['2024-01-31', 31, 195853n, 9784n], ['2024-06-30', 30, 203933n, 1609n], 33727n],
  ['EQUAL_PRINCIPAL', 'MONTHLY', 'PERIOD', 6, ['2024-01-31', 31, 200000n, 9600n], ['2024-06-30', 30, 200000n, 1600n], 33600n],
  ['EQUAL_PRINCIPAL', 'MONTHLY', 'ACTUAL_360', 6, ['2024-01-31', 31, 200000n, 9920n], ['2024-06-30', 30, 200000n, 1600n], 33973n],
  ['EQUAL_PRINCIPAL', 'MONTHLY', 'ACTUAL_365', 6, ['2024-01-31', 31, 200000n, 9784n], ['2024-06-30', 30, 200000n, 1578n], 33507n],
  ['INTEREST_ONLY', 'MONTHLY', 'PERIOD', 6, ['2024-01-31', 31, 0n, 9600n], ['2024-06-30', 30, 1200000n, 9600n], 57600n],
  ['INTEREST_ONLY', 'MONTHLY', 'ACTUAL_360', 6, ['2024-01-31', 31, 0n, 9920n], ['2024-06-30', 30, 1200000n, 9600n], 58240n],
  ['INTEREST_ONLY', 'MONTHLY', 'ACTUAL_365', 6, ['2024-01-31', 31, 0n, 9784n], ['2024-06-30', 30, 1200000n, 9468n], 57441n],
  ['FLAT', 'MONTHLY', 'PERIOD', 6, ['2024-01-31', 31, 200000n, 9600n], ['2024-06-30', 30, 200000n, 9600n], 57600n],
  ['FLAT', 'MONTHLY', 'ACTUAL_360', 6, ['2024-01-31', 31, 200000n, 9920n], ['2024-06-30', 30, 200000n, 9600n], 58240n],
  ['FLAT', 'MONTHLY', 'ACTUAL_365', 6, ['2024-01-31', 31, 200000n, 9784n], ['2024-06-30', 30, 200000n, 9468n], 57441n],
  ['BULLET', 'MONTHLY', 'PERIOD', 1, ['2024-06-30', 182, 1200000n, 57600n], ['2024-06-30', 182, 1200000n, 57600n], 57600n],
  ['BULLET', 'MONTHLY', 'ACTUAL_360', 1, ['2024-06-30', 182, 1200000n, 58240n], ['2024-06-30', 182, 1200000n, 58240n], 58240n],
  ['BULLET', 'MONTHLY', 'ACTUAL_365', 1, ['2024-06-30', 182, 1200000n, 57442n], ['2024-06-30', 182, 1200000n, 57442n], 57442n],
  ['EQUAL_INSTALLMENT', 'QUARTERLY', 'PERIOD', 6, ['2024-03-31', 91, 188332n, 28800n], ['2025-06-30', 91, 212043n, 5089n], 102792n],
  ['EQUAL_INSTALLMENT', 'QUARTERLY', 'ACTUAL_360', 6, ['2024-03-31', 91, 188012n, 29120n], ['2025-06-30', 91, 213483n, 5181n], 104324n],
  ['EQUAL_INSTALLMENT', 'QUARTERLY', 'ACTUAL_365', 6, ['2024-03-31', 91, 188411n, 28721n], ['2025-06-30', 91, 212042n, 5075n], 102777n],
  ['EQUAL_PRINCIPAL', 'QUARTERLY', 'PERIOD', 6, ['2024-03-31', 91, 200000n, 28800n], ['2025-06-30', 91, 200000n, 4800n], 100800n],
  ['EQUAL_PRINCIPAL', 'QUARTERLY', 'ACTUAL_360', 6, ['2024-03-31', 91, 200000n, 29120n], ['2025-06-30', 91, 200000n, 4853n], 102187n],
  ['EQUAL_PRINCIPAL', 'QUARTERLY', 'ACTUAL_365', 6, ['2024-03-31', 91, 200000n, 28721n], ['2025-06-30', 91, 200000n, 4787n], 100786n],
  ['INTEREST_ONLY', 'QUARTERLY', 'PERIOD', 6, ['2024-03-31', 91, 0n, 28800n], ['2025-06-30', 91, 1200000n, 28800n], 172800n],
  ['INTEREST_ONLY', 'QUARTERLY', 'ACTUAL_360', 6, ['2024-03-31', 91, 0n, 29120n], ['2025-06-30', 91, 1200000n, 29120n], 175040n],
  ['INTEREST_ONLY', 'QUARTERLY', 'ACTUAL_365', 6, ['2024-03-31', 91, 0n, 28721n], ['2025-06-30', 91, 1200000n, 28721n], 172642n],
  ['FLAT', 'QUARTERLY', 'PERIOD', 6, ['2024-03-31', 91, 200000n, 28800n], ['2025-06-30', 91, 200000n, 28800n], 172800n],
  ['FLAT', 'QUARTERLY', 'ACTUAL_360', 6, ['2024-03-31', 91, 200000n, 29120n], ['2025-06-30', 91, 200000n, 29120n], 175040n],
  ['FLAT', 'QUARTERLY', 'ACTUAL_365', 6, ['2024-03-31', 91, 200000n, 28721n], ['2025-06-30', 91, 200000n, 28721n], 172642n],
  ['BULLET', 'QUARTERLY', 'PERIOD', 1, ['2025-06-30', 547, 1200000n, 172800n], ['2025-06-30', 547, 1200000n, 172800n], 172800n],
  ['BULLET', 'QUARTERLY', 'ACTUAL_360', 1, ['2025-06-30', 547, 1200000n, 175040n], ['2025-06-30', 547, 1200000n, 175040n], 175040n],
  ['BULLET', 'QUARTERLY', 'ACTUAL_365', 1, ['2025-06-30', 547, 1200000n, 172642n], ['2025-06-30', 547, 1200000n, 172642n], 172642n],
  ['BULLET', 'AT_MATURITY', 'PERIOD', 1, ['2024-06-30', 182, 1200000n, 57600n], ['2024-06-30', 182, 1200000n, 57600n], 57600n],
  ['BULLET', 'AT_MATURITY', 'ACTUAL_360', 1, ['2024-06-30', 182, 1200000n, 58240n], ['2024-06-30', 182, 1200000n, 58240n], 58240n],
  ['BULLET', 'AT_MATURITY', 'ACTUAL_365', 1, ['2024-06-30', 182, 1200000n, 57442n], ['2024-06-30', 182, 1200000n, 57442n], 57442n],
];

describe('method × frequency × day count', () => {
  it.each(MATRIX)('%s %s %s', (method, frequency, dayCount, count, first, last, interest) => {
    const s = gen({
      method,
      frequency,
      dayCount,
      numberOfInstallments: frequency === 'AT_MATURITY' ? 1 : 6,
      termMonths: frequency === 'AT_MATURITY' ? 6 : undefined,
    });
    expect(s.installments).toHaveLength(count);
    const pick = (i: (typeof s.installments)[number]) => [i.dueDate, i.days, i.principalFen, i.interestFen];
    expect(pick(s.installments[0])).toEqual(first);
    expect(pick(s.installments[count - 1])).toEqual(last);
    expect(s.totals).toEqual({
      principalFen: 1_200_000n,
      interestFen: interest,
      totalFen: 1_200_000n + interest,
    });
  });

  it('keeps the EQUAL_INSTALLMENT instalment level under every day count', () => {
    for (const dayCount of ['PERIOD', 'ACTUAL_360', 'ACTUAL_365'] as const) {
      const totals = gen({ dayCount })
        .installments.slice(0, -1)
        .map((i) => i.totalFen);
      expect(new Set(totals)).toEqual(new Set([205_637n])); // A = 2056.37 (see the note above)
    }
  });
});

describe('the level instalment', () => {
  it('is exact on a 360-month term', () => {
    // 100,000.00 at 4.9 % over 360 months: the closed form in 40-digit decimals is 530.7267206228110411… → 530.73.
    expect(levelInstallmentFen(10_000_000n, { num: 49n, den: 12_000n }, 360, 1n, 'HALF_UP')).toBe(53_073n);
    // Rounded to a 10-yuan multiple: 53.07 multiples → 530.00 (HALF_UP and HALF_EVEN alike).
    expect(levelInstallmentFen(10_000_000n, { num: 49n, den: 12_000n }, 360, 1_000n, 'HALF_EVEN')).toBe(
      53_000n,
    );
  });
  it('agrees with a float computation to within a fen on ordinary loans', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 100_000_000 }),
        fc.integer({ min: 1, max: 3600 }),
        fc.integer({ min: 1, max: 120 }),
        (p, bp, m) => {
          const r = bp / 120_000; // bp hundredths of a percent a year, monthly
          const float = (p * r) / (1 - Math.pow(1 + r, -m));
          const exact = levelInstallmentFen(BigInt(p), { num: BigInt(bp), den: 120_000n }, m, 1n, 'HALF_UP');
          expect(Math.abs(Number(exact) - float)).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('invalid terms', () => {
  it('reports every broken rule at once', () => {
    const err = (() => {
      try {
        generateSchedule({
          ...base,
          principalFen: 0n,
          annualRatePercent: '36.5',
          numberOfInstallments: 2,
          frequency: 'AT_MATURITY',
          dayCount: 'ACTUAL_366' as DayCount,
          disbursementDate: '2023-02-29',
          rounding: 'DOWN' as ScheduleRounding,
          installmentMultipleFen: 0n,
          principalGraceInstallments: 2,
        });
      } catch (e) {
        return e as ScheduleTermsError;
      }
      throw new Error('expected a ScheduleTermsError');
    })();
    expect(err).toBeInstanceOf(ScheduleTermsError);
    expect(err.errors.map((e) => e.field).sort()).toEqual(
      [
        'annualRatePercent',
        'dayCount',
        'disbursementDate',
        'frequency', // AT_MATURITY with EQUAL_INSTALLMENT
        'installmentMultiple',
        'numberOfInstallments', // AT_MATURITY needs exactly 1
        'principal',
        'principalGraceInstallments', // 2 ≥ 2 instalments
        'rounding',
        'termMonths', // required with AT_MATURITY
      ].sort(),
    );
  });

  it('refuses termMonths that contradicts monthly or quarterly instalments, accepts it when it agrees', () => {
    expect(() => gen({ termMonths: 7 })).toThrow(ScheduleTermsError);
    expect(gen({ termMonths: 6 }).installments).toHaveLength(6);
    expect(gen({ frequency: 'QUARTERLY', termMonths: 18 }).installments).toHaveLength(6);
  });

  it('refuses grace on a BULLET loan', () => {
    expect(() => gen({ method: 'BULLET', principalGraceInstallments: 1 })).toThrow(
      /principalGraceInstallments/,
    );
  });
});

const RATES = fc.oneof(
  fc.constant('0'),
  fc.integer({ min: 0, max: 360_000 }).map((u) => (u / 10_000).toFixed(4)), // 0.0000 … 36.0000 (a string: exact)
);

const requestArb: fc.Arbitrary<ScheduleRequest> = fc
  .record({
    principalFen: fc.bigInt({ min: 1n, max: 1_000_000_000n }),
    annualRatePercent: RATES,
    n: fc.integer({ min: 1, max: 72 }),
    frequency: fc.constantFrom<Frequency>('MONTHLY', 'QUARTERLY', 'AT_MATURITY'),
    method: fc.constantFrom<ScheduleMethod>(
      'EQUAL_INSTALLMENT',
      'EQUAL_PRINCIPAL',
      'INTEREST_ONLY',
      'BULLET',
      'FLAT',
    ),
    dayCount: fc.constantFrom<DayCount>('PERIOD', 'ACTUAL_360', 'ACTUAL_365'),
    date: fc.date({
      min: new Date('1990-01-01T00:00:00Z'),
      max: new Date('2090-12-31T00:00:00Z'),
      noInvalidDate: true,
    }),
    rounding: fc.constantFrom<ScheduleRounding>('HALF_UP', 'HALF_EVEN'),
    multiple: fc.oneof(
      fc.constantFrom(1n, 10n, 100n, 1_000n, 10_000n),
      fc.bigInt({ min: 1n, max: 100_000n }),
    ),
    graceShare: fc.double({ min: 0, max: 0.99, noNaN: true }),
    termMonths: fc.integer({ min: 1, max: 360 }),
  })
  .map((x) => {
    const atMaturity = x.frequency === 'AT_MATURITY';
    const method = atMaturity ? 'BULLET' : x.method;
    const n = atMaturity ? 1 : x.n;
    return {
      principalFen: x.principalFen,
      annualRatePercent: x.annualRatePercent,
      numberOfInstallments: n,
      frequency: x.frequency,
      termMonths: atMaturity ? x.termMonths : undefined,
      method,
      dayCount: x.dayCount,
      disbursementDate: x.date.toISOString().slice(0, 10),
      rounding: x.rounding,
      installmentMultipleFen: x.multiple,
      principalGraceInstallments: method === 'BULLET' ? 0 : Math.floor(x.graceShare * n),
    };
  });

describe('properties', () => {
  it('hold for any valid terms', () => {
    fc.assert(
      fc.property(requestArb, (req) => {
        const s = generateSchedule(req);
        const inst = s.installments;
        // count matches: one instalment for BULLET, numberOfInstallments otherwise
        expect(inst).toHaveLength(req.method === 'BULLET' ? 1 : req.numberOfInstallments);
        // principal sums to the loan; the last instalment closes the balance
        expect(inst.reduce((a, i) => a + i.principalFen, 0n)).toBe(req.principalFen);
        expect(inst[inst.length - 1].balanceAfterFen).toBe(0n);
        let balance = req.principalFen;
        let previousDue = req.disbursementDate;
        const anchor = requireDate(req.disbursementDate);
        for (const i of inst) {
          // no negative component; the balance never increases and follows the principal paid
          expect(i.principalFen >= 0n && i.interestFen >= 0n && i.balanceAfterFen >= 0n).toBe(true);
          expect(i.balanceAfterFen).toBe(balance - i.principalFen);
          expect(i.balanceAfterFen <= balance).toBe(true);
          expect(i.totalFen).toBe(i.principalFen + i.interestFen);
          // dates: from the anchor, strictly increasing, days = calendar days between them
          expect(i.periodStart).toBe(previousDue);
          expect(i.dueDate > previousDue).toBe(true);
          expect(i.days).toBe(daysBetween(requireDate(i.periodStart), requireDate(i.dueDate)));
          balance = i.balanceAfterFen;
          previousDue = i.dueDate;
        }
        if (req.method !== 'BULLET') {
          const mpp = req.frequency === 'QUARTERLY' ? 3 : 1;
          expect(inst[inst.length - 1].dueDate).toBe(
            formatDate(addMonthsClamped(anchor, req.numberOfInstallments * mpp)),
          );
        }
        // grace instalments repay no principal
        for (const i of inst.slice(0, req.principalGraceInstallments)) expect(i.principalFen).toBe(0n);
        // totals are the sums
        expect(s.totals.interestFen).toBe(inst.reduce((a, i) => a + i.interestFen, 0n));
        expect(s.totals.principalFen).toBe(req.principalFen);
        expect(s.totals.totalFen).toBe(inst.reduce((a, i) => a + i.totalFen, 0n));
        // zero rate, zero interest
        if (/^0(\.0+)?$/.test(req.annualRatePercent)) expect(s.totals.interestFen).toBe(0n);
        // money strings always carry two decimals
        for (const row of toScheduleView(s).installments) expect(row.principal).toMatch(/^\d+\.\d{2}$/);
      }),
      { numRuns: 400 },
    );
  });

  it('EQUAL_INSTALLMENT with a fen multiple and PERIOD pays a level amount until the last instalment', () => {
    fc.assert(
      fc.property(requestArb, (r) => {
        if (r.method === 'BULLET') return;
        const req = {
          ...r,
          method: 'EQUAL_INSTALLMENT' as const,
          dayCount: 'PERIOD' as const,
          installmentMultipleFen: 1n,
        };
        // Leaving out instalments that ran the balance out early (a loan of a few fen over many periods).
        const amortising = generateSchedule(req)
          .installments.slice(req.principalGraceInstallments, -1)
          .filter((i) => i.balanceAfterFen > 0n);
        expect(new Set(amortising.map((i) => i.totalFen)).size).toBeLessThanOrEqual(1);
      }),
      { numRuns: 200 },
    );
  });

  // Not for EQUAL_INSTALLMENT: a higher rate raises the level instalment, which repays faster, and with a coarse
  // multiple that can lower the total interest. The other methods repay principal independently of the rate.
  it('more interest for a higher rate, all else equal (methods whose principal does not depend on the rate)', () => {
    fc.assert(
      fc.property(requestArb, fc.integer({ min: 1, max: 10_000 }), (req, extra) => {
        if (req.method === 'EQUAL_INSTALLMENT') return;
        const higher = (Math.round(Number(req.annualRatePercent) * 10_000) + extra) / 10_000;
        if (higher > 36) return;
        const a = generateSchedule(req).totals.interestFen;
        const b = generateSchedule({ ...req, annualRatePercent: higher.toFixed(4) }).totals.interestFen;
        expect(b >= a).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

it('formats as the contract: yuan strings with two decimals', () => {
  const view = toScheduleView(gen({}));
  expect(view.totals).toEqual({ principal: '12000.00', interest: formatYuan(33_823n), total: '12338.23' });
});
