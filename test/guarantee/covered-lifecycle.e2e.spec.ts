import { FixedClock } from '#libs/common';
import { agreementAccounts, riskFundCoverAccounts, riskFundMoneyAccounts } from '#libs/guarantee';
import { LedgerService } from '#libs/ledger';
import { formatYuan, yuan } from '#libs/money';
import { seedProducts } from '#libs/products';
import { apiCall, createTestApp, type TestApp } from '#libs/testing';
import type { DataSource } from 'typeorm';
import { createDistrict, linkPoorHouseholds } from './fixtures.js';
import { guaranteeHttp, type GuaranteeHttp } from './http-fixtures.js';

/**
 * Covered-loan paths over HTTP against the real database: a FINAL_LOSS compensation (split, ledger, capacity,
 * idempotent and concurrent approval), a rejected claim (reason required, no money, cannot be paid), an
 * operating-entity loan from registration to closure, and confirming a payout dated after the business date.
 */
const TODAY = '2026-03-01';
const clock = new FixedClock(new Date(`${TODAY}T04:00:00Z`));
/** noon in Shanghai on `date` */
const setToday = (date: string) => clock.set(new Date(`${date}T04:00:00Z`));

let t: TestApp;
let ds: DataSource;
let ledger: LedgerService;
let fundAdmin: string;
let g: GuaranteeHttp;

beforeAll(async () => {
  t = await createTestApp({}, clock);
  ds = t.db.dataSource;
  await seedProducts(ds);
  ledger = t.app.get(LedgerService);
  fundAdmin = await t.tokenFor('FUND_ADMIN');
  g = guaranteeHttp(t, { admin: await t.tokenFor('ADMIN'), fundAdmin });
}, 60_000);
afterAll(async () => t.close());
beforeEach(() => setToday(TODAY));
afterEach(async () => {
  const report = await ledger.verify();
  expect(report.unbalancedEntries).toEqual([]);
  expect(report.balanceMismatches).toEqual([]);
  expect(report.ok).toBe(true);
});

const bal = (code: string) => ledger.balanceOf(null, code);
const entries = async () =>
  ((await ds.query(`SELECT count(*)::int AS c FROM journal_entries`)) as { c: number }[])[0].c;

/** Σ debits and Σ credits of one journal entry, per ledger, with its lines as "account side amount". */
async function entryByKey(key: string) {
  const lines = (await ds.query(
    `SELECT a.code, p.side, p.amount_fen, p.ledger FROM journal_entries e
       JOIN ledger_postings p ON p.entry_id = e.id JOIN ledger_accounts a ON a.id = p.account_id
      WHERE e.idempotency_key = $1 ORDER BY p.id`,
    [key],
  )) as { code: string; side: 'DEBIT' | 'CREDIT'; amount_fen: string; ledger: string }[];
  const sum = (side: string, led: string) =>
    lines.filter((l) => l.side === side && l.ledger === led).reduce((s, l) => s + BigInt(l.amount_fen), 0n);
  const ledgers = [...new Set(lines.map((l) => l.ledger))];
  return {
    lines: lines.map((l) => `${l.code} ${l.side} ${formatYuan(BigInt(l.amount_fen))}`),
    balanced: ledgers.every((l) => sum('DEBIT', l) === sum('CREDIT', l)),
    debits: (led: string) => sum('DEBIT', led),
  };
}

/** num / den to 4 decimals, HALF_UP, written out independently of the library. */
function ratio4(num: bigint, den: bigint): string {
  const q = (num * 10000n * 2n + den) / (2n * den);
  return `${q / 10000n}.${(q % 10000n).toString().padStart(4, '0')}`;
}

interface Installment {
  number: number;
  dueDate: string;
  principal: string;
  interest: string;
  paidPrincipal: string;
  paidInterest: string;
  status: string;
}
async function loanOf(id: string) {
  const r = await apiCall(t.api(fundAdmin).GET('/api/v1/covered-loans/{id}', { params: { path: { id } } }));
  expect(r.status).toBe(200);
  return r.body as Record<string, any> & { installments: Installment[] };
}

