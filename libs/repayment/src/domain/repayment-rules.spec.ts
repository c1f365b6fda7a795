import { formatYuan } from '#libs/money';
import { generateSchedule } from '#libs/schedules';
import {
  channelRefusal,
  claimOf,
  isBackdated,
  newlyPaid,
  outstandingPrincipalOf,
  overpaymentRefusal,
  paymentRefusals,
  recoveryRefusal,
  reopenRefusal,
  replayDate,
  repaymentEvent,
  reversalRefusal,
  valueDateRefusals,
  type LoanFacts,
} from './repayment-rules.js';
import { OverpaymentError, payoffOf, replay, type FrozenInstallment } from './replay.js';
import { WATERFALL_STEPS, type RepaymentTerms } from './terms.js';

const LOAN: LoanFacts = {
  loanNo: 'L-1',
  channel: 'MUTUAL_AID',
  status: 'DISBURSED',
  fundId: '1',
  householdId: '10',
  disbursementDate: '2026-01-15',
};
const FACTS = { today: '2026-03-01', backdateDays: 30, hasInstallments: true, payerIsGroupMember: false };

describe('channelRefusal', () => {
  it('accepts a mutual-aid loan of a fund and refuses a bank-held one', () => {
    expect(channelRefusal(LOAN)).toBeNull();
    expect(channelRefusal({ ...LOAN, channel: 'BANK_COVERED', fundId: null })).toEqual({
      field: 'loanId',
      code: 'LOAN_NOT_REPAYABLE',
      message: 'loan L-1 is a BANK_COVERED loan: its repayments are recorded by the bank, not here',
    });
  });
});

describe('valueDateRefusals', () => {
  it('accepts today and the earliest day of the window', () => {
    expect(valueDateRefusals('2026-03-01', '2026-03-01', '2026-01-15', 30)).toEqual([]);
    expect(valueDateRefusals('2026-01-30', '2026-03-01', '2026-01-15', 30)).toEqual([]);
  });

  it('refuses a future date, one before the window and one before the disbursement, all at once', () => {
    expect(valueDateRefusals('2026-03-02', '2026-03-01', null, 30).map((f) => f.message)).toEqual([
      'the value date 2026-03-02 is after today (2026-03-01)',
    ]);
    expect(valueDateRefusals('2026-01-10', '2026-03-01', '2026-01-15', 30).map((f) => f.message)).toEqual([
      'the value date 2026-01-10 is more than 30 days back (earliest 2026-01-30)',
      'the value date 2026-01-10 is before the disbursement on 2026-01-15',
    ]);
  });
});

describe('paymentRefusals', () => {
  const ok = { valueDate: '2026-02-20', channel: 'CASH' };

  it('accepts a plain payment on a disbursed loan', () => {
    expect(paymentRefusals(LOAN, ok, FACTS)).toEqual([]);
  });

  it('returns every failed rule in order', () => {
    const failures = paymentRefusals(
      { ...LOAN, status: 'APPROVED' },
      { valueDate: '2026-03-05', channel: 'GROUP_LIABILITY' },
      { ...FACTS, hasInstallments: false },
    );
    expect(failures.map((f) => f.code)).toEqual([
      'LOAN_NOT_REPAYABLE',
      'REPAYMENT_VALUE_DATE_INVALID',
      'REPAYMENT_PAYER_INVALID',
      'LOAN_NOT_REPAYABLE',
    ]);
  });

  it('accepts the borrower or a group member as payer, nobody else', () => {
    expect(paymentRefusals(LOAN, { ...ok, payerHouseholdId: '10' }, FACTS)).toEqual([]);
    expect(
      paymentRefusals(LOAN, { ...ok, payerHouseholdId: '11' }, { ...FACTS, payerIsGroupMember: true }),
    ).toEqual([]);
    expect(paymentRefusals(LOAN, { ...ok, payerHouseholdId: '12' }, FACTS)).toEqual([
      {
        field: 'payerHouseholdId',
        code: 'REPAYMENT_PAYER_INVALID',
        message: "household 12 is neither the borrower nor a member of the loan's joint-liability group",
      },
    ]);
  });

  it('lets a written-off loan without instalments take a recovery', () => {
    expect(
      paymentRefusals({ ...LOAN, status: 'WRITTEN_OFF' }, ok, { ...FACTS, hasInstallments: false }),
    ).toEqual([]);
  });
});

describe('replayDate and isBackdated', () => {
  const p = (valueDate: string) => ({ id: valueDate, valueDate, amountFen: 1n });

  it('replays to the latest of today, the last ageing and the payments', () => {
    expect(replayDate('2026-03-01', null, [])).toBe('2026-03-01');
    expect(replayDate('2026-03-01', '2026-03-02', [])).toBe('2026-03-02');
    expect(replayDate('2026-03-01', '2026-02-01', [p('2026-02-10'), p('2026-03-03')])).toBe('2026-03-03');
  });

  it('calls a payment backdated when valued before today or before a payment already entered', () => {
    expect(isBackdated('2026-03-01', '2026-03-01', [p('2026-02-10')])).toBe(false);
    expect(isBackdated('2026-02-28', '2026-03-01', [])).toBe(true);
    expect(isBackdated('2026-03-01', '2026-03-01', [p('2026-03-02')])).toBe(true);
  });

  it('names the loan event', () => {
    expect(repaymentEvent(true, true)).toBe('PAID_OFF');
    expect(repaymentEvent(false, true)).toBe('BACKDATED_REPAYMENT_RECEIVED');
    expect(repaymentEvent(false, false)).toBe('REPAYMENT_RECEIVED');
  });
});

