import { hashContent } from '../content-hash.js';
import { programmeAccounts } from './accounts.js';
import { DEFAULT_CALENDAR, periodEnding } from './calendar.js';
import { claimNumber, claimView, groupKey, type ClaimFacts } from './claim-view.js';
import type { ClaimLine } from './claims.js';
import type { PeriodSubsidy } from './earning.js';
import {
  claimContent,
  generationAction,
  generationRefusal,
  generationRequestErrors,
  lineOf,
  payeeGroups,
  type ProgrammeLoan,
} from './generation.js';
import {
  approvalLines,
  approvalRefusal,
  payableAccount,
  remainderLines,
  settledAmount,
  settlementInputErrors,
  settlementLines,
  settlementRefusal,
} from './settlement.js';

const loan = (id: string, payeeType: 'BANK' | 'FUND', payeeId: string): ProgrammeLoan => ({
  id,
  loanNo: `L${id}`,
  channel: payeeType === 'BANK' ? 'BANK_COVERED' : 'MUTUAL_AID',
  payeeType,
  payeeId,
  facts: {
    principalFen: 1_000_000n,
    termMonths: 12,
    method: 'EQUAL_INSTALLMENT',
    frequency: 'MONTHLY',
    dayCount: 'ACT_365',
    rounding: 'HALF_UP',
    status: 'DISBURSED',
    flags: [],
  },
  policyType: 'FULL_BENCHMARK',
  terms: { ratePercent: '4.35', basisCapFen: 5_000_000n },
});

const period = (
  number: number,
  dueDate: string,
  outcome: PeriodSubsidy['outcome'],
  fen = 300n,
): PeriodSubsidy => ({
  number,
  periodStart: '2026-01-05',
  dueDate,
  days: 31,
  balanceFen: 1_000_000n,
  basisFen: 1_000_000n,
  share: { num: 1n, den: 12n },
  ratePercent: '4.35',
  interestFen: 3_625n,
  originalInterestFen: 3_625n,
  paidInterestFen: outcome === 'EARNED' ? 3_625n : 0n,
  interestPaidOn: outcome === 'EARNED' ? dueDate : null,
  computedFen: fen,
  outcome,
  reason: outcome === 'FORFEITED' ? 'LATE_PAYMENT' : null,
  earnedFen: outcome === 'EARNED' ? fen : 0n,
  forfeitedFen: outcome === 'FORFEITED' ? fen : 0n,
});

