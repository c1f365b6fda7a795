import { fundAccounts, type FundsService } from '#libs/funds';
import { yuan } from '#libs/money';
import { createHousehold, createVillage } from '../../../test/funds/fixtures.js';
import { fundsHarness, key, refused, type FundsHarness } from './helpers.js';

let h: FundsHarness;
let funds: FundsService;

beforeAll(async () => {
  h = await fundsHarness();
  funds = h.funds;
});
afterAll(async () => h.db.drop());
afterEach(async () => {
  const report = await h.ledger.verify();
  expect(report.ok).toBe(true);
});

const count = async (sql: string, params: unknown[] = []) =>
  Number((await h.db.dataSource.query(sql, params))[0].n);

describe('fund creation', () => {
  it('creates one fund per village with every ledger account, audited', async () => {
    const v = await createVillage(h.db.dataSource, { name: '上小峰村' });
    const fund = await funds.create({ villageId: v.villageId });
    expect(fund).toMatchObject({
      villageId: v.villageId,
      districtId: v.districtId,
      name: '上小峰村互助资金',
      status: 'ACTIVE',
    });
    expect(fund.rules).toMatchObject({
      lendingCapPercent: '90',
      maxLoan: '10000.00',
      firstLoanMax: '5000.00',
      usageFeeRatePercent: '6',
      shareLockMonths: 12,
    });
    expect(fund.position).toMatchObject({
      capital: '0.00',
      cash: '0.00',
      availableToLend: '0.00',
      capUtilisationPercent: null,
    });

    const accounts = await h.db.dataSource.query(
      `SELECT code, type, no_negative FROM ledger_accounts WHERE owner_type = 'MUTUAL_AID_FUND' AND owner_id = $1 ORDER BY code`,
      [fund.id],
    );
    const a = fundAccounts(fund.id);
    const byCode = Object.fromEntries(
      accounts.map((r: { code: string; type: string; no_negative: boolean }) => [r.code, r]),
    );
    const expected = Object.values(a).flatMap((v) => (typeof v === 'string' ? [v] : Object.values(v)));
    expect(accounts.map((r: { code: string }) => r.code).sort()).toEqual([...expected].sort());
    expect(accounts).toHaveLength(18);
    expect(byCode[a.cash]).toMatchObject({ type: 'ASSET', no_negative: true });
    expect(byCode[a.loans]).toMatchObject({ type: 'ASSET', no_negative: true });
    expect(byCode[a.interestReceivable].type).toBe('ASSET');
    for (const s of ['CENTRAL', 'CITY', 'DISTRICT', 'SOE', 'DONATION', 'MEMBER'] as const)
      expect(byCode[a.capital[s]].type).toBe('EQUITY');
    expect(byCode[a.capitalAccumulated].type).toBe('EQUITY');
    expect(byCode[a.riskReserve].type).toBe('EQUITY');
    expect(byCode[a.feeIncome].type).toBe('INCOME');
    expect(byCode[a.penaltyIncome].type).toBe('INCOME');
    expect(byCode[a.recoveryIncome].type).toBe('INCOME');
    expect(byCode[a.publicWelfare].type).toBe('LIABILITY');
    expect(byCode[a.administration].type).toBe('LIABILITY');
    expect(byCode[a.dividendsPayable].type).toBe('LIABILITY');
    expect(byCode[a.writeOffExpense].type).toBe('EXPENSE');
    expect(
      await count(`SELECT count(*) AS n FROM audit_log WHERE action = 'FUND_CREATED' AND entity_id = $1`, [
        fund.id,
      ]),
    ).toBe(1);

    const again = await refused(funds.create({ villageId: v.villageId }));
    expect(again.code).toBe('FUND_VILLAGE_HAS_FUND');
    expect((await funds.fundForVillage(v.villageId))?.id).toBe(fund.id);
    expect(await funds.fundForVillage('999999')).toBeNull();
  });

  it('lets exactly one of several simultaneous creations for a village win', async () => {
    const v = await createVillage(h.db.dataSource);
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () => funds.create({ villageId: v.villageId })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason.code).toBe('FUND_VILLAGE_HAS_FUND');
    expect(
      await count(`SELECT count(*) AS n FROM mutual_aid_funds WHERE village_id = $1`, [v.villageId]),
    ).toBe(1);
  });

  it('refuses an unknown village and invalid rules, writing nothing', async () => {
    const before = await count(`SELECT count(*) AS n FROM ledger_accounts`);
    expect((await refused(funds.create({ villageId: '987654321' }))).code).toBe('FUND_UNKNOWN_VILLAGE');
    const v = await createVillage(h.db.dataSource);
    const bad = await refused(
      funds.create({ villageId: v.villageId, rules: { feeDividendPercent: '10', groupMinSize: 6 } }),
    );
    expect(bad.code).toBe('FUND_RULES_INVALID');
    expect(bad.errors.map((e) => e.field)).toEqual(['groupMaxSize', 'feeDistribution']);
    expect(
      await count(`SELECT count(*) AS n FROM mutual_aid_funds WHERE village_id = $1`, [v.villageId]),
    ).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM ledger_accounts`)).toBe(before);
  });

  it('takes rules at creation', async () => {
    const v = await createVillage(h.db.dataSource);
    const fund = await funds.create({
      villageId: v.villageId,
      name: 'Test fund',
      rules: { lendingCapPercent: '80.5', shareLockMonths: 6, maxLoanFen: yuan('8000') },
    });
    expect(fund.rules).toMatchObject({ lendingCapPercent: '80.5', shareLockMonths: 6, maxLoan: '8000.00' });
  });
});

describe('fund rules', () => {
  it('changes rules, audited with before and after', async () => {
    const v = await createVillage(h.db.dataSource);
    const fund = await funds.create({ villageId: v.villageId });
    const updated = await funds.updateRules(fund.id, {
      lendingCapPercent: '85',
      publicNoticeDays: 5,
      feeCapitalPercent: '35',
      feeDividendPercent: '5',
      firstLoanMaxFen: yuan('4000'),
    });
    expect(updated.rules).toMatchObject({
      lendingCapPercent: '85',
      publicNoticeDays: 5,
      feeCapitalPercent: '35',
      feeDividendPercent: '5',
      firstLoanMax: '4000.00',
    });
    const [audit] = await h.db.dataSource.query(
      `SELECT before, after FROM audit_log WHERE action = 'FUND_RULES_CHANGED' AND entity_id = $1`,
      [fund.id],
    );
    expect(audit.before).toMatchObject({
      lendingCapPercent: '90',
      publicNoticeDays: 3,
      firstLoanMax: '5000.00',
    });
    expect(audit.after).toMatchObject({
      lendingCapPercent: '85',
      publicNoticeDays: 5,
      firstLoanMax: '4000.00',
    });
    expect((await funds.lockFund(h.db.dataSource.manager, fund.id)).rules.lendingCapPercent).toBe('85');
  });

  it('returns every broken rule of a patch at once and changes nothing', async () => {
    const v = await createVillage(h.db.dataSource);
    const fund = await funds.create({ villageId: v.villageId });
    const err = await refused(
      funds.updateRules(fund.id, {
        lendingCapPercent: '0',
        groupMinSize: 4,
        groupMaxSize: 3,
        publicNoticeDays: -1,
        maxLoanFen: 0n,
        feeRiskReservePercent: '25',
      }),
    );
    expect(err.code).toBe('FUND_RULES_INVALID');
    expect(err.errors.map((e) => `${e.field}:${e.code}`)).toEqual([
      'lendingCapPercent:LENDING_CAP_RANGE',
      'maxLoan:LOAN_LIMIT_POSITIVE',
      'groupMaxSize:GROUP_SIZE_ORDER',
      'publicNoticeDays:NOTICE_DAYS_RANGE',
      'feeDistribution:FEE_PERCENT_SUM',
    ]);
    expect((await funds.get(fund.id)).rules).toMatchObject({
      lendingCapPercent: '90',
      groupMinSize: 3,
      publicNoticeDays: 3,
    });
    expect(
      await count(
        `SELECT count(*) AS n FROM audit_log WHERE action = 'FUND_RULES_CHANGED' AND entity_id = $1`,
        [fund.id],
      ),
    ).toBe(0);
    expect((await refused(funds.updateRules(fund.id, {}))).code).toBe('VALIDATION_FAILED');
    expect((await refused(funds.updateRules('424242', { publicNoticeDays: 2 }))).code).toBe('NOT_FOUND');
  });
});

describe('status', () => {
  it('suspends and reactivates, and closes only an empty fund', async () => {
    const v = await createVillage(h.db.dataSource);
    const fund = await funds.create({ villageId: v.villageId });
    expect((await funds.updateStatus(fund.id, 'SUSPENDED', 'audit')).status).toBe('SUSPENDED');
    expect((await funds.updateStatus(fund.id, 'ACTIVE', 'audit done')).status).toBe('ACTIVE');

    const full = await funds.create({ villageId: (await createVillage(h.db.dataSource)).villageId });
    await h.contributions.contribute(full.id, { source: 'CITY', amountFen: 100n, documentRef: 'doc' }, key());
    const err = await refused(funds.updateStatus(full.id, 'CLOSED', 'wind up'));
    expect(err.code).toBe('FUND_NOT_EMPTY');
    expect(err.errors.map((e) => e.field).sort()).toEqual(
      [fundAccounts(full.id).capital.CITY, fundAccounts(full.id).cash].sort(),
    );

    expect((await funds.updateStatus(fund.id, 'CLOSED', 'merged into the town fund')).status).toBe('CLOSED');
    expect((await refused(funds.updateRules(fund.id, { publicNoticeDays: 1 }))).code).toBe('FUND_CLOSED');
    expect(
      (
        await refused(
          h.contributions.contribute(fund.id, { source: 'CITY', amountFen: 100n, documentRef: 'doc' }, key()),
        )
      ).code,
    ).toBe('FUND_CLOSED');
  });
});

describe('position and lists', () => {
  it('reports the position from ledger balances, with a disbursement posted under the fund lock', async () => {
    const v = await createVillage(h.db.dataSource);
    const fund = await funds.create({ villageId: v.villageId });
    const poor = await createHousehold(h.db.dataSource, v.villageId, { status: 'POOR' });
    const other = await createHousehold(h.db.dataSource, v.villageId);
    await h.contributions.contribute(
      fund.id,
      { source: 'CITY', amountFen: yuan('200000'), documentRef: 'c' },
      key(),
    );
    await h.contributions.contribute(
      fund.id,
      { source: 'DISTRICT', amountFen: yuan('300000'), documentRef: 'd' },
      key(),
    );
    await h.contributions.contribute(
      fund.id,
      { source: 'DONATION', amountFen: yuan('20000'), documentRef: 'g' },
      key(),
    );
    await h.contributions.contribute(
      fund.id,
      {
        source: 'DISTRICT',
        amountFen: yuan('1000'),
        householdId: poor.id,
        fiscalFunded: true,
        documentRef: 'f',
      },
      key(),
    );
    await h.contributions.contribute(
      fund.id,
      { source: 'MEMBER', amountFen: yuan('500.55'), householdId: other.id },
      key(),
    );
    // What origination does: lock the fund, then LOANS ↑ / CASH ↓.
    await h.db.dataSource.transaction(async (m) => {
      const f = await funds.lockFund(m, fund.id);
      await h.ledger.post(m, {
        idempotencyKey: `disburse:test:${fund.id}`,
        code: 'LOAN_DISBURSEMENT',
        valueDate: '2026-06-01',
        lines: [
          { account: f.accounts.loans, side: 'DEBIT', amountFen: yuan('60000') },
          { account: f.accounts.cash, side: 'CREDIT', amountFen: yuan('60000') },
        ],
      });
    });
    const p = await funds.position(null, fund.id);
    expect(p.capitalBySourceFen).toEqual({
      CENTRAL: 0n,
      CITY: 20_000_000n,
      DISTRICT: 30_100_000n,
      SOE: 0n,
      DONATION: 2_000_000n,
      MEMBER: 50_055n,
      ACCUMULATED: 0n,
    });
    expect(p.capitalFen).toBe(52_150_055n);
    expect(p.cashFen).toBe(46_150_055n);
    expect(p.loansOutstandingFen).toBe(6_000_000n);
    expect(p.lendingCapFen).toBe(46_935_049n); // floor(52,150,055 × 0.9 = 46,935,049.5)
    expect(p.availableToLendFen).toBe(40_935_049n);
    expect(p.capUtilisationPercent).toBe('12.78');
    expect([p.memberCount, p.poorMemberCount]).toEqual([2, 1]);

    const view = await funds.getPosition(fund.id);
    expect(view).toMatchObject({
      capital: '521500.55',
      cash: '461500.55',
      lendingCap: '469350.49',
      availableToLend: '409350.49',
      loansOutstanding: '60000.00',
    });
    expect(view.capitalBySource.MEMBER).toBe('500.55');

    const page = await funds.list({ villageId: v.villageId }, { page: 1, pageSize: 10 });
    expect(page.total).toBe(1);
    expect(page.items[0].position).toEqual(view);
    const byDistrict = await funds.list(
      { districtId: v.districtId, status: 'ACTIVE' },
      { page: 1, pageSize: 10 },
    );
    expect(byDistrict.items.map((f) => f.id)).toEqual([fund.id]);
    expect(
      (await funds.list({ districtId: v.districtId, status: 'SUSPENDED' }, { page: 1, pageSize: 10 })).total,
    ).toBe(0);
  });

  it('paginates the fund list', async () => {
    const d = await createVillage(h.db.dataSource);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push(
        (
          await funds.create({
            villageId: (await createVillage(h.db.dataSource, { districtId: d.districtId })).villageId,
          })
        ).id,
      );
    const p1 = await funds.list({ districtId: d.districtId }, { page: 1, pageSize: 2 });
    const p2 = await funds.list({ districtId: d.districtId }, { page: 2, pageSize: 2 });
    expect(p1.total).toBe(3);
    expect([...p1.items, ...p2.items].map((f) => f.id)).toEqual(ids);
  });
});