// 5000.00 at 6 % for 12 months, one bullet instalment due 2027-01-15 (interest 300.00).
const TERMS: RepaymentTerms = {
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
const SCHEDULE: FrozenInstallment[] = generateSchedule({
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
}).installments.map((i) => ({
  number: i.number,
  periodStart: i.periodStart,
  dueDate: i.dueDate,
  days: i.days,
  principalFen: i.principalFen,
  originalInterestFen: i.interestFen,
}));

describe('overpaymentRefusal', () => {
  it('quotes the payoff on the value date when the payment itself exceeds it', () => {
    const payment = { id: '9', valueDate: '2026-02-15', amountFen: 600_000n };
    let error: OverpaymentError | undefined;
    try {
      replay(TERMS, SCHEDULE, [payment], '2026-02-15');
    } catch (e) {
      error = e as OverpaymentError;
    }
    const r = overpaymentRefusal('L-1', TERMS, SCHEDULE, [], payment, error!);
    expect(r.code).toBe('OVERPAYMENT');
    expect(r.extra).toEqual({ payoff: expect.any(String), valueDate: '2026-02-15' });
    expect(r.detail).toContain('loan L-1 is closed by paying');
    expect(r.errors[0].field).toBe('amount');
  });

  it('quotes the payoff before the backdated payment when a later repayment would overpay', () => {
    const later = { id: '1', valueDate: '2026-03-15', amountFen: 500_000n };
    const backdated = { id: '2', valueDate: '2026-02-15', amountFen: 100_000n };
    const e = new OverpaymentError('1', '2026-03-15', 500_000n, 450_000n);
    const r = overpaymentRefusal('L-1', TERMS, SCHEDULE, [later], backdated, e);
    const before = payoffOf(replay(TERMS, SCHEDULE, [], '2026-02-15').installments, TERMS, '2026-02-15');
    expect(r.detail).toContain('the later repayment 1 of 5000.00 on 2026-03-15');
    expect(r.extra).toEqual({ payoff: formatYuan(before), valueDate: '2026-02-15' });
  });
});

describe('recovery rules', () => {
  const wo = {
    principalFen: 10_000n,
    interestFen: 500n,
    penaltyFen: 200n,
    recoveredFen: 700n,
    writtenOffOn: '2026-06-01',
  };

  it('owes what was written off less what was recovered', () => {
    expect(claimOf(wo)).toBe(10_000n);
  });

  it('accepts a recovery up to the claim, on or after the write-off', () => {
    expect(recoveryRefusal('L-1', wo, 10_000n, '2026-06-01')).toBeNull();
  });

  it('refuses an early or excessive recovery with the claim as payoff', () => {
    const r = recoveryRefusal('L-1', wo, 10_001n, '2026-05-31')!;
    expect(r.code).toBe('REPAYMENT_VALUE_DATE_INVALID');
    expect(r.errors.map((f) => f.code)).toEqual(['REPAYMENT_VALUE_DATE_INVALID', 'OVERPAYMENT']);
    expect(r.detail).toMatch(/^recovery refused: loan L-1 was written off on 2026-06-01/);
    expect(r.extra).toEqual({ payoff: '100.00' });
  });
});

describe('reversal rules', () => {
  it('reverses a posted repayment once', () => {
    const posted = { kind: 'REPAYMENT' as const, status: 'POSTED' as const, reversalEntryId: null };
    expect(reversalRefusal('5', posted, { loanNo: 'L-1', status: 'DISBURSED' })).toBeNull();
    const again = reversalRefusal('5', { ...posted, status: 'REVERSED', reversalEntryId: '77' }, LOAN);
    expect(again).toMatchObject({
      code: 'REPAYMENT_ALREADY_REVERSED',
      detail: 'repayment 5 was already reversed (entry 77)',
    });
  });

  it('does not reverse a repayment of a loan written off since, but does a recovery', () => {
    const wo = { loanNo: 'L-1', status: 'WRITTEN_OFF' };
    expect(
      reversalRefusal('5', { kind: 'REPAYMENT', status: 'POSTED', reversalEntryId: null }, wo)?.code,
    ).toBe('REPAYMENT_NOT_REVERSIBLE');
    expect(
      reversalRefusal('5', { kind: 'RECOVERY', status: 'POSTED', reversalEntryId: null }, wo),
    ).toBeNull();
  });

  it('refuses to reopen a loan while the household has another active one', () => {
    expect(reopenRefusal('L-1', 'L-2').errors[0].message).toBe(
      'reversing it would reopen loan L-1 while the household has active loan L-2',
    );
  });
});

describe('after a replay', () => {
  it('sums the principal outstanding and finds the instalments paid off now', () => {
    const state = replay(TERMS, SCHEDULE, [], '2026-02-01').installments;
    expect(outstandingPrincipalOf(state)).toBe(500_000n);
    const before = [
      { id: 'a', number: 1, status: 'OPEN' },
      { id: 'b', number: 2, status: 'PAID' },
      { id: 'c', number: 3, status: 'OVERDUE' },
    ];
    const after = [
      { number: 1, status: 'PAID' as const },
      { number: 2, status: 'PAID' as const },
      { number: 3, status: 'OVERDUE' as const },
    ];
    expect(newlyPaid(before, after).map((r) => r.id)).toEqual(['a']);
  });
});
