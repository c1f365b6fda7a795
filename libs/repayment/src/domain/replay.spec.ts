import fc from 'fast-check';
import { generateSchedule, STANDARD_BUCKET_LIMITS_DAYS, type ScheduleRequest } from '#libs/schedules';
import { addDays, daysFrom, fromEpochDay } from './dates.js';
import {
  accrueTo,
  bucketOf,
  daysOverdueOf,
  initialState,
  markOverdue,
  OverpaymentError,
  payoffOf,
  replay,
  resumeReplay,
  type FrozenInstallment,
  type ReplayCheckpoint,
  type ReplayPayment,
} from './replay.js';
import { penaltyFor, WATERFALL_STEPS, type RepaymentTerms } from './terms.js';

const frozen = (req: ScheduleRequest): FrozenInstallment[] =>
  generateSchedule(req).installments.map((i) => ({
    number: i.number,
    periodStart: i.periodStart,
    dueDate: i.dueDate,
    days: i.days,
    principalFen: i.principalFen,
    originalInterestFen: i.interestFen,
  }));

// 5000.00 at 6 % for 12 months, one bullet instalment (利随本清) due 2027-01-15: interest 300.00.
const BULLET_REQ: ScheduleRequest = {
  principalFen: 500_000n,
  annualRatePercent: '6',
  numberOfInstallments: 1,
  frequency: 'AT_MATURITY',
  termMonths: 12,
  method: 'BULLET',
  dayCount: 'PERIOD',
  disbursementDate: '2026-01-15',
  rounding: 'HALF_UP',
  installmentMultipleFen: 1n,
  principalGraceInstallments: 0,
};
const BULLET: RepaymentTerms = {
  principalFen: 500_000n,
  annualRatePercent: '6',
  penaltyRatePercent: '9',
  method: 'BULLET',
  frequency: 'AT_MATURITY',
  dayCount: 'PERIOD',
  rounding: 'HALF_UP',
  graceDays: 0,
  waterfall: WATERFALL_STEPS,
  prepaymentMode: 'SHORTEN_TERM',
  earlyRepaymentFee: 'ACCRUED',
};

// 6000.00 at 12 % over 6 months, equal instalments of 1035.29 from 2026-01-15:
//   1 02-15 P 975.29 I 60.00 | 2 03-15 P 985.04 I 50.25 | 3 04-15 P 994.89 I 40.40
//   4 05-15 P 1004.84 I 30.45 | 5 06-15 P 1014.89 I 20.40 | 6 07-15 P 1025.05 I 10.25
const EMI_REQ: ScheduleRequest = {
  ...BULLET_REQ,
  principalFen: 600_000n,
  annualRatePercent: '12',
  numberOfInstallments: 6,
  frequency: 'MONTHLY',
  termMonths: undefined,
  method: 'EQUAL_INSTALLMENT',
};
const EMI: RepaymentTerms = {
  ...BULLET,
  principalFen: 600_000n,
  annualRatePercent: '12',
  penaltyRatePercent: '18',
  method: 'EQUAL_INSTALLMENT',
  frequency: 'MONTHLY',
};

const pay = (id: number, valueDate: string, amountFen: bigint): ReplayPayment => ({
  id: String(id),
  valueDate,
  amountFen,
});

describe('dates', () => {
  it('adds days across month and year ends and inverts epoch days', () => {
    expect(addDays('2026-01-31', 1)).toBe('2026-02-01');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(daysFrom('2026-01-15', '2026-07-15')).toBe(181);
    fc.assert(
      fc.property(
        fc.integer({ min: -100_000, max: 100_000 }),
        fc.integer({ min: -400, max: 400 }),
        (e, d) => {
          const date = fromEpochDay(e);
          expect(daysFrom(date, addDays(date, d))).toBe(d);
        },
      ),
    );
  });
});

