import { fundAccounts } from '#libs/funds';
import { yuan } from '#libs/money';
import { disbursementEntryKey } from '#libs/origination';
import {
  admin1,
  application,
  footprint,
  harness,
  key,
  officer,
  refused,
  setToday,
  submitted,
  world,
  type Harness,
  type World,
} from './harness.js';

/**
 * Disbursement against the real database: the notice, the ledger entry, the frozen schedule and contract rate,
 * refusals that write nothing, idempotency, and 40 simultaneous disbursements against a fund whose cash covers
 * exactly 15.
 */
let h: Harness;
const TODAY = '2026-06-01';

beforeAll(async () => {
  h = await harness(30, TODAY);
});
afterAll(async () => h.db.drop());
beforeEach(() => setToday(h, TODAY));
afterEach(async () => {
  const report = await h.ledger.verify();
  expect(report.balanceMismatches).toEqual([]);
  expect(report.ok).toBe(true);
});

const q = (sql: string, params: unknown[] = []) => h.db.dataSource.query(sql, params);

/** A loan of household `i`, approved on TODAY (notice 3 days: disbursable from 2026-06-05). */
async function approved(w: World, i = 0, amount = '3000', over: Parameters<typeof application>[2] = {}) {
  const loan = await submitted(h, application(w, i, { amountFen: yuan(amount), ...over }));
  await admin1(() => h.applications.approve(loan.id));
  return h.origination.getLoan(null, loan.id);
}

