import { fundAccounts, type FundRules } from '#libs/funds';
import { yuan } from '#libs/money';
import {
  createHousehold,
  createHouseholds,
  createOutstandingLoan,
  createVillage,
} from '../../../test/funds/fixtures.js';
import { fundsHarness, key, refused, setToday, type FundsHarness } from './helpers.js';

let h: FundsHarness;
const TODAY = '2026-06-01';
/** Shares paid well before TODAY, so the 12-month lock has passed. */
const LONG_AGO = '2025-01-10';

beforeAll(async () => {
  h = await fundsHarness(30, TODAY);
});
afterAll(async () => h.db.drop());
beforeEach(() => setToday(h.clock, TODAY));
afterEach(async () => {
  const report = await h.ledger.verify();
  expect(report.ok).toBe(true);
});

const q = (sql: string, params: unknown[] = []) => h.db.dataSource.query(sql, params);

/** A fund with `members` households each holding a member-paid share, plus a CITY grant. */
async function fundWith(opts: {
  members: number;
  shareYuan?: string;
  cityYuan?: string;
  joinedOn?: string;
  rules?: Partial<FundRules>;
}) {
  const v = await createVillage(h.db.dataSource);
  const fund = await h.funds.create({ villageId: v.villageId, rules: opts.rules });
  const households = await createHouseholds(h.db.dataSource, v.villageId, opts.members);
  for (const hh of households) {
    await h.contributions.contribute(
      fund.id,
      {
        source: 'MEMBER',
        amountFen: yuan(opts.shareYuan ?? '1000'),
        householdId: hh.id,
        receivedOn: opts.joinedOn ?? LONG_AGO,
      },
      key('share'),
    );
  }
  if (opts.cityYuan)
    await h.contributions.contribute(
      fund.id,
      { source: 'CITY', amountFen: yuan(opts.cityYuan), documentRef: 'grant' },
      key('city'),
    );
  return { v, fund, households, a: fundAccounts(fund.id) };
}

/** What origination does at disbursement: lock the fund, then LOANS ↑ / CASH ↓. */
async function disburse(fundId: string, amountFen: bigint) {
  await h.db.dataSource.transaction(async (m) => {
    const f = await h.funds.lockFund(m, fundId);
    await h.ledger.post(m, {
      idempotencyKey: key('disburse'),
      code: 'LOAN_DISBURSEMENT',
      valueDate: TODAY,
      lines: [
        { account: f.accounts.loans, side: 'DEBIT', amountFen },
        { account: f.accounts.cash, side: 'CREDIT', amountFen },
      ],
    });
  });
}

async function registerMatchesLedger(fundId: string) {
  const [r] = await q(
    `SELECT coalesce(sum(paid_share_fen), 0)::text AS paid FROM fund_members WHERE fund_id = $1`,
    [fundId],
  );
  expect(BigInt(r.paid)).toBe(await h.ledger.balanceOf(null, fundAccounts(fundId).capital.MEMBER));
}

