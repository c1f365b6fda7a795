import { AuditService } from '#libs/audit';
import { AppConfig, DomainError, FixedClock, RequestContext, type Actor } from '#libs/common';
import { agreementAccounts, riskFundCoverAccounts, riskFundMoneyAccounts } from '#libs/guarantee';
import { LedgerService } from '#libs/ledger';
import { ReportingService, type FigureChange, type MonthlyReportData, type VersionChanges } from '#libs/reporting';
import { createTestDatabase, type TestDatabase } from '#libs/testing';
import { Portfolio } from './fixtures.js';

/**
 * Versions of a month's report regenerated after late facts arrived (January 2026, the business date in February):
 * each version after the first lists exactly the figures that changed and the entries (and covered-loan facts)
 * recorded since the previous version with a value date in or before the month. Own database: the figures below
 * (computed by hand) are the whole portfolio's.
 *
 * One district, one bank (10×), a fund of 1,000,000.00 deposited 2025-10-01, one covered loan L of 100,000.00
 * disbursed 2025-12-01 (cover 10,000.00), its first instalment (50,000.00 + 500.00) due 2026-01-10 and unpaid when
 * version 1 is made.
 */
let db: TestDatabase;
let ledger: LedgerService;
let reports: ReportingService;
let p: Portfolio;
const ids: Record<string, string> = {};
const MONTH = '2026-01';

beforeAll(async () => {
  db = await createTestDatabase(6);
  ledger = new LedgerService(db.dataSource);
  reports = new ReportingService(db.dataSource, new AuditService(db.dataSource), new FixedClock(new Date('2026-02-15T04:00:00Z')), new AppConfig());
  p = new Portfolio(db.dataSource, ledger);
  const d = await p.district('RV', false);
  const bank = await p.bank();
  const otherBank = await p.bank();
  const rf = await p.riskFund(d.id, '1000000.00', '2025-10-01');
  const ga = await p.agreement(rf, bank, '10');
  const h = await p.household(d.villageId, 'POOR');
  const loan = await p.loan({
    channel: 'BANK_COVERED', districtId: d.id, villageId: d.villageId, householdId: h, bankId: bank, agreementId: ga, principal: '100000.00', disbursed: '2025-12-01',
    installments: [{ due: '2026-01-10', principal: '50000.00', interest: '500.00' }, { due: '2026-06-10', principal: '50000.00', interest: '500.00' }],
  });
  await p.exposure(rf, ga, '2025-12-01', '100000.00', '10000.00', 'on');
  Object.assign(ids, { d: d.id, district: d.code, villageId: d.villageId, h, bank, otherBank, rf, ga, loan });
}, 60_000);
afterAll(async () => db.drop());
afterEach(async () => {
  const v = await ledger.verify();
  expect(v.ok).toBe(true);
});

const as = <T>(actor: Partial<Actor> & { role: Actor['role'] }, fn: () => Promise<T>): Promise<T> =>
  RequestContext.run({ requestId: 'req-versions', actor: { userId: null, username: 'u', bankId: null, via: 'jwt', ...actor } as Actor }, fn);

/** The figures of the district, bank and totals sections as [section, field, before, after, difference]. */
const money = (figures: FigureChange[]) =>
  figures.filter((f) => f.section !== 'ranking').map((f) => [f.section, f.key, f.field, f.before, f.after, f.difference]);

/** The ranking's changed fields, each checked against the two stored versions. */
async function rankingFields(c: VersionChanges): Promise<string[]> {
  const before = (await reports.get(MONTH, c.previousVersion!)).data;
  const after = (await reports.get(MONTH, c.version)).data;
  const at = (r: MonthlyReportData, field: string) =>
    field.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], r.ranking.find((x) => x.districtId === ids.d));
  const ranking = c.changes!.figures.filter((f) => f.section === 'ranking');
  for (const f of ranking) {
    expect(f.key).toBe(ids.d);
    expect([f.before, f.after]).toEqual([at(before, f.field), at(after, f.field)]);
  }
  return ranking.map((f) => f.field);
}

