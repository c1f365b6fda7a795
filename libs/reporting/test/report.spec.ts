import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import ExcelJS from 'exceljs';
import { AuditService } from '#libs/audit';
import { AppConfig, bullOptions, DomainError, FixedClock, QUEUES } from '#libs/common';
import { riskFundMoneyAccounts } from '#libs/guarantee';
import { LedgerService, type JournalEntryCode } from '#libs/ledger';
import { formatYuan, yuan } from '#libs/money';
import {
  enqueueMonthlyReport,
  leverageChartSvg,
  previousMonthOf,
  reportCsv,
  reportJobId,
  ReportingService,
  reportXlsx,
  type DistrictReportRow,
  type MonthlyReportData,
} from '#libs/reporting';
import { createTestDatabase, type TestDatabase } from '#libs/testing';
import { Portfolio } from './fixtures.js';

/**
 * The monthly report over a small portfolio whose every figure is computed by hand below (January 2026, with
 * December 2025 for the month-on-month change). Balances come from real ledger entries with business dates, so the
 * month-end figures are replays of the ledger, and the entries after the month end must not leak into it.
 */
let db: TestDatabase;
let ledger: LedgerService;
let reports: ReportingService;
let p: Portfolio;
const ids: Record<string, string> = {};

beforeAll(async () => {
  db = await createTestDatabase(10);
  ledger = new LedgerService(db.dataSource);
  reports = new ReportingService(db.dataSource, new AuditService(db.dataSource), new FixedClock(new Date('2026-02-15T04:00:00Z')), new AppConfig());
  p = new Portfolio(db.dataSource, ledger);
  await buildPortfolio();
}, 60_000);
afterAll(async () => db.drop());
afterEach(async () => {
  const v = await ledger.verify();
  expect(v.balanceMismatches).toEqual([]);
  expect(v.unbalancedEntries).toEqual([]);
  expect(v.ok).toBe(true);
});

async function testAccounts(): Promise<[string, string]> {
  const u = randomBytes(4).toString('hex');
  const a = `TST:${u}:SOURCE`;
  const b = `TST:${u}:SINK`;
  await db.dataSource.transaction(async (m) => {
    await ledger.openAccount(m, { code: a, name: a, type: 'ASSET' });
    await ledger.openAccount(m, { code: b, name: b, type: 'EQUITY' });
  });
  return [a, b];
}

