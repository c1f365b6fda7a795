import { formatYuan } from '#libs/money';
import { generateSchedule, STANDARD_BUCKET_LIMITS_DAYS } from '#libs/schedules';
import { replay, type FrozenInstallment } from './replay.js';
import { assembleStatement, payoffQuote, statementBalances, type StatementInput } from './statement.js';
import { WATERFALL_STEPS, type RepaymentTerms } from './terms.js';

// 6000.00 at 12 % over 6 months, equal instalments from 2026-01-15 (the replay spec's EMI loan).
const TERMS: RepaymentTerms = {
  principalFen: 600_000n,
  annualRatePercent: '12',
  penaltyRatePercent: '18',
  method: 'EQUAL_INSTALLMENT',
  frequency: 'MONTHLY',
  dayCount: 'PERIOD',
  rounding: 'HALF_UP',
  graceDays: 3,
  waterfall: WATERFALL_STEPS,
  prepaymentMode: 'SHORTEN_TERM',
  earlyRepaymentFee: 'ACCRUED',
};
const SCHEDULE: FrozenInstallment[] = generateSchedule({
  principalFen: 600_000n,
  annualRatePercent: '12',
  numberOfInstallments: 6,
  frequency: 'MONTHLY',
  termMonths: 6,
  method: 'EQUAL_INSTALLMENT',
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

const LOAN: StatementInput<never>['loan'] = {
  id: '42',
  loanNo: 'L-42',
  channel: 'MUTUAL_AID',
  status: 'DISBURSED',
  fundId: '1',
  householdId: '10',
  principalFen: 600_000n,
  annualRatePercent: '12',
  penaltyRatePercent: null,
  method: 'EQUAL_INSTALLMENT',
  disbursementDate: '2026-01-15',
  maturityDate: '2026-07-15',
  closedOn: null,
  daysOverdue: 0,
  arrearsBucket: 'CURRENT',
  disbursementEntryId: '7',
};

function input(asOf: string, over: Partial<StatementInput<never>> = {}): StatementInput<never> {
  const paid = { id: '1', valueDate: '2026-02-15', amountFen: 103_529n };
  const state = replay(TERMS, SCHEDULE, [paid], asOf).installments;
  return {
    loan: LOAN,
    asOf,
    state,
    stored: SCHEDULE.map((s) => ({ status: 'OPEN', originalInterestFen: s.originalInterestFen })),
    terms: TERMS,
    graceDays: TERMS.graceDays,
    bucketLimitsDays: STANDARD_BUCKET_LIMITS_DAYS,
    transactions: [],
    corrections: [],
    writeOff: null,
    ...over,
  };
}

describe('assembleStatement', () => {
  it('shows a loan paid on time with the next instalment late past its grace', () => {
    const s = assembleStatement(input('2026-03-25'));
    expect(s.installments[0]).toMatchObject({ status: 'PAID', paidOnTime: true, daysOverdue: 0 });
    expect(s.installments[1]).toMatchObject({ status: 'OVERDUE', paidOnTime: false, daysOverdue: 10 });
    expect(s.installments[2].paidOnTime).toBeNull();
    expect(s.daysOverdue).toBe(10);
    expect(s.arrearsBucket).toBe('DPD_1_30');
    expect(s.loan.penaltyRatePercent).toBe('18');
    expect(s.payoffToday?.valueDate).toBe('2026-03-25');
  });

  it('keeps a written-off loan’s stored statuses and frozen ageing, with no principal on the books', () => {
    const s = assembleStatement(
      input('2026-09-01', {
        loan: { ...LOAN, status: 'WRITTEN_OFF', daysOverdue: 181, arrearsBucket: 'DPD_90_PLUS' },
        stored: SCHEDULE.map((x, k) => ({
          status: k === 0 ? 'PAID' : 'WRITTEN_OFF',
          originalInterestFen: x.originalInterestFen,
        })),
        terms: null,
        writeOff: {
          writtenOffOn: '2026-08-01',
          principalFen: 500_000n,
          recoveredFen: 1_000n,
          reason: 'gone',
        },
      }),
    );
    expect(s.installments.map((i) => i.status)).toEqual(['PAID', ...Array(5).fill('WRITTEN_OFF')]);
    expect(s.installments[1].daysOverdue).toBe(0);
    expect(s.balances.principalOutstanding).toBe('0.00');
    expect(s.daysOverdue).toBe(181);
    expect(s.arrearsBucket).toBe('DPD_90_PLUS');
    expect(s.payoffToday).toBeNull();
    expect(s.writeOff).toEqual({
      writtenOffOn: '2026-08-01',
      principal: '5000.00',
      recovered: '10.00',
      reason: 'gone',
    });
  });
});

describe('statementBalances and payoffQuote', () => {
  it('adds up to what was scheduled, charged and paid', () => {
    const i = input('2026-03-25');
    const b = statementBalances(i.state, i.asOf, false);
    const scheduled = i.state.reduce((s, x) => s + x.principalFen + x.interestFen + x.penaltyFen, 0n);
    const paid = i.state.reduce((s, x) => s + x.paidPrincipalFen + x.paidInterestFen + x.paidPenaltyFen, 0n);
    expect(b.remainingScheduled).toBe(formatYuan(scheduled - paid));
    expect(b.paidPrincipal).toBe(formatYuan(i.state[0].principalFen));
  });

  it('quotes a payoff whose parts add up to the total', () => {
    const i = input('2026-03-25');
    const q = payoffQuote('42', i.state, TERMS, i.asOf);
    const fen = (v: string) => BigInt(v.replace('.', ''));
    expect(fen(q.principal) + fen(q.interestDue) + fen(q.interestAccrued) + fen(q.penalty)).toBe(
      fen(q.total),
    );
  });
});