describe('claim generation', () => {
  it('checks the request dates, never after today', () => {
    expect(generationRequestErrors('2026-03-20', '2026-03-21', '2026-03-21')).toEqual([]);
    expect(generationRequestErrors('2026-3-20', '2026-03-22', '2026-03-21').map((e) => e.code)).toEqual([
      'FORMAT',
      'FUTURE',
    ]);
  });

  it('refuses a date that ends no period, a period not yet ended, and a closed programme (whose code wins)', () => {
    const p = { code: 'P', status: 'ACTIVE' as const, period_end_day: 20, period_end_months: [3, 6, 9, 12] };
    const q1 = periodEnding('2026-03-20', DEFAULT_CALENDAR);
    expect(generationRefusal(p, q1, '2026-03-21')).toBeNull();
    expect(generationRefusal(p, q1, '2026-03-20')).toEqual({
      code: 'SUBSIDY_PERIOD_INVALID',
      errors: [
        {
          field: 'periodEnd',
          code: 'NOT_ENDED',
          message: 'the period ending 2026-03-20 has not ended on 2026-03-20',
        },
      ],
    });
    expect(generationRefusal(p, null, '2026-03-21')?.errors[0].code).toBe('NOT_A_PERIOD_END');
    const closed = generationRefusal({ ...p, status: 'CLOSED' }, q1, '2026-03-21');
    expect(closed?.code).toBe('SUBSIDY_PROGRAMME_CLOSED');
  });

  it('groups final periods by payee, counts pending ones, keeps payees with earlier claims, banks first', () => {
    const loans = [loan('5', 'FUND', '2'), loan('3', 'BANK', '10'), loan('4', 'BANK', '9')];
    const periods = new Map([
      [
        '5',
        [
          period(1, '2026-02-05', 'EARNED'),
          period(2, '2026-03-05', 'PENDING'),
          period(3, '2026-04-05', 'EARNED'),
        ],
      ],
      ['3', [period(1, '2026-02-05', 'FORFEITED')]],
      ['4', []],
    ]);
    const groups = payeeGroups(loans, periods, { start: '2025-12-21', end: '2026-03-20' }, [
      { payee_type: 'FUND', payee_id: '7' },
    ]);
    expect(groups.map((g) => groupKey(g))).toEqual(['BANK:9', 'BANK:10', 'FUND:2', 'FUND:7']);
    const fund2 = groups[2];
    expect(fund2.lines.map((l) => `${l.loanId}:${l.installmentNumber}`)).toEqual(['5:1']);
    expect([...fund2.pendingKeys]).toEqual(['5:2']);
    expect(groups[1].lines[0].outcome).toBe('FORFEITED');
    expect(groups[3].lines).toEqual([]);
  });

  it('turns a final period into an ORIGINAL line claiming what it earned, never a pending one', () => {
    const l = lineOf(loan('1', 'BANK', '1'), period(1, '2026-02-05', 'EARNED'));
    expect(l).toMatchObject({
      subsidyFen: 300n,
      claimedBeforeFen: 0n,
      yearShare: '1/12',
      policyType: 'FULL_BENCHMARK',
    });
    expect(() => lineOf(loan('1', 'BANK', '1'), period(1, '2026-02-05', 'PENDING'))).toThrow(RangeError);
  });

  const line = (loanId: string, n: number, earned: bigint, interest = 100n): ClaimLine =>
    lineOf(loan(loanId, 'BANK', '1'), {
      ...period(n, '2026-02-05', 'EARNED', earned),
      interestFen: interest,
    });

  it('claims an ORIGINAL of the lines that charged interest until a claim is approved', () => {
    const c = claimContent([line('2', 1, 50n), line('1', 1, 0n, 0n)], false, [], new Set(), hashContent);
    expect(c.kind).toBe('ORIGINAL');
    expect(c.lines.map((l) => l.loanId)).toEqual(['2']);
  });

  it('then claims the ADJUSTMENT against what approved claims claimed, ignoring instalments back in grace', () => {
    const c = claimContent(
      [line('1', 1, 80n), line('1', 2, 50n)],
      true,
      [
        { loan_id: '1', installment_number: 1, fen: '100' },
        { loan_id: '1', installment_number: 2, fen: '50' },
      ],
      new Set(),
      hashContent,
    );
    expect(c.kind).toBe('ADJUSTMENT');
    expect(c.lines.map((l) => [l.installmentNumber, l.subsidyFen])).toEqual([[1, -20n]]);
    const pending = claimContent(
      [line('1', 1, 80n)],
      true,
      [{ loan_id: '1', installment_number: 2, fen: '50' }],
      new Set(['1:2']),
      hashContent,
    );
    expect(pending.lines.map((l) => l.subsidyFen)).toEqual([80n]);
  });

  it('keeps an identical draft, writes nothing for nothing, versions or creates otherwise', () => {
    const content = claimContent([line('1', 1, 50n)], false, [], new Set(), hashContent);
    expect(generationAction({ kind: 'ORIGINAL', content_hash: content.hash }, content)).toBe('UNCHANGED');
    expect(generationAction({ kind: 'ORIGINAL', content_hash: 'x' }, content)).toBe('VERSIONED');
    expect(generationAction(undefined, content)).toBe('CREATED');
    expect(generationAction(undefined, { ...content, lines: [] })).toBe('NOTHING_TO_CLAIM');
    expect(generationAction(undefined, { ...content, kind: 'ADJUSTMENT' })).toBe('ADJUSTMENT');
  });
});

const claim = (over: Partial<ClaimFacts> = {}): ClaimFacts => ({
  id: '12',
  claim_no: 'SUB1-20260320-B3-V1',
  programme_id: '1',
  period_start: '2025-12-21',
  period_end: '2026-03-20',
  budget_year: 2026,
  settlement_mode: 'PAY_BANK',
  payee_type: 'BANK',
  bank_id: '3',
  fund_id: null,
  kind: 'ORIGINAL',
  version: 1,
  status: 'DRAFT',
  parent_claim_id: null,
  superseded_by: null,
  remainder_claim_id: null,
  content_hash: 'h',
  line_count: 1,
  interest_fen: '3625',
  forfeited_fen: '0',
  total_fen: '300',
  approved_fen: null,
  pending_count: 0,
  as_of: '2026-03-21',
  generated_by: 'maker',
  generated_at: new Date('2026-03-21T01:00:00Z'),
  approved_by: null,
  approved_at: null,
  approval_entry_id: null,
  paid_on: null,
  payment_ref: null,
  paid_by: null,
  payment_entry_id: null,
  ...over,
});