describe('versions of a month regenerated after late facts', () => {
  let v1Entry: string;

  it('version 1 has nothing to compare with; an entry dated after the month changes nothing and stores no version', async () => {
    const first = await reports.generate(MONTH, 'tester');
    expect(first.action).toBe('CREATED');
    const d = first.snapshot.data.districts.find((x) => x.districtId === ids.d)!;
    expect(d).toMatchObject({ fundBalance: '1000000.00', coveredOutstanding: '100000.00', leverageRatio: '0.1000', capacityLeft: '9900000.00', repaymentRatePercent: '0.0000' });
    expect(await reports.versionChanges(MONTH, 1)).toEqual({ version: 1, previousVersion: null, changes: null, lateEntries: [], lateEntriesTotal: 0, lateLoanFacts: [] });

    // recorded now, dated in February: not January's
    v1Entry = await p.money(ids.rf, '2026-02-05', '100.00', 'out', 'RISK_FUND_COMPENSATION', riskFundMoneyAccounts(ids.rf).compensationExpense);
    expect((await reports.generate(MONTH, 'tester')).action).toBe('UNCHANGED');
    expect(await reports.versions(MONTH)).toHaveLength(1);
  });

  it('a back-dated fund payment: version 2 lists exactly the figures it moved and exactly that entry', async () => {
    const entryId = await p.money(ids.rf, '2026-01-25', '2000.00', 'out', 'RISK_FUND_COMPENSATION', riskFundMoneyAccounts(ids.rf).compensationExpense);
    const second = await reports.generate(MONTH, 'tester');
    expect(second.action).toBe('VERSIONED');
    expect(second.snapshot.version).toBe(2);

    const c = await reports.versionChanges(MONTH, 2);
    expect(c.previousVersion).toBe(1);
    expect(c.changes!.rows).toEqual([]);
    expect(money(c.changes!.figures)).toEqual([
      // AVAILABLE 990,000 → 988,000, × 10
      ['districts', ids.d, 'capacityLeft', '9900000.00', '9880000.00', '-20000.00'],
      ['districts', ids.d, 'compensationPaid', '0.00', '2000.00', '2000.00'],
      ['districts', ids.d, 'fundBalance', '1000000.00', '998000.00', '-2000.00'],
      // 100,000 ÷ 998,000 = 0.10020…
      ['districts', ids.d, 'leverageRatio', '0.1000', '0.1002', '0.0002'],
      ['districts', ids.d, 'leverageUsePercent', '1.0000', '1.0020', '0.0020'],
      // the bank's own compensation counts its claims only (this payment had none)
      ['banks', ids.ga, 'capacityLeft', '9900000.00', '9880000.00', '-20000.00'],
      ['banks', ids.ga, 'fundBalance', '1000000.00', '998000.00', '-2000.00'],
      ['banks', ids.ga, 'leverageRatio', '0.1000', '0.1002', '0.0002'],
      ['banks', ids.ga, 'leverageUsePercent', '1.0000', '1.0020', '0.0020'],
      ['totals', null, 'compensationPaid', '0.00', '2000.00', '2000.00'],
      ['totals', null, 'fundBalance', '1000000.00', '998000.00', '-2000.00'],
      ['totals', null, 'leverageRatio', '0.1000', '0.1002', '0.0002'],
    ]);
    expect(await rankingFields(c)).toEqual(['components.leverageUse', 'score', 'scoreChange']);
    const bankRow = c.changes!.figures.find((f) => f.section === 'banks')!.row;
    expect(bankRow).toMatchObject({ districtId: ids.d, districtCode: ids.district, bankId: ids.bank, agreementId: ids.ga });

    // exactly the January entry; the February one (recorded in the same window) is not a cause
    const rfa = riskFundMoneyAccounts(ids.rf);
    const cover = riskFundCoverAccounts(ids.rf);
    expect(c.lateEntries).toEqual([
      {
        id: entryId, code: 'RISK_FUND_COMPENSATION', valueDate: '2026-01-25', recordedAt: expect.any(String), memo: null,
        accounts: [rfa.balance, rfa.compensationExpense, cover.available, cover.limit].sort(),
      },
    ]);
    expect(c.lateEntries.map((e) => e.id)).not.toContain(v1Entry);
    expect(c.lateEntriesTotal).toBe(1);
    expect(Date.parse(c.lateEntries[0].recordedAt)).toBeGreaterThan(Date.parse((await reports.get(MONTH, 1)).generatedAt) - 1);
    expect(c.lateLoanFacts).toEqual([]);

    // regenerated with nothing new: no version 3
    expect((await reports.generate(MONTH, 'tester')).action).toBe('UNCHANGED');
    expect((await reports.versions(MONTH)).map((v) => v.version)).toEqual([2, 1]);
  });

  it('a late bank repayment report dated in the month: version 3 lists its figures, its cover entry and the report', async () => {
    const r = await p.bankRepayment({ fundId: ids.rf, agreementId: ids.ga, bankId: ids.bank, loanId: ids.loan, number: 1, asOf: '2026-01-12', principal: '50000.00', interest: '500.00', cover: '5000.00' });
    expect((await reports.generate(MONTH, 'tester')).snapshot.version).toBe(3);
    const c = await reports.versionChanges(MONTH, 3);
    expect(money(c.changes!.figures)).toEqual([
      // AVAILABLE 988,000 + 5,000 released
      ['districts', ids.d, 'capacityLeft', '9880000.00', '9930000.00', '50000.00'],
      ['districts', ids.d, 'coveredOutstanding', '100000.00', '50000.00', '-50000.00'],
      ['districts', ids.d, 'leverageRatio', '0.1002', '0.0501', '-0.0501'],
      ['districts', ids.d, 'leverageUsePercent', '1.0020', '0.5010', '-0.5010'],
      // 50,500 of 50,500 due by 31 January
      ['districts', ids.d, 'repaymentRatePercent', '0.0000', '100.0000', '100.0000'],
      ['banks', ids.ga, 'capacityLeft', '9880000.00', '9930000.00', '50000.00'],
      ['banks', ids.ga, 'coveredOutstanding', '100000.00', '50000.00', '-50000.00'],
      ['banks', ids.ga, 'leverageRatio', '0.1002', '0.0501', '-0.0501'],
      ['banks', ids.ga, 'leverageUsePercent', '1.0020', '0.5010', '-0.5010'],
      ['banks', ids.ga, 'repaymentRatePercent', '0.0000', '100.0000', '100.0000'],
      ['totals', null, 'coveredOutstanding', '100000.00', '50000.00', '-50000.00'],
      ['totals', null, 'leverageRatio', '0.1002', '0.0501', '-0.0501'],
    ]);
    expect(await rankingFields(c)).toEqual(['components.leverageUse', 'components.repaymentRate', 'score', 'scoreChange']);
    const g = agreementAccounts(ids.ga);
    expect(c.lateEntries.map((e) => [e.id, e.code, e.valueDate, e.accounts])).toEqual([
      [r.entryId, 'COVER_RELEASED', '2026-01-12', [g.coverUsed, g.exposureContra, g.exposureOutstanding, riskFundCoverAccounts(ids.rf).available].sort()],
    ]);
    expect(c.lateLoanFacts).toEqual([
      {
        kind: 'BANK_REPAYMENT_REPORT', id: r.reportId, loanId: ids.loan, loanNo: expect.any(String), bankId: ids.bank, date: '2026-01-12',
        principal: '50000.00', interest: '500.00', entryId: r.entryId, recordedAt: expect.any(String),
      },
    ]);
  });

  it('a covered loan registered late with a January disbursement: version 4 lists the new loan figures and the registration', async () => {
    const loan = await p.loan({
      channel: 'BANK_COVERED', districtId: ids.d, villageId: ids.villageId, householdId: ids.h, bankId: ids.bank, agreementId: ids.ga, principal: '20000.00', disbursed: '2026-01-20',
      installments: [{ due: '2026-07-20', principal: '20000.00', interest: '400.00' }],
    });
    const entryId = await p.exposure(ids.rf, ids.ga, '2026-01-20', '20000.00', '2000.00', 'on');
    expect((await reports.generate(MONTH, 'tester')).snapshot.version).toBe(4);
    const c = await reports.versionChanges(MONTH, 4);
    expect(money(c.changes!.figures)).toEqual([
      ['districts', ids.d, 'capacityLeft', '9930000.00', '9910000.00', '-20000.00'],
      ['districts', ids.d, 'coveredOutstanding', '50000.00', '70000.00', '20000.00'],
      ['districts', ids.d, 'leverageRatio', '0.0501', '0.0701', '0.0200'],
      ['districts', ids.d, 'leverageUsePercent', '0.5010', '0.7014', '0.2004'],
      ['districts', ids.d, 'newCoveredAmount', '0.00', '20000.00', '20000.00'],
      ['districts', ids.d, 'newCoveredLoans', 0, 1, '1'],
      ['banks', ids.ga, 'capacityLeft', '9930000.00', '9910000.00', '-20000.00'],
      ['banks', ids.ga, 'coveredOutstanding', '50000.00', '70000.00', '20000.00'],
      ['banks', ids.ga, 'leverageRatio', '0.0501', '0.0701', '0.0200'],
      ['banks', ids.ga, 'leverageUsePercent', '0.5010', '0.7014', '0.2004'],
      ['banks', ids.ga, 'newCoveredAmount', '0.00', '20000.00', '20000.00'],
      ['banks', ids.ga, 'newCoveredLoans', 0, 1, '1'],
      ['totals', null, 'coveredOutstanding', '50000.00', '70000.00', '20000.00'],
      ['totals', null, 'leverageRatio', '0.0501', '0.0701', '0.0200'],
      ['totals', null, 'newCoveredAmount', '0.00', '20000.00', '20000.00'],
      ['totals', null, 'newCoveredLoans', 0, 1, '1'],
    ]);
    expect(c.lateEntries.map((e) => [e.id, e.code, e.valueDate])).toEqual([[entryId, 'COVER_CONSUMED', '2026-01-20']]);
    expect(c.lateLoanFacts.map((f) => [f.kind, f.loanId, f.date, f.principal, f.bankId])).toEqual([['COVERED_LOAN_REGISTRATION', loan, '2026-01-20', '20000.00', ids.bank]]);
  });

  it('the versions list carries each version\'s changes and late facts, newest first', async () => {
    const list = await reports.versions(MONTH);
    expect(list.map((v) => [v.version, v.previousVersion, v.latest, v.lateEntriesTotal, v.lateLoanFacts.length])).toEqual([
      [4, 3, true, 1, 1],
      [3, 2, false, 1, 1],
      [2, 1, false, 1, 0],
      [1, null, false, 0, 0],
    ]);
    for (const v of list.slice(0, 3)) {
      const one = await reports.versionChanges(MONTH, v.version);
      expect({ changes: v.changes, lateEntries: v.lateEntries, lateLoanFacts: v.lateLoanFacts }).toEqual({ changes: one.changes, lateEntries: one.lateEntries, lateLoanFacts: one.lateLoanFacts });
    }
    expect(list[3].changes).toBeNull();
  });

  it('a bank officer sees the changes of its own rows and the facts of its own agreements only', async () => {
    const mine = await as({ role: 'BANK_OFFICER', bankId: Number(ids.bank) }, () => reports.versionChanges(MONTH, 3));
    expect(new Set(mine.changes!.figures.map((f) => f.section))).toEqual(new Set(['banks']));
    expect(mine.changes!.figures.map((f) => f.field)).toEqual(['capacityLeft', 'coveredOutstanding', 'leverageRatio', 'leverageUsePercent', 'repaymentRatePercent']);
    expect(mine.lateEntries.map((e) => e.code)).toEqual(['COVER_RELEASED']);
    expect(mine.lateLoanFacts).toHaveLength(1);
    // the fund payment of version 2 touched the fund's accounts only, not the bank's agreement
    const v2 = await as({ role: 'BANK_OFFICER', bankId: Number(ids.bank) }, () => reports.versionChanges(MONTH, 2));
    expect(v2.lateEntries).toEqual([]);

    const other = await as({ role: 'BANK_OFFICER', bankId: Number(ids.otherBank) }, () => reports.versions(MONTH));
    for (const v of other) {
      expect(v.lateEntries).toEqual([]);
      expect(v.lateLoanFacts).toEqual([]);
      expect(v.changes?.figures ?? []).toEqual([]);
    }
  });

  it('an unknown version or a bad month is refused', async () => {
    await expect(reports.versionChanges(MONTH, 9)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const bad = await reports.versionChanges('2026-13', 1).catch((e) => e);
    expect(bad).toBeInstanceOf(DomainError);
    expect(bad.code).toBe('REPORT_MONTH_INVALID');
  });
});