describe('penalty', () => {
  it('is fen-days × rate / 36500, rounded once half up', () => {
    // 5000.00 ten days at 9 %: 5000 × 10 × 0.09 / 365 = 12.3287… → 12.33
    expect(penaltyFor(500_000n * 10n, '9')).toBe(1233n);
    expect(penaltyFor(0n, '9')).toBe(0n);
    // at 18.25 % a year, 2000 fen-days are exactly 1 fen (2000 × 18.25 / 36500) and 1000 exactly half a fen
    expect(penaltyFor(2000n, '18.25')).toBe(1n);
    expect(penaltyFor(1000n, '18.25')).toBe(1n); // half rounds up
    expect(penaltyFor(999n, '18.25')).toBe(0n);
    expect(penaltyFor(3000n, '18.25')).toBe(2n); // 1.5 → 2
  });

  it('accrues to the same fen-days whether daily or in one jump', () => {
    const s = frozen(EMI_REQ);
    const daily = initialState(s);
    const once = initialState(s);
    for (let d = 1; d <= 75; d++) accrueTo(daily, addDays('2026-02-15', d));
    accrueTo(once, addDays('2026-02-15', 75));
    expect(daily.map((i) => i.penaltyFenDays)).toEqual(once.map((i) => i.penaltyFenDays));
    // instalment 1 is 75 days past due, instalment 2 47 days (from 03-15), instalment 3 16 days (from 04-15)
    expect(once.slice(0, 4).map((i) => i.penaltyFenDays)).toEqual([
      97_529n * 75n,
      98_504n * 47n,
      99_489n * 16n,
      0n,
    ]);
  });
});