describe('share withdrawal', () => {
  it('pays back part of a member-paid share: CAPITAL:MEMBER ↓ / CASH ↓, register, audit', async () => {
    const { fund, households, a } = await fundWith({ members: 1, cityYuan: '10000' });
    const hh = households[0];
    const w = await h.shares.withdraw(
      fund.id,
      { householdId: hh.id, amountFen: yuan('400'), reason: 'school fees' },
      key(),
    );
    expect(w).toMatchObject({
      householdId: hh.id,
      amount: '400.00',
      withdrawnOn: TODAY,
      reason: 'school fees',
    });
    expect(w.member).toMatchObject({ paidShare: '600.00', withdrawn: '400.00', status: 'ACTIVE' });
    const b = await h.ledger.balances(null, [a.cash, a.capital.MEMBER]);
    expect([b.get(a.cash), b.get(a.capital.MEMBER)]).toEqual([yuan('10600'), yuan('600')]);
    const [entry] = await q(`SELECT code FROM journal_entries WHERE id = $1`, [w.entryId]);
    expect(entry.code).toBe('MEMBER_SHARE_WITHDRAWAL');
    expect(
      (
        await q(
          `SELECT count(*)::int AS n FROM audit_log WHERE action = 'MEMBER_SHARE_WITHDRAWN' AND entity_id = $1`,
          [w.id],
        )
      )[0].n,
    ).toBe(1);
    const list = await h.shares.listWithdrawals(
      fund.id,
      { householdId: hh.id, from: TODAY, to: TODAY },
      { page: 1, pageSize: 10 },
    );
    expect(list.items.map((i) => i.id)).toEqual([w.id]);
    expect(
      (await h.shares.listWithdrawals(fund.id, { to: '2026-05-31' }, { page: 1, pageSize: 10 })).total,
    ).toBe(0);
    await registerMatchesLedger(fund.id);
  });

  it('dates a withdrawal paid back earlier at its day; refuses a future day, and one that would overdraw a later date', async () => {
    const { fund, households, a } = await fundWith({ members: 2, cityYuan: '10000' });
    // 2,000.00 of shares since 2025; 1,500.00 lent on 2026-04-01; the CITY grant arrived today
    await h.db.dataSource.transaction((m) =>
      h.ledger.post(m, {
        idempotencyKey: key('lend'),
        code: 'LOAN_DISBURSEMENT',
        valueDate: '2026-04-01',
        lines: [
          { account: a.loans, side: 'DEBIT', amountFen: yuan('1500') },
          { account: a.cash, side: 'CREDIT', amountFen: yuan('1500') },
        ],
      }),
    );
    const future = await refused(
      h.shares.withdraw(fund.id, { householdId: households[0].id, amountFen: yuan('100'), withdrawnOn: '2026-06-02' }, key()),
    );
    expect(future.code).toBe('VALIDATION_FAILED');
    expect(future.errors).toEqual([expect.objectContaining({ field: 'withdrawnOn', code: 'DATE_IN_FUTURE' })]);
    // 1,000.00 paid back on 2026-03-01 would leave the fund −500.00 on 2026-04-01, when it lent 1,500.00
    const short = await refused(
      h.shares.withdraw(fund.id, { householdId: households[0].id, amountFen: yuan('1000'), withdrawnOn: '2026-03-01' }, key()),
    );
    expect(short).toMatchObject({
      code: 'LEDGER_LIMIT_EXCEEDED',
      extra: { account: a.cash, date: '2026-04-01', shortfall: '500.00' },
    });
    const w = await h.shares.withdraw(
      fund.id,
      { householdId: households[0].id, amountFen: yuan('400'), withdrawnOn: '2026-03-01' },
      key(),
    );
    expect(w).toMatchObject({ withdrawnOn: '2026-03-01', amount: '400.00' });
    const [entry] = await q(`SELECT business_date FROM journal_entries WHERE id = $1`, [w.entryId]);
    expect(entry.business_date).toBe('2026-03-01');
    expect(await h.ledger.balanceOf(null, a.cash)).toBe(yuan('10100'));
    await registerMatchesLedger(fund.id);
  });

  it('keeps a share locked for share_lock_months after joining, then lets it go', async () => {
    const { fund, households } = await fundWith({ members: 1, cityYuan: '1000', joinedOn: '2026-01-31' });
    const err = await refused(
      h.shares.withdraw(fund.id, { householdId: households[0].id, amountFen: yuan('100') }, key()),
    );
    expect(err.code).toBe('SHARE_LOCKED');
    expect(err.errors[0].field).toBe('householdId');
    expect(err.detail).toMatch(/withdrawable from 2027-01-31/);
    setToday(h.clock, '2027-01-30');
    expect(
      (
        await refused(
          h.shares.withdraw(fund.id, { householdId: households[0].id, amountFen: yuan('100') }, key()),
        )
      ).code,
    ).toBe('SHARE_LOCKED');
    setToday(h.clock, '2027-01-31');
    const w = await h.shares.withdraw(
      fund.id,
      { householdId: households[0].id, amountFen: yuan('100') },
      key(),
    );
    expect(w.withdrawnOn).toBe('2027-01-31');
  });

  it('never pays out a fiscal-funded share (配股): it is public money, not the household’s', async () => {
    const v = await createVillage(h.db.dataSource);
    const fund = await h.funds.create({ villageId: v.villageId });
    const poor = await createHousehold(h.db.dataSource, v.villageId, { status: 'POOR' });
    await h.contributions.contribute(
      fund.id,
      {
        source: 'DISTRICT',
        amountFen: yuan('1000'),
        householdId: poor.id,
        fiscalFunded: true,
        documentRef: '配股',
        receivedOn: LONG_AGO,
      },
      key(),
    );
    await h.contributions.contribute(
      fund.id,
      { source: 'MEMBER', amountFen: yuan('200'), householdId: poor.id, receivedOn: LONG_AGO },
      key(),
    );
    const entries = (await q(`SELECT count(*)::int AS n FROM journal_entries`))[0].n;
    const err = await refused(
      h.shares.withdraw(fund.id, { householdId: poor.id, amountFen: yuan('200.01') }, key()),
    );
    expect(err.code).toBe('SHARE_INSUFFICIENT');
    expect(err.detail).toMatch(/fiscal-funded share of 1000.00 is not withdrawable/);
    expect((await q(`SELECT count(*)::int AS n FROM journal_entries`))[0].n).toBe(entries);
    // The paid part goes; the household stays a member on its fiscal share.
    const w = await h.shares.withdraw(fund.id, { householdId: poor.id, amountFen: yuan('200') }, key());
    expect(w.member).toMatchObject({ status: 'ACTIVE', paidShare: '0.00', fiscalShare: '1000.00' });
    expect(await h.funds.isMember(null, fund.id, poor.id)).toBe(true);
  });

  it('keeps the share of a household that owes the fund principal', async () => {
    const { fund, households } = await fundWith({ members: 2, cityYuan: '20000' });
    await createOutstandingLoan(h.db.dataSource, fund.id, households[0].id, yuan('3000'));
    const err = await refused(
      h.shares.withdraw(fund.id, { householdId: households[0].id, amountFen: yuan('100') }, key()),
    );
    expect(err.code).toBe('FUND_MEMBER_HAS_LOAN');
    await h.shares.withdraw(fund.id, { householdId: households[1].id, amountFen: yuan('100') }, key());
  });

  it('returns every failed rule at once: lock, cash and cap', async () => {
    // capital 12,000, lent 10,800 (the 90 % cap), cash 1,200; a fresh member asks for its whole 2,000.
    const { fund, households, a } = await fundWith({
      members: 1,
      shareYuan: '2000',
      cityYuan: '10000',
      joinedOn: TODAY,
    });
    await disburse(fund.id, yuan('10800'));
    const before = await h.ledger.balanceOf(null, a.cash);
    const err = await refused(
      h.shares.withdraw(fund.id, { householdId: households[0].id, amountFen: yuan('2000') }, key()),
    );
    expect(err.code).toBe('SHARE_LOCKED');
    expect(err.errors.map((e) => e.code)).toEqual([
      'SHARE_LOCKED',
      'FUND_INSUFFICIENT_CASH',
      'FUND_CAP_EXCEEDED',
    ]);
    expect(err.detail).toMatch(/at most 0.00 can leave/);
    expect(await h.ledger.balanceOf(null, a.cash)).toBe(before);
    expect(
      (await q(`SELECT count(*)::int AS n FROM share_withdrawals WHERE fund_id = $1`, [fund.id]))[0].n,
    ).toBe(0);
  });

  it('refuses a non-member, and ends membership when the whole share is withdrawn; re-joining restarts the lock', async () => {
    const { v, fund, households } = await fundWith({ members: 2, cityYuan: '5000' });
    const outsider = await createHousehold(h.db.dataSource, v.villageId);
    expect(
      (await refused(h.shares.withdraw(fund.id, { householdId: outsider.id, amountFen: 100n }, key()))).code,
    ).toBe('FUND_NOT_A_MEMBER');
    expect(
      (await refused(h.shares.withdraw(fund.id, { householdId: '77777777', amountFen: 100n }, key()))).code,
    ).toBe('FUND_NOT_A_MEMBER');

    const hh = households[0];
    const w = await h.shares.withdraw(fund.id, { householdId: hh.id, amountFen: yuan('1000') }, key());
    expect(w.member).toMatchObject({
      status: 'LEFT',
      leftOn: TODAY,
      paidShare: '0.00',
      withdrawn: '1000.00',
    });
    expect(await h.funds.isMember(null, fund.id, hh.id)).toBe(false);
    expect((await h.funds.position(null, fund.id)).memberCount).toBe(1);
    expect(
      (await refused(h.shares.withdraw(fund.id, { householdId: hh.id, amountFen: 1n }, key()))).code,
    ).toBe('FUND_NOT_A_MEMBER');

    const again = await h.contributions.contribute(
      fund.id,
      { source: 'MEMBER', amountFen: yuan('500'), householdId: hh.id },
      key(),
    );
    expect(again.member).toMatchObject({
      status: 'ACTIVE',
      joinedOn: TODAY,
      leftOn: null,
      paidShare: '500.00',
      withdrawableFrom: '2027-06-01',
    });
    expect(
      (await refused(h.shares.withdraw(fund.id, { householdId: hh.id, amountFen: 1n }, key()))).code,
    ).toBe('SHARE_LOCKED');
    expect((await h.shares.listMembers(fund.id, { status: 'ACTIVE' }, { page: 1, pageSize: 10 })).total).toBe(
      2,
    );
  });

  it('withdraws once per Idempotency-Key; the key with another body is a conflict', async () => {
    const { fund, households, a } = await fundWith({ members: 1, cityYuan: '1000' });
    const k = key('wd');
    const input = { householdId: households[0].id, amountFen: yuan('300') };
    const [first, second] = await Promise.all([
      h.shares.withdraw(fund.id, input, k),
      h.shares.withdraw(fund.id, input, k),
    ]);
    expect(second).toEqual(first);
    expect(await h.ledger.balanceOf(null, a.capital.MEMBER)).toBe(yuan('700'));
    expect((await refused(h.shares.withdraw(fund.id, { ...input, amountFen: yuan('301') }, k))).code).toBe(
      'IDEMPOTENCY_KEY_REUSED',
    );
  });
});

