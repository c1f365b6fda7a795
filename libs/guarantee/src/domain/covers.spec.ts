import fc from 'fast-check';
import type { PostingLine } from '#libs/ledger';
import {
  consumePlan,
  coverMismatch,
  coverRefusal,
  coverState,
  coverView,
  freeingLines,
  inflowLines,
  isRefusal,
  multipleFor,
  outflowLines,
  releasePlan,
  reservationReplay,
  reservePlan,
  statusConflict,
  trimDecimal,
  voidLines,
  type CoverRecord,
  type CoverState,
} from './covers.js';

/** Σdebit − Σcredit per ledger group (the account's prefix RF:n:COVER / GA:n:COVER / GA:n:EXPOSURE). */
function balanceOf(lines: PostingLine[], prefix: RegExp): bigint {
  return lines
    .filter((l) => prefix.test(l.account))
    .reduce((acc, l) => acc + (l.side === 'DEBIT' ? l.amountFen : -l.amountFen), 0n);
}
const fundMoney = /^(RF:\d+:COVER|GA:\d+:COVER)/;
const exposure = /^GA:\d+:EXPOSURE/;

const record: CoverRecord = {
  id: '7',
  loan_id: '42',
  agreement_id: '3',
  risk_fund_id: '1',
  bank_id: '2',
  borrower_type: 'HOUSEHOLD',
  multiple: '10.0000',
  reserved_fen: '1000000',
  pending_fen: '1000000',
  outstanding_fen: '0',
  cover_pending_fen: '100000',
  cover_used_fen: '0',
  disbursed_fen: '0',
  released_fen: '0',
  status: 'PENDING',
  reserved_on: '2026-03-01',
  consumed_on: null,
  closed_on: null,
  created_at: new Date('2026-03-01T00:00:00Z'),
  updated_at: new Date('2026-03-01T00:00:00Z'),
};

const pending = (): CoverState => coverState(record);
/** An active cover at multiple 10: its backing is ⌈outstanding / 10⌉. */
const active = (outstanding: bigint): CoverState => ({
  ...coverState(record),
  status: 'ACTIVE',
  pendingFen: 0n,
  coverPendingFen: 0n,
  outstandingFen: outstanding,
  coverUsedFen: (outstanding + 9n) / 10n,
});

describe('cover state', () => {
  it('reads the row in fen and shows the multiple as written', () => {
    const s = coverState(record);
    expect(s.multiple).toBe('10');
    expect(s.pendingFen).toBe(1_000_000n);
    expect(s.replayed).toBe(false);
    expect(coverState(record, true).replayed).toBe(true);
    expect(coverView(s)).toMatchObject({ reserved: '10000.00', coverPending: '1000.00', status: 'PENDING' });
  });

  it('trims decimals without touching integers', () => {
    expect(trimDecimal('10.0000')).toBe('10');
    expect(trimDecimal('8.5000')).toBe('8.5');
    expect(trimDecimal('100')).toBe('100');
  });

  it('covers an entity at the entity multiple when the agreement has one', () => {
    const ag = { leverage_multiple: '10.0000', entity_leverage_multiple: '5.0000' };
    expect(multipleFor(ag, 'HOUSEHOLD')).toBe('10');
    expect(multipleFor(ag, 'ENTITY')).toBe('5');
    expect(multipleFor({ ...ag, entity_leverage_multiple: null }, 'ENTITY')).toBe('10');
  });
});

describe('fund money in and out of the pool', () => {
  it('makes a shortfall good before any capacity reappears', () => {
    expect(freeingLines('1', 300n, 1000n)).toEqual([
      { account: 'RF:1:COVER:SHORTFALL', side: 'DEBIT', amountFen: 300n },
      { account: 'RF:1:COVER:AVAILABLE', side: 'DEBIT', amountFen: 700n },
    ]);
    expect(freeingLines('1', 5000n, 1000n)).toEqual([
      { account: 'RF:1:COVER:SHORTFALL', side: 'DEBIT', amountFen: 1000n },
    ]);
    expect(freeingLines('1', 0n, 0n)).toEqual([]);
  });

  it('balances inflows and outflows whatever the balances', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        fc.boolean(),
        (balance, amount, allowShortfall) => {
          expect(balanceOf(inflowLines('1', balance, amount), /^RF:1:COVER/)).toBe(0n);
          expect(balanceOf(outflowLines('1', balance, amount, allowShortfall), /^RF:1:COVER/)).toBe(0n);
        },
      ),
    );
  });

  it('books what AVAILABLE cannot give as SHORTFALL only for a compensation', () => {
    expect(outflowLines('1', 400n, 1000n, true)).toEqual([
      { account: 'RF:1:COVER:LIMIT', side: 'DEBIT', amountFen: 1000n },
      { account: 'RF:1:COVER:AVAILABLE', side: 'CREDIT', amountFen: 400n },
      { account: 'RF:1:COVER:SHORTFALL', side: 'CREDIT', amountFen: 600n },
    ]);
    expect(outflowLines('1', 400n, 1000n, false)).toEqual([
      { account: 'RF:1:COVER:LIMIT', side: 'DEBIT', amountFen: 1000n },
      { account: 'RF:1:COVER:AVAILABLE', side: 'CREDIT', amountFen: 1000n },
    ]);
  });
});

