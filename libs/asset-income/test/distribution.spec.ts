import type { DomainError } from '#libs/common';
import { projectAccounts } from '#libs/asset-income';
import { createTestDatabase, type TestDatabase } from '#libs/testing';
import { activeProject, as, CHECKER, count, expectLedgerOk, MAKER, payYear, services, type Services } from './fixtures.js';

let db: TestDatabase;
let s: Services;

beforeAll(async () => {
  db = await createTestDatabase(30);
  s = services(db.dataSource);
});
afterAll(async () => db.drop());
afterEach(async () => expectLedgerOk(s.ledger));

const fail = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a refusal'); }, (e: unknown) => e as DomainError);
const page = { page: 1, pageSize: 500 };

/** 1,000,000 special fund (300,000 collective, 10 × 70,000 households) beside 500,000 + 500,000 other capital. */
const standard = (floorRecipients?: 'POOR_HOUSEHOLDS' | 'ALL_SHARES') =>
  activeProject(db.dataSource, s, {
    households: 10,
    project: {
      floorRecipients,
      otherCapital: [
        { kind: 'COLLECTIVE_ASSETS', amount: '500000.00' },
        { kind: 'PRIVATE_CAPITAL', amount: '500000.00' },
      ],
    },
  });

const byClass = (run: { byClass: { classKind: string; entitled: string; paid: string }[] }) =>
  Object.fromEntries(run.byClass.map((c) => [c.classKind, [c.entitled, c.paid]]));