describe('concurrency (real Postgres, simultaneous transactions)', () => {
  it('cash for exactly 8: 24 simultaneous withdrawals → exactly 8 paid, 16 FUND_INSUFFICIENT_CASH, cash never below zero', async () => {
    // Cap 100 %, so cash is the binding rule: capital 74,000, lent 66,000, cash 8,000.
    const { fund, households, a } = await fundWith({
      members: 24,
      cityYuan: '50000',
      rules: { lendingCapPercent: '100' },
    });
    await disburse(fund.id, yuan('66000'));
    const results = await Promise.allSettled(
      households.map((hh) =>
        h.shares.withdraw(fund.id, { householdId: hh.id, amountFen: yuan('1000') }, key('c8')),
      ),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(8);
    expect(failed).toHaveLength(16);
    for (const f of failed) expect(f.reason.code).toBe('FUND_INSUFFICIENT_CASH');
    expect(await h.ledger.balanceOf(null, a.cash)).toBe(0n);
    expect(
      (await q(`SELECT count(*)::int AS n FROM share_withdrawals WHERE fund_id = $1`, [fund.id]))[0].n,
    ).toBe(8);
    const [min] = await q(
      `SELECT min(p.balance_after_fen)::text AS low FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id WHERE a.code = $1`,
      [a.cash],
    );
    expect(BigInt(min.low)).toBe(0n);
    await registerMatchesLedger(fund.id);
  });

  it('cap for exactly 5: 20 simultaneous withdrawals → exactly 5 paid, 15 FUND_CAP_EXCEEDED, outstanding within the cap', async () => {
    // capital 100,000 (20 × 1,000 + 80,000), lent 85,500: 0.9 × (100,000 − 1,000k) ≥ 85,500 ⇔ k ≤ 5; cash allows 14.
    const { fund, households, a } = await fundWith({ members: 20, cityYuan: '80000' });
    await disburse(fund.id, yuan('85500'));
    const results = await Promise.allSettled(
      households.map((hh) =>
        h.shares.withdraw(fund.id, { householdId: hh.id, amountFen: yuan('1000') }, key('c5')),
      ),
    );
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    for (const f of failed) expect(f.reason.code).toBe('FUND_CAP_EXCEEDED');
    const p = await h.funds.position(null, fund.id);
    expect(p.capitalFen).toBe(yuan('95000'));
    expect(p.loansOutstandingFen <= p.lendingCapFen).toBe(true);
    expect(await h.ledger.balanceOf(null, a.cash)).toBe(yuan('9500'));
    await registerMatchesLedger(fund.id);
  });

  it('one member, 12 simultaneous withdrawals of a 5,000 share in 1,000s → exactly 5, the member leaves', async () => {
    const { fund, households } = await fundWith({ members: 1, shareYuan: '5000', cityYuan: '10000' });
    const hh = households[0];
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, () =>
        h.shares.withdraw(fund.id, { householdId: hh.id, amountFen: yuan('1000') }, key('one')),
      ),
    );
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    for (const f of failed) expect(['SHARE_INSUFFICIENT', 'FUND_NOT_A_MEMBER']).toContain(f.reason.code);
    const [m] = await q(`SELECT status, paid_share_fen, withdrawn_fen FROM fund_members WHERE fund_id = $1`, [
      fund.id,
    ]);
    expect(m).toEqual({ status: 'LEFT', paid_share_fen: '0', withdrawn_fen: '500000' });
    await registerMatchesLedger(fund.id);
  });

  it('withdrawals, contributions and disbursements at once keep cash ≥ 0, outstanding ≤ cap and the register equal to the ledger', async () => {
    const { v, fund, households, a } = await fundWith({ members: 12, cityYuan: '20000' });
    const newcomers = await createHouseholds(h.db.dataSource, v.villageId, 6);
    await disburse(fund.id, yuan('20000'));
    const jobs: Promise<unknown>[] = [
      ...households.map((hh) =>
        h.shares.withdraw(fund.id, { householdId: hh.id, amountFen: yuan('700') }, key('mix-w')),
      ),
      ...newcomers.map((hh) =>
        h.contributions.contribute(
          fund.id,
          { source: 'MEMBER', amountFen: yuan('800'), householdId: hh.id },
          key('mix-c'),
        ),
      ),
      ...[1, 2, 3].map(() =>
        h.db.dataSource.transaction(async (m) => {
          // A disbursement that respects the position it reads under the lock, as origination will.
          await h.funds.lockFund(m, fund.id);
          const p = await h.funds.position(m, fund.id);
          const amount = yuan('3000');
          if (p.availableToLendFen < amount) return 'refused';
          await h.ledger.post(m, {
            idempotencyKey: key('mix-d'),
            code: 'LOAN_DISBURSEMENT',
            valueDate: TODAY,
            lines: [
              { account: a.loans, side: 'DEBIT', amountFen: amount },
              { account: a.cash, side: 'CREDIT', amountFen: amount },
            ],
          });
          return 'disbursed';
        }),
      ),
    ];
    const results = await Promise.allSettled(jobs);
    for (const r of results)
      if (r.status === 'rejected')
        expect(['FUND_INSUFFICIENT_CASH', 'FUND_CAP_EXCEEDED']).toContain(r.reason.code);
    const p = await h.funds.position(null, fund.id);
    expect(p.cashFen >= 0n).toBe(true);
    expect(p.loansOutstandingFen <= p.lendingCapFen).toBe(true);
    const withdrawn = (
      await q(`SELECT count(*)::int AS n FROM share_withdrawals WHERE fund_id = $1`, [fund.id])
    )[0].n;
    expect(withdrawn).toBe(
      results.slice(0, households.length).filter((r) => r.status === 'fulfilled').length,
    );
    // capital = 12,000 + 20,000 + 4,800 − 700 × withdrawn
    expect(p.capitalFen).toBe(yuan('36800') - BigInt(withdrawn) * yuan('700'));
    await registerMatchesLedger(fund.id);
  });
});