describe('disbursement', () => {
  it('refuses until the notice has ended, then pays out: ledger entry, frozen schedule, contract rate, events, audit', async () => {
    const w = await world(h);
    const loan = await approved(w);
    expect(loan.noticeEndsOn).toBe('2026-06-04');
    const before = await h.funds.position(null, w.fundId);

    setToday(h, '2026-06-04');
    const trace = await footprint(h, loan.id);
    const early = await refused(admin1(() => h.disbursements.disburse(loan.id, {}, key('d'))));
    expect(early.code).toBe('LOAN_NOTICE_NOT_ENDED');
    expect(early.detail).toMatch(/from 2026-06-05/);
    expect(await footprint(h, loan.id)).toEqual(trace);
    const future = await refused(admin1(() => h.disbursements.disburse(loan.id, { businessDate: '2026-06-05' }, key('d'))));
    expect(future).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'businessDate' }] });

    setToday(h, '2026-06-05');
    const paid = await admin1(() => h.disbursements.disburse(loan.id, {}, key('d')));
    expect(paid).toMatchObject({
      status: 'DISBURSED',
      nextStep: null,
      annualRatePercent: '6',
      benchmarkRatePercent: null,
      penaltyRatePercent: '9',
      contractDate: '2026-06-05',
      disbursementDate: '2026-06-05',
      maturityDate: '2027-06-05',
      outstandingPrincipal: '3000.00',
    });
    // BULLET (利随本清): one instalment of principal + 12 months of 6 %
    expect(paid.installments).toEqual([
      expect.objectContaining({ number: 1, periodStart: '2026-06-05', dueDate: '2027-06-05', principal: '3000.00', interest: '180.00', status: 'OPEN' }),
    ]);
    expect(paid.events.slice(-2).map((e) => e.event)).toEqual(['PUBLIC_NOTICE_ENDED', 'DISBURSED']);

    const [entry] = await q(`SELECT id::text, code, business_date, idempotency_key FROM journal_entries WHERE id = $1`, [paid.disbursementEntryId]);
    expect(entry).toMatchObject({ code: 'LOAN_DISBURSEMENT', business_date: '2026-06-05', idempotency_key: disbursementEntryKey(loan.id) });
    const postings = await q(
      `SELECT a.code, p.side, p.amount_fen::text AS amount FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
        WHERE p.entry_id = $1 ORDER BY p.id`,
      [entry.id],
    );
    const a = fundAccounts(w.fundId);
    expect(postings).toEqual([
      { code: a.loans, side: 'DEBIT', amount: '300000' },
      { code: a.cash, side: 'CREDIT', amount: '300000' },
    ]);
    const after = await h.funds.position(null, w.fundId);
    expect(after.cashFen).toBe(before.cashFen - 300_000n);
    expect(after.loansOutstandingFen).toBe(before.loansOutstandingFen + 300_000n);
    const [audit] = await q(`SELECT actor, after FROM audit_log WHERE entity_type = 'loan' AND entity_id = $1 AND action = 'LOAN_DISBURSED'`, [loan.id]);
    expect(audit.actor).toBe('admin.wang');
    expect(audit.after).toMatchObject({ status: 'DISBURSED', entryId: paid.disbursementEntryId, annualRatePercent: '6' });

    // the repayment library's view of the loan
    const record = await h.origination.getLoan(null, loan.id);
    expect(record).toMatchObject({ status: 'DISBURSED', principalFen: 300_000n, outstandingPrincipalFen: 300_000n, penaltyRatePercent: '9' });
    expect((await h.origination.installments(null, loan.id)).map((i) => [i.dueDate, i.principalFen, i.interestFen])).toEqual([
      ['2027-06-05', 300_000n, 18_000n],
    ]);
  });

  it('pays out at once in a fund without notice, on a past business date after the approval', async () => {
    const w = await world(h, { rules: { publicNoticeDays: 0 } });
    const loan = await approved(w, 0, '2000');
    expect(loan.status).toBe('APPROVED');
    setToday(h, '2026-06-10');
    const before = await refused(admin1(() => h.disbursements.disburse(loan.id, { businessDate: '2026-05-31' }, key('d'))));
    expect(before).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'businessDate' }] });
    const paid = await admin1(() => h.disbursements.disburse(loan.id, { businessDate: '2026-06-03' }, key('d')));
    expect(paid).toMatchObject({ status: 'DISBURSED', disbursementDate: '2026-06-03', maturityDate: '2027-06-03' });
    expect(paid.events.at(-1)!.event).toBe('DISBURSED');
  });

  it('freezes a monthly schedule whose principal sums to the loan, and records the benchmark of a benchmark product', async () => {
    await admin1(() =>
      h.products.create({
        code: 'MA_MONTHLY_BENCH',
        kind: 'MUTUAL_AID',
        name: 'monthly mutual aid at benchmark',
        minPrincipal: '100.00',
        maxPrincipal: '10000.00',
        firstLoanMax: '5000.00',
        minTermMonths: 1,
        maxTermMonths: 12,
        method: 'EQUAL_INSTALLMENT',
        frequency: 'MONTHLY',
        dayCount: 'PERIOD',
        rateSource: 'BENCHMARK',
        markupPercent: '1.65',
        allowedPurposes: ['BREEDING', 'PLANTING'],
        eligibleStatuses: ['POOR', 'GRADUATED', 'NON_POOR'],
        minAge: 18,
        maxAge: 65,
        requiresGroup: true,
      }),
    );
    const w = await world(h, { rules: { publicNoticeDays: 0 } });
    const loan = await approved(w, 0, '4999.99', { productId: 'MA_MONTHLY_BENCH', termMonths: 10 });
    const paid = await admin1(() => h.disbursements.disburse(loan.id, {}, key('d')));
    expect(paid).toMatchObject({ annualRatePercent: '6', benchmarkRatePercent: '4.35', maturityDate: '2027-04-01' });
    expect(paid.installments).toHaveLength(10);
    const principal = paid.installments.reduce((s, i) => s + yuan(i.principal), 0n);
    expect(principal).toBe(yuan('4999.99'));
    const [{ n }] = await q(`SELECT count(*)::int AS n FROM loan_installments WHERE loan_id = $1`, [loan.id]);
    expect(n).toBe(10);
  });

  it('refuses when the lending cap was lowered after approval (FUND_CAP_EXCEEDED), writing nothing', async () => {
    const w = await world(h, { grantYuan: '7500', rules: { publicNoticeDays: 0 } }); // capital 10,000
    const loan = await approved(w, 0, '5000');
    await admin1(() => h.funds.updateRules(w.fundId, { lendingCapPercent: '40' }));
    const trace = await footprint(h, loan.id);
    const err = await refused(admin1(() => h.disbursements.disburse(loan.id, {}, key('d'))));
    expect(err.code).toBe('FUND_CAP_EXCEEDED');
    expect(err.errors.map((e) => e.code)).toEqual(['FUND_CAP_EXCEEDED']);
    expect(await footprint(h, loan.id)).toEqual(trace);
    await admin1(() => h.funds.updateRules(w.fundId, { lendingCapPercent: '50' }));
    expect((await admin1(() => h.disbursements.disburse(loan.id, {}, key('d')))).status).toBe('DISBURSED');
  });

  it('re-checks every rule: a group member overdue since approval makes it LOAN_NOT_ELIGIBLE', async () => {
    const w = await world(h, { rules: { publicNoticeDays: 0 } });
    const first = await approved(w, 1, '1000');
    await admin1(() => h.disbursements.disburse(first.id, {}, key('d')));
    const loan = await approved(w, 0, '1000');
    await q(`UPDATE loans SET days_overdue = 5 WHERE id = $1`, [first.id]);
    const err = await refused(admin1(() => h.disbursements.disburse(loan.id, {}, key('d'))));
    expect(err.code).toBe('LOAN_NOT_ELIGIBLE');
    expect(err.errors.map((e) => e.code)).toEqual(['GROUP_MEMBER_OVERDUE']);
    expect((await h.origination.getLoan(null, loan.id)).status).toBe('APPROVED');
  });

  it('refuses a draft, a submitted and a cancelled loan', async () => {
    const w = await world(h, { rules: { publicNoticeDays: 0 } });
    const draft = await officer(() => h.applications.create(application(w, 0)));
    expect((await refused(admin1(() => h.disbursements.disburse(draft.id, {}, key('d'))))).code).toBe('LOAN_INVALID_TRANSITION');
    await officer(() => h.applications.submit(draft.id));
    expect((await refused(admin1(() => h.disbursements.disburse(draft.id, {}, key('d'))))).code).toBe('LOAN_INVALID_TRANSITION');
    await officer(() => h.applications.cancel(draft.id, { reason: 'withdrawn' }));
    expect((await refused(admin1(() => h.disbursements.disburse(draft.id, {}, key('d'))))).code).toBe('LOAN_INVALID_TRANSITION');
    expect((await refused(admin1(() => h.disbursements.disburse('987654', {}, key('d'))))).code).toBe('NOT_FOUND');
  });
});

