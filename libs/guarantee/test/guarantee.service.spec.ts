import { DomainError, FixedClock } from '#libs/common';
import {
  agreementAccounts,
  AgreementsService,
  GuaranteeService,
  riskFundCoverAccounts,
  riskFundMoneyAccounts,
  RiskFundsService,
} from '#libs/guarantee';
import { LedgerService, type JournalEntryCode } from '#libs/ledger';
import { yuan } from '#libs/money';
import { createTestDatabase, type TestDatabase } from '#libs/testing';
import {
  createBank,
  createCoveredLoan,
  createDistrict,
  type DistrictFixture,
} from '../../../test/guarantee/fixtures.js';
import { guaranteeServices } from './wiring.js';

let db: TestDatabase;
let ledger: LedgerService;
let guarantee: GuaranteeService;
let funds: RiskFundsService;
let agreements: AgreementsService;

beforeAll(async () => {
  db = await createTestDatabase(30);
  ({ ledger, guarantee, funds, agreements } = guaranteeServices(
    db.dataSource,
    new FixedClock(new Date('2026-03-01T04:00:00Z')),
  ));
});
afterAll(async () => db.drop());
afterEach(async () => {
  const report = await ledger.verify();
  expect(report.balanceMismatches).toEqual([]);
  expect(report.unbalancedEntries).toEqual([]);
  expect(report.ok).toBe(true);
});

let keySeq = 0;
const key = (p = 'k') => `${p}-${++keySeq}-${Math.random().toString(36).slice(2, 10)}`;
const tx = <T>(fn: (m: import('typeorm').EntityManager) => Promise<T>) => db.dataSource.transaction(fn);
const bal = (code: string) => ledger.balanceOf(null, code);

interface Setup {
  fundId: string;
  district: DistrictFixture;
  bankId: string;
  agreementId: string;
}

async function setup(
  opts: {
    deposit?: string;
    heavyTask?: boolean;
    minimum?: string;
    multiple?: string;
    entityMultiple?: string;
    validTo?: string;
  } = {},
): Promise<Setup> {
  const district = await createDistrict(db.dataSource, { heavyTask: opts.heavyTask });
  const bankId = await createBank(db.dataSource);
  const fund = await funds.create({ districtId: district.districtId, minimumFund: opts.minimum });
  if (opts.deposit)
    await funds.deposit(
      fund.id,
      { source: 'CITY', amount: opts.deposit, receivedOn: '2026-01-15' },
      key('dep'),
    );
  const ag = await agreements.create({
    agreementNo: key('AG'),
    riskFundId: fund.id,
    bankId,
    leverageMultiple: opts.multiple,
    entityLeverageMultiple: opts.entityMultiple,
    validFrom: '2026-01-01',
    validTo: opts.validTo,
  });
  return { fundId: fund.id, district, bankId, agreementId: ag.id };
}

const loan = (s: Setup, principal: string, borrowerType: 'HOUSEHOLD' | 'ENTITY' = 'HOUSEHOLD') =>
  createCoveredLoan(db.dataSource, {
    district: s.district,
    bankId: s.bankId,
    principalFen: yuan(principal),
    status: 'APPROVED',
    borrowerType,
  });

/**
 * The memo ledger's invariants for one fund: LIMIT = money BALANCE; LIMIT = AVAILABLE + Σ backing − SHORTFALL;
 * per agreement, the EXPOSURE and COVER accounts equal the sums of its covers.
 */
async function expectInvariants(fundId: string) {
  const money = riskFundMoneyAccounts(fundId);
  const c = riskFundCoverAccounts(fundId);
  const limit = await bal(c.limit);
  expect(limit).toBe(await bal(money.balance));
  const ags = (await db.dataSource.query(`SELECT id FROM guarantee_agreements WHERE risk_fund_id = $1`, [
    fundId,
  ])) as { id: string }[];
  let backing = 0n;
  for (const { id } of ags) {
    const a = agreementAccounts(id);
    const [sums] = await db.dataSource.query(
      `SELECT coalesce(sum(pending_fen),0)::text AS pending, coalesce(sum(outstanding_fen),0)::text AS outstanding,
              coalesce(sum(cover_pending_fen),0)::text AS cover_pending, coalesce(sum(cover_used_fen),0)::text AS cover_used
         FROM guarantee_covers WHERE agreement_id = $1`,
      [id],
    );
    expect(await bal(a.exposurePending)).toBe(BigInt(sums.pending));
    expect(await bal(a.exposureOutstanding)).toBe(BigInt(sums.outstanding));
    expect(await bal(a.coverPending)).toBe(BigInt(sums.cover_pending));
    expect(await bal(a.coverUsed)).toBe(BigInt(sums.cover_used));
    expect(await bal(a.exposureContra)).toBe(BigInt(sums.pending) + BigInt(sums.outstanding));
    backing += BigInt(sums.cover_pending) + BigInt(sums.cover_used);
  }
  expect((await bal(c.available)) + backing - (await bal(c.shortfall))).toBe(limit);
}