async function buildPortfolio(): Promise<void> {
  const [src, sink] = await testAccounts();
  // District A: heavy-task, 4,000,000 deposited, two banks (10× and 8×)
  const A = await p.district('RA', true);
  const B = await p.district('RB', false);
  Object.assign(ids, { A: A.id, B: B.id, codeA: A.code, codeB: B.code });
  const b1 = await p.bank();
  const b2 = await p.bank();
  Object.assign(ids, { b1, b2 });
  const rfA = await p.riskFund(A.id, '4000000.00', '2025-07-01');
  const a1 = await p.agreement(rfA, b1, '10');
  const a2 = await p.agreement(rfA, b2, '8');
  ids.rfA = rfA;
  const hA = await p.household(A.villageId, 'POOR');
  // L1: 300,000 on 2025-12-10, first 101,000 paid on its due date 2026-01-10 (exposure released with it)
  const l1 = await p.loan({ channel: 'BANK_COVERED', districtId: A.id, villageId: A.villageId, householdId: hA, bankId: b1, agreementId: a1, principal: '300000.00', disbursed: '2025-12-10',
    installments: [{ due: '2026-01-10', principal: '100000.00', interest: '1000.00', paidOn: '2026-01-10' }, { due: '2026-06-10', principal: '200000.00', interest: '2000.00' }] });
  await p.exposure(rfA, a1, '2025-12-10', '300000.00', '30000.00', 'on');
  await p.exposure(rfA, a1, '2026-01-10', '100000.00', '10000.00', 'off');
  // L2: 200,000 from 2025-08-01, its only instalment (due 2025-10-01) unpaid: 122 days overdue on 2026-01-31
  const l2 = await p.loan({ channel: 'BANK_COVERED', districtId: A.id, villageId: A.villageId, householdId: hA, bankId: b1, agreementId: a1, principal: '200000.00', disbursed: '2025-08-01',
    installments: [{ due: '2025-10-01', principal: '200000.00', interest: '3000.00' }] });
  await p.exposure(rfA, a1, '2025-08-01', '200000.00', '20000.00', 'on');
  // L3 (bank 1) and L4 (bank 2): new in January
  await p.loan({ channel: 'BANK_COVERED', districtId: A.id, villageId: A.villageId, householdId: hA, bankId: b1, agreementId: a1, principal: '100000.00', disbursed: '2026-01-15',
    installments: [{ due: '2026-02-15', principal: '100000.00', interest: '435.00' }] });
  await p.exposure(rfA, a1, '2026-01-15', '100000.00', '10000.00', 'on');
  const l4 = await p.loan({ channel: 'BANK_COVERED', districtId: A.id, villageId: A.villageId, householdId: hA, bankId: b2, agreementId: a2, principal: '400000.00', disbursed: '2026-01-20',
    installments: [{ due: '2026-07-20', principal: '400000.00', interest: '8700.00' }] });
  await p.exposure(rfA, a2, '2026-01-20', '400000.00', '50000.00', 'on');
  // Compensation claims paid by fund A (attributed to the claim's bank): December on L1 (bank 1), January on L2
  // (bank 1) with a recovery, February on L4 (bank 2), which must not appear in January.
  await p.paidClaim({ fundId: rfA, agreementId: a1, bankId: b1, loanId: l1, date: '2025-12-05', amount: '5000.00' });
  const claimL2 = await p.paidClaim({ fundId: rfA, agreementId: a1, bankId: b1, loanId: l2, date: '2026-01-25', amount: '16240.00' });
  await p.recovery(rfA, claimL2, '2026-01-28', '1000.00');
  await p.paidClaim({ fundId: rfA, agreementId: a2, bankId: b2, loanId: l4, date: '2026-02-02', amount: '7000.00' });

  // District B: 1,000,000, one bank, one covered loan, a village fund
  const rfB = await p.riskFund(B.id, '1000000.00', '2025-10-01');
  const b1B = await p.agreement(rfB, b1, '10');
  const hB1 = await p.household(B.villageId, 'POOR');
  const hB2 = await p.household(B.villageId, 'NON_POOR');
  const hB3 = await p.household(B.villageId, 'GRADUATED', 2024);
  const l5 = await p.loan({ channel: 'BANK_COVERED', districtId: B.id, villageId: B.villageId, householdId: hB1, bankId: b1, agreementId: b1B, principal: '200000.00', disbursed: '2025-12-01',
    installments: [{ due: '2026-12-01', principal: '200000.00', interest: '8700.00' }] });
  await p.exposure(rfB, b1B, '2025-12-01', '200000.00', '20000.00', 'on');
  const f1 = await p.mutualAidFund(B.villageId, [
    { source: 'CITY', amount: '100000.00', date: '2025-09-01' },
    { source: 'MEMBER', amount: '20000.00', date: '2025-09-02' },
  ]);
  ids.f1 = f1;
  const ma = (householdId: string, principal: string, disbursed: string, installments: { due: string; principal: string; interest: string; paidOn?: string }[]) =>
    p.loan({ channel: 'MUTUAL_AID', districtId: B.id, villageId: B.villageId, householdId, fundId: f1, principal, disbursed, installments });
  const m3 = await ma(hB3, '3000.00', '2025-09-10', [{ due: '2025-12-01', principal: '3000.00', interest: '90.00' }]);
  await p.disburseMutualAid(f1, '2025-09-10', '3000.00');
  const m1 = await ma(hB1, '5000.00', '2025-10-01', [
    { due: '2025-11-01', principal: '2500.00', interest: '25.00', paidOn: '2025-11-01' },
    { due: '2025-12-01', principal: '2500.00', interest: '25.00' },
  ]);
  await p.disburseMutualAid(f1, '2025-10-01', '5000.00');
  await p.repay(f1, m1, '2025-11-01', [{ number: 1, principal: '2500.00', interest: '25.00' }]);
  // M3 repaid in December, the payment reversed (bounced) on 2026-01-10: paid in December's report, unpaid in January's
  const r3 = await p.repay(f1, m3, '2025-12-20', [{ number: 1, principal: '3000.00', interest: '90.00' }]);
  await p.reverseRepayment(m3, r3.repaymentId, r3.entryId, '2026-01-10');
  await ma(hB2, '8000.00', '2026-01-05', [{ due: '2026-07-05', principal: '8000.00', interest: '240.00' }]);
  await p.disburseMutualAid(f1, '2026-01-05', '8000.00');

  // matching: district A got 1,000,000 from the city and put in 1,500,000 by January (600,000 more in February)
  const contribution = async (districtId: string, source: string, amount: string, on: string) => {
    const entryId = await p.post(on, 'CONTRIBUTION' as JournalEntryCode, [[src, 'DEBIT', amount], [sink, 'CREDIT', amount]]);
    await db.dataSource.query(
      `INSERT INTO contributions (target_type, target_id, district_id, source, amount_fen, year, received_on, entry_id, idempotency_key, created_by)
       VALUES ('RISK_FUND', $1, $2, $3, $4, 2026, $5, $6, $7, 'test')`,
      [rfA, districtId, source, yuan(amount).toString(), on, entryId, `c-${randomBytes(6).toString('hex')}`],
    );
  };
  await contribution(A.id, 'CITY', '1000000.00', '2026-01-05');
  await contribution(A.id, 'DISTRICT', '1500000.00', '2026-01-20');
  await contribution(A.id, 'DISTRICT', '600000.00', '2026-02-03');

  // subsidy: one claim to bank 1 settled 2026-01-22: 300.00 on L1 (district A), 200.00 on L5 (district B)
  const settlement = await p.post('2026-01-22', 'SUBSIDY_CLAIM_SETTLEMENT', [[sink, 'DEBIT', '500.00'], [src, 'CREDIT', '500.00']]);
  await db.dataSource.transaction(async (m) => {
    const [prog] = await m.query(`INSERT INTO subsidy_programmes (code, name, settlement_mode, created_by) VALUES ($1, 'p', 'PAY_BANK', 't') RETURNING id`, [
      `P${randomBytes(4).toString('hex').toUpperCase()}`,
    ]);
    const [c] = await m.query(
      `INSERT INTO subsidy_claims (claim_no, programme_id, period_start, period_end, budget_year, settlement_mode, payee_type, bank_id, kind, version, status,
                                   content_hash, line_count, interest_fen, forfeited_fen, total_fen, approved_fen, as_of, generated_by, approved_by, approved_at,
                                   paid_on, payment_ref, paid_by, payment_entry_id)
       VALUES ($1, $2, '2025-09-21', '2025-12-20', 2025, 'PAY_BANK', 'BANK', $3, 'ORIGINAL', 1, 'PAID', 'h', 2, 50000, 0, 50000, 50000, '2026-01-05', 'maker', 'checker', now(),
               '2026-01-22', 'ref', 'checker', $4) RETURNING id`,
      [`C${randomBytes(4).toString('hex')}`, prog.id, b1, settlement],
    );
    let n = 0;
    for (const [loan, fen] of [[l1, 30000], [l5, 20000]] as const) {
      await m.query(
        `INSERT INTO subsidy_claim_lines (claim_id, line_no, loan_id, installment_number, period_start, due_date, days, policy_type, subsidy_rate_percent, balance_fen,
                                         basis_fen, year_share, interest_fen, original_interest_fen, interest_paid_fen, computed_fen, outcome, earned_fen, forfeited_fen, subsidy_fen)
         VALUES ($1, $2, $3, 1, '2025-09-21', '2025-12-20', 91, 'FULL_BENCHMARK', 4.35, 1, 1, '91/365', $4, $4, $4, $4, 'EARNED', $4, 0, $4)`,
        [c.id, ++n, loan, fen],
      );
    }
  });
}