describe('FINAL_LOSS compensation', () => {
  it('pays the fund its 80 % of the unrecovered principal and unpaid interest once, even under concurrent approvals', async () => {
    const district = await createDistrict(ds);
    const bank = await g.bankWithKey();
    const fundId = await g.riskFund({
      districtId: district.districtId,
      deposit: '50000.00',
      receivedOn: '2025-06-01',
    });
    const agreementId = await g.agreement({
      riskFundId: fundId,
      bankId: bank.id,
      validFrom: '2025-06-01',
      compensationMode: 'FINAL_LOSS',
    });
    // loan A was paid out in October and went bad; loan B performs
    const a = await g.register(bank.key, district, {
      bankLoanRef: 'FL-A',
      amount: '20000.00',
      disbursementDate: '2025-10-01',
    });
    expect(a.status).toBe(201);
    const b = await g.register(bank.key, district, {
      bankLoanRef: 'FL-B',
      amount: '30000.00',
      disbursementDate: TODAY,
    });
    expect(b.status).toBe(201);
    const loanA = a.body.id as string;

    // the borrower paid the first instalment, then nothing: the bank's collection recovers nothing more
    const first = (await loanOf(loanA)).installments[0];
    const rep = await g.repay(bank.key, loanA, {
      paidOn: first.dueDate,
      principal: first.principal,
      interest: first.interest,
    });
    expect(rep.status).toBe(200);
    const st = await g.status(bank.key, loanA, { asOf: TODAY, daysOverdue: 120 });
    expect(st.status).toBe(200);

    // FINAL_LOSS: 120 days overdue is not enough while the bank still pursues the borrower
    const early = await g.claim(bank.key, loanA);
    expect(early.status).toBe(422);
    expect(early.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(early.body).toMatchObject({
      code: 'CLAIM_NOT_ELIGIBLE',
      errors: [{ field: 'loanId', code: 'RECOVERY_NOT_EXHAUSTED' }],
    });

    const exhausted = await g.status(bank.key, loanA, {
      asOf: TODAY,
      daysOverdue: 150,
      recoveryExhausted: true,
    });
    expect(exhausted.status).toBe(200);
    expect(exhausted.body).toMatchObject({ recoveryExhausted: true, nonPerforming: true });

    // the claim basis, computed here from the frozen schedule: principal still outstanding, interest due by today
    const loan = await loanOf(loanA);
    const principal = yuan('20000.00') - yuan(first.principal);
    expect(loan.outstandingPrincipal).toBe(formatYuan(principal));
    const interest = loan.installments
      .filter((i) => i.dueDate <= TODAY)
      .reduce((s, i) => s + yuan(i.interest) - yuan(i.paidInterest), 0n);
    expect(loan.installments.filter((i) => i.dueDate <= TODAY)).toHaveLength(5);
    expect(interest > 0n).toBe(true);
    const total = principal + interest;
    const bankShare = total / 5n; // 20 %, rounded down: the leftover fen goes to the larger (fund) share
    const fundShare = total - bankShare;

    const entriesBeforeFiling = await entries();
    const filed = await g.claim(bank.key, loanA, { memo: 'collateral-free; borrower left the county' });
    expect(filed.status).toBe(201);
    expect(filed.body).toMatchObject({
      mode: 'FINAL_LOSS',
      status: 'FILED',
      daysOverdue: 150,
      principal: formatYuan(principal),
      interest: formatYuan(interest),
      claimed: formatYuan(total),
      fundSharePercent: '80',
      bankSharePercent: '20',
      fundAmount: formatYuan(fundShare),
      bankAmount: formatYuan(bankShare),
    });
    expect(await entries()).toBe(entriesBeforeFiling); // filing moves no money
    const claimId = filed.body.id as string;

    const money = riskFundMoneyAccounts(fundId);
    const cover = riskFundCoverAccounts(fundId);
    const ag = agreementAccounts(agreementId);
    const backingA = (principal + 9n) / 10n; // ⌈outstanding / 10⌉
    expect(await bal(ag.coverUsed)).toBe(backingA + yuan('3000.00'));
    const before = await g.capacity(fundAdmin, fundId);
    expect(before).toMatchObject({
      balance: '50000.00',
      exposure: { outstanding: formatYuan(principal + yuan('30000.00')) },
      cover: { available: formatYuan(yuan('47000.00') - backingA), shortfall: '0.00' },
      leverageRatio: ratio4(principal + yuan('30000.00'), yuan('50000.00')),
      agreements: [{ capacity: formatYuan(10n * (yuan('47000.00') - backingA)) }],
    });
    const breaker = await apiCall(t.api(fundAdmin).GET('/api/v1/districts/{id}/breaker', { params: { path: { id: district.districtId } } }));
    expect(breaker.body.state).toBe('SUSPENDED');

    const approve = (key: string) =>
      apiCall(t.api(fundAdmin).POST('/api/v1/compensation-claims/{id}/approve', { params: { path: { id: claimId }, header: { 'Idempotency-Key': key } }, body: {} }));
    // five copies of one request (one Idempotency-Key) at once: one pays, the others wait for it and replay its answer
    const k = g.idem('ap');
    const answers = await Promise.all(Array.from({ length: 5 }, () => approve(k)));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const paid = answers.filter((r) => r.headers['idempotent-replayed'] !== 'true');
    expect(paid).toHaveLength(1);
    expect(paid[0].body).toMatchObject({ status: 'PAID', paidOn: TODAY, fundAmount: formatYuan(fundShare) });
    for (const r of answers) expect(r.body).toEqual(paid[0].body);
    // a later retry replays too; approvals under other keys, at once, are refused with the claim's state
    const replay = await approve(k);
    expect(replay.status).toBe(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(paid[0].body);
    const others = await Promise.all([approve(g.idem('ap')), approve(g.idem('ap')), approve(g.idem('ap'))]);
    for (const r of others) {
      expect(r.status).toBe(409);
      expect(r.body).toMatchObject({ code: 'CLAIM_STATE_CONFLICT', errors: [{ field: 'claimId' }] });
    }
    const [{ c: payments }] = await ds.query(
      `SELECT count(*)::int AS c FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
        WHERE a.code = $1`,
      [money.compensationExpense],
    );
    expect(payments).toBe(1);
    const [{ c: movements }] = await ds.query(
      `SELECT count(*)::int AS c FROM risk_fund_movements WHERE risk_fund_id = $1 AND kind = 'COMPENSATION'`,
      [fundId],
    );
    expect(movements).toBe(1);

    // the money entry: the fund's share only, expense against the deposit, balanced
    const pay = await entryByKey(`compensation:claim:${claimId}`);
    expect(pay.balanced).toBe(true);
    expect(pay.lines).toEqual([
      `${money.compensationExpense} DEBIT ${formatYuan(fundShare)}`,
      `${money.balance} CREDIT ${formatYuan(fundShare)}`,
    ]);
    // the cover entries: exposure released, the limit follows the balance; each balanced in the memo ledger
    const coverPay = await entryByKey(`cover:compensation:claim:${claimId}`);
    expect(coverPay.balanced).toBe(true);
    expect(coverPay.debits('EXPOSURE')).toBe(fundShare);
    expect(await bal(money.balance)).toBe(yuan('50000.00') - fundShare);
    expect(await bal(money.compensationExpense)).toBe(fundShare);
    expect(await bal(cover.limit)).toBe(yuan('50000.00') - fundShare);
    expect(await bal(ag.exposureOutstanding)).toBe(yuan('30000.00'));
    expect(await bal(ag.coverUsed)).toBe(yuan('3000.00'));

    const fund = await apiCall(t.api(fundAdmin).GET('/api/v1/risk-funds/{id}', { params: { path: { id: fundId } } }));
    expect(fund.body).toMatchObject({
      balance: formatYuan(yuan('50000.00') - fundShare),
      compensationPaid: formatYuan(fundShare),
    });
    // leverage and capacity: A left the book and took its backing with it; the payment left the pool
    const availableAfter = yuan('47000.00') - fundShare;
    const after = await g.capacity(fundAdmin, fundId);
    expect(after).toMatchObject({
      balance: formatYuan(yuan('50000.00') - fundShare),
      exposure: { outstanding: '30000.00', pending: '0.00' },
      cover: { available: formatYuan(availableAfter), used: '3000.00', shortfall: '0.00' },
      leverageRatio: ratio4(yuan('30000.00'), yuan('50000.00') - fundShare),
      npl: { nonPerforming: '0.00', coveredOutstanding: '30000.00' },
      agreements: [{ capacity: formatYuan(10n * availableAfter), acceptsNewLoans: true }],
    });
    const written = await loanOf(loanA);
    expect(written).toMatchObject({
      status: 'WRITTEN_OFF',
      compensated: true,
      closedOn: TODAY,
      cover: { status: 'CLOSED', outstanding: '0.00' },
    });
    const reset = await apiCall(t.api(fundAdmin).GET('/api/v1/districts/{id}/breaker', { params: { path: { id: district.districtId } } }));
    expect(reset.body.state).toBe('NORMAL');

    // a recovery after the final loss still comes back 80:20
    const rec = await apiCall(t.api({ apiKey: bank.key }).POST('/api/v1/compensation-claims/{id}/recoveries', { params: { path: { id: claimId }, header: { 'Idempotency-Key': g.idem('rec') } }, body: { amount: '101.01', recoveredOn: TODAY } }));
    expect(rec.status).toBe(200);
    expect(rec.body.recovery).toEqual({ amount: '101.01', fundPart: '80.81', bankPart: '20.20' });
    expect(await bal(money.balance)).toBe(yuan('50000.00') - fundShare + yuan('80.81'));
  }, 60_000);

  it('still needs the trigger days overdue: a bank cannot end recovery on a current loan and claim it', async () => {
    const district = await createDistrict(ds);
    const bank = await g.bankWithKey();
    const fundId = await g.riskFund({
      districtId: district.districtId,
      deposit: '10000.00',
      receivedOn: TODAY,
    });
    await g.agreement({
      riskFundId: fundId,
      bankId: bank.id,
      validFrom: '2026-01-01',
      compensationMode: 'FINAL_LOSS',
    });
    const l = await g.register(bank.key, district, {
      bankLoanRef: 'FL-C',
      amount: '8000.00',
      disbursementDate: TODAY,
    });
    expect(l.status).toBe(201);
    const st = await g.status(bank.key, l.body.id, { asOf: TODAY, daysOverdue: 30, recoveryExhausted: true });
    expect(st.status).toBe(200);
    const before = await entries();
    const refused = await g.claim(bank.key, l.body.id);
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({
      code: 'CLAIM_NOT_ELIGIBLE',
      errors: [{ field: 'loanId', code: 'OVERDUE_BELOW_TRIGGER' }],
    });
    expect(await entries()).toBe(before);
    const [{ c }] = await ds.query(`SELECT count(*)::int AS c FROM compensation_claims WHERE loan_id = $1`, [
      l.body.id,
    ]);
    expect(c).toBe(0);
    // at the trigger the same loan can be claimed
    await g.status(bank.key, l.body.id, { asOf: TODAY, daysOverdue: 90 });
    const ok = await g.claim(bank.key, l.body.id);
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ mode: 'FINAL_LOSS', fundAmount: '6400.00', bankAmount: '1600.00' });
  });
});

