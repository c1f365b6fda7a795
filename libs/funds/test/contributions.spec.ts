import { fundAccounts } from '#libs/funds';
import { yuan } from '#libs/money';
import { createHousehold, createVillage } from '../../../test/funds/fixtures.js';
import { asActor, fundsHarness, key, refused, type FundsHarness } from './helpers.js';

let h: FundsHarness;

beforeAll(async () => {
  h = await fundsHarness(30);
});
afterAll(async () => h.db.drop());
afterEach(async () => {
  const report = await h.ledger.verify();
  expect(report.ok).toBe(true);
});

const q = (sql: string, params: unknown[] = []) => h.db.dataSource.query(sql, params);
const counts = async () =>
  (
    await q(`SELECT (SELECT count(*) FROM contributions)::int AS contributions, (SELECT count(*) FROM journal_entries)::int AS entries,
                    (SELECT count(*) FROM fund_members)::int AS members, (SELECT count(*) FROM idempotency_keys)::int AS keys,
                    (SELECT count(*) FROM audit_log)::int AS audits`)
  )[0];

async function newFund() {
  const v = await createVillage(h.db.dataSource);
  const fund = await h.funds.create({ villageId: v.villageId });
  return { v, fund };
}

describe('contributions by source', () => {
  it('records each source as CASH ↑ / CAPITAL:{source} ↑ with its register row and audit', async () => {
    const { v, fund } = await newFund();
    const a = fundAccounts(fund.id);
    const c = await h.contributions.contribute(
      fund.id,
      {
        source: 'SOE',
        amountFen: yuan('30000'),
        documentRef: 'SOE-2026-1',
        soeName: '淄博矿业集团',
        soeProfitBaseFen: yuan('1000000'),
        year: 2025,
        receivedOn: '2026-01-10',
      },
      key(),
    );
    expect(c).toMatchObject({
      source: 'SOE',
      amount: '30000.00',
      year: 2025,
      receivedOn: '2026-01-10',
      soeName: '淄博矿业集团',
      soeProfitBase: '1000000.00',
      householdId: null,
    });
    for (const source of ['CENTRAL', 'CITY', 'DISTRICT', 'DONATION'] as const) {
      await h.contributions.contribute(
        fund.id,
        { source, amountFen: 12_345n, documentRef: `doc-${source}` },
        key(),
      );
    }
    const balances = await h.ledger.balances(null, [
      a.cash,
      a.capital.SOE,
      a.capital.CENTRAL,
      a.capital.CITY,
      a.capital.DISTRICT,
      a.capital.DONATION,
    ]);
    expect(balances.get(a.cash)).toBe(3_000_000n + 4n * 12_345n);
    expect(balances.get(a.capital.SOE)).toBe(3_000_000n);
    expect(balances.get(a.capital.DONATION)).toBe(12_345n);

    const [row] = await q(`SELECT * FROM contributions WHERE id = $1`, [c.id]);
    expect(row).toMatchObject({
      target_type: 'MUTUAL_AID_FUND',
      target_id: fund.id,
      district_id: v.districtId,
      received_on: '2026-01-10',
      created_by: 'system',
    });
    expect(row.idempotency_key).toMatch(/^mutual-aid-fund:contribution:/);
    const [entry] = await q(`SELECT code, business_date FROM journal_entries WHERE id = $1`, [c.entryId]);
    // dated the day the money was received (its value date), not the day it was keyed in (2026-06-01)
    expect(entry).toEqual({ code: 'FUND_CONTRIBUTION', business_date: '2026-01-10' });
    expect(
      (
        await q(
          `SELECT count(*)::int AS n FROM audit_log WHERE action = 'FUND_CONTRIBUTION_RECORDED' AND entity_id = $1`,
          [c.id],
        )
      )[0].n,
    ).toBe(1);

    const list = await h.contributions.list(fund.id, { source: 'SOE' }, { page: 1, pageSize: 10 });
    expect(list).toMatchObject({ total: 1, totalAmount: '30000.00' });
    const all = await h.contributions.list(fund.id, {}, { page: 1, pageSize: 2 });
    expect(all).toMatchObject({ total: 5, totalAmount: '30493.80' });
    expect(all.items).toHaveLength(2);
    expect((await h.contributions.list(fund.id, { year: 2025 }, { page: 1, pageSize: 10 })).total).toBe(1);
    expect(
      (
        await h.contributions.list(
          fund.id,
          { from: '2026-02-01', to: '2026-12-31' },
          { page: 1, pageSize: 10 },
        )
      ).total,
    ).toBe(4);
  });

  it('makes a household a member by its share, and records a fiscal-funded share (配股) against a poor household', async () => {
    const { v, fund } = await newFund();
    const a = fundAccounts(fund.id);
    const poor = await createHousehold(h.db.dataSource, v.villageId, { status: 'POOR' });
    const fiscal = await h.contributions.contribute(
      fund.id,
      {
        source: 'DISTRICT',
        amountFen: yuan('1000'),
        householdId: poor.id,
        fiscalFunded: true,
        documentRef: '配股-1',
        receivedOn: '2026-02-01',
      },
      key(),
    );
    expect(fiscal.member).toMatchObject({
      householdId: poor.id,
      status: 'ACTIVE',
      joinedOn: '2026-02-01',
      paidShare: '0.00',
      fiscalShare: '1000.00',
      withdrawableFrom: '2027-02-01',
    });
    const own = await h.contributions.contribute(
      fund.id,
      { source: 'MEMBER', amountFen: yuan('200'), householdId: poor.id, receivedOn: '2026-03-01' },
      key(),
    );
    expect(own.member).toMatchObject({
      joinedOn: '2026-02-01',
      paidShare: '200.00',
      fiscalShare: '1000.00',
      totalShare: '1200.00',
    });

    const b = await h.ledger.balances(null, [a.capital.DISTRICT, a.capital.MEMBER, a.cash]);
    expect([b.get(a.capital.DISTRICT), b.get(a.capital.MEMBER), b.get(a.cash)]).toEqual([
      100_000n,
      20_000n,
      120_000n,
    ]);
    expect(await h.funds.isMember(null, fund.id, poor.id)).toBe(true);
    expect(
      (await q(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'FUND_MEMBER_JOINED'`))[0].n,
    ).toBeGreaterThanOrEqual(1);

    const members = await asActor('AUDITOR', () =>
      h.shares.listMembers(fund.id, { poor: true }, { page: 1, pageSize: 10 }),
    );
    expect(members.total).toBe(1);
    expect(members.items[0].household.idNumber).toMatch(/^\d{4}\*{10}\d{4}$/);
    const full = await asActor('FUND_ADMIN', () =>
      h.shares.listMembers(fund.id, { fiscalFunded: true }, { page: 1, pageSize: 10 }),
    );
    expect(full.items[0].household.idNumber).toBe(poor.idNumber);
    expect((await h.shares.listMembers(fund.id, { poor: false }, { page: 1, pageSize: 10 })).total).toBe(0);
    expect(
      (
        await h.contributions.list(
          fund.id,
          { householdId: poor.id, fiscalFunded: true },
          { page: 1, pageSize: 10 },
        )
      ).total,
    ).toBe(1);
  });

  it('refuses a household of another village, a fiscal share for a non-poor household, or an unknown household: all at once, nothing written', async () => {
    const { fund } = await newFund();
    const elsewhere = await createVillage(h.db.dataSource);
    const outsider = await createHousehold(h.db.dataSource, elsewhere.villageId, { status: 'NON_POOR' });
    const before = await counts();
    const err = await refused(
      h.contributions.contribute(
        fund.id,
        { source: 'CITY', amountFen: 100n, householdId: outsider.id, fiscalFunded: true, documentRef: 'x' },
        key(),
      ),
    );
    expect(err.code).toBe('FUND_MEMBER_NOT_OF_VILLAGE');
    expect(err.errors.map((e) => e.code)).toEqual([
      'FUND_MEMBER_NOT_OF_VILLAGE',
      'FUND_FISCAL_SHARE_NOT_POOR',
    ]);
    const unknown = await refused(
      h.contributions.contribute(
        fund.id,
        { source: 'MEMBER', amountFen: 100n, householdId: '88888888' },
        key(),
      ),
    );
    expect(unknown.code).toBe('FUND_HOUSEHOLD_NOT_FOUND');
    expect(await counts()).toEqual(before);
    expect(await h.funds.isMember(null, fund.id, outsider.id)).toBe(false);
  });

  it('refuses a malformed contribution naming every field, before anything is written', async () => {
    const { fund } = await newFund();
    const before = await counts();
    const err = await refused(
      h.contributions.contribute(
        fund.id,
        { source: 'SOE', amountFen: 100n, receivedOn: '2026-06-02', householdId: '1' },
        key(),
      ),
    );
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.errors.map((e) => e.field)).toEqual([
      'receivedOn',
      'householdId',
      'documentRef',
      'soeName',
      'soeProfitBase',
    ]);
    expect(
      (
        await refused(
          h.contributions.contribute('123456', { source: 'CITY', amountFen: 100n, documentRef: 'x' }, key()),
        )
      ).code,
    ).toBe('NOT_FOUND');
    expect(await counts()).toEqual(before);
  });

  it('lets a loan officer record member shares only', async () => {
    const { v, fund } = await newFund();
    const hh = await createHousehold(h.db.dataSource, v.villageId);
    const ok = await asActor(
      'LOAN_OFFICER',
      () =>
        h.contributions.contribute(
          fund.id,
          { source: 'MEMBER', amountFen: 50_000n, householdId: hh.id },
          key(),
        ),
      'officer.li',
    );
    expect(ok.createdBy).toBe('officer.li');
    const err = await refused(
      asActor('LOAN_OFFICER', () =>
        h.contributions.contribute(fund.id, { source: 'CITY', amountFen: 100n, documentRef: 'x' }, key()),
      ),
    );
    expect(err.code).toBe('FORBIDDEN');
  });
});

describe('idempotency', () => {
  it('records a contribution once for a key, replays the first answer, and refuses the key with another body', async () => {
    const { fund } = await newFund();
    const k = key('same');
    const input = { source: 'CITY' as const, amountFen: yuan('5000'), documentRef: 'doc-7' };
    const first = await h.contributions.contribute(fund.id, input, k);
    const second = await h.contributions.contribute(fund.id, input, k);
    expect(second).toEqual(first);
    expect(
      (await q(`SELECT count(*)::int AS n FROM contributions WHERE target_id = $1`, [fund.id]))[0].n,
    ).toBe(1);
    const err = await refused(h.contributions.contribute(fund.id, { ...input, amountFen: yuan('5001') }, k));
    expect(err.code).toBe('IDEMPOTENCY_KEY_REUSED');
    // the same key for another fund is another body too
    const other = await newFund();
    expect((await refused(h.contributions.contribute(other.fund.id, input, k))).code).toBe(
      'IDEMPOTENCY_KEY_REUSED',
    );
    expect(await h.ledger.balanceOf(null, fundAccounts(fund.id).cash)).toBe(yuan('5000'));
  });

  it('keeps two callers apart: the same key from two fund administrators records two contributions, each in the books', async () => {
    const { fund } = await newFund();
    const k = key('shared');
    const input = { source: 'CITY' as const, amountFen: yuan('700'), documentRef: 'doc-shared' };
    const a = await asActor('FUND_ADMIN', () => h.contributions.contribute(fund.id, input, k), 'fa.east');
    const b = await asActor('FUND_ADMIN', () => h.contributions.contribute(fund.id, input, k), 'fa.west');
    expect(b.id).not.toBe(a.id);
    // each caller's retry replays its own answer
    expect(await asActor('FUND_ADMIN', () => h.contributions.contribute(fund.id, input, k), 'fa.west')).toEqual(b);
    expect(
      (await q(`SELECT count(*)::int AS n FROM contributions WHERE target_id = $1`, [fund.id]))[0].n,
    ).toBe(2);
    expect(await h.ledger.balanceOf(null, fundAccounts(fund.id).cash)).toBe(yuan('1400'));
  });

  it('posts once when the same key arrives many times at once', async () => {
    const { v, fund } = await newFund();
    const hh = await createHousehold(h.db.dataSource, v.villageId);
    const k = key('burst');
    const input = { source: 'MEMBER' as const, amountFen: yuan('300'), householdId: hh.id };
    const results = await Promise.all(
      Array.from({ length: 12 }, () => h.contributions.contribute(fund.id, input, k)),
    );
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(
      (await q(`SELECT count(*)::int AS n FROM contributions WHERE target_id = $1`, [fund.id]))[0].n,
    ).toBe(1);
    expect(await h.ledger.balanceOf(null, fundAccounts(fund.id).capital.MEMBER)).toBe(yuan('300'));
    const [m] = await q(`SELECT paid_share_fen FROM fund_members WHERE fund_id = $1`, [fund.id]);
    expect(m.paid_share_fen).toBe('30000');
  });

  it('keeps the register and the ledger equal under many simultaneous contributions', async () => {
    const { v, fund } = await newFund();
    const a = fundAccounts(fund.id);
    const hhs: { id: string }[] = [];
    for (let i = 0; i < 4; i++)
      hhs.push(await createHousehold(h.db.dataSource, v.villageId, { status: i % 2 ? 'POOR' : 'NON_POOR' }));
    const jobs = Array.from({ length: 25 }, (_, i) => {
      const hh = hhs[i % hhs.length]; // every fifth job is a CITY grant; the rest cover all four households
      const input =
        i % 5 === 4
          ? { source: 'CITY' as const, amountFen: BigInt(1000 + i), documentRef: `c${i}` }
          : { source: 'MEMBER' as const, amountFen: BigInt(100 + i), householdId: hh.id };
      return h.contributions.contribute(fund.id, input, key('par'));
    });
    await Promise.all(jobs);
    const [sums] = await q(
      `SELECT (SELECT sum(paid_share_fen) FROM fund_members WHERE fund_id = $1)::text AS paid,
              (SELECT sum(amount_fen) FROM contributions WHERE target_id = $1)::text AS total,
              (SELECT count(*) FROM fund_members WHERE fund_id = $1)::int AS members`,
      [fund.id],
    );
    expect(BigInt(sums.paid)).toBe(await h.ledger.balanceOf(null, a.capital.MEMBER));
    expect(BigInt(sums.total)).toBe(await h.ledger.balanceOf(null, a.cash));
    expect(sums.members).toBe(4);
  });
});
