import { fundAccounts } from '#libs/funds';
import { yuan } from '#libs/money';
import { programmeAccounts, type ClaimView } from '#libs/subsidy';
import * as fx from '../../../test/subsidy/fixtures.js';
import { as, key, refused, subsidyHarness, type SubsidyHarness } from './helpers.js';

/**
 * A PAY_BANK claim whose payee is a village mutual-aid fund (the lender of mutual-aid loans): its settlement posts
 * the fund's side in the same entry (MAF CASH ↑ / FEE_INCOME ↑), a clawback the mirror image, refused when the fund
 * lacks the cash; a bank payee's money leaves the engine as before.
 */
let h: SubsidyHarness;
const q = (sql: string, params: unknown[] = []) => h.db.dataSource.query(sql, params);

beforeAll(async () => {
  h = await subsidyHarness(30);
  await fx.benchmarkRates(h.db.dataSource);
});
afterAll(async () => h.db.drop());
afterEach(async () => {
  const v = await h.ledger.verify();
  expect(v.unbalancedEntries).toEqual([]);
  expect(v.balanceMismatches).toEqual([]);
  expect(v.ok).toBe(true);
});

const P1 = '2026-03-20';

/**
 * A PAY_BANK programme funded with 100,000, one village fund lending `fundLoans` mutual-aid loans of 10,000 and one
 * bank with a covered loan of 50,000, every loan FULL_BENCHMARK (4.35 %) and paid on time in 2026-P1: the fund's
 * claim is 36.25 a month per loan (108.75 a quarter), the bank's 181.25 a month (543.75).
 */
async function setting(fundLoans = 1) {
  const ds = h.db.dataSource;
  const g = await fx.geography(ds);
  const p = await as('admin', () =>
    h.programmes.create({
      code: `F${Math.random().toString(36).slice(2, 8).toUpperCase()}`,
      name: 'Fund payee programme',
      settlementMode: 'PAY_BANK',
    }),
  );
  await as('treasurer', () =>
    h.programmes.contribute(
      p.id,
      { source: 'CITY', amountFen: 10_000_000n, year: 2026, documentRef: 'doc-1' },
      key('fund'),
    ),
  );
  await as('treasurer', () =>
    h.programmes.setBudget(p.id, { year: 2026, budgetFen: 10_000_000n, reason: 'test budget' }, key('b')),
  );
  const fundId = await fx.fund(ds, g.villageIds[0]);
  const bankId = await fx.bank(ds);
  const ma = await fx.productVersion(ds, {
    kind: 'MUTUAL_AID',
    fixedRatePercent: '6',
    policy: { type: 'FULL_BENCHMARK', programmeId: p.id },
  });
  const hm = await fx.productVersion(ds, { policy: { type: 'FULL_BENCHMARK', programmeId: p.id } });
  const loanIds: string[] = [];
  for (let i = 0; i < fundLoans; i++) {
    const l = await fx.loan(ds, {
      productVersionId: ma,
      channel: 'MUTUAL_AID',
      districtId: g.districtId,
      villageId: g.villageIds[0],
      fundId,
      householdId: await fx.household(ds, g.villageIds[0]),
      principalFen: 1_000_000n,
      termMonths: 12,
      annualRatePercent: '6',
      disbursementDate: '2025-12-05',
    });
    loanIds.push(l.id);
  }
  const bankLoan = await fx.loan(ds, {
    productVersionId: hm,
    channel: 'BANK_COVERED',
    districtId: g.districtId,
    bankId,
    householdId: await fx.household(ds, g.villageIds[0]),
    principalFen: 5_000_000n,
    termMonths: 12,
    annualRatePercent: '4.35',
    benchmarkRatePercent: '4.35',
    disbursementDate: '2025-12-05',
  });
  for (const id of [...loanIds, bankLoan.id])
    for (const [n, d] of [
      [1, '2026-01-05'],
      [2, '2026-02-05'],
      [3, '2026-03-05'],
    ] as const)
      await fx.pay(ds, id, n, d);
  const gen = await as('maker', () => h.claims.generate(p.id, { periodEnd: P1 }));
  const byType = (t: 'BANK' | 'FUND') => gen.claims.find((c) => c.payee.type === t)!.claim!;
  return { programmeId: p.id, fundId, bankId, loanIds, fundClaim: byType('FUND'), bankClaim: byType('BANK') };
}