async function counts() {
  const [r] = await db.dataSource.query(
    `SELECT (SELECT count(*) FROM journal_entries)::int AS entries, (SELECT count(*) FROM guarantee_covers)::int AS covers,
            (SELECT count(*) FROM risk_fund_movements)::int AS movements`,
  );
  return r as { entries: number; covers: number; movements: number };
}

describe('risk fund money', () => {
  it('opens both ledgers at creation and posts a deposit as money, contribution and cover', async () => {
    const s = await setup();
    const before = await db.dataSource.query(
      `SELECT code, ledger, no_negative FROM ledger_accounts WHERE owner_id = $1 AND owner_type = 'RISK_FUND' ORDER BY code`,
      [s.fundId],
    );
    expect(before.map((a: { code: string }) => a.code)).toEqual(
      [
        'BALANCE',
        'CAPITAL:CENTRAL',
        'CAPITAL:CITY',
        'CAPITAL:DISTRICT',
        'CAPITAL:SOE',
        'COMPENSATION_EXPENSE',
        'COVER:AVAILABLE',
        'COVER:LIMIT',
        'COVER:SHORTFALL',
        'INTEREST_INCOME',
        'RECOVERY_INCOME',
      ].map((n) => `RF:${s.fundId}:${n}`),
    );
    const k = key('dep');
    const res = await funds.deposit(
      s.fundId,
      {
        source: 'SOE',
        amount: '1234567.89',
        receivedOn: '2026-02-01',
        soeName: 'Zibo SOE',
        soeProfitBase: '41152263.00',
      },
      k,
    );
    expect(res.replayed).toBe(false);
    expect(res.fund.balance).toBe('1234567.89');
    expect(res.fund.capital.SOE).toBe('1234567.89');
    expect(res.fund.coverAvailable).toBe('1234567.89');
    const [contribution] = await db.dataSource.query(`SELECT * FROM contributions WHERE id = $1`, [
      res.movement.contributionId,
    ]);
    expect(contribution).toMatchObject({
      target_type: 'RISK_FUND',
      target_id: s.fundId,
      district_id: s.district.districtId,
      source: 'SOE',
      amount_fen: '123456789',
      year: 2026,
      soe_name: 'Zibo SOE',
    });
    // the same key and body replays the first response; another body is a conflict; nothing is posted twice
    const again = await funds.deposit(
      s.fundId,
      {
        source: 'SOE',
        amount: '1234567.89',
        receivedOn: '2026-02-01',
        soeName: 'Zibo SOE',
        soeProfitBase: '41152263.00',
      },
      k,
    );
    expect(again.replayed).toBe(true);
    expect(again.movement).toEqual(res.movement);
    const err = await funds
      .deposit(s.fundId, { source: 'SOE', amount: '1.00', receivedOn: '2026-02-01', soeName: 'Zibo SOE' }, k)
      .catch((e) => e);
    expect(err.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await bal(riskFundMoneyAccounts(s.fundId).balance)).toBe(123456789n);
    await expectInvariants(s.fundId);
  });

  it('credits interest to the fund and lets it back loans', async () => {
    const s = await setup({ deposit: '1000.00' });
    // a value date after today (2026-03-01) is refused, naming the field
    const future = await funds.interest(s.fundId, { amount: '12.34', date: '2026-03-21' }, key('int')).catch((e) => e);
    expect(future).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'date', code: 'DATE_IN_FUTURE' }] });
    const res = await funds.interest(s.fundId, { amount: '12.34', date: '2026-02-21' }, key('int'));
    expect(res.fund.balance).toBe('1012.34');
    expect(res.fund.interestIncome).toBe('12.34');
    expect(res.fund.coverAvailable).toBe('1012.34');
    const cap = await guarantee.fundCapacity(s.fundId);
    expect(cap.agreements[0].capacity).toBe('10123.40');
    await expectInvariants(s.fundId);
  });

  it('refuses a withdrawal that breaks the cover or the minimum, every reason at once, writing nothing', async () => {
    const s = await setup({ deposit: '5100000.00', heavyTask: true });
    const l = await loan(s, '50000.00');
    await tx((m) =>
      guarantee.reserve(m, {
        agreementId: s.agreementId,
        loanId: l.id,
        amountFen: yuan('50000.00'),
        idempotencyKey: key(),
      }),
    );
    // available = 5,100,000 − 5,000 backing; a 5,095,001 withdrawal breaks the cover, the minimum, and CITY has only 5,100,000
    const before = await counts();
    const err = await funds
      .withdraw(
        s.fundId,
        { source: 'DISTRICT', amount: '5095001.00', date: '2026-03-01', reason: 'test' },
        key('wd'),
      )
      .catch((e) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err.code).toBe('RISK_FUND_WITHDRAWAL_REFUSED');
    expect(err.errors.map((e: { code: string }) => e.code)).toEqual([
      'SOURCE_CAPITAL_EXCEEDED',
      'WITHDRAWAL_BREAKS_COVER',
      'FUND_BELOW_MINIMUM',
    ]);
    expect(await counts()).toEqual(before);
    // down to the minimum is allowed, one fen more is not
    const ok = await funds.withdraw(
      s.fundId,
      { source: 'CITY', amount: '100000.00', date: '2026-03-01', reason: 'surplus' },
      key('wd'),
    );
    expect(ok.fund.balance).toBe('5000000.00');
    const err2 = await funds
      .withdraw(
        s.fundId,
        { source: 'CITY', amount: '0.01', date: '2026-03-01', reason: 'surplus' },
        key('wd'),
      )
      .catch((e) => e);
    expect(err2.errors.map((e: { code: string }) => e.code)).toEqual(['FUND_BELOW_MINIMUM']);
    await expectInvariants(s.fundId);
  });

  it('lets a non-heavy-task fund withdraw exactly the money that backs no loan', async () => {
    const s = await setup({ deposit: '10000.00' });
    const l = await loan(s, '60000.00');
    await tx((m) =>
      guarantee.reserve(m, {
        agreementId: s.agreementId,
        loanId: l.id,
        amountFen: yuan('60000.00'),
        idempotencyKey: key(),
      }),
    );
    const err = await funds
      .withdraw(s.fundId, { source: 'CITY', amount: '4000.01', date: '2026-03-01', reason: 'x' }, key('wd'))
      .catch((e) => e);
    expect(err.errors.map((e: { code: string }) => e.code)).toEqual(['WITHDRAWAL_BREAKS_COVER']);
    await funds.withdraw(
      s.fundId,
      { source: 'CITY', amount: '4000.00', date: '2026-03-01', reason: 'x' },
      key('wd'),
    );
    expect((await guarantee.fundCapacity(s.fundId)).agreements[0].capacity).toBe('0.00');
    await expectInvariants(s.fundId);
  });
});