describe('idempotency', () => {
  it('the same key twice is one disbursement with the same answer; another body under it is 409', async () => {
    const w = await world(h, { rules: { publicNoticeDays: 0 } });
    const loan = await approved(w, 0, '2000');
    const k = key('once');
    const [first, second] = await Promise.all([
      admin1(() => h.disbursements.disburse(loan.id, {}, k)),
      admin1(() => h.disbursements.disburse(loan.id, {}, k)),
    ]);
    expect(second.disbursementEntryId).toBe(first.disbursementEntryId);
    expect(second.installments).toEqual(first.installments);
    const third = await admin1(() => h.disbursements.disburse(loan.id, {}, k));
    expect(third.disbursementEntryId).toBe(first.disbursementEntryId);
    const [{ entries }] = await q(`SELECT count(*)::int AS entries FROM journal_entries WHERE idempotency_key = $1`, [disbursementEntryKey(loan.id)]);
    expect(entries).toBe(1);
    const [{ n }] = await q(`SELECT count(*)::int AS n FROM loan_installments WHERE loan_id = $1`, [loan.id]);
    expect(n).toBe(1);

    const other = await refused(admin1(() => h.disbursements.disburse(loan.id, { businessDate: TODAY }, k)));
    expect(other.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const otherLoan = await approved(w, 1, '1000');
    expect((await refused(admin1(() => h.disbursements.disburse(otherLoan.id, {}, k)))).code).toBe('IDEMPOTENCY_KEY_REUSED');
    // a new key for a loan already paid is a refused step, never a second payout
    expect((await refused(admin1(() => h.disbursements.disburse(loan.id, {}, key('again'))))).code).toBe('LOAN_INVALID_TRANSITION');
    expect((await h.funds.position(null, w.fundId)).loansOutstandingFen).toBe(200_000n);
  });
});

describe('concurrency', () => {
  it('40 simultaneous disbursements against cash for exactly 15: 15 paid, 25 FUND_INSUFFICIENT_CASH, cash never negative', async () => {
    // 40 member shares of 100 + a grant of 11,500 = 15,500 of cash and capital; cap 100 % so cash is the limit
    const w = await world(h, { members: 40, groupSize: 0, shareYuan: '100', grantYuan: '11500', rules: { lendingCapPercent: '100', publicNoticeDays: 0 } });
    for (let g = 0; g < 8; g++) {
      await h.groups.create({ villageId: w.villageId, name: `并发小组${g}`, householdIds: w.households.slice(g * 5, g * 5 + 5) });
    }
    const loans: string[] = [];
    for (let i = 0; i < 40; i++) loans.push((await approved(w, i, '1000')).id);
    const a = fundAccounts(w.fundId);
    expect(await h.ledger.balanceOf(null, a.cash)).toBe(1_550_000n);

    const results = await Promise.allSettled(loans.map((id, i) => admin1(() => h.disbursements.disburse(id, {}, `race-${w.fundId}-${i}`))));
    const paid = results.filter((r) => r.status === 'fulfilled');
    const refusals = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(paid).toHaveLength(15);
    expect(refusals).toHaveLength(25);
    expect(new Set(refusals.map((r) => r.reason.code))).toEqual(new Set(['FUND_INSUFFICIENT_CASH']));
    expect(refusals.every((r) => r.reason.errors.some((e: { code: string }) => e.code === 'FUND_INSUFFICIENT_CASH'))).toBe(true);

    expect(await h.ledger.balanceOf(null, a.cash)).toBe(50_000n);
    expect(await h.ledger.balanceOf(null, a.loans)).toBe(1_500_000n);
    const [counts] = await q(
      `SELECT count(*) FILTER (WHERE status = 'DISBURSED')::int AS disbursed, count(*) FILTER (WHERE status = 'APPROVED')::int AS approved,
              coalesce(sum(outstanding_principal_fen), 0)::text AS outstanding
         FROM loans WHERE fund_id = $1`,
      [w.fundId],
    );
    expect(counts).toEqual({ disbursed: 15, approved: 25, outstanding: '1500000' });
    const [{ entries }] = await q(
      `SELECT count(*)::int AS entries FROM journal_entries WHERE code = 'LOAN_DISBURSEMENT' AND idempotency_key = ANY($1)`,
      [loans.map(disbursementEntryKey)],
    );
    expect(entries).toBe(15);
    const [{ inst }] = await q(`SELECT count(*)::int AS inst FROM loan_installments WHERE loan_id = ANY($1::bigint[])`, [loans]);
    expect(inst).toBe(15);
    const report = await h.ledger.verify();
    expect(report.ok).toBe(true);
  });
});