const fundBalances = async (fundId: string) => {
  const a = fundAccounts(fundId);
  const b = await h.ledger.balances(null, [a.cash, a.feeIncome]);
  return { cash: b.get(a.cash)!, feeIncome: b.get(a.feeIncome)! };
};
const fenOf = (c: ClaimView) => yuan(c.total);
const entriesOf = async (claimId: string) =>
  (
    await q(`SELECT count(*)::int AS n FROM journal_entries WHERE idempotency_key LIKE $1`, [
      `subsidy:claim:${claimId}:%`,
    ])
  )[0].n as number;
const postingsOn = async (entryId: string) =>
  (
    await q(
      `SELECT a.code, p.side, p.amount_fen::text AS fen FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
        WHERE p.entry_id = $1 ORDER BY a.code, p.side`,
      [entryId],
    )
  ).map((r: { code: string; side: string; fen: string }) => [r.code, r.side, r.fen]);

describe('settling a claim paid to a village fund', () => {
  it('posts the fund side in the same entry: fund cash and fee income rise by exactly the claim total; a replay posts nothing more', async () => {
    const s = await setting(2);
    expect(s.fundClaim).toMatchObject({ total: '217.50', payee: { type: 'FUND', fundId: s.fundId } });
    const total = fenOf(s.fundClaim);
    expect(total).toBe(21_750n);
    await as('checker', () => h.claims.approve(s.fundClaim.id, key()));
    expect(await fundBalances(s.fundId)).toEqual({ cash: 0n, feeIncome: 0n });

    const k = key('settle');
    const paid = await as('checker', () =>
      h.claims.settle(s.fundClaim.id, { paidOn: '2026-04-01', paymentRef: 'TRF-F1' }, k),
    );
    expect(paid).toMatchObject({ status: 'PAID', paymentRef: 'TRF-F1' });
    expect(await fundBalances(s.fundId)).toEqual({ cash: total, feeIncome: total });
    const a = programmeAccounts(s.programmeId);
    const f = fundAccounts(s.fundId);
    // one balanced entry: the programme pays out of SETTLEMENT, the fund receives into CASH as usage-fee income
    expect(await postingsOn(paid.paymentEntryId!)).toEqual(
      [
        [f.cash, 'DEBIT', '21750'],
        [f.feeIncome, 'CREDIT', '21750'],
        [a.payableBank, 'DEBIT', '21750'],
        [a.settlement, 'CREDIT', '21750'],
      ].sort((x, y) => (x[0] < y[0] ? -1 : 1)),
    );
    const [e] = await q(`SELECT code FROM journal_entries WHERE id = $1`, [paid.paymentEntryId]);
    expect(e.code).toBe('SUBSIDY_CLAIM_SETTLEMENT');
    expect(await h.ledger.balances(null, [a.settlement, a.payableBank])).toEqual(
      new Map([
        [a.settlement, 0n],
        [a.payableBank, 0n],
      ]),
    );

    // the same Idempotency-Key replays the answer and posts nothing more
    const entriesBefore = (await q(`SELECT count(*)::int AS n FROM journal_entries`))[0].n as number;
    expect(
      await as('checker', () =>
        h.claims.settle(s.fundClaim.id, { paidOn: '2026-04-01', paymentRef: 'TRF-F1' }, k),
      ),
    ).toEqual(paid);
    expect((await q(`SELECT count(*)::int AS n FROM journal_entries`))[0].n).toBe(entriesBefore);
    expect(await fundBalances(s.fundId)).toEqual({ cash: total, feeIncome: total });
    // another key is a conflict: the claim is PAID
    expect(
      (await refused(as('checker', () => h.claims.settle(s.fundClaim.id, { paymentRef: 'TRF-F2' }, key()))))
        .code,
    ).toBe('SUBSIDY_CLAIM_STATE_CONFLICT');
    expect(await entriesOf(s.fundClaim.id)).toBe(2);
    const [audit] = await q(
      `SELECT after->'fundPosting' AS fp FROM audit_log WHERE action = 'SUBSIDY_CLAIM_SETTLED' AND entity_id = $1`,
      [s.fundClaim.id],
    );
    expect(audit.fp).toEqual({ fundId: s.fundId, amount: '217.50' });
  });

  it('a bank payee posts nothing on the fund side: the money leaves the engine', async () => {
    const s = await setting(1);
    await as('checker', () => h.claims.approve(s.bankClaim.id, key()));
    const paid = await as('checker', () =>
      h.claims.settle(s.bankClaim.id, { paidOn: '2026-04-01', paymentRef: 'TRF-B1' }, key()),
    );
    const a = programmeAccounts(s.programmeId);
    expect(await postingsOn(paid.paymentEntryId!)).toEqual([
      [a.payableBank, 'DEBIT', '54375'],
      [a.settlement, 'CREDIT', '54375'],
    ]);
    expect(await fundBalances(s.fundId)).toEqual({ cash: 0n, feeIncome: 0n });
    const [{ n }] = await q(
      `SELECT count(*)::int AS n FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id WHERE a.code LIKE $1`,
      [`MAF:${s.fundId}:%`],
    );
    expect(n).toBe(0);
  });

  it('concurrent settles of one fund claim pay the fund once', async () => {
    const s = await setting(1);
    await as('checker', () => h.claims.approve(s.fundClaim.id, key()));
    const same = key('same');
    const results = await Promise.allSettled([
      ...Array.from({ length: 5 }, (_, i) =>
        as(`payer${i}`, () =>
          h.claims.settle(s.fundClaim.id, { paidOn: '2026-04-01', paymentRef: `TRF-${i}` }, key()),
        ),
      ),
      ...Array.from({ length: 3 }, () =>
        as('payer9', () =>
          h.claims.settle(s.fundClaim.id, { paidOn: '2026-04-01', paymentRef: 'TRF-9' }, same),
        ),
      ),
    ]);
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(
      failed
        .map((f) => (f.reason as { code: string }).code)
        .filter((c) => c !== 'SUBSIDY_CLAIM_STATE_CONFLICT'),
    ).toEqual([]);
    expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
    expect(await entriesOf(s.fundClaim.id)).toBe(2);
    expect(await fundBalances(s.fundId)).toEqual({ cash: 10_875n, feeIncome: 10_875n });
  });

  it('a clawback round trip: the fund pays back out of its cash (refused while it lacks the cash), the programme budget takes it', async () => {
    const s = await setting(2);
    await as('checker', () => h.claims.approve(s.fundClaim.id, key()));
    await as('checker', () =>
      h.claims.settle(s.fundClaim.id, { paidOn: '2026-04-01', paymentRef: 'TRF-C1' }, key()),
    );
    expect(await fundBalances(s.fundId)).toEqual({ cash: 21_750n, feeIncome: 21_750n });

    // the second loan turns out to be fraud: an ADJUSTMENT claim taking its 108.75 back from the fund
    await q(`UPDATE loans SET flags = '{FRAUD}' WHERE id = $1`, [s.loanIds[1]]);
    const adj = (await as('maker', () => h.claims.generate(s.programmeId, { periodEnd: P1 }))).claims.find(
      (c) => c.payee.type === 'FUND',
    )!;
    expect(adj).toMatchObject({ action: 'ADJUSTMENT', claim: { kind: 'ADJUSTMENT', total: '-108.75' } });
    await as('checker', () => h.claims.approve(adj.claim!.id, key()));

    // meanwhile the fund lent out all but 100.00 of its cash (LOANS ↑ / CASH ↓)
    const f = fundAccounts(s.fundId);
    await h.db.dataSource.transaction((m) =>
      h.ledger.post(m, {
        idempotencyKey: key('lend'),
        code: 'LOAN_DISBURSEMENT',
        valueDate: '2026-04-01',
        lines: [
          { account: f.loans, side: 'DEBIT', amountFen: 11_750n },
          { account: f.cash, side: 'CREDIT', amountFen: 11_750n },
        ],
      }),
    );
    const a = programmeAccounts(s.programmeId);
    const before = await h.ledger.balances(null, [a.budget, a.payableBank, f.cash, f.feeIncome]);
    const short = await refused(
      as('checker', () =>
        h.claims.settle(adj.claim!.id, { paidOn: '2026-04-01', paymentRef: 'REFUND-1' }, key()),
      ),
    );
    expect(short).toMatchObject({
      code: 'FUND_INSUFFICIENT_CASH',
      errors: [{ field: 'amount', code: 'FUND_INSUFFICIENT_CASH' }],
    });
    expect(short.detail).toMatch(/has 100\.00 cash/);
    // nothing written
    expect(await h.ledger.balances(null, [a.budget, a.payableBank, f.cash, f.feeIncome])).toEqual(before);
    expect((await q(`SELECT status FROM subsidy_claims WHERE id = $1`, [adj.claim!.id]))[0].status).toBe(
      'APPROVED',
    );
    expect(await entriesOf(adj.claim!.id)).toBe(1);

    // a repayment brings cash back: the clawback is received, the fund's cash and income fall by exactly 108.75
    await h.db.dataSource.transaction((m) =>
      h.ledger.post(m, {
        idempotencyKey: key('repay'),
        code: 'LOAN_REPAYMENT',
        valueDate: '2026-04-01',
        lines: [
          { account: f.cash, side: 'DEBIT', amountFen: 11_750n },
          { account: f.loans, side: 'CREDIT', amountFen: 11_750n },
        ],
      }),
    );
    const back = await as('checker', () =>
      h.claims.settle(adj.claim!.id, { paidOn: '2026-04-01', paymentRef: 'REFUND-2' }, key()),
    );
    expect(back).toMatchObject({ status: 'PAID', paymentRef: 'REFUND-2' });
    expect(await postingsOn(back.paymentEntryId!)).toEqual(
      [
        [a.budget, 'DEBIT', '10875'],
        [a.payableBank, 'CREDIT', '10875'],
        [f.cash, 'CREDIT', '10875'],
        [f.feeIncome, 'DEBIT', '10875'],
      ].sort((x, y) => (x[0] < y[0] ? -1 : 1)),
    );
    expect(await fundBalances(s.fundId)).toEqual({ cash: 10_875n, feeIncome: 10_875n });
    expect(await h.ledger.balances(null, [a.budget, a.payableBank])).toEqual(
      new Map([
        [a.budget, 10_000_000n - 21_750n + 10_875n],
        [a.payableBank, 0n],
      ]),
    );
  });

  it('refuses to pay a closed fund, writing nothing', async () => {
    const s = await setting(1);
    await as('checker', () => h.claims.approve(s.fundClaim.id, key()));
    await q(`UPDATE mutual_aid_funds SET status = 'CLOSED' WHERE id = $1`, [s.fundId]);
    const r = await refused(
      as('checker', () =>
        h.claims.settle(s.fundClaim.id, { paidOn: '2026-04-01', paymentRef: 'TRF-X' }, key()),
      ),
    );
    expect(r).toMatchObject({ code: 'FUND_CLOSED', errors: [{ field: 'fundId', code: 'FUND_CLOSED' }] });
    expect((await q(`SELECT status FROM subsidy_claims WHERE id = $1`, [s.fundClaim.id]))[0].status).toBe(
      'APPROVED',
    );
    expect(await fundBalances(s.fundId)).toEqual({ cash: 0n, feeIncome: 0n });
  });
});