describe('yearly dividends', () => {
  it('shares a profit above the floor pro rata by capital and posts it', async () => {
    const { projectId, households } = await standard();
    const run = await payYear(s, projectId, 2023, { netProfit: '400000.00', netAssets: '2400000.00' });
    expect(run).toMatchObject({ status: 'PAID', distributable: '400000.00', floorShortfall: '0.00', operatorOwes: '0.00', paidNow: '400000.00' });
    expect(byClass(run)).toEqual({
      SPECIAL_COLLECTIVE: ['60000.00', '60000.00'],
      SPECIAL_HOUSEHOLDS: ['140000.00', '140000.00'],
      COLLECTIVE_ASSETS: ['100000.00', '100000.00'],
      PRIVATE_CAPITAL: ['100000.00', '100000.00'],
    });
    expect([run.householdsBenefited, run.peopleBenefited]).toEqual([10, 30]);
    const a = projectAccounts(projectId);
    const b = await s.ledger.balances(null, [a.dividendsPaid.SPECIAL_HOUSEHOLDS, a.dividendsPaid.PRIVATE_CAPITAL, a.fundedByProfit, a.operatorOwes]);
    expect([b.get(a.dividendsPaid.SPECIAL_HOUSEHOLDS), b.get(a.dividendsPaid.PRIVATE_CAPITAL), b.get(a.fundedByProfit), b.get(a.operatorOwes)]).toEqual([
      14_000_000n,
      10_000_000n,
      40_000_000n,
      0n,
    ]);
    const st = await s.distributions.householdStatement(households[0], {}, page);
    expect(st.items).toEqual([
      expect.objectContaining({ projectId, year: 2023, quantifiedAmount: '70000.00', sharePercent: '7.0000', amount: '14000.00', paid: '14000.00', outstanding: '0.00' }),
    ]);
  });

  it('tops a thin profit up to the floor out of the other classes’ share (ALL_SHARES: the collective’s too)', async () => {
    const { projectId } = await standard('ALL_SHARES');
    const run = await payYear(s, projectId, 2023, { netProfit: '100000.00', netAssets: '2100000.00' });
    expect(byClass(run)).toEqual({
      SPECIAL_COLLECTIVE: ['30000.00', '30000.00'],
      SPECIAL_HOUSEHOLDS: ['70000.00', '70000.00'],
      COLLECTIVE_ASSETS: ['0.00', '0.00'],
      PRIVATE_CAPITAL: ['0.00', '0.00'],
    });
    expect(run).toMatchObject({ floorShortfall: '50000.00', borneByOtherClasses: '50000.00', operatorOwes: '0.00' });
  });

  it('pays the floor in a loss year: the operator tops up what it can, owes the rest, and settles it later (ALL_SHARES)', async () => {
    const { projectId, households } = await standard('ALL_SHARES');
    const run = await payYear(s, projectId, 2023, { netProfit: '-50000.00', netAssets: '1950000.00' }, '40000.00');
    expect(run).toMatchObject({
      distributable: '0.00',
      floorShortfall: '100000.00',
      borneByOtherClasses: '0.00',
      operatorTopUp: '40000.00',
      operatorOwes: '60000.00',
      entitled: '100000.00',
      paidNow: '40000.00',
    });
    expect(byClass(run)).toMatchObject({ SPECIAL_COLLECTIVE: ['30000.00', '12000.00'], SPECIAL_HOUSEHOLDS: ['70000.00', '28000.00'], PRIVATE_CAPITAL: ['0.00', '0.00'] });
    const a = projectAccounts(projectId);
    expect(await s.ledger.balanceOf(null, a.operatorOwes)).toBe(6_000_000n);
    expect(await s.ledger.balanceOf(null, a.dividendsPayable)).toBe(6_000_000n);
    expect(await s.ledger.balanceOf(null, a.fundedByOperator)).toBe(4_000_000n);
    const st = await s.distributions.householdStatement(households[3], {}, page);
    expect(st.items[0]).toMatchObject({ floor: '7000.00', amount: '7000.00', paid: '2800.00', outstanding: '4200.00' });

    // the operator settles: never beyond its debt, and concurrent settlements cannot overpay
    const tooMuch = await fail(s.distributions.settle(projectId, { amount: '60000.01', settledOn: '2024-06-30' }, `settle-big-${projectId}`, MAKER));
    expect(tooMuch.code).toBe('ASSET_INCOME_SETTLEMENT_EXCEEDS_DEBT');
    expect(tooMuch.errors[0].field).toBe('amount');
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => s.distributions.settle(projectId, { amount: '10000.00', settledOn: '2024-06-30' }, `settle-${projectId}-${i}`, MAKER)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(6);
    for (const r of results.filter((x) => x.status === 'rejected') as PromiseRejectedResult[]) {
      expect((r.reason as DomainError).code).toBe('ASSET_INCOME_SETTLEMENT_EXCEEDS_DEBT');
    }
    expect(await s.ledger.balanceOf(null, a.operatorOwes)).toBe(0n);
    expect(await s.ledger.balanceOf(null, a.dividendsPayable)).toBe(0n);
    const after = await s.distributions.householdStatement(households[3], {}, page);
    expect(after.items[0]).toMatchObject({ amount: '7000.00', paid: '7000.00', outstanding: '0.00' });
    const lines = await s.distributions.runLines(projectId, 2023, {}, page);
    expect(lines.items.every((l) => l.outstanding === '0.00')).toBe(true);
  });

  it('by default tops up only the poor households’ shares: the collective gets its pro-rata profit, no floor', async () => {
    const { projectId, households } = await standard();
    expect((await s.projects.get(projectId)).floorRecipients).toBe('POOR_HOUSEHOLDS');
    const run = await payYear(s, projectId, 2023, { netProfit: '100000.00', netAssets: '2100000.00' });
    // pro rata of 100,000 by capital (2,000,000): collective 15,000, households 35,000, the other classes 25,000 each;
    // the households' floor (70,000) takes 35,000 from the other classes, which keep 15,000
    expect(run).toMatchObject({
      floorRecipients: 'POOR_HOUSEHOLDS',
      distributable: '100000.00',
      specialProRata: '50000.00',
      floorShortfall: '35000.00',
      borneByOtherClasses: '35000.00',
      operatorOwes: '0.00',
      entitled: '100000.00',
      paidNow: '100000.00',
    });
    expect(byClass(run)).toEqual({
      SPECIAL_COLLECTIVE: ['15000.00', '15000.00'],
      SPECIAL_HOUSEHOLDS: ['70000.00', '70000.00'],
      COLLECTIVE_ASSETS: ['7500.00', '7500.00'],
      PRIVATE_CAPITAL: ['7500.00', '7500.00'],
    });
    const lines = await s.distributions.runLines(projectId, 2023, {}, page);
    const collective = lines.items.find((l) => l.holderType === 'COLLECTIVE')!;
    expect(collective).toMatchObject({ proRata: '15000.00', floor: '0.00', entitled: '15000.00', paid: '15000.00' });
    // the lines add up to what was paid, to the fen, and to what the ledger says was paid by class
    const fen = (v: string) => BigInt(v.replace('.', ''));
    expect(lines.items.reduce((t, l) => t + fen(l.paid), 0n)).toBe(fen(run.paidNow));
    const a = projectAccounts(projectId);
    const paid = await s.ledger.balances(null, [a.dividendsPaid.SPECIAL_COLLECTIVE, a.dividendsPaid.SPECIAL_HOUSEHOLDS, a.dividendsPaid.COLLECTIVE_ASSETS, a.dividendsPaid.PRIVATE_CAPITAL]);
    expect([...paid.values()].reduce((t, v) => t + v, 0n)).toBe(fen(run.paidNow));
    expect(paid.get(a.dividendsPaid.SPECIAL_COLLECTIVE)).toBe(1_500_000n);
    const st = await s.distributions.householdStatement(households[0], {}, page);
    expect(st.items[0]).toMatchObject({ floor: '7000.00', amount: '7000.00', paid: '7000.00', outstanding: '0.00' });
  });

  it('by default a loss year leaves the collective nothing and the operator owes the households’ floor only', async () => {
    const { projectId } = await standard();
    const run = await payYear(s, projectId, 2023, { netProfit: '-50000.00', netAssets: '1950000.00' }, '40000.00');
    expect(run).toMatchObject({ floorShortfall: '70000.00', operatorTopUp: '40000.00', operatorOwes: '30000.00', entitled: '70000.00', paidNow: '40000.00' });
    expect(byClass(run)).toMatchObject({ SPECIAL_COLLECTIVE: ['0.00', '0.00'], SPECIAL_HOUSEHOLDS: ['70000.00', '40000.00'] });
    const a = projectAccounts(projectId);
    expect(await s.ledger.balanceOf(null, a.operatorOwes)).toBe(3_000_000n);
    expect(await s.ledger.balanceOf(null, a.dividendsPayable)).toBe(3_000_000n);
  });

  it('a changed floor setting makes a prepared run stale; an approved run is paid as approved', async () => {
    const { projectId } = await standard();
    await s.results.record(projectId, { year: 2023, revenue: '1.00', netProfit: '100000.00', netAssets: '2100000.00', reportedOn: '2024-01-10' }, MAKER);
    await as(MAKER, () => s.distributions.preview(projectId, 2023, {}, MAKER));
    const changed = await as(MAKER, () => s.projects.updateSettings(projectId, { floorRecipients: 'ALL_SHARES' }, MAKER));
    expect(changed.floorRecipients).toBe('ALL_SHARES');
    expect((await fail(as(CHECKER, () => s.distributions.approve(projectId, 2023, CHECKER)))).code).toBe('ASSET_INCOME_RUN_STALE');
    const again = await as(MAKER, () => s.distributions.preview(projectId, 2023, {}, MAKER));
    expect(again).toMatchObject({ floorRecipients: 'ALL_SHARES', floorShortfall: '50000.00' });
    expect(byClass(again).SPECIAL_COLLECTIVE).toEqual(['30000.00', '30000.00']);
    await as(CHECKER, () => s.distributions.approve(projectId, 2023, CHECKER));
    // changed after approval: the run is paid with the rule it was approved with
    await as(MAKER, () => s.projects.updateSettings(projectId, { floorRecipients: 'POOR_HOUSEHOLDS' }, MAKER));
    const paid = await as(MAKER, () => s.distributions.pay(projectId, 2023, { paidOn: '2024-01-25' }, `pay-${projectId}-2023`, MAKER));
    expect(paid).toMatchObject({ status: 'PAID', floorRecipients: 'ALL_SHARES', paidNow: '100000.00' });
    expect(byClass(paid).SPECIAL_COLLECTIVE).toEqual(['30000.00', '30000.00']);
    expect(await count(db.dataSource, `SELECT 1 FROM audit_log WHERE action = 'ASSET_INCOME_PROJECT_UPDATED' AND entity_id = $1`, [projectId])).toBe(2);

    // a year whose figures the setting does not change (the collective's profit share is above its floor) is still
    // refused when previewed under another setting: the run records the rule it was worked out with
    await s.results.record(projectId, { year: 2024, revenue: '1.00', netProfit: '400000.00', netAssets: '2400000.00', reportedOn: '2025-01-10' }, MAKER);
    await as(MAKER, () => s.distributions.preview(projectId, 2024, {}, MAKER));
    await as(MAKER, () => s.projects.updateSettings(projectId, { floorRecipients: 'ALL_SHARES' }, MAKER));
    expect((await fail(as(CHECKER, () => s.distributions.approve(projectId, 2024, CHECKER)))).code).toBe('ASSET_INCOME_RUN_STALE');
  });

  it('splits among 137 households exactly and deterministically, each at least its floor', async () => {
    const { projectId, households } = await activeProject(db.dataSource, s, { households: 137, project: { otherCapital: [{ kind: 'FARMER_ASSETS', amount: '333333.33' }] } });
    await s.results.record(projectId, { year: 2023, revenue: '1.00', netProfit: '123456.79', netAssets: '2000000.00', reportedOn: '2024-01-10' }, MAKER);
    const first = await s.distributions.preview(projectId, 2023, {}, MAKER);
    const lines1 = await s.distributions.runLines(projectId, 2023, { holderType: 'HOUSEHOLD' }, page);
    const again = await s.distributions.preview(projectId, 2023, {}, MAKER);
    const lines2 = await s.distributions.runLines(projectId, 2023, { holderType: 'HOUSEHOLD' }, page);
    expect(again.entitled).toBe(first.entitled);
    const strip = (l: { id: string }[]) => l.map(({ id: _id, ...rest }) => rest);
    expect(strip(lines2.items)).toEqual(strip(lines1.items));
    expect(lines1.total).toBe(137);
    expect(lines1.items.map((l) => l.householdId)).toEqual(households);
    const fen = (y: string) => BigInt(y.replace('.', ''));
    const householdsClass = first.byClass.find((c) => c.classKind === 'SPECIAL_HOUSEHOLDS')!;
    expect(lines1.items.reduce((a, l) => a + fen(l.entitled), 0n)).toBe(fen(householdsClass.entitled));
    for (const l of lines1.items) {
      expect(fen(l.entitled)).toBeGreaterThanOrEqual(fen(l.floor));
      // floor: 10 % of the quantified amount rounded up to the fen
      expect(fen(l.floor)).toBe((fen(l.basis) + 9n) / 10n);
    }
    const all = await s.distributions.runLines(projectId, 2023, {}, page);
    expect(all.items.reduce((a, l) => a + fen(l.entitled), 0n)).toBe(fen(first.entitled));
    expect(fen(first.entitled)).toBe(fen(first.distributable) + fen(first.floorShortfall) - fen(first.borneByOtherClasses));
  });
});