describe('waterfall (table)', () => {
  const cases: {
    name: string;
    terms: RepaymentTerms;
    req: ScheduleRequest;
    payments: ReplayPayment[];
    asOf: string;
    /** Expected split of the last payment. */
    split: { principal: bigint; interest: bigint; penalty: bigint; prepaid?: bigint; payoff?: boolean };
    closed?: boolean;
  }[] = [
    {
      name: 'partial payment on the due date: usage fee first, then principal',
      terms: BULLET,
      req: BULLET_REQ,
      payments: [pay(1, '2027-01-15', 100_000n)],
      asOf: '2027-01-15',
      split: { principal: 70_000n, interest: 30_000n, penalty: 0n },
    },
    {
      name: 'exact payment on the due date closes the loan',
      terms: BULLET,
      req: BULLET_REQ,
      payments: [pay(1, '2027-01-15', 530_000n)],
      asOf: '2027-01-15',
      split: { principal: 500_000n, interest: 30_000n, penalty: 0n, payoff: true },
      closed: true,
    },
    {
      name: 'ten days overdue: penalty first (5000 × 10 × 9 % / 365 = 12.33), then fee, then principal',
      terms: BULLET,
      req: BULLET_REQ,
      payments: [pay(1, '2027-01-25', 200_000n)],
      asOf: '2027-01-25',
      split: { principal: 168_767n, interest: 30_000n, penalty: 1_233n },
    },
    {
      name: 'early payoff charges the fee accrued to the value date (300.00 × 181 / 365 = 148.77)',
      terms: BULLET,
      req: BULLET_REQ,
      payments: [pay(1, '2026-07-15', 514_877n)],
      asOf: '2026-07-15',
      split: { principal: 500_000n, interest: 14_877n, penalty: 0n, payoff: true },
      closed: true,
    },
    {
      name: 'PERIOD: a partial early payment pays the current instalment as scheduled',
      terms: { ...BULLET, earlyRepaymentFee: 'PERIOD' },
      req: BULLET_REQ,
      payments: [pay(1, '2026-07-15', 100_000n)],
      asOf: '2026-07-15',
      split: { principal: 70_000n, interest: 30_000n, penalty: 0n },
    },
    {
      name: 'ACCRUED: a partial early payment pays the fee accrued to its value date (148.77), the rest principal',
      terms: BULLET,
      req: BULLET_REQ,
      payments: [pay(1, '2026-07-15', 100_000n)],
      asOf: '2026-07-15',
      split: { principal: 85_123n, interest: 14_877n, penalty: 0n },
    },
    {
      name: 'within the grace days a late payment carries no penalty',
      terms: { ...BULLET, graceDays: 3 },
      req: BULLET_REQ,
      payments: [pay(1, '2027-01-18', 530_000n)],
      asOf: '2027-01-18',
      split: { principal: 500_000n, interest: 30_000n, penalty: 0n, payoff: true },
      closed: true,
    },
    {
      name: 'after the grace days the penalty runs from the due date (4 days: 4.93)',
      terms: { ...BULLET, graceDays: 3 },
      req: BULLET_REQ,
      payments: [pay(1, '2027-01-19', 530_493n)],
      asOf: '2027-01-19',
      split: { principal: 500_000n, interest: 30_000n, penalty: 493n, payoff: true },
      closed: true,
    },
    {
      name: 'a product waterfall with principal first',
      terms: {
        ...BULLET,
        waterfall: [
          'OVERDUE_PRINCIPAL',
          'OVERDUE_INTEREST',
          'OVERDUE_PENALTY',
          'CURRENT_PRINCIPAL',
          'CURRENT_INTEREST',
          'FUTURE',
        ],
      },
      req: BULLET_REQ,
      payments: [pay(1, '2027-01-25', 200_000n)],
      asOf: '2027-01-25',
      split: { principal: 200_000n, interest: 0n, penalty: 0n },
    },
    {
      name: 'two overdue instalments: penalties of both, then fees of both, then the oldest principal first',
      terms: EMI,
      req: EMI_REQ,
      // instalment 1 is 38 days late (97 529 × 38 fen-days), instalment 2 10 days (98 504 × 10); at 18 %:
      // 97 529 × 38 × 18 / 36500 = 1827.60 → 1828; 98 504 × 10 × 18 / 36500 = 485.77 → 486
      payments: [pay(1, '2026-03-25', 150_000n)],
      asOf: '2026-03-25',
      split: { principal: 150_000n - 1_828n - 486n - 6_000n - 5_025n, interest: 11_025n, penalty: 2_314n },
    },
    {
      name: 'prepayment shortening the term: the last instalments are paid first',
      terms: EMI,
      req: EMI_REQ,
      payments: [pay(1, '2026-02-15', 103_529n + 200_000n)],
      asOf: '2026-02-15',
      split: { principal: 97_529n + 200_000n, interest: 6_000n, penalty: 0n, prepaid: 200_000n },
    },
  ];

  it.each(cases)('$name', ({ terms, req, payments, asOf, split, closed }) => {
    const r = replay(terms, frozen(req), payments, asOf);
    const last = r.payments[r.payments.length - 1];
    expect({ principal: last.principalFen, interest: last.interestFen, penalty: last.penaltyFen }).toEqual({
      principal: split.principal,
      interest: split.interest,
      penalty: split.penalty,
    });
    if (split.prepaid !== undefined) expect(last.prepaidPrincipalFen).toBe(split.prepaid);
    expect(last.payoff).toBe(split.payoff ?? false);
    expect(r.closedOn !== null).toBe(closed ?? false);
    // Principal always sums to the loan, paid never exceeds scheduled, the split sums to the amount.
    expect(r.installments.reduce((s, i) => s + i.principalFen, 0n)).toBe(terms.principalFen);
    expect(last.principalFen + last.interestFen + last.penaltyFen).toBe(last.amountFen);
  });

  it('prepayment shortening the term re-freezes the later interest on the balance left', () => {
    const r = replay(EMI, frozen(EMI_REQ), [pay(1, '2026-02-15', 303_529n)], '2026-02-15');
    const s = r.installments;
    // 2000.00 pays instalment 6 (1025.05) and 974.95 of instalment 5: 39.94 of it is left.
    expect(s[5]).toMatchObject({
      paidPrincipalFen: 102_505n,
      interestFen: 0n,
      status: 'PAID',
      paidOn: '2026-02-15',
    });
    expect(s[4]).toMatchObject({ paidPrincipalFen: 97_495n, principalFen: 101_489n });
    // interest_j = round(balance_j × 1 %), balance_j = principal still unpaid on instalments j…6
    expect(s.slice(1).map((i) => i.interestFen)).toEqual([3_025n, 2_040n, 1_045n, 40n, 0n]);
    expect(s.slice(1, 5).map((i) => i.status)).toEqual(['OPEN', 'OPEN', 'OPEN', 'OPEN']);
  });

  it('prepayment lowering the instalment spreads the principal pro rata and keeps the term', () => {
    const r = replay(
      { ...EMI, prepaymentMode: 'LOWER_INSTALLMENT' },
      frozen(EMI_REQ),
      [pay(1, '2026-02-15', 303_529n)],
      '2026-02-15',
    );
    const s = r.installments;
    const weights = [98_504n, 99_489n, 100_484n, 101_489n, 102_505n];
    const total = weights.reduce((a, b) => a + b, 0n);
    const shares = s.slice(1).map((i) => i.paidPrincipalFen);
    expect(shares.reduce((a, b) => a + b, 0n)).toBe(200_000n);
    shares.forEach((share, k) => {
      const exact = (200_000n * weights[k]) / total;
      expect(share === exact || share === exact + 1n).toBe(true);
    });
    // every later instalment is smaller and none disappears
    expect(
      s.slice(1).every((i) => i.status === 'OPEN' && i.principalFen - i.paidPrincipalFen < 80_000n),
    ).toBe(true);
    let balance = 0n;
    const expected: bigint[] = [];
    for (let j = 5; j >= 1; j--) {
      balance += s[j].principalFen - s[j].paidPrincipalFen;
      expected.unshift((balance + 50n) / 100n); // round half up of balance × 1 %
    }
    expect(s.slice(1).map((i) => i.interestFen)).toEqual(expected);
  });

  it('refuses a payment above the payoff and names the payoff', () => {
    const e = (() => {
      try {
        replay(BULLET, frozen(BULLET_REQ), [pay(1, '2026-07-15', 514_878n)], '2026-07-15');
      } catch (err) {
        return err as OverpaymentError;
      }
      throw new Error('expected an overpayment');
    })();
    expect(e).toBeInstanceOf(OverpaymentError);
    expect(e.payoffFen).toBe(514_877n);
    expect(() =>
      replay(
        BULLET,
        frozen(BULLET_REQ),
        [pay(1, '2027-01-15', 530_000n), pay(2, '2027-01-15', 1n)],
        '2027-01-15',
      ),
    ).toThrow(OverpaymentError);
  });

  it('a backdated payment is applied in value-date order, whatever order it was recorded in', () => {
    const s = frozen(EMI_REQ);
    // recorded second (id 2) but valued first
    const a = replay(EMI, s, [pay(1, '2026-03-20', 103_529n), pay(2, '2026-02-20', 103_529n)], '2026-03-20');
    const b = replay(EMI, s, [pay(1, '2026-02-20', 103_529n), pay(2, '2026-03-20', 103_529n)], '2026-03-20');
    expect(a.installments).toEqual(b.installments);
    expect(a.payments.map((p) => p.paymentId)).toEqual(['2', '1']);
    // The first payment is 5 days late: it pays the penalty 97 529 × 5 × 18 / 36500 = 240.48 → 2.40, the fee and
    // all but 2.40 of the principal; those 2.40 stay overdue 28 more days until the second payment:
    // (97 529 × 5 + 240 × 28) × 18 / 36500 = 243.80 → 2.44 in all.
    expect(a.payments[0]).toMatchObject({ penaltyFen: 240n, interestFen: 6_000n, principalFen: 97_289n });
    expect(a.installments[0]).toMatchObject({
      penaltyFen: 244n,
      paidPenaltyFen: 244n,
      status: 'PAID',
      paidOn: '2026-03-20',
    });
  });
});

