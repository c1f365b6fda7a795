import { changedInstallments, frozenSchedule, storedState, type StoredInstallment } from './loan-state.js';
import { replay } from './replay.js';
import { WATERFALL_STEPS, type RepaymentTerms } from './terms.js';

const row = (over: Partial<StoredInstallment> = {}): StoredInstallment => ({
  id: '100',
  number: 1,
  period_start: '2026-01-15',
  due_date: '2026-02-15',
  days: 31,
  principal_fen: '10000',
  interest_fen: '100',
  original_interest_fen: null,
  penalty_fen: '0',
  penalty_fen_days: '0',
  accrued_through: null,
  paid_principal_fen: '0',
  paid_interest_fen: '0',
  paid_penalty_fen: '0',
  status: 'OPEN',
  overdue_since: null,
  paid_on: null,
  interest_paid_on: null,
  ...over,
});

const TERMS: RepaymentTerms = {
  principalFen: 20_000n,
  annualRatePercent: '12',
  penaltyRatePercent: '18',
  method: 'EQUAL_PRINCIPAL',
  frequency: 'MONTHLY',
  dayCount: 'PERIOD',
  rounding: 'HALF_UP',
  graceDays: 0,
  waterfall: WATERFALL_STEPS,
  prepaymentMode: 'SHORTEN_TERM',
  earlyRepaymentFee: 'ACCRUED',
};

describe('frozenSchedule', () => {
  it('starts from the interest frozen at disbursement, not a re-frozen one', () => {
    expect(frozenSchedule([row({ interest_fen: '80', original_interest_fen: '100' })])).toEqual([
      {
        number: 1,
        periodStart: '2026-01-15',
        dueDate: '2026-02-15',
        days: 31,
        principalFen: 10_000n,
        originalInterestFen: 100n,
      },
    ]);
    expect(frozenSchedule([row()])[0].originalInterestFen).toBe(100n);
  });
});

describe('storedState', () => {
  it('reads the stored columns, a WRITTEN_OFF instalment as OVERDUE', () => {
    const [s] = storedState([row({ status: 'WRITTEN_OFF', penalty_fen: '7', penalty_fen_days: '1200' })]);
    expect(s.status).toBe('OVERDUE');
    expect(s.penaltyFen).toBe(7n);
    expect(s.penaltyFenDays).toBe(1200n);
  });
});

describe('changedInstallments', () => {
  const rows = [
    row(),
    row({ id: '101', number: 2, period_start: '2026-02-15', due_date: '2026-03-15', days: 28 }),
  ];

  it('finds nothing to write when the replay leaves the rows as stored', () => {
    const state = replay(TERMS, frozenSchedule(rows), [], '2026-02-01').installments;
    expect(changedInstallments(rows, state)).toEqual([]);
  });

  it('finds the rows a payment or an accrual changed', () => {
    const paid = replay(
      TERMS,
      frozenSchedule(rows),
      [{ id: '1', valueDate: '2026-02-15', amountFen: 10_100n }],
      '2026-02-15',
    );
    expect(changedInstallments(rows, paid.installments).map((s) => s.number)).toEqual([1]);
    const late = replay(TERMS, frozenSchedule(rows), [], '2026-03-20');
    expect(changedInstallments(rows, late.installments).map((s) => s.number)).toEqual([1, 2]);
  });

  it('refuses an instalment that is not stored', () => {
    const state = replay(TERMS, frozenSchedule(rows), [], '2026-02-01').installments;
    expect(() => changedInstallments(rows.slice(0, 1), state)).toThrow('instalment 2 is not stored');
  });
});