describe('risk fund settings', () => {
  it('updates name and minimum with an audit row, and closes only an empty fund with no open covers', async () => {
    const s = await setup({ deposit: '1000.00', heavyTask: true });
    const updated = await funds.update(s.fundId, { name: 'Renamed fund', minimumFund: '800.00' });
    expect(updated).toMatchObject({
      name: 'Renamed fund',
      minimumFund: '800.00',
      belowMinimum: false,
      version: 2,
    });
    const [audit] = await db.dataSource.query(
      `SELECT before, after FROM audit_log WHERE action = 'RISK_FUND_UPDATED' AND entity_id = $1`,
      [s.fundId],
    );
    expect(audit.before.minimumFund).toBe('5000000.00');
    expect(audit.after.minimumFund).toBe('800.00');
    const l = await loan(s, '100.00');
    await tx((m) =>
      guarantee.reserve(m, {
        agreementId: s.agreementId,
        loanId: l.id,
        amountFen: yuan('100.00'),
        idempotencyKey: key(),
      }),
    );
    const err = await funds.update(s.fundId, { status: 'CLOSED' }).catch((e) => e);
    expect(err.code).toBe('FUND_NOT_EMPTY');
    expect(err.errors).toHaveLength(2);
    await tx((m) => guarantee.void(m, { loanId: l.id, idempotencyKey: key() }));
    await funds.update(s.fundId, { minimumFund: '0.00' });
    await funds.withdraw(
      s.fundId,
      { source: 'CITY', amount: '1000.00', date: '2026-03-01', reason: 'closing' },
      key('wd'),
    );
    expect((await funds.update(s.fundId, { status: 'CLOSED' })).status).toBe('CLOSED');
    const closed = await funds
      .deposit(s.fundId, { source: 'CITY', amount: '1.00', receivedOn: '2026-03-01' }, key('dep'))
      .catch((e) => e);
    expect(closed.code).toBe('RISK_FUND_CLOSED');
    await expectInvariants(s.fundId);
  });

  it('applies a changed multiple to new covers only; an existing cover keeps and releases at its own', async () => {
    const s = await setup({ deposit: '1000.00' });
    const l1 = await loan(s, '5000.00');
    await tx((m) =>
      guarantee.reserve(m, {
        agreementId: s.agreementId,
        loanId: l1.id,
        amountFen: yuan('5000.00'),
        idempotencyKey: key(),
      }),
    );
    await agreements.update(s.agreementId, { leverageMultiple: '5' });
    expect((await guarantee.fundCapacity(s.fundId)).agreements[0].capacity).toBe('2500.00');
    const l2 = await loan(s, '2500.00');
    const c2 = await tx((m) =>
      guarantee.reserve(m, {
        agreementId: s.agreementId,
        loanId: l2.id,
        amountFen: yuan('2500.00'),
        idempotencyKey: key(),
      }),
    );
    expect(c2).toMatchObject({ multiple: '5', coverPendingFen: yuan('500.00') });
    await tx((m) => guarantee.consume(m, { loanId: l1.id, idempotencyKey: key() }));
    const r1 = await tx((m) =>
      guarantee.release(m, { loanId: l1.id, amountFen: yuan('1000.00'), idempotencyKey: key() }),
    );
    expect(r1).toMatchObject({ multiple: '10', coverUsedFen: yuan('400.00') });
    expect(await bal(riskFundCoverAccounts(s.fundId).available)).toBe(yuan('100.00'));
    await expectInvariants(s.fundId);
  });
});