describe('early-repayment fee: the instalment path and the payoff path agree (table)', () => {
  // EMI_REQ: instalment 1 is 975.29 principal + 60.00 fee (6000.00 × 1 %), period 2026-01-15 .. 02-15 (31 days).
  const INSTALMENT = 103_529n;
  const cases: {
    rule: 'ACCRUED' | 'PERIOD';
    when: string;
    date: string;
    /** Fee the instalment's amount pays on `date`, and the payoff of `date`. */
    fee: bigint;
    payoff: bigint;
  }[] = [
    // ACCRUED: nothing has accrued on the disbursement day, so all of the instalment's amount is principal
    { rule: 'ACCRUED', when: 'on the disbursement day', date: '2026-01-15', fee: 0n, payoff: 600_000n },
    // 16 of 31 days: 6000 × 16 / 31 = 3096.77 → 30.97
    { rule: 'ACCRUED', when: 'mid-period', date: '2026-01-31', fee: 3_097n, payoff: 603_097n },
    { rule: 'ACCRUED', when: 'on the due date', date: '2026-02-15', fee: 6_000n, payoff: 606_000n },
    // PERIOD: the period's whole fee whenever the instalment is paid, on both paths
    { rule: 'PERIOD', when: 'on the disbursement day', date: '2026-01-15', fee: 6_000n, payoff: 606_000n },
    { rule: 'PERIOD', when: 'mid-period', date: '2026-01-31', fee: 6_000n, payoff: 606_000n },
    { rule: 'PERIOD', when: 'on the due date', date: '2026-02-15', fee: 6_000n, payoff: 606_000n },
  ];

  it.each(cases)(
    '$rule, $when: the instalment pays $fee fen of fee, as the payoff does',
    ({ rule, date, fee, payoff }) => {
      const terms: RepaymentTerms = { ...EMI, earlyRepaymentFee: rule };
      const s = frozen(EMI_REQ);
      expect(payoffOf(replay(terms, s, [], date).installments, terms, date)).toBe(payoff);

      const instalment = replay(terms, s, [pay(1, date, INSTALMENT)], date).payments[0];
      expect(instalment).toMatchObject({ interestFen: fee, principalFen: INSTALMENT - fee, payoff: false });

      const closing = replay(terms, s, [pay(1, date, payoff)], date);
      expect(closing.payments[0]).toMatchObject({ interestFen: fee, principalFen: 600_000n, payoff: true });
      expect(closing.closedOn).toBe(date);
    },
  );

  it('ACCRUED: principal paid on the disbursement day bears no fee; the rest of the balance still does', () => {
    const s = frozen(EMI_REQ);
    const r = replay(EMI, s, [pay(1, '2026-01-15', INSTALMENT)], '2026-01-15');
    // instalment 1's principal (975.29) and 60.00 prepaid from the last instalment: 4964.71 left, whose fee for the
    // period (1 %: 49.6471 → 49.65) is still due on 02-15; the later fees are re-frozen on the smaller balance
    expect(r.payments[0]).toMatchObject({ principalFen: INSTALMENT, prepaidPrincipalFen: 6_000n });
    expect(r.installments[0]).toMatchObject({
      paidPrincipalFen: 97_529n,
      interestFen: 4_965n,
      status: 'OPEN',
    });
    expect(payoffOf(r.installments, EMI, '2026-02-15')).toBe(600_000n - INSTALMENT + 4_965n);
    // the same under PERIOD closes instalment 1 with its whole fee
    const period = replay(
      { ...EMI, earlyRepaymentFee: 'PERIOD' },
      s,
      [pay(1, '2026-01-15', INSTALMENT)],
      '2026-01-15',
    );
    expect(period.installments[0]).toMatchObject({
      interestFen: 6_000n,
      status: 'PAID',
      paidOn: '2026-01-15',
    });
  });

  it('ACCRUED: after a mid-period payment the fee accrues on from its value date on the balance left', () => {
    const s = frozen(EMI_REQ);
    const mid = replay(EMI, s, [pay(1, '2026-01-31', INSTALMENT)], '2026-01-31');
    // 30.97 accrued to 01-31; the 29.03 not yet accrued runs on 4995.68 of 6000.00 left: 29.03 × 4995.68 / 6000 =
    // 24.17; instalment 1's fee becomes 30.97 + 24.17 = 55.14
    expect(mid.payments[0]).toMatchObject({ interestFen: 3_097n, principalFen: 100_432n });
    expect(mid.installments[0].interestFen).toBe(5_514n);
    // a payoff on 02-10, 10 of the 15 days left: 24.17 × 10 / 15 = 16.11 more, and the loan is closed by it
    const payoff = 600_000n - 100_432n + 1_611n;
    expect(
      payoffOf(
        replay(EMI, s, [pay(1, '2026-01-31', INSTALMENT)], '2026-02-10').installments,
        EMI,
        '2026-02-10',
      ),
    ).toBe(payoff);
    const closed = replay(
      EMI,
      s,
      [pay(1, '2026-01-31', INSTALMENT), pay(2, '2026-02-10', payoff)],
      '2026-02-10',
    );
    expect(closed.payments[1]).toMatchObject({ interestFen: 1_611n, payoff: true });
    expect(closed.installments[0]).toMatchObject({
      interestFen: 4_708n,
      paidInterestFen: 4_708n,
      status: 'PAID',
    });
    // paid on the due date instead, the rest of instalment 1 is its fee left (24.17) and its principal is paid
    const onDue = replay(
      EMI,
      s,
      [pay(1, '2026-01-31', INSTALMENT), pay(2, '2026-02-15', 2_417n)],
      '2026-02-15',
    );
    expect(onDue.payments[1]).toMatchObject({ interestFen: 2_417n, principalFen: 0n });
    expect(onDue.installments[0]).toMatchObject({ status: 'PAID', paidOn: '2026-02-15' });
  });
});

