import {
  agreementCapacity,
  agreementInForce,
  bankCapacity,
  fundCapacity,
  minimumStatus,
  suspensionStatus,
  type AgreementBalances,
  type FundSummary,
} from './capacity.js';

const summary: FundSummary = {
  id: '1',
  district_id: '11',
  district_code: 'D01',
  district_name: 'East',
  heavy_task: true,
  name: 'East fund',
  status: 'ACTIVE',
  minimum_fund_fen: '500000000',
  npl_overdue_days: 90,
  balance_fen: '600000000',
  limit_fen: '600000000',
  available_fen: '400000000',
  shortfall_fen: '0',
  covered_outstanding_fen: '2000000000',
  npl_fen: '50000000',
};

const agreement = (over: Partial<AgreementBalances> = {}): AgreementBalances => ({
  id: '3',
  agreement_no: 'GA-1',
  risk_fund_id: '1',
  district_id: '11',
  bank_id: '2',
  bank_code: 'B1',
  bank_name: 'Bank one',
  leverage_multiple: '10.0000',
  entity_leverage_multiple: '5.0000',
  npl_threshold_percent: '5.00',
  valid_from: '2026-01-01',
  valid_to: null,
  status: 'ACTIVE',
  fund_status: 'ACTIVE',
  fund_available_fen: '400000000',
  cover_pending_fen: '10000000',
  cover_used_fen: '190000000',
  exposure_pending_fen: '100000000',
  exposure_outstanding_fen: '1900000000',
  ...over,
});

describe('capacity', () => {
  it('is in force only while it and its fund are active and the date is within its validity', () => {
    const a = { status: 'ACTIVE', fundStatus: 'ACTIVE', validFrom: '2026-01-01', validTo: '2026-12-31' };
    expect(agreementInForce(a, '2026-06-01')).toBe(true);
    expect(agreementInForce(a, '2026-12-31')).toBe(true);
    expect(agreementInForce(a, '2027-01-01')).toBe(false);
    expect(agreementInForce(a, '2025-12-31')).toBe(false);
    expect(agreementInForce({ ...a, fundStatus: 'CLOSED' }, '2026-06-01')).toBe(false);
    expect(agreementInForce({ ...a, validTo: null }, '2099-01-01')).toBe(true);
  });

  it('offers ⌊multiple × available⌋, and the entity multiple for entities', () => {
    const c = agreementCapacity(agreement(), '2026-06-01', false, { nplFen: 0n, outstandingFen: 0n });
    expect(c).toMatchObject({
      multiple: '10',
      entityMultiple: '5',
      capacity: '40000000.00',
      entityCapacity: '20000000.00',
      inForce: true,
      suspended: false,
      acceptsNewLoans: true,
    });
  });

  it('accepts no new loans when suspended, below the minimum or out of capacity', () => {
    const base = { nplFen: 0n, outstandingFen: 100n };
    expect(
      agreementCapacity(agreement(), '2026-06-01', false, { nplFen: 5n, outstandingFen: 100n })
        .acceptsNewLoans,
    ).toBe(false);
    expect(agreementCapacity(agreement(), '2026-06-01', true, base).acceptsNewLoans).toBe(false);
    expect(
      agreementCapacity(agreement({ fund_available_fen: '0' }), '2026-06-01', false, base).acceptsNewLoans,
    ).toBe(false);
  });

  it('sums a fund view across its agreements', () => {
    const f = fundCapacity(
      summary,
      [agreement(), agreement({ id: '4', bank_id: '5', exposure_outstanding_fen: '100000000' })],
      '2026-06-01',
    );
    expect(f.exposure).toEqual({ pending: '2000000.00', outstanding: '20000000.00' });
    expect(f.cover.used).toBe('3800000.00');
    expect(f.leverageRatio).toBe('3.3333');
    expect(f.npl).toEqual({
      overdueDays: 90,
      coveredOutstanding: '20000000.00',
      nonPerforming: '500000.00',
      ratioPercent: '2.5000',
    });
    expect(f.belowMinimum).toBe(false);
    expect(f.agreements).toHaveLength(2);
  });

  it('flags a heavy-task fund below its minimum', () => {
    const low = { ...summary, balance_fen: '400000000' };
    expect(fundCapacity(low, [agreement()], '2026-06-01')).toMatchObject({
      belowMinimum: true,
      minimumShortfall: '1000000.00',
    });
    expect(minimumStatus(low)).toMatchObject({ belowMinimum: true, shortfallFen: 100_000_000n });
    expect(minimumStatus({ ...low, heavy_task: false }).belowMinimum).toBe(false);
  });

  it("totals a bank's capacity across its funds", () => {
    const rows = [agreement(), agreement({ id: '9', risk_fund_id: '6', fund_available_fen: '100' })];
    const funds = new Map([
      ['1', fundCapacity(summary, [rows[0]], '2026-06-01')],
      ['6', fundCapacity({ ...summary, id: '6' }, [rows[1]], '2026-06-01')],
    ]);
    const b = bankCapacity(
      { id: '2', code: 'B1', name: 'Bank one' },
      rows,
      (id) => funds.get(id)!,
      '2026-06-01',
    );
    expect(b.totals).toEqual({
      capacity: '40000010.00',
      exposurePending: '2000000.00',
      exposureOutstanding: '38000000.00',
    });
    expect(b.agreements.map((a) => a.agreementId)).toEqual(['3', '9']);
  });

  it('suspends at the threshold, not below it', () => {
    const at = suspensionStatus('11', { nplOverdueDays: 90, outstandingFen: 1000n, nplFen: 50n }, '5');
    expect(at).toMatchObject({ suspended: true, nplPercent: '5.0000' });
    expect(
      suspensionStatus('11', { nplOverdueDays: 90, outstandingFen: 1000n, nplFen: 49n }, '5').suspended,
    ).toBe(false);
    expect(
      suspensionStatus('11', { nplOverdueDays: 90, outstandingFen: 0n, nplFen: 0n }, '5').suspended,
    ).toBe(false);
  });
});