const district = (r: MonthlyReportData, id: string): DistrictReportRow => r.districts.find((d) => d.districtId === id)!;

describe('monthly report figures (January 2026, computed by hand)', () => {
  let jan: MonthlyReportData;
  beforeAll(async () => {
    jan = await reports.compute('2026-01');
  });

  it('district A: fund balance, minimum, leverage, capacity, new loans, NPL, compensation, recoveries, subsidy, matching', () => {
    expect(district(jan, ids.A)).toEqual({
      districtId: ids.A,
      districtCode: ids.codeA,
      districtName: 'RA district',
      heavyTask: true,
      riskFundId: ids.rfA,
      // 4,000,000 − 5,000 (Dec) − 16,240 + 1,000 (Jan); the 7,000 of February is not January's
      fundBalance: '3979760.00',
      requiredMinimum: '5000000.00',
      minimumShortfall: '1020240.00',
      belowMinimum: true,
      // bank 1: 300,000 − 100,000 + 200,000 + 100,000; bank 2: 400,000
      coveredOutstanding: '900000.00',
      leverageRatio: '0.2261',
      leverageCap: '10',
      leverageUsePercent: '2.2614',
      // AVAILABLE 3,879,760 × 10
      capacityLeft: '38797600.00',
      newCoveredLoans: 2,
      newCoveredAmount: '500000.00',
      nplOverdueDays: 90,
      nplPrincipal: '200000.00',
      nplRatioPercent: '22.2222',
      compensationPaid: '16240.00',
      recoveries: '1000.00',
      subsidyPaid: '300.00',
      // 101,000 collected of 304,000 due by 31 January
      repaymentRatePercent: '33.2237',
      mutualAidCapital: '0.00',
      mutualAidOutstanding: '0.00',
      utilisationPercent: null,
      matching: {
        year: 2026,
        cityAllocation: '1000000.00',
        districtMatch: '1500000.00',
        requiredRatio: '2',
        actualRatio: '1.5000',
        requiredMatch: '2000000.00',
        shortfall: '500000.00',
        compliant: false,
      },
    });
  });

  it('district A per bank', () => {
    const rows = jan.banks.filter((b) => b.districtId === ids.A);
    const b1 = rows.find((b) => b.bankId === ids.b1)!;
    const b2 = rows.find((b) => b.bankId === ids.b2)!;
    expect(b1).toMatchObject({
      fundBalance: '3979760.00', coveredOutstanding: '500000.00', leverageRatio: '0.1256', leverageCap: '10', leverageUsePercent: '1.2564',
      capacityLeft: '38797600.00', newCoveredLoans: 1, newCoveredAmount: '100000.00', nplPrincipal: '200000.00', nplRatioPercent: '40.0000',
      subsidyPaid: '300.00', repaymentRatePercent: '33.2237', compensationPaid: '16240.00', recoveries: '1000.00',
    });
    expect(b2).toMatchObject({
      coveredOutstanding: '400000.00', leverageRatio: '0.1005', leverageCap: '8', leverageUsePercent: '1.2564',
      // AVAILABLE 3,879,760 × 8
      capacityLeft: '31038080.00', newCoveredLoans: 1, newCoveredAmount: '400000.00', nplPrincipal: '0.00', nplRatioPercent: '0.0000',
      subsidyPaid: '0.00', repaymentRatePercent: null,
      // its claim was paid in February
      compensationPaid: '0.00', recoveries: '0.00',
    });
    // the banks' compensation and recoveries add up to the district's (read from the fund's ledger)
    const sumOf = (f: (b: (typeof rows)[number]) => string) => rows.reduce((t, b) => t + yuan(f(b)), 0n);
    expect(formatYuan(sumOf((b) => b.compensationPaid))).toBe(district(jan, ids.A).compensationPaid);
    expect(formatYuan(sumOf((b) => b.recoveries))).toBe(district(jan, ids.A).recoveries);
  });

  it('district B and its village fund: capital, outstanding, cash, utilisation, PAR30, repayment rate, households', () => {
    expect(district(jan, ids.B)).toMatchObject({
      heavyTask: false, fundBalance: '1000000.00', requiredMinimum: '0.00', minimumShortfall: '0.00', belowMinimum: false,
      coveredOutstanding: '200000.00', leverageRatio: '0.2000', leverageUsePercent: '2.0000', capacityLeft: '9800000.00',
      newCoveredLoans: 0, nplRatioPercent: '0.0000', compensationPaid: '0.00', subsidyPaid: '200.00',
      repaymentRatePercent: '31.0197', mutualAidCapital: '120000.00', mutualAidOutstanding: '13500.00', utilisationPercent: '11.2500',
      matching: { year: 2026, cityAllocation: '0.00', districtMatch: '0.00', requiredRatio: '2', actualRatio: null, requiredMatch: '0.00', shortfall: '0.00', compliant: true },
    });
    expect(jan.funds.find((f) => f.fundId === ids.f1)).toMatchObject({
      capital: '120000.00',
      // 5,000 − 2,500 + 3,000 (repaid in December, reversed in January) + 8,000
      outstanding: '13500.00',
      cash: '106525.00',
      utilisationPercent: '11.2500',
      // M1 (2,500, 61 days) and M3 (3,000, 61 days since its payment bounced)
      par30Principal: '5500.00',
      par30Percent: '40.7407',
      // 2,525 collected of 8,140 due
      repaymentRatePercent: '31.0197',
      householdsServed: 3,
      poorHouseholdsServed: 1,
    });
  });

  it('December is read as December: the January reversal and the 30-day boundary', async () => {
    const dec = await reports.compute('2025-12');
    expect(dec.funds.find((f) => f.fundId === ids.f1)).toMatchObject({
      outstanding: '2500.00',
      // M1's second instalment is exactly 30 days late on 31 December: not PAR30 yet
      par30Principal: '0.00',
      par30Percent: '0.0000',
      // 2,525 + 3,090 of 8,140: the December payment of M3 still stood then
      repaymentRatePercent: '68.9803',
    });
    expect(district(dec, ids.A)).toMatchObject({ fundBalance: '3995000.00', coveredOutstanding: '500000.00', compensationPaid: '5000.00', newCoveredLoans: 1, newCoveredAmount: '300000.00', nplRatioPercent: '40.0000' });
    expect(dec.banks.find((b) => b.districtId === ids.A && b.bankId === ids.b1)).toMatchObject({ compensationPaid: '5000.00', recoveries: '0.00' });
  });

  it('ranks the districts by the composite with the change against December', () => {
    const mine = jan.ranking.filter((r) => r.districtId === ids.A || r.districtId === ids.B);
    expect(mine.map((r) => [r.districtId, r.score, r.previousScore, r.scoreChange])).toEqual([
      [ids.B, '43.1319', '54.8903', '-11.7584'],
      [ids.A, '12.0806', '0.2503', '11.8303'],
    ]);
    expect(mine[0].components).toEqual({ repaymentRate: '0.31019656', npl: '1.00000000', utilisation: '0.12500000', leverageUse: '0.02000000' });
    expect(mine[0].rank).toBeLessThan(mine[1].rank);
    for (const r of mine) expect(r.rankChange).toBe(r.previousRank! - r.rank);
  });

  it('totals add up the districts', () => {
    const sum = (f: (d: DistrictReportRow) => string) => jan.districts.reduce((s, d) => s + yuan(f(d)), 0n);
    expect(yuan(jan.totals.coveredOutstanding)).toBe(sum((d) => d.coveredOutstanding));
    expect(yuan(jan.totals.subsidyPaid)).toBe(sum((d) => d.subsidyPaid));
  });
});