describe('ageing', () => {
  it('marks overdue after the grace days and buckets by days from the oldest due date', () => {
    const s = initialState(frozen(EMI_REQ));
    accrueTo(s, '2026-02-15');
    markOverdue(s, { ...EMI, graceDays: 2 }, '2026-02-17');
    expect(s[0].status).toBe('OPEN');
    markOverdue(s, { ...EMI, graceDays: 2 }, '2026-02-18');
    expect(s[0]).toMatchObject({ status: 'OVERDUE', overdueSince: '2026-02-18' });
    expect(daysOverdueOf(s, '2026-02-18')).toBe(3);
    expect([0, 1, 30, 31, 60, 61, 90, 91, 400].map((d) => bucketOf(d, STANDARD_BUCKET_LIMITS_DAYS))).toEqual([
      'CURRENT',
      'DPD_1_30',
      'DPD_1_30',
      'DPD_31_60',
      'DPD_31_60',
      'DPD_61_90',
      'DPD_61_90',
      'DPD_90_PLUS',
      'DPD_90_PLUS',
    ]);
  });
});

describe('replay properties', () => {
  it('whatever the payments: splits sum to the amounts, paid never exceeds scheduled, principal sums to the loan', () => {
    const s = frozen(EMI_REQ);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 240 }), fc.integer({ min: 1, max: 250_000 })), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.constantFrom<'SHORTEN_TERM' | 'LOWER_INSTALLMENT'>('SHORTEN_TERM', 'LOWER_INSTALLMENT'),
        fc.constantFrom<'ACCRUED' | 'PERIOD'>('ACCRUED', 'PERIOD'),
        (raw, mode, fee) => {
          const terms = { ...EMI, prepaymentMode: mode, earlyRepaymentFee: fee };
          // Keep only payments within the payoff of their day (what the service accepts), in value-date order.
          const accepted: ReplayPayment[] = [];
          for (const [k, [offset, amount]] of raw.entries()) {
            const date = addDays('2026-01-15', offset);
            if (accepted.length && date < accepted[accepted.length - 1].valueDate) continue;
            const state = replay(terms, s, accepted, date).installments;
            const payoff = payoffOf(state, terms, date);
            if (payoff === 0n) break;
            accepted.push(pay(k + 1, date, BigInt(amount) > payoff ? payoff : BigInt(amount)));
          }
          const last = accepted[accepted.length - 1].valueDate;
          const r = replay(terms, s, accepted, last);
          const allocated = r.allocations.reduce((sum, a) => sum + a.amountFen, 0n);
          expect(allocated).toBe(accepted.reduce((sum, p) => sum + p.amountFen, 0n));
          for (const i of r.installments) {
            expect(
              i.paidPrincipalFen <= i.principalFen &&
                i.paidInterestFen <= i.interestFen &&
                i.paidPenaltyFen <= i.penaltyFen,
            ).toBe(true);
          }
          expect(r.installments.reduce((sum, i) => sum + i.principalFen, 0n)).toBe(600_000n);
          const principalPaid = r.installments.reduce((sum, i) => sum + i.paidPrincipalFen, 0n);
          expect(principalPaid).toBe(r.payments.reduce((sum, p) => sum + p.principalFen, 0n));
          expect(r.closedOn !== null).toBe(r.installments.every((i) => i.status === 'PAID'));
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('resuming a replay from a checkpoint', () => {
  it('applies a later payment to the checkpoint of the earlier ones exactly as replaying them all', () => {
    const s = frozen(EMI_REQ);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 240 }), fc.integer({ min: 1, max: 250_000 })), {
          minLength: 2,
          maxLength: 8,
        }),
        fc.integer({ min: 0, max: 30 }),
        fc.constantFrom<'SHORTEN_TERM' | 'LOWER_INSTALLMENT'>('SHORTEN_TERM', 'LOWER_INSTALLMENT'),
        fc.constantFrom<'ACCRUED' | 'PERIOD'>('ACCRUED', 'PERIOD'),
        (raw, extraDays, mode, fee) => {
          const terms = { ...EMI, prepaymentMode: mode, earlyRepaymentFee: fee };
          const accepted: ReplayPayment[] = [];
          for (const [k, [offset, amount]] of raw.entries()) {
            const date = addDays('2026-01-15', offset);
            if (accepted.length && date < accepted[accepted.length - 1].valueDate) continue;
            const payoff = payoffOf(replay(terms, s, accepted, date).installments, terms, date);
            if (payoff === 0n) break;
            accepted.push(pay(k + 1, date, BigInt(amount) > payoff ? payoff : BigInt(amount)));
          }
          if (accepted.length < 2) return;
          const earlier = accepted.slice(0, -1);
          const next = accepted[accepted.length - 1];
          const asOf = addDays(next.valueDate, extraDays);
          let cp: ReplayCheckpoint | undefined;
          replay(terms, s, earlier, next.valueDate, (c) => (cp = c));
          let after: ReplayCheckpoint | undefined;
          const resumed = resumeReplay(terms, cp!, next, asOf, (c) => (after = c));
          const full = replay(terms, s, accepted, asOf);
          expect(resumed.installments).toEqual(full.installments);
          expect(resumed.closedOn).toBe(full.closedOn);
          expect(resumed.payments).toEqual(full.payments.filter((p) => p.paymentId === next.id));
          expect(resumed.allocations).toEqual(full.allocations.filter((a) => a.paymentId === next.id));
          // the checkpoint left behind is the one a full replay leaves
          let fullCp: ReplayCheckpoint | undefined;
          replay(terms, s, accepted, asOf, (c) => (fullCp = c));
          expect(after).toEqual(fullCp);
          // and the earlier checkpoint was not changed by resuming from it
          let again: ReplayCheckpoint | undefined;
          replay(terms, s, earlier, next.valueDate, (c) => (again = c));
          expect(cp).toEqual(again);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('refuses a payment that does not come after the checkpoint', () => {
    const s = frozen(EMI_REQ);
    let cp: ReplayCheckpoint | undefined;
    replay(EMI, s, [pay(2, '2026-03-01', 10_000n)], '2026-03-01', (c) => (cp = c));
    expect(() => resumeReplay(EMI, cp!, pay(3, '2026-02-01', 10_000n), '2026-03-01')).toThrow(RangeError);
    expect(() => resumeReplay(EMI, cp!, pay(1, '2026-03-01', 10_000n), '2026-03-01')).toThrow(RangeError);
  });
});
