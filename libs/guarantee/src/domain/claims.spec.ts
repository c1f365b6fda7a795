import fc from 'fast-check';
import {
  changedSinceFiling,
  claimProblems,
  claimStateConflict,
  claimView,
  interestDue,
  notEligible,
  recoveryRefusal,
  rejectionReasonRefusal,
  sameSide,
  shareRatios,
  splitByShares,
  type ClaimRecord,
} from './claims.js';

const claim: ClaimRecord = {
  id: '1',
  claim_no: 'CC-2026-000001',
  loan_id: '42',
  agreement_id: '3',
  risk_fund_id: '1',
  bank_id: '2',
  mode: 'ADVANCE',
  days_overdue: 95,
  principal_fen: '600000',
  interest_fen: '2000',
  fund_share_percent: '80.00',
  bank_share_percent: '20.00',
  fund_amount_fen: '481600',
  bank_amount_fen: '120400',
  status: 'PAID',
  filed_on: '2026-02-01',
  filed_by: 'bank-a',
  decided_by: 'fund-b',
  decided_at: null,
  decision_reason: null,
  paid_on: '2026-02-05',
  entry_id: '10',
  cover_entry_id: '11',
  recovered_fen: '0',
  fund_recovered_fen: '0',
  created_at: new Date('2026-02-01T00:00:00Z'),
  updated_at: new Date('2026-02-05T00:00:00Z'),
  version: 2,
};

const eligible = {
  loanStatus: 'DISBURSED',
  coverStatus: 'ACTIVE',
  mode: 'ADVANCE' as const,
  daysOverdue: 90,
  triggerDays: 90,
  recoveryExhausted: false,
  liveClaimNo: null,
};