describe('snapshots', () => {
  it('regenerating unchanged data keeps the version; a correction of the month stores a new version beside the old', async () => {
    const first = await reports.generate('2026-01', 'tester');
    expect(first.action).toBe('CREATED');
    expect(first.snapshot.version).toBe(1);
    const again = await reports.generate('2026-01', 'tester');
    expect(again.action).toBe('UNCHANGED');
    expect(again.snapshot.id).toBe(first.snapshot.id);

    // a movement after the month changes nothing in January
    await p.money(ids.rfA, '2026-02-10', '100.00', 'out', 'COMPENSATION' as JournalEntryCode, riskFundMoneyAccounts(ids.rfA).compensationExpense);
    expect((await reports.generate('2026-01', 'tester')).action).toBe('UNCHANGED');

    // a backdated correction inside January does
    await p.money(ids.rfA, '2026-01-30', '240.00', 'out', 'COMPENSATION' as JournalEntryCode, riskFundMoneyAccounts(ids.rfA).compensationExpense);
    const corrected = await reports.generate('2026-01', 'tester');
    expect(corrected.action).toBe('VERSIONED');
    expect(corrected.snapshot).toMatchObject({ version: 2, supersedes: first.snapshot.id, latest: true });
    expect(district(corrected.snapshot.data, ids.A).compensationPaid).toBe('16480.00');

    const versions = await reports.versions('2026-01');
    expect(versions.map((v) => [v.version, v.latest])).toEqual([[2, true], [1, false]]);
    const old = await reports.get('2026-01', 1);
    expect(district(old.data, ids.A).compensationPaid).toBe('16240.00');
    expect(old.hash).toBe(first.snapshot.hash);
    expect((await reports.get('2026-01')).version).toBe(2);
    // the stored rows are append-only
    await expect(db.dataSource.query(`UPDATE report_snapshots SET hash = 'x' WHERE id = $1`, [first.snapshot.id])).rejects.toThrow(/append-only/);
  });

  it('two generators at once store one version', async () => {
    const results = await Promise.all([reports.generate('2025-11', 'a'), reports.generate('2025-11', 'b'), reports.generate('2025-11', 'c')]);
    expect(results.filter((r) => r.action === 'CREATED')).toHaveLength(1);
    expect(results.filter((r) => r.action === 'UNCHANGED')).toHaveLength(2);
    expect(await reports.versions('2025-11')).toHaveLength(1);
  });

  it('refuses a month not ended yet or not a month, writing nothing', async () => {
    const before = await db.dataSource.query(`SELECT count(*)::int AS n FROM report_snapshots`);
    for (const [month, code] of [['2026-02', 'NOT_ENDED'], ['2026-13', 'FORMAT'], ['2026-1', 'FORMAT']] as const) {
      const err = await reports.generate(month).catch((e) => e);
      expect(err).toBeInstanceOf(DomainError);
      expect(err.code).toBe('REPORT_MONTH_INVALID');
      expect(err.errors).toEqual([expect.objectContaining({ field: 'month', code })]);
    }
    expect(await db.dataSource.query(`SELECT count(*)::int AS n FROM report_snapshots`)).toEqual(before);
  });
});