describe('claim rejection', () => {
  it('needs a reason, moves no money, and a rejected claim can never be paid', async () => {
    const district = await createDistrict(ds);
    const bank = await g.bankWithKey();
    const fundId = await g.riskFund({
      districtId: district.districtId,
      deposit: '10000.00',
      receivedOn: TODAY,
    });
    const agreementId = await g.agreement({ riskFundId: fundId, bankId: bank.id, validFrom: '2026-01-01' });
    const l = await g.register(bank.key, district, {
      bankLoanRef: 'RJ-1',
      amount: '10000.00',
      disbursementDate: TODAY,
    });
    expect(l.status).toBe(201);
    await g.status(bank.key, l.body.id, { asOf: TODAY, daysOverdue: 95 });
    const filed = await g.claim(bank.key, l.body.id);
    expect(filed.status).toBe(201);
    const claimId = filed.body.id as string;

    const money = riskFundMoneyAccounts(fundId);
    const ag = agreementAccounts(agreementId);
    const snapshot = async () => ({
      entries: await entries(),
      balance: await bal(money.balance),
      expense: await bal(money.compensationExpense),
      available: await bal(riskFundCoverAccounts(fundId).available),
      outstanding: await bal(ag.exposureOutstanding),
      coverUsed: await bal(ag.coverUsed),
      movements: (
        await ds.query(`SELECT count(*)::int AS c FROM risk_fund_movements WHERE risk_fund_id = $1`, [fundId])
      )[0].c,
    });
    const before = await snapshot();
    const reject = (body: object, caller: string | { apiKey: string } = fundAdmin) =>
      apiCall(t.api(caller).POST('/api/v1/compensation-claims/{id}/reject', { params: { path: { id: claimId } }, body: body as never }));

    for (const body of [{}, { reason: '' }, { reason: '     ' }]) {
      const bad = await reject(body);
      expect(bad.status).toBe(400);
      expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(bad.body.errors.map((e: { field: string }) => e.field)).toContain('reason');
    }
    expect((await reject({ reason: 'not our decision' }, { apiKey: bank.key })).status).toBe(403);
    const still = await apiCall(t.api(fundAdmin).GET('/api/v1/compensation-claims/{id}', { params: { path: { id: claimId } } }));
    expect(still.body).toMatchObject({ status: 'FILED', decidedBy: null, decisionReason: null });

    const rejected = await reject({ reason: 'loan restructured with the borrower in February' });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({
      status: 'REJECTED',
      decisionReason: 'loan restructured with the borrower in February',
      paidOn: null,
      entryId: null,
    });
    expect(rejected.body.decidedBy).toEqual(expect.any(String));
    expect(await snapshot()).toEqual(before);
    const loan = await loanOf(l.body.id);
    expect(loan).toMatchObject({
      status: 'DISBURSED',
      compensated: false,
      cover: { status: 'ACTIVE', outstanding: '10000.00' },
    });

    // neither paid nor decided again, whatever the key
    const approve = await apiCall(t.api(fundAdmin).POST('/api/v1/compensation-claims/{id}/approve', { params: { path: { id: claimId }, header: { 'Idempotency-Key': g.idem('ap') } }, body: {} }));
    expect(approve.status).toBe(409);
    expect(approve.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(approve.body).toMatchObject({
      code: 'CLAIM_STATE_CONFLICT',
      errors: [{ field: 'claimId', code: 'CLAIM_STATE_CONFLICT' }],
    });
    expect((await reject({ reason: 'second thoughts' })).body.code).toBe('CLAIM_STATE_CONFLICT');
    const recovery = await apiCall(t.api({ apiKey: bank.key }).POST('/api/v1/compensation-claims/{id}/recoveries', { params: { path: { id: claimId }, header: { 'Idempotency-Key': g.idem('rec') } }, body: { amount: '100.00', recoveredOn: TODAY } }));
    expect(recovery.status).toBe(409);
    expect(recovery.body.code).toBe('CLAIM_STATE_CONFLICT');
    expect(await snapshot()).toEqual(before);

    // the bank may refile: a new claim, the rejected one stays as it was
    const refiled = await g.claim(bank.key, l.body.id);
    expect(refiled.status).toBe(201);
    expect(refiled.body.id).not.toBe(claimId);
    const old = await apiCall(t.api(fundAdmin).GET('/api/v1/compensation-claims/{id}', { params: { path: { id: claimId } } }));
    expect(old.body.status).toBe('REJECTED');
  });
});

describe('an operating-entity loan end to end', () => {
  it('registers within the linked-household cap at the entity multiple, is confirmed on its date, repaid and closed, releasing all its cover', async () => {
    const district = await createDistrict(ds);
    await linkPoorHouseholds(ds, district, 2); // 2 × 50,000 = at most 100,000
    const bank = await g.bankWithKey();
    const fundId = await g.riskFund({
      districtId: district.districtId,
      deposit: '50000.00',
      receivedOn: TODAY,
    });
    const agreementId = await g.agreement({
      riskFundId: fundId,
      bankId: bank.id,
      validFrom: '2026-01-01',
      entityLeverageMultiple: '5',
    });
    const ag = agreementAccounts(agreementId);
    const capacity = async () => (await g.capacity(fundAdmin, fundId)).agreements[0];
    expect(await capacity()).toMatchObject({ capacity: '500000.00', entityCapacity: '250000.00' });
    const entityLoan = (body: Record<string, unknown>, idemKey?: string) =>
      g.register(
        bank.key,
        district,
        {
          borrowerType: 'ENTITY',
          householdId: undefined,
          entityId: district.entityId,
          productCode: 'ENTITY_STD',
          purpose: 'PLANTING',
          disbursementDate: '2026-03-10',
          ...body,
        },
        idemKey,
      );

    const before = await entries();
    const over = await entityLoan({ bankLoanRef: 'EN-0', amount: '100000.01' });
    expect(over.status).toBe(422);
    expect(over.body.errors).toEqual([
      expect.objectContaining({ field: 'amount', code: 'AMOUNT_ABOVE_LINKED_CAP' }),
    ]);
    expect(await entries()).toBe(before);

    // paid out in nine days: APPROVED, cover reserved at the entity multiple (⌈100,000 / 5⌉ = 20,000)
    const reg = await entityLoan({ bankLoanRef: 'EN-1', amount: '100000.00' });
    expect(reg.status).toBe(201);
    expect(reg.body).toMatchObject({
      status: 'APPROVED',
      borrowerType: 'ENTITY',
      entityId: district.entityId,
      outstandingPrincipal: '0.00',
      disbursementDate: '2026-03-10',
    });
    const loanId = reg.body.id as string;
    expect(await bal(ag.exposurePending)).toBe(yuan('100000.00'));
    expect(await bal(ag.coverPending)).toBe(yuan('20000.00'));
    expect(await capacity()).toMatchObject({ capacity: '300000.00', entityCapacity: '150000.00' });

    // confirming before the payout date is refused with the date named, and writes nothing. The business date is
    // Shanghai's: 15:00 UTC on the 9th (23:00 there) is still too early, 16:30 UTC on the 9th (00:30 on the 10th) is not
    const confirm = (key = g.idem('conf')) =>
      apiCall(t.api({ apiKey: bank.key }).POST('/api/v1/covered-loans/{id}/disbursement', { params: { path: { id: loanId }, header: { 'Idempotency-Key': key } } }));
    for (const at of [`${TODAY}T04:00:00Z`, '2026-03-09T15:00:00Z']) {
      clock.set(new Date(at));
      const early = await confirm();
      expect(early.status).toBe(409);
      expect(early.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(early.body).toMatchObject({
        code: 'COVERED_LOAN_STATE_CONFLICT',
        errors: [{ field: 'disbursementDate' }],
      });
      expect(early.body.detail).toContain('2026-03-10');
    }
    expect(await entries()).toBe(before + 1); // only the reservation
    expect((await loanOf(loanId)).status).toBe('APPROVED');

    clock.set(new Date('2026-03-09T16:30:00Z'));
    const k = g.idem('conf');
    const ok = await confirm(k);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'DISBURSED', outstandingPrincipal: '100000.00' });
    const again = await confirm(k);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await bal(ag.exposurePending)).toBe(0n);
    expect(await bal(ag.exposureOutstanding)).toBe(yuan('100000.00'));
    expect(await bal(ag.coverUsed)).toBe(yuan('20000.00'));
    expect(await capacity()).toMatchObject({ entityCapacity: '150000.00', exposureOutstanding: '100000.00' });

    // interest-only monthly: the first month's interest, then 40,000 of principal early
    setToday('2026-04-10');
    const schedule = (await loanOf(loanId)).installments;
    expect(schedule).toHaveLength(12);
    expect(schedule[0]).toMatchObject({ dueDate: '2026-04-10', principal: '0.00' });
    const i1 = await g.repay(bank.key, loanId, {
      paidOn: '2026-04-10',
      principal: '0.00',
      interest: schedule[0].interest,
    });
    expect(i1.status).toBe(200);
    expect(i1.body.outstandingPrincipal).toBe('100000.00');
    const p1 = await g.repay(bank.key, loanId, { paidOn: '2026-04-10', principal: '40000.00' });
    expect(p1.status).toBe(200);
    expect(p1.body).toMatchObject({ status: 'DISBURSED', outstandingPrincipal: '60000.00' });
    expect(await bal(ag.coverUsed)).toBe(yuan('12000.00'));
    expect(await capacity()).toMatchObject({ entityCapacity: '190000.00', capacity: '380000.00' });

    // the rest a month later closes the loan and gives every fen of backing back to the pool
    setToday('2026-05-10');
    const last = await g.repay(bank.key, loanId, {
      paidOn: '2026-05-10',
      principal: '60000.00',
      interest: schedule[1].interest,
    });
    expect(last.status).toBe(200);
    expect(last.body).toMatchObject({
      status: 'CLOSED',
      outstandingPrincipal: '0.00',
      closedOn: '2026-05-10',
    });
    const closed = await loanOf(loanId);
    expect(closed.cover).toMatchObject({
      status: 'CLOSED',
      outstanding: '0.00',
      coverUsed: '0.00',
      released: '100000.00',
    });
    expect(await bal(ag.exposureOutstanding)).toBe(0n);
    expect(await bal(ag.coverUsed)).toBe(0n);
    expect(await bal(riskFundCoverAccounts(fundId).available)).toBe(yuan('50000.00'));
    const end = await g.capacity(fundAdmin, fundId);
    expect(end).toMatchObject({
      balance: '50000.00',
      leverageRatio: '0.0000',
      exposure: { outstanding: '0.00', pending: '0.00' },
      agreements: [{ capacity: '500000.00', entityCapacity: '250000.00' }],
    });
  }, 60_000);
});