describe('compensation rules', () => {
  it('scales the loss shares to one scale', () => {
    expect(shareRatios('80', '20')).toEqual([80n, 20n]);
    expect(shareRatios('72.5', '27.50')).toEqual([7250n, 2750n]);
    expect(() => shareRatios('x', '20')).toThrow(RangeError);
  });

  it('splits any amount exactly by the shares', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        fc.integer({ min: 0, max: 10000 }),
        (amount, cents) => {
          const fund = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
          const bankCents = 10000 - cents;
          const bank = `${Math.floor(bankCents / 100)}.${String(bankCents % 100).padStart(2, '0')}`;
          if (cents === 0 && bankCents === 0) return;
          const [f, b] = splitByShares(amount, fund, bank);
          expect(f + b).toBe(amount);
          expect(f >= 0n && b >= 0n).toBe(true);
        },
      ),
    );
  });

  it('claims at the trigger, and a final loss only once recovery is exhausted', () => {
    expect(claimProblems(eligible)).toEqual([]);
    expect(claimProblems({ ...eligible, daysOverdue: 89 }).map((p) => p.code)).toEqual([
      'OVERDUE_BELOW_TRIGGER',
    ]);
    expect(claimProblems({ ...eligible, mode: 'FINAL_LOSS' }).map((p) => p.code)).toEqual([
      'RECOVERY_NOT_EXHAUSTED',
    ]);
    expect(claimProblems({ ...eligible, mode: 'FINAL_LOSS', recoveryExhausted: true })).toEqual([]);
  });

  it('names every reason at once', () => {
    const all = claimProblems({
      ...eligible,
      loanStatus: 'CLOSED',
      coverStatus: null,
      mode: 'FINAL_LOSS',
      daysOverdue: 10,
      liveClaimNo: 'CC-2026-000009',
    });
    expect(all.map((p) => p.code)).toEqual([
      'LOAN_NOT_COVERED',
      'OVERDUE_BELOW_TRIGGER',
      'RECOVERY_NOT_EXHAUSTED',
      'ALREADY_CLAIMED',
    ]);
    expect(notEligible('R1', all)?.detail).toBe(
      'loan R1 cannot be claimed: LOAN_NOT_COVERED, OVERDUE_BELOW_TRIGGER, RECOVERY_NOT_EXHAUSTED, ALREADY_CLAIMED',
    );
    expect(notEligible('R1', [])).toBeNull();
  });

  it('claims the interest due by the date and not paid', () => {
    const rows = [
      { due_date: '2026-01-01', interest_fen: '1000', paid_interest_fen: '1000' },
      { due_date: '2026-02-01', interest_fen: '1000', paid_interest_fen: '300' },
      { due_date: '2026-03-01', interest_fen: '1000', paid_interest_fen: '0' },
    ];
    expect(interestDue(rows, '2026-02-01')).toBe(700n);
    expect(interestDue(rows, '2026-03-01')).toBe(1700n);
    expect(interestDue([], '2026-03-01')).toBe(0n);
  });

  it('pays only for the loan as it was filed', () => {
    const cover = { status: 'ACTIVE', outstandingFen: 600_000n };
    expect(changedSinceFiling(claim, { bankLoanRef: 'R1', status: 'DISBURSED' }, cover)).toBeNull();
    expect(
      changedSinceFiling(claim, { bankLoanRef: 'R1', status: 'DISBURSED' }, { ...cover, outstandingFen: 1n })
        ?.code,
    ).toBe('CLAIM_STATE_CONFLICT');
    expect(changedSinceFiling(claim, { bankLoanRef: 'R1', status: 'CLOSED' }, undefined)?.detail).toContain(
      'covered 0.00',
    );
  });

  it('leaves the decision to the fund side, never the filer', () => {
    expect(sameSide(claim, { role: 'FUND_ADMIN', username: 'fund-b' })).toBeNull();
    expect(sameSide(claim, { role: 'FUND_ADMIN', username: 'bank-a' })?.code).toBe('CLAIM_SAME_SIDE');
    expect(sameSide(claim, { role: 'BANK_OFFICER', username: 'other' })?.code).toBe('CLAIM_SAME_SIDE');
    expect(sameSide(claim, undefined)?.code).toBe('CLAIM_SAME_SIDE');
  });

  it('needs a real reason to reject', () => {
    expect(rejectionReasonRefusal('no docs')).toBeNull();
    expect(rejectionReasonRefusal('   ab  ')?.code).toBe('VALIDATION_FAILED');
    expect(rejectionReasonRefusal(undefined)?.code).toBe('VALIDATION_FAILED');
    expect(claimStateConflict({ ...claim, status: 'REJECTED' }, 'FILED').detail).toBe(
      'claim CC-2026-000001 is REJECTED, not FILED',
    );
  });

  it('takes recoveries on a paid claim, within what was claimed', () => {
    expect(
      recoveryRefusal(claim, { amountFen: 602_000n, recoveredOn: '2026-02-05' }, '2026-03-01'),
    ).toBeNull();
    expect(
      recoveryRefusal(claim, { amountFen: 602_001n, recoveredOn: '2026-02-05' }, '2026-03-01')?.code,
    ).toBe('RECOVERY_EXCEEDS_CLAIM');
    expect(recoveryRefusal(claim, { amountFen: 1n, recoveredOn: '2026-02-04' }, '2026-03-01')?.code).toBe(
      'VALIDATION_FAILED',
    );
    expect(recoveryRefusal(claim, { amountFen: 1n, recoveredOn: '2026-03-02' }, '2026-03-01')?.code).toBe(
      'VALIDATION_FAILED',
    );
    expect(recoveryRefusal(claim, { amountFen: 1n, recoveredOn: '2026-03-02' }, '2026-03-01')?.errors).toEqual([
      expect.objectContaining({ field: 'recoveredOn', code: 'DATE_IN_FUTURE' }),
    ]);
    expect(
      recoveryRefusal(
        { ...claim, status: 'FILED' },
        { amountFen: 1n, recoveredOn: '2026-02-05' },
        '2026-03-01',
      )?.code,
    ).toBe('CLAIM_STATE_CONFLICT');
  });

  it('shows a claim in yuan with its shares as written', () => {
    expect(claimView(claim)).toMatchObject({
      claimed: '6020.00',
      fundSharePercent: '80',
      fundAmount: '4816.00',
    });
  });
});