describe('exports and chart', () => {
  it('CSV, XLSX (read back) and SVG are produced from the stored report', async () => {
    const s = await reports.get('2026-01');
    const csv = reportCsv(s.data).toString('utf8');
    expect(csv.startsWith('\uFEFF')).toBe(true);
    expect(csv).toContain('区县 (Districts)');
    expect(csv).toContain(`${ids.codeA},RA district,是 (yes),3979520.00,5000000.00`);

    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await reportXlsx(s.data)) as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['区县 (Districts)', '合作银行 (Banks)', '村级互助资金 (Village funds)', '月排名 (Ranking)', '报表信息 (About)']);
    const sheet = wb.getWorksheet('区县 (Districts)')!;
    expect(sheet.getRow(1).getCell(4).value).toBe('风险补偿金余额 (Fund balance)');
    const rowA = sheet.getRows(2, sheet.rowCount - 1)!.find((r) => r.getCell(1).value === ids.codeA)!;
    expect(rowA.getCell(4).value).toBe(3979520);
    // ratios are number cells with the value's fixed decimals
    const ratio = district(s.data, ids.A).leverageRatio;
    expect(rowA.getCell(9).value).toBe(ratio === null ? null : Number(ratio));
    expect(typeof rowA.getCell(9).value === 'number' || ratio === null).toBe(true);
    expect(wb.getWorksheet('月排名 (Ranking)')!.rowCount).toBe(s.data.ranking.length + 1);

    const series = await reports.leverageSeries('2026-01', 12);
    expect(series.months[0]).toBe('2025-02');
    expect(series.months[11]).toBe('2026-01');
    const a = series.districts.find((d) => d.districtId === ids.A)!;
    expect(a.ratios[11]).toBe(district(s.data, ids.A).leverageRatio);
    // before July 2025 district A had no fund money: no ratio
    expect(a.ratios[0]).toBeNull();
    const svg = leverageChartSvg(series, 'Leverage <test> & chart');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('&lt;test&gt; &amp; chart');
    expect(svg).toContain(`data-district="${ids.codeA}"`);
    expect(svg).toMatch(/class="cap"/);
    assertWellFormed(svg);
  });
});