describe('the breaker and agreement terms', () => {
  it('is re-decided when an agreement changes the strictest NPL threshold of the district, not at the next loan event', async () => {
    const district = await createDistrict(ds);
    const bankA = await g.bankWithKey();
    const bankB = await g.bankWithKey();
    const fundId = await g.riskFund({
      districtId: district.districtId,
      deposit: '20000.00',
      receivedOn: TODAY,
    });
    await g.agreement({ riskFundId: fundId, bankId: bankA.id, validFrom: '2026-01-01' });
    const agreementB = await g.agreement({ riskFundId: fundId, bankId: bankB.id, validFrom: '2026-01-01' });
    const bad = await g.register(bankA.key, district, {
      bankLoanRef: 'BR-1',
      amount: '3000.00',
      disbursementDate: TODAY,
    });
    const good = await g.register(bankA.key, district, {
      bankLoanRef: 'BR-2',
      amount: '47000.00',
      disbursementDate: TODAY,
    });
    expect([bad.status, good.status]).toEqual([201, 201]);
    // 2,000 of 49,000 more than 90 days overdue = 4.08 %: below the default 5 %
    const rep = await g.repay(bankA.key, bad.body.id, { paidOn: TODAY, principal: '1000.00' });
    expect(rep.status).toBe(200);
    expect((await g.status(bankA.key, bad.body.id, { asOf: TODAY, daysOverdue: 95 })).status).toBe(200);
    const breaker = async () =>
      (await apiCall(t.api(fundAdmin).GET('/api/v1/districts/{id}/breaker', { params: { path: { id: district.districtId } } }))).body;
    expect((await breaker()).state).toBe('NORMAL');

    // bank B's agreement now stops lending at 3 %: the district is suspended for every bank at once
    const patch = (body: object) =>
      apiCall(t.api(fundAdmin).PATCH('/api/v1/guarantee-agreements/{id}', { params: { path: { id: agreementB } }, body: body as never }));
    expect((await patch({ nplThresholdPercent: '3' })).status).toBe(200);
    expect(await breaker()).toMatchObject({
      state: 'SUSPENDED',
      live: { state: 'SUSPENDED', thresholdPercent: '3' },
    });
    const refused = await g.register(bankA.key, district, {
      bankLoanRef: 'BR-3',
      amount: '1000.00',
      disbursementDate: TODAY,
    });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('DISTRICT_SUSPENDED');

    // ending bank B's agreement takes its threshold away: lending resumes
    const ended = await apiCall(t.api(fundAdmin).POST('/api/v1/guarantee-agreements/{id}/terminate', { params: { path: { id: agreementB } }, body: {} }));
    expect(ended.status).toBe(200);
    const after = await breaker();
    expect(after.state).toBe('NORMAL');
    expect(after.history.items.map((h: { from: string; to: string }) => `${h.from}>${h.to}`)).toEqual([
      'SUSPENDED>NORMAL',
      'NORMAL>SUSPENDED',
    ]);
    const again = await g.register(bankA.key, district, {
      bankLoanRef: 'BR-4',
      amount: '1000.00',
      disbursementDate: TODAY,
    });
    expect(again.status).toBe(201);
  });
});