describe('the run is paid once per project and year', () => {
  it('same key → same result; another key → already paid; preview after payment refused', async () => {
    const { projectId } = await standard();
    const run = await payYear(s, projectId, 2023, { netProfit: '200000.00', netAssets: '2300000.00' });
    // the same caller retrying with its key gets the same result (keys are scoped per caller)
    const replay = await as(MAKER, () => s.distributions.pay(projectId, 2023, { paidOn: '2024-01-25' }, `pay-${projectId}-2023`, MAKER));
    expect(replay).toEqual(run);
    const other = await fail(s.distributions.pay(projectId, 2023, { paidOn: '2024-01-25' }, `pay-again-${projectId}`, MAKER));
    expect(other.code).toBe('ASSET_INCOME_ALREADY_PAID');
    expect((await fail(s.distributions.preview(projectId, 2023, {}, MAKER))).code).toBe('ASSET_INCOME_ALREADY_PAID');
    expect(await count(db.dataSource, `SELECT 1 FROM journal_entries WHERE code = 'AIP_DIVIDEND_PAYMENT' AND idempotency_key = $1`, [`aip:dividends:${projectId}:2023`])).toBe(1);
  });

  it('concurrent payments with different keys pay exactly once', async () => {
    const { projectId } = await standard();
    await s.results.record(projectId, { year: 2023, revenue: '1.00', netProfit: '300000.00', netAssets: '2300000.00', reportedOn: '2024-01-10' }, MAKER);
    await s.distributions.preview(projectId, 2023, {}, MAKER);
    await s.distributions.approve(projectId, 2023, CHECKER);
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => s.distributions.pay(projectId, 2023, { paidOn: '2024-01-25' }, `pay-race-${projectId}-${i}`, MAKER)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((x) => x.status === 'rejected') as PromiseRejectedResult[]) {
      expect((r.reason as DomainError).code).toBe('ASSET_INCOME_ALREADY_PAID');
    }
    const a = projectAccounts(projectId);
    expect(await s.ledger.balanceOf(null, a.fundedByProfit)).toBe(30_000_000n);
    expect(await count(db.dataSource, `SELECT 1 FROM journal_entries WHERE code = 'AIP_DIVIDEND_PAYMENT' AND memo LIKE $1`, [`asset-income project ${projectId}:%`])).toBe(1);
  });
});