describe('worker job', () => {
  it('the job id of a month is deterministic: enqueuing the same month twice gives one job', async () => {
    const config = new AppConfig();
    const queue = new Queue(QUEUES.REPORTS, bullOptions({ REDIS_URL: config.REDIS_URL, QUEUE_PREFIX: `trep${randomBytes(4).toString('hex')}` }));
    try {
      expect(reportJobId('2026-01')).toBe('report.monthly.2026-01');
      expect(previousMonthOf('2026-01-01')).toBe('2025-12');
      const a = await enqueueMonthlyReport(queue, '2026-01', 'scheduler');
      const b = await enqueueMonthlyReport(queue, '2026-01', 'admin');
      await enqueueMonthlyReport(queue, '2025-12', 'scheduler');
      expect(a).toBe(b);
      expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 2 });
      expect((await queue.getJob(a))!.data).toEqual({ month: '2026-01', triggeredBy: 'scheduler' });
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });
});

/** A minimal XML well-formedness check: every tag closes in order, attributes quoted, no bare ampersands. */
function assertWellFormed(xml: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = tag.exec(xml))) {
    const text = xml.slice(last, m.index);
    expect(text).not.toMatch(/[<>]|&(?!(amp|lt|gt|quot|apos);)/);
    last = tag.lastIndex;
    if (m[1]) expect(stack.pop()).toBe(m[2]);
    else if (!m[4]) stack.push(m[2]);
  }
  expect(xml.slice(last).trim()).toBe('');
  expect(stack).toEqual([]);
}