describe('the cover lifecycle', () => {
  it('reserves ⌈amount / multiple⌉ of fund money, balanced in both pairs', () => {
    const plan = reservePlan({ fundId: '1', agreementId: '3', amountFen: 1_000_001n, multipleText: '10' });
    expect(plan.coverFen).toBe(100_001n);
    expect(balanceOf(plan.lines, fundMoney)).toBe(0n);
    expect(balanceOf(plan.lines, exposure)).toBe(0n);
  });

  it('replays the same reservation and refuses a different one', () => {
    expect(reservationReplay(record, '42', '3', 1_000_000n)).toBeNull();
    expect(reservationReplay(record, '42', '3', 999_999n)?.code).toBe('COVER_STATE_CONFLICT');
    expect(reservationReplay(record, '42', '4', 1_000_000n)?.detail).toContain('agreement 3');
  });

  it('names every mismatch between a loan and the agreement at once', () => {
    const problems = coverMismatch({
      loan: { channel: 'FUND', bankId: '9', districtId: '8', agreementId: '4' },
      agreement: { id: '3', bankId: '2' },
      fund: { districtId: '1', districtCode: 'D01' },
    });
    expect(problems.map((p) => p.field)).toEqual(['loanId', 'loanId', 'loanId', 'agreementId']);
    expect(
      coverMismatch({
        loan: { channel: 'BANK_COVERED', bankId: '2', districtId: '1', agreementId: null },
        agreement: { id: '3', bankId: '2' },
        fund: { districtId: '1', districtCode: 'D01' },
      }),
    ).toEqual([]);
  });

  it('refuses by the first problem, naming them all', () => {
    expect(coverRefusal([])).toBeNull();
    const r = coverRefusal([
      { field: 'agreementId', code: 'DISTRICT_SUSPENDED', message: 'a' },
      { field: 'amount', code: 'FUND_CAPACITY_EXCEEDED', message: 'b' },
    ]);
    expect(r).toMatchObject({ code: 'DISTRICT_SUSPENDED', detail: 'a; b' });
  });

  it('asks for the status each step needs', () => {
    expect(statusConflict('42', 'PENDING', 'PENDING')).toBeNull();
    expect(statusConflict('42', 'ACTIVE', 'PENDING')?.detail).toBe(
      'the cover of loan 42 is ACTIVE, not PENDING',
    );
  });

  it('consumes part of a reservation and returns the rest to the pool', () => {
    const plan = consumePlan(pending(), 600_000n, 0n);
    if (isRefusal(plan)) throw new Error('refused');
    expect(plan).toMatchObject({
      amountFen: 600_000n,
      coverUsedFen: 60_000n,
      returnedFen: 400_000n,
      coverDeltaFen: -40_000n,
    });
    expect(balanceOf(plan.lines, fundMoney)).toBe(0n);
    expect(balanceOf(plan.lines, exposure)).toBe(0n);
    expect(plan.lines).toContainEqual({ account: 'RF:1:COVER:AVAILABLE', side: 'DEBIT', amountFen: 40_000n });
  });

  it('consumes everything by default and refuses more than reserved', () => {
    const all = consumePlan(pending(), undefined, 0n);
    expect(isRefusal(all) ? null : all.amountFen).toBe(1_000_000n);
    const over = consumePlan(pending(), 1_000_001n, 0n);
    expect(isRefusal(over) && over.errors?.[0].message).toBe('must be between 0.01 and 10000.00');
    expect(isRefusal(consumePlan(pending(), 0n, 0n))).toBe(true);
  });

  it('keeps the backing equal to the cover of what is still outstanding after any release', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 10n }),
        fc.bigInt({ min: 1n, max: 10n ** 10n }),
        fc.bigInt({ min: 0n, max: 10n ** 9n }),
        (outstanding, part, shortfall) => {
          const amount = part > outstanding ? outstanding : part;
          const before = active(outstanding);
          const plan = releasePlan(before, amount, shortfall);
          if (isRefusal(plan)) throw new Error(plan.detail);
          expect(plan.outstandingAfterFen).toBe(outstanding - amount);
          expect(plan.coverUsedAfterFen).toBe((plan.outstandingAfterFen + 9n) / 10n);
          expect(plan.freedFen).toBe(before.coverUsedFen - plan.coverUsedAfterFen);
          expect(balanceOf(plan.lines, fundMoney)).toBe(0n);
          expect(balanceOf(plan.lines, exposure)).toBe(0n);
        },
      ),
    );
  });

  it('refuses to release more than is outstanding', () => {
    const r = releasePlan(active(500n), 501n, 0n);
    expect(isRefusal(r) && r.detail).toBe(
      'released principal 5.01 must be positive and at most the 5.00 outstanding',
    );
  });

  it('voids a reservation whole', () => {
    const lines = voidLines(pending(), 30_000n);
    expect(balanceOf(lines, fundMoney)).toBe(0n);
    expect(balanceOf(lines, exposure)).toBe(0n);
    expect(lines[0]).toEqual({ account: 'RF:1:COVER:SHORTFALL', side: 'DEBIT', amountFen: 30_000n });
  });
});