describe('cover lifecycle', () => {
  it('reserves, consumes part, releases by repayments and closes, with the memo ledger following every step', async () => {
    const s = await setup({ deposit: '100000.00' });
    const a = agreementAccounts(s.agreementId);
    const f = riskFundCoverAccounts(s.fundId);
    const l = await loan(s, '50000.00');
    const r = await tx((m) =>
      guarantee.reserve(m, {
        agreementId: s.agreementId,
        loanId: l.id,
        amountFen: yuan('50000.00'),
        idempotencyKey: key(),
      }),
    );
    expect(r).toMatchObject({
      status: 'PENDING',
      pendingFen: 5_000_000n,
      coverPendingFen: 500_000n,
      multiple: '10',
    });
    expect(await bal(f.available)).toBe(yuan('95000.00'));
    expect(await bal(a.exposurePending)).toBe(yuan('50000.00'));
    // a retry of the same reservation changes nothing
    const replay = await tx((m) =>
      guarantee.reserve(m, {
        agreementId: s.agreementId,
        loanId: l.id,
        amountFen: yuan('50000.00'),
        idempotencyKey: key(),
      }),
    );
    expect(replay.replayed).toBe(true);
    const other = await tx((m) =>
      guarantee.reserve(m, {
        agreementId: s.agreementId,
        loanId: l.id,
        amountFen: yuan('40000.00'),
        idempotencyKey: key(),
      }),
    ).catch((e) => e);
    expect(other.code).toBe('COVER_STATE_CONFLICT');

    const c = await tx((m) =>
      guarantee.consume(m, { loanId: l.id, amountFen: yuan('45000.00'), idempotencyKey: key() }),
    );
    expect(c).toMatchObject({
      status: 'ACTIVE',
      outstandingFen: yuan('45000.00'),
      coverUsedFen: yuan('4500.00'),
      pendingFen: 0n,
    });
    expect(await bal(f.available)).toBe(yuan('95500.00'));
    expect(await bal(a.exposurePending)).toBe(0n);
    expect(await bal(a.exposureOutstanding)).toBe(yuan('45000.00'));
    expect((await tx((m) => guarantee.consume(m, { loanId: l.id, idempotencyKey: key() }))).replayed).toBe(
      true,
    );

    const k = key('rel');
    await tx((m) => guarantee.release(m, { loanId: l.id, amountFen: yuan('0.07'), idempotencyKey: k }));
    // 44,999.93 outstanding needs ⌈4,499,993 / 10⌉ = 450,000 fen of backing: nothing is freed early
    expect((await guarantee.cover(null, l.id))!.coverUsedFen).toBe(450_000n);
    expect(
      (await tx((m) => guarantee.release(m, { loanId: l.id, amountFen: yuan('0.07'), idempotencyKey: k })))
        .replayed,
    ).toBe(true);
    expect(await bal(a.exposureOutstanding)).toBe(yuan('44999.93'));
    const over = await tx((m) =>
      guarantee.release(m, { loanId: l.id, amountFen: yuan('44999.94'), idempotencyKey: key() }),
    ).catch((e) => e);
    expect(over.code).toBe('COVER_STATE_CONFLICT');
    const done = await tx((m) =>
      guarantee.release(m, { loanId: l.id, amountFen: yuan('44999.93'), idempotencyKey: key() }),
    );
    expect(done).toMatchObject({
      status: 'CLOSED',
      outstandingFen: 0n,
      coverUsedFen: 0n,
      closedOn: '2026-03-01',
    });
    expect(await bal(f.available)).toBe(yuan('100000.00'));
    const events = await db.dataSource.query(
      `SELECT event FROM guarantee_cover_events WHERE cover_id = $1 ORDER BY id`,
      [r.id],
    );
    expect(events.map((e: { event: string }) => e.event)).toEqual([
      'RESERVED',
      'CONSUMED',
      'RELEASED',
      'RELEASED',
    ]);
    await expectInvariants(s.fundId);
  });

  it('voids a reservation back into capacity and refuses to void an active cover', async () => {
    const s = await setup({ deposit: '10000.00' });
    const l1 = await loan(s, '30000.00');
    const l2 = await loan(s, '20000.00');
    await tx((m) =>
      guarantee.reserve(m, {
        agreementId: s.agreementId,
        loanId: l1.id,
        amountFen: yuan('30000.00'),
        idempotencyKey: key(),
      }),
    );
    await tx((m) =>
      guarantee.reserve(m, {
        agreementId: s.agreementId,
        loanId: l2.id,
        amountFen: yuan('20000.00'),
        idempotencyKey: key(),
      }),
    );
    await tx((m) => guarantee.consume(m, { loanId: l2.id, idempotencyKey: key() }));
    expect((await guarantee.fundCapacity(s.fundId)).agreements[0].capacity).toBe('50000.00');
    const v = await tx((m) => guarantee.void(m, { loanId: l1.id, idempotencyKey: key() }));
    expect(v.status).toBe('VOIDED');
    expect((await guarantee.fundCapacity(s.fundId)).agreements[0].capacity).toBe('80000.00');
    const err = await tx((m) => guarantee.void(m, { loanId: l2.id, idempotencyKey: key() })).catch((e) => e);
    expect(err.code).toBe('COVER_STATE_CONFLICT');
    await expectInvariants(s.fundId);
  });

  it('refuses beyond capacity with FUND_CAPACITY_EXCEEDED and writes nothing', async () => {
    const s = await setup({ deposit: '5000.00' });
    const l = await loan(s, '50000.01');
    const before = await counts();
    const err = await tx((m) =>
      guarantee.reserve(m, {
        agreementId: s.agreementId,
        loanId: l.id,
        amountFen: yuan('50000.01'),
        idempotencyKey: key(),
      }),
    ).catch((e) => e);
    expect(err.code).toBe('FUND_CAPACITY_EXCEEDED');
    expect(err.errors).toEqual([
      expect.objectContaining({ field: 'amount', code: 'FUND_CAPACITY_EXCEEDED' }),
    ]);
    expect(await counts()).toEqual(before);
    await tx((m) =>
      guarantee.reserve(m, {
        agreementId: s.agreementId,
        loanId: l.id,
        amountFen: yuan('50000.00'),
        idempotencyKey: key(),
      }),
    );
    await expectInvariants(s.fundId);
  });

  it('reports every guarantee-side refusal at once: expired agreement, suspended district, fund below minimum, capacity', async () => {
    const s = await setup({ deposit: '4000000.00', heavyTask: true, validTo: '2026-02-28' });
    // 10 % of the district's covered outstanding is more than 90 days overdue: the breaker trips at 5 %
    await createCoveredLoan(db.dataSource, {
      district: s.district,
      bankId: s.bankId,
      principalFen: yuan('90000.00'),
      status: 'DISBURSED',
    });
    await createCoveredLoan(db.dataSource, {
      district: s.district,
      bankId: s.bankId,
      principalFen: yuan('10000.00'),
      status: 'DISBURSED',
      daysOverdue: 91,
    });
    const l = await loan(s, '50000000.00');
    const problems = await tx((m) =>
      guarantee.coverChecks(m, {
        agreementId: s.agreementId,
        amountFen: yuan('50000000.00'),
        borrowerType: 'HOUSEHOLD',
      }),
    );
    expect(problems.map((p) => p.code)).toEqual([
      'AGREEMENT_NOT_ACTIVE',
      'DISTRICT_SUSPENDED',
      'FUND_BELOW_MINIMUM',
      'FUND_CAPACITY_EXCEEDED',
    ]);
    const err = await tx((m) =>
      guarantee.reserve(m, {
        agreementId: s.agreementId,
        loanId: l.id,
        amountFen: yuan('50000000.00'),
        idempotencyKey: key(),
      }),
    ).catch((e) => e);
    expect(err.code).toBe('AGREEMENT_NOT_ACTIVE');
    expect(err.errors.map((e: { code: string }) => e.code)).toEqual(problems.map((p) => p.code));
    const status = await guarantee.suspensionStatus(null, { agreementId: s.agreementId });
    expect(status).toMatchObject({
      suspended: true,
      nplPercent: '10.0000',
      thresholdPercent: '5',
      coveredOutstandingFen: yuan('100000.00'),
      nonPerformingFen: yuan('10000.00'),
    });
    expect(await guarantee.minimumStatus(null, s.fundId)).toMatchObject({
      belowMinimum: true,
      shortfallFen: yuan('1000000.00'),
    });
  });

  it('refuses a loan of another bank or district, or not BANK_COVERED', async () => {
    const s = await setup({ deposit: '100000.00' });
    const other = await setup({ deposit: '100000.00' });
    const foreign = await createCoveredLoan(db.dataSource, {
      district: other.district,
      bankId: other.bankId,
      principalFen: yuan('1000.00'),
      status: 'APPROVED',
    });
    const err = await tx((m) =>
      guarantee.reserve(m, {
        agreementId: s.agreementId,
        loanId: foreign.id,
        amountFen: yuan('1000.00'),
        idempotencyKey: key(),
      }),
    ).catch((e) => e);
    expect(err.code).toBe('COVER_MISMATCH');
    expect(err.errors).toHaveLength(2);
  });

  it('uses the lower entity multiple for operating-entity loans and rounds decimal multiples in the fund’s favour', async () => {
    const s = await setup({ deposit: '1000.00', multiple: '8.5', entityMultiple: '4' });
    const cap = (await guarantee.fundCapacity(s.fundId)).agreements[0];
    expect(cap).toMatchObject({
      multiple: '8.5',
      entityMultiple: '4',
      capacity: '8500.00',
      entityCapacity: '4000.00',
    });
    const e = await loan(s, '4000.01', 'ENTITY');
    const err = await tx((m) =>
      guarantee.reserve(m, {
        agreementId: s.agreementId,
        loanId: e.id,
        amountFen: yuan('4000.01'),
        idempotencyKey: key(),
      }),
    ).catch((x) => x);
    expect(err.code).toBe('FUND_CAPACITY_EXCEEDED');
    const h = await loan(s, '1000.00');
    const r = await tx((m) =>
      guarantee.reserve(m, {
        agreementId: s.agreementId,
        loanId: h.id,
        amountFen: yuan('1000.00'),
        idempotencyKey: key(),
      }),
    );
    // 100,000 fen / 8.5 = 11,764.7… → 11,765 fen of backing
    expect(r.coverPendingFen).toBe(11_765n);
    const after = (await guarantee.fundCapacity(s.fundId)).agreements[0];
    // 88,235 fen left × 8.5 = 749,997.5 → 749,997 fen
    expect(after.capacity).toBe('7499.97');
    await expectInvariants(s.fundId);
  });
});

