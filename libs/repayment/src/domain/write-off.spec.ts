import { STANDARD_BUCKET_LIMITS_DAYS } from '#libs/schedules';
import type { InstallmentState } from './replay.js';
import {
  writeOffAmountRefusal,
  writeOffAmounts,
  writeOffChannelRefusal,
  writeOffEventData,
  writeOffLines,
  writeOffStatusRefusal,
} from './write-off.js';

const inst = (over: Partial<InstallmentState>): InstallmentState => ({
  number: 1,
  periodStart: '2026-01-15',
  dueDate: '2026-02-15',
  days: 31,
  principalFen: 10_000n,
  interestFen: 100n,
  penaltyFen: 0n,
  penaltyFenDays: 0n,
  accruedThrough: null,
  paidPrincipalFen: 0n,
  paidInterestFen: 0n,
  paidPenaltyFen: 0n,
  status: 'OPEN',
  overdueSince: null,
  paidOn: null,
  interestPaidOn: null,
  ...over,
});

describe('write-off amounts', () => {
  const state = [
    inst({ number: 1, dueDate: '2026-02-15', status: 'OVERDUE', penaltyFen: 300n, paidPrincipalFen: 1_000n }),
    inst({ number: 2, dueDate: '2026-03-15', status: 'OVERDUE', paidInterestFen: 40n }),
    inst({ number: 3, dueDate: '2026-12-15', status: 'OPEN' }),
  ];

  it('takes all unpaid principal and penalty, and the unpaid interest of instalments due by the date', () => {
    const a = writeOffAmounts(state, '2026-09-01', STANDARD_BUCKET_LIMITS_DAYS);
    expect(a).toEqual({
      daysOverdue: 198,
      bucket: 'DPD_90_PLUS',
      principalFen: 29_000n,
      interestFen: 160n,
      penaltyFen: 300n,
    });
  });

  it('is too early below the minimum days, and needs principal outstanding', () => {
    const a = writeOffAmounts(state, '2026-09-01', STANDARD_BUCKET_LIMITS_DAYS);
    expect(writeOffAmountRefusal('L-1', a, 180)).toBeNull();
    expect(writeOffAmountRefusal('L-1', a, 199)).toEqual({
      code: 'WRITE_OFF_NOT_ALLOWED',
      detail: 'loan L-1 is 198 days overdue; a write-off needs 199',
      errors: [
        { field: 'loanId', code: 'WRITE_OFF_TOO_EARLY', message: '198 days overdue, at least 199 needed' },
      ],
    });
    expect(writeOffAmountRefusal('L-1', { ...a, principalFen: 0n }, 180)?.errors[0].code).toBe(
      'WRITE_OFF_NOTHING',
    );
  });

  it('posts LOANS ↓ / WRITE_OFF_EXPENSE ↑ and records the principal and days', () => {
    expect(writeOffLines({ loans: 'L', writeOffExpense: 'W' }, 29_000n)).toEqual([
      { account: 'W', side: 'DEBIT', amountFen: 29_000n },
      { account: 'L', side: 'CREDIT', amountFen: 29_000n },
    ]);
    expect(writeOffEventData('4', writeOffAmounts(state, '2026-09-01', STANDARD_BUCKET_LIMITS_DAYS))).toEqual(
      {
        writeOffId: '4',
        principal: '290.00',
        daysOverdue: 198,
      },
    );
  });
});

describe('write-off eligibility', () => {
  it('writes off only outstanding mutual-aid loans', () => {
    expect(writeOffChannelRefusal({ loanNo: 'L-1', channel: 'MUTUAL_AID', fundId: '1' })).toBeNull();
    expect(writeOffChannelRefusal({ loanNo: 'L-1', channel: 'BANK_COVERED', fundId: null })?.detail).toBe(
      'loan L-1 is not a mutual-aid loan',
    );
    expect(writeOffStatusRefusal({ loanNo: 'L-1', status: 'DISBURSED' })).toBeNull();
    expect(writeOffStatusRefusal({ loanNo: 'L-1', status: 'CLOSED' })?.errors).toEqual([
      { field: 'loanId', code: 'WRITE_OFF_NOT_ALLOWED', message: 'the loan is CLOSED' },
    ]);
  });
});