describe('maker-checker and stale previews', () => {
  it('needs a second person, fresh facts, and an approval before payment', async () => {
    const { projectId } = await standard();
    await s.results.record(projectId, { year: 2023, revenue: '1.00', netProfit: '300000.00', netAssets: '2300000.00', reportedOn: '2024-01-10' }, MAKER);
    await as(MAKER, () => s.distributions.preview(projectId, 2023, {}, MAKER));
    expect((await fail(s.distributions.pay(projectId, 2023, {}, `pay-early-${projectId}`, MAKER))).code).toBe('ASSET_INCOME_STATE_CONFLICT');
    expect((await fail(s.distributions.approve(projectId, 2023, MAKER))).code).toBe('ASSET_INCOME_SAME_APPROVER');
    // the result is corrected after the preview: the preview no longer stands
    const corrected = await s.results.record(projectId, { year: 2023, revenue: '1.00', netProfit: '310000.00', netAssets: '2300000.00', reportedOn: '2024-01-12' }, MAKER);
    expect(corrected.version).toBe(2);
    expect((await fail(s.distributions.approve(projectId, 2023, CHECKER))).code).toBe('ASSET_INCOME_RUN_STALE');
    await s.distributions.preview(projectId, 2023, {}, MAKER);
    const approved = await as(CHECKER, () => s.distributions.approve(projectId, 2023, CHECKER));
    expect(approved).toMatchObject({ status: 'APPROVED', approvedBy: 'checker', distributable: '310000.00' });
    // an approved year's result is locked
    const locked = await fail(s.results.record(projectId, { year: 2023, revenue: '1.00', netProfit: '1.00', netAssets: '2300000.00', reportedOn: '2024-01-12' }, MAKER));
    expect(locked.code).toBe('ASSET_INCOME_RESULT_LOCKED');
    expect((await fail(s.distributions.preview(projectId, 2023, {}, MAKER))).code).toBe('ASSET_INCOME_STATE_CONFLICT');
    const paid = await s.distributions.pay(projectId, 2023, { paidOn: '2024-02-01' }, `pay-${projectId}-ok`, MAKER);
    expect(paid.status).toBe('PAID');
    const actions = await db.dataSource.query(
      `SELECT action, actor FROM audit_log WHERE entity_id = $1 AND action LIKE 'ASSET_INCOME_DI%' ORDER BY id`,
      [projectId],
    );
    expect(actions.map((a: { action: string; actor: string }) => `${a.action}:${a.actor}`)).toEqual([
      'ASSET_INCOME_DISTRIBUTION_PREPARED:maker',
      'ASSET_INCOME_DISTRIBUTION_PREPARED:system',
      'ASSET_INCOME_DISTRIBUTION_APPROVED:checker',
      'ASSET_INCOME_DIVIDENDS_PAID:system',
    ]);
  });

  it('refuses a year without results and a payment dated before the record date', async () => {
    const { projectId } = await standard();
    const missing = await fail(s.distributions.preview(projectId, 2023, {}, MAKER));
    expect(missing.code).toBe('ASSET_INCOME_RESULT_MISSING');
    expect(missing.errors[0].field).toBe('year');
    await s.results.record(projectId, { year: 2023, revenue: '1.00', netProfit: '1000.00', netAssets: '2300000.00', reportedOn: '2024-01-10' }, MAKER);
    await s.distributions.preview(projectId, 2023, {}, MAKER);
    await s.distributions.approve(projectId, 2023, CHECKER);
    const early = await fail(s.distributions.pay(projectId, 2023, { paidOn: '2023-12-30' }, `pay-early-date-${projectId}`, MAKER));
    expect(early.errors.map((e) => `${e.field}:${e.code}`)).toEqual(['paidOn:BEFORE_RECORD_DATE']);
  });
});