describe('one fund, several banks', () => {
  it('shares one pool; fund, district and bank capacity views agree', async () => {
    const s = await setup({ deposit: '10000.00', multiple: '10' });
    const bank2 = await createBank(db.dataSource);
    const ag2 = await agreements.create({
      agreementNo: key('AG'),
      riskFundId: s.fundId,
      bankId: bank2,
      leverageMultiple: '5',
      validFrom: '2026-01-01',
    });
    const l1 = await loan(s, '40000.00');
    await tx((m) =>
      guarantee.reserve(m, {
        agreementId: s.agreementId,
        loanId: l1.id,
        amountFen: yuan('40000.00'),
        idempotencyKey: key(),
      }),
    );
    const l2 = await createCoveredLoan(db.dataSource, {
      district: s.district,
      bankId: bank2,
      principalFen: yuan('10000.00'),
      status: 'APPROVED',
    });
    await tx((m) =>
      guarantee.reserve(m, {
        agreementId: ag2.id,
        loanId: l2.id,
        amountFen: yuan('10000.00'),
        idempotencyKey: key(),
      }),
    );
    // backing used: 4,000 (bank 1 at 10×) + 2,000 (bank 2 at 5×) of 10,000
    const fund = await guarantee.fundCapacity(s.fundId);
    expect(fund.cover).toEqual({
      limit: '10000.00',
      available: '4000.00',
      pending: '6000.00',
      used: '0.00',
      shortfall: '0.00',
    });
    expect(fund.agreements.map((a) => [a.bankId, a.capacity])).toEqual([
      [s.bankId, '40000.00'],
      [bank2, '20000.00'],
    ]);
    const district = await guarantee.districtCapacity(s.district.districtId);
    expect(district).toEqual(fund);
    const b1 = await guarantee.bankCapacity(s.bankId);
    const b2 = await guarantee.bankCapacity(bank2);
    expect(b1.agreements[0]).toMatchObject({ ...fund.agreements[0], fundAvailable: '4000.00' });
    expect(b2.agreements[0]).toMatchObject({ ...fund.agreements[1], fundAvailable: '4000.00' });
    expect(b2.totals).toEqual({
      capacity: '20000.00',
      exposurePending: '10000.00',
      exposureOutstanding: '0.00',
    });
    await expectInvariants(s.fundId);
  });
});