describe('claim numbers and views', () => {
  it('numbers a claim by programme, period end, payee and version', () => {
    const g = {
      programmeId: '1',
      periodStart: '2025-12-21',
      periodEnd: '2026-03-20',
      budgetYear: 2026,
      settlementMode: 'PAY_BANK' as const,
      payeeType: 'FUND' as const,
      payeeId: '4',
    };
    expect(claimNumber(g, 2)).toBe('SUB1-20260320-F4-V2');
    expect(claimNumber({ ...g, payeeType: 'BANK' }, 1)).toBe('SUB1-20260320-B4-V1');
  });

  it('shows amounts in yuan and times in ISO', () => {
    const v = claimView(claim({ approved_fen: '250' }));
    expect(v).toMatchObject({ total: '3.00', approved: '2.50', interest: '36.25', approvedAt: null });
    expect(v.generatedAt).toBe('2026-03-21T01:00:00.000Z');
    expect(claimView(claim()).approved).toBeNull();
  });
});

describe('approval and settlement rules', () => {
  it('approves only a DRAFT, and never by its maker', () => {
    expect(approvalRefusal(claim(), 'checker')).toBeNull();
    expect(approvalRefusal(claim(), 'maker')?.code).toBe('SUBSIDY_SAME_APPROVER');
    const queued = approvalRefusal(claim({ status: 'QUEUED' }), 'checker');
    expect(queued?.code).toBe('SUBSIDY_CLAIM_STATE_CONFLICT');
    expect(queued?.detail).toContain('queued remainder');
    expect(queued?.extra).toEqual({ claimStatus: 'QUEUED' });
  });

  it('settles only an APPROVED claim with an amount, on or after its period end', () => {
    const approved = claim({ status: 'APPROVED', approved_fen: '300' });
    expect(settlementRefusal(approved, '2026-03-20')).toBeNull();
    expect(settlementRefusal(approved, '2026-03-19')?.errors[0].code).toBe('BEFORE_PERIOD_END');
    // a payment's value date cannot precede the approval it pays
    const approvedOn = { ...approved, approved_on: '2026-04-02' };
    expect(settlementRefusal(approvedOn, '2026-04-01')?.errors[0]).toMatchObject({ field: 'paidOn', code: 'BEFORE_APPROVAL' });
    expect(settlementRefusal(approvedOn, '2026-04-02')).toBeNull();
    expect(
      settlementRefusal(claim({ status: 'APPROVED', approved_fen: '0' }), '2026-04-01')?.detail,
    ).toContain('approved for 0.00');
    expect(settlementRefusal(claim({ status: 'PAID', approved_fen: '300' }), '2026-04-01')?.code).toBe(
      'SUBSIDY_CLAIM_STATE_CONFLICT',
    );
    expect(settledAmount(claim())).toBe(0n);
    expect(settledAmount(approved)).toBe(300n);
  });

  it('checks the settlement request', () => {
    expect(settlementInputErrors('2026-04-01', 'BANK-1', '2026-04-01')).toEqual([]);
    expect(settlementInputErrors('2026-04-02', ' ', '2026-04-01').map((e) => e.field)).toEqual([
      'paidOn',
      'paymentRef',
    ]);
  });

  const a = programmeAccounts('1');
  const balanced = (lines: { side: string; amountFen: bigint }[]) =>
    lines.reduce((s, l) => s + (l.side === 'DEBIT' ? l.amountFen : -l.amountFen), 0n);

  it('posts balanced approval and settlement entries, reversed for a clawback', () => {
    const payable = payableAccount(a, 'PAY_BANK');
    expect(payable).toBe(a.payableBank);
    expect(payableAccount(a, 'REIMBURSE_BORROWER')).toBe(a.payableBorrower);
    for (const fen of [300n, -120n]) {
      expect(balanced(approvalLines(a, payable, fen))).toBe(0n);
      expect(balanced(settlementLines(a, payable, fen))).toBe(0n);
      expect(
        [...approvalLines(a, payable, fen), ...settlementLines(a, payable, fen)].every(
          (l) => l.amountFen > 0n,
        ),
      ).toBe(true);
    }
    expect(approvalLines(a, payable, 300n)).toHaveLength(4);
    expect(settlementLines(a, payable, -120n)[0]).toEqual({
      account: a.budget,
      side: 'DEBIT',
      amountFen: 120n,
    });
  });

  it('carries the unpaid part of split lines into the remainder, with what was paid as claimed before', () => {
    const lines = [
      { ...lineOf(loan('1', 'BANK', '1'), period(1, '2026-02-05', 'EARNED', 300n)), lineNo: 1, id: '101' },
      { ...lineOf(loan('2', 'BANK', '1'), period(1, '2026-02-05', 'EARNED', 200n)), lineNo: 2, id: '102' },
    ];
    const r = remainderLines(lines, [{ lineNo: 2, fen: 150n }]);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatchObject({ loanId: '2', subsidyFen: 150n, claimedBeforeFen: 50n });
    expect(r.lines[0]).not.toHaveProperty('lineNo');
    expect([...r.sourceLineIds]).toEqual([['2:1', '102']]);
  });
});