describe('compensation payouts (phase B primitive)', () => {
  it('books what the pool cannot give as a shortfall that inflows repay before capacity reappears', async () => {
    const s = await setup({ deposit: '10000.00' });
    const l = await loan(s, '100000.00');
    await tx((m) =>
      guarantee.reserve(m, {
        agreementId: s.agreementId,
        loanId: l.id,
        amountFen: yuan('100000.00'),
        idempotencyKey: key(),
      }),
    );
    await tx((m) => guarantee.consume(m, { loanId: l.id, idempotencyKey: key() }));
    const c = riskFundCoverAccounts(s.fundId);
    const money = riskFundMoneyAccounts(s.fundId);
    // the fund pays 8,000 of a loss while every fen backs a loan: money and memo ledgers move together
    await tx(async (m) => {
      await guarantee.lockFund(m, s.fundId);
      await ledger.post(m, {
        idempotencyKey: key('comp'),
        code: 'TEST_COMPENSATION' as JournalEntryCode,
        valueDate: '2026-03-01',
        lines: [
          { account: money.compensationExpense, side: 'DEBIT', amountFen: yuan('8000.00') },
          { account: money.balance, side: 'CREDIT', amountFen: yuan('8000.00') },
        ],
      });
      await guarantee.coverOutflow(
        m,
        s.fundId,
        yuan('8000.00'),
        { idempotencyKey: key('compc'), code: 'TEST_COMPENSATION' as JournalEntryCode, valueDate: '2026-03-01' },
        { allowShortfall: true },
      );
    });
    expect(await bal(c.shortfall)).toBe(yuan('8000.00'));
    // the same outflow as a withdrawal would be refused by the ledger bound
    const strict = await tx(async (m) => {
      await guarantee.lockFund(m, s.fundId);
      return guarantee.coverOutflow(
        m,
        s.fundId,
        yuan('1.00'),
        { idempotencyKey: key('x'), code: 'X' as JournalEntryCode, valueDate: '2026-03-01' },
        { allowShortfall: false },
      );
    }).catch((e) => e);
    expect(strict.code).toBe('LEDGER_LIMIT_EXCEEDED');
    await funds.deposit(
      s.fundId,
      { source: 'DISTRICT', amount: '9000.00', receivedOn: '2026-03-01' },
      key('dep'),
    );
    expect(await bal(c.shortfall)).toBe(0n);
    expect(await bal(c.available)).toBe(yuan('1000.00'));
    await tx((m) =>
      guarantee.release(m, { loanId: l.id, amountFen: yuan('100000.00'), idempotencyKey: key() }),
    );
    expect(await bal(c.available)).toBe(yuan('11000.00'));
    await expectInvariants(s.fundId);
  });
});

describe('concurrency', () => {
  it('60 simultaneous reservations against capacity for exactly 20: exactly 20 accepted, never above multiple × balance', async () => {
    const s = await setup({ deposit: '100000.00' });
    const loans = await Promise.all(Array.from({ length: 60 }, () => loan(s, '50000.00')));
    const results = await Promise.allSettled(
      loans.map((l) =>
        tx((m) =>
          guarantee.reserve(m, {
            agreementId: s.agreementId,
            loanId: l.id,
            amountFen: yuan('50000.00'),
            idempotencyKey: key(),
          }),
        ),
      ),
    );
    const accepted = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(accepted).toHaveLength(20);
    expect(refused).toHaveLength(40);
    expect(new Set(refused.map((r) => r.reason.code))).toEqual(new Set(['FUND_CAPACITY_EXCEEDED']));
    const a = agreementAccounts(s.agreementId);
    const exposure = (await bal(a.exposurePending)) + (await bal(a.exposureOutstanding));
    expect(exposure).toBe(yuan('1000000.00'));
    expect(exposure <= 10n * (await bal(riskFundMoneyAccounts(s.fundId).balance))).toBe(true);
    expect(await bal(riskFundCoverAccounts(s.fundId).available)).toBe(0n);
    const [{ n }] = await db.dataSource.query(
      `SELECT count(*)::int AS n FROM guarantee_covers WHERE agreement_id = $1`,
      [s.agreementId],
    );
    expect(n).toBe(20);
    await expectInvariants(s.fundId);
  });

  it('withdrawals racing reservations never leave exposure above multiple × balance', async () => {
    // 30,000 of fund money; 30 loans of 10,000 (1,000 backing each) race 10 withdrawals of 2,000
    const s = await setup({ deposit: '30000.00' });
    const loans = await Promise.all(Array.from({ length: 30 }, () => loan(s, '10000.00')));
    const ops = [
      ...loans.map(
        (l) => () =>
          tx((m) =>
            guarantee.reserve(m, {
              agreementId: s.agreementId,
              loanId: l.id,
              amountFen: yuan('10000.00'),
              idempotencyKey: key(),
            }),
          ).then(() => 'R'),
      ),
      ...Array.from(
        { length: 10 },
        () => () =>
          funds
            .withdraw(
              s.fundId,
              { source: 'CITY', amount: '2000.00', date: '2026-03-01', reason: 'race' },
              key('wd'),
            )
            .then(() => 'W'),
      ),
    ];
    // interleave so both kinds start together
    ops.sort(() => Math.random() - 0.5);
    const results = await Promise.allSettled(ops.map((op) => op()));
    const ok = results
      .filter((r): r is PromiseFulfilledResult<string> => r.status === 'fulfilled')
      .map((r) => r.value);
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    for (const f of failed)
      expect(['FUND_CAPACITY_EXCEEDED', 'RISK_FUND_WITHDRAWAL_REFUSED']).toContain(f.reason.code);
    const reserved = ok.filter((x) => x === 'R').length;
    const withdrawn = ok.filter((x) => x === 'W').length;
    const balance = await bal(riskFundMoneyAccounts(s.fundId).balance);
    expect(balance).toBe(yuan('30000.00') - BigInt(withdrawn) * yuan('2000.00'));
    const a = agreementAccounts(s.agreementId);
    const exposure = (await bal(a.exposurePending)) + (await bal(a.exposureOutstanding));
    expect(exposure).toBe(BigInt(reserved) * yuan('10000.00'));
    expect(exposure <= 10n * balance).toBe(true);
    // the pool is used up exactly: nothing was left that either kind could still have taken
    expect(reserved * 1000 + withdrawn * 2000).toBeLessThanOrEqual(30000);
    expect(30000 - reserved * 1000 - withdrawn * 2000).toBeLessThan(1000);
    await expectInvariants(s.fundId);
  });
});
