import { programmeAccounts, type ClaimLineView } from '#libs/subsidy';
import * as fx from '../../../test/subsidy/fixtures.js';
import { as, key, refused, setToday, subsidyHarness, type SubsidyHarness } from './helpers.js';

let h: SubsidyHarness;
const q = (sql: string, params: unknown[] = []) => h.db.dataSource.query(sql, params);

beforeAll(async () => {
  h = await subsidyHarness(30);
  await fx.benchmarkRates(h.db.dataSource);
});
afterAll(async () => h.db.drop());
afterEach(async () => {
  setToday(h.clock, '2026-04-01');
  expect((await h.ledger.verify()).ok).toBe(true);
});

const P1 = '2026-03-20';

async function programme(
  settlementMode: 'PAY_BANK' | 'REIMBURSE_BORROWER',
  opts: { districtId?: string; graceDays?: number } = {},
) {
  return as('admin', () =>
    h.programmes.create({
      code: `P${Math.random().toString(36).slice(2, 8).toUpperCase()}`,
      name: 'Test programme',
      settlementMode,
      ...opts,
    }),
  );
}

async function fund(programmeId: string, yuanFen: bigint, year = 2026) {
  await as('treasurer', () =>
    h.programmes.contribute(
      programmeId,
      { source: 'CITY', amountFen: yuanFen, year, documentRef: 'doc-1' },
      key('fund'),
    ),
  );
  await as('treasurer', () =>
    h.programmes.setBudget(programmeId, { year, budgetFen: yuanFen, reason: 'test budget' }, key('budget')),
  );
}

const linesOf = async (claimId: string): Promise<ClaimLineView[]> => (await h.claims.allLines(claimId)).lines;
const compact = (l: ClaimLineView) => [
  l.loanId,
  l.installmentNumber,
  l.outcome,
  l.forfeitReason,
  l.computed,
  l.subsidy,
];

/**
 * The policy × settlement mode table (SPEC §2.3), with every case the issue names: partial first period, a loan
 * paid off early, late and unpaid periods, misuse and write-off, principal caps, entity linked households.
 */
describe('policy × settlement mode tables', () => {
  let A: string;
  let R: string;
  const L: Record<string, string> = {};
  let b1: string;
  let b2: string;
  let f1: string;
  let f2: string;

  beforeAll(async () => {
    const ds = h.db.dataSource;
    const g = await fx.geography(ds, 2);
    A = (await programme('PAY_BANK')).id;
    R = (await programme('REIMBURSE_BORROWER')).id;
    b1 = await fx.bank(ds, '淄博农商银行');
    b2 = await fx.bank(ds);
    f1 = await fx.fund(ds, g.villageIds[0]);
    f2 = await fx.fund(ds, g.villageIds[1]);
    const full = await fx.productVersion(ds, { policy: { type: 'FULL_BENCHMARK', programmeId: A } });
    const fixed = await fx.productVersion(ds, {
      kind: 'ENTITY_LOAN',
      policy: { type: 'FIXED_RATE', ratePercent: '2', programmeId: A },
    });
    const capped = await fx.productVersion(ds, {
      fixedRatePercent: '6',
      policy: { type: 'CAPPED', capPercent: '5', programmeId: A },
    });
    const hh = () => fx.household(ds, g.villageIds[0]);
    const bankLoan = {
      channel: 'BANK_COVERED' as const,
      districtId: g.districtId,
      bankId: b1,
      termMonths: 12,
      disbursementDate: '2025-12-05',
    };

    // L1 FULL_BENCHMARK 50,000 at 4.35 %: 181.25 a month, all on time
    L.l1 = (
      await fx.loan(ds, {
        ...bankLoan,
        productVersionId: full,
        householdId: await hh(),
        principalFen: 5_000_000n,
        annualRatePercent: '4.35',
        benchmarkRatePercent: '4.35',
      })
    ).id;
    // L2 60,000 at 4.35 + 0.5: subsidised on 50,000 at the benchmark only; the second month paid a day late
    L.l2 = (
      await fx.loan(ds, {
        ...bankLoan,
        productVersionId: full,
        householdId: await hh(),
        principalFen: 6_000_000n,
        annualRatePercent: '4.85',
        benchmarkRatePercent: '4.35',
      })
    ).id;
    // L3 an entity with 3 poor (and 1 graduated) linked households, 1,000,000 at 4.35 %: 2 % on 150,000, at bank 2
    L.l3 = (
      await fx.loan(ds, {
        ...bankLoan,
        bankId: b2,
        productVersionId: fixed,
        entityId: await fx.entity(ds, g, 3, 1),
        principalFen: 100_000_000n,
        annualRatePercent: '4.35',
        benchmarkRatePercent: '4.35',
      })
    ).id;
    // L4 CAPPED at 5 % of a 6 % loan of 10,000
    L.l4 = (
      await fx.loan(ds, {
        ...bankLoan,
        productVersionId: capped,
        householdId: await hh(),
        principalFen: 1_000_000n,
        annualRatePercent: '6',
      })
    ).id;
    // L5 a partial first period: disbursed Jan 10, the bank's repayment day is the 21st (11 of 31 days, charged pro rata)
    L.l5 = (
      await fx.loan(ds, {
        ...bankLoan,
        productVersionId: full,
        householdId: await hh(),
        principalFen: 5_000_000n,
        annualRatePercent: '4.35',
        benchmarkRatePercent: '4.35',
        disbursementDate: '2026-01-10',
        installments: [
          {
            number: 1,
            periodStart: '2026-01-10',
            dueDate: '2026-01-21',
            days: 11,
            principalFen: 0n,
            interestFen: 6_431n,
          },
          {
            number: 2,
            periodStart: '2026-01-21',
            dueDate: '2026-02-21',
            days: 31,
            principalFen: 0n,
            interestFen: 18_125n,
          },
          {
            number: 3,
            periodStart: '2026-02-21',
            dueDate: '2026-03-21',
            days: 28,
            principalFen: 0n,
            interestFen: 18_125n,
          },
          {
            number: 4,
            periodStart: '2026-03-21',
            dueDate: '2026-04-21',
            days: 31,
            principalFen: 5_000_000n,
            interestFen: 18_125n,
          },
        ],
      })
    ).id;
    // L6 paid off on Feb 20, 15 of the 28 days of its third period: that period charges 97.10, later ones nothing
    L.l6 = (
      await fx.loan(ds, {
        ...bankLoan,
        productVersionId: full,
        householdId: await hh(),
        principalFen: 5_000_000n,
        annualRatePercent: '4.35',
        benchmarkRatePercent: '4.35',
      })
    ).id;
    // L7 flagged for misuse: every period forfeited although paid on time
    L.l7 = (
      await fx.loan(ds, {
        ...bankLoan,
        productVersionId: full,
        householdId: await hh(),
        principalFen: 2_000_000n,
        annualRatePercent: '4.35',
        benchmarkRatePercent: '4.35',
        flags: ['MISUSE'],
      })
    ).id;
    for (const id of [L.l1, L.l3, L.l4, L.l7]) {
      for (const [n, d] of [
        [1, '2026-01-05'],
        [2, '2026-02-05'],
        [3, '2026-03-05'],
      ] as const)
        await fx.pay(ds, id, n, d);
    }
    await fx.pay(ds, L.l2, 1, '2026-01-05');
    await fx.pay(ds, L.l2, 2, '2026-02-06');
    await fx.pay(ds, L.l2, 3, '2026-03-05');
    await fx.pay(ds, L.l5, 1, '2026-01-21');
    await fx.pay(ds, L.l5, 2, '2026-02-20', { interestPaidOn: true });
    await fx.pay(ds, L.l6, 1, '2026-01-05');
    await fx.pay(ds, L.l6, 2, '2026-02-05');
    await fx.payOff(ds, L.l6, 3, '2026-02-20');

    // REIMBURSE_BORROWER: village mutual-aid loans at 6 %
    const bullet = await fx.productVersion(ds, {
      kind: 'MUTUAL_AID',
      method: 'BULLET',
      fixedRatePercent: '6',
      policy: { type: 'FULL_BENCHMARK', programmeId: R },
    });
    const actual = await fx.productVersion(ds, {
      kind: 'MUTUAL_AID',
      dayCount: 'ACTUAL_365',
      fixedRatePercent: '6',
      policy: { type: 'CAPPED', capPercent: '5', programmeId: R },
    });
    const fixedR = await fx.productVersion(ds, {
      kind: 'MUTUAL_AID',
      fixedRatePercent: '6',
      policy: { type: 'FIXED_RATE', ratePercent: '2', programmeId: R },
    });
    const ma = (fundId: string, villageId: string) => ({
      channel: 'MUTUAL_AID' as const,
      districtId: g.districtId,
      fundId,
      villageId,
      annualRatePercent: '6',
    });
    // M1 利随本清 5,000 for 12 months from 2025-03-10: the benchmark of its contract date (4.35 %, looked up) on 12/12 of a year
    L.m1 = (
      await fx.loan(ds, {
        ...ma(f1, g.villageIds[0]),
        productVersionId: bullet,
        householdId: await hh(),
        principalFen: 500_000n,
        termMonths: 12,
        method: 'BULLET',
        disbursementDate: '2025-03-10',
      })
    ).id;
    // M2 ACTUAL_365 monthly 10,000, CAPPED 5 %: month 1 on time, month 2 unpaid, month 3 paid a day late
    L.m2 = (
      await fx.loan(ds, {
        ...ma(f1, g.villageIds[0]),
        productVersionId: actual,
        householdId: await hh(),
        principalFen: 1_000_000n,
        termMonths: 6,
        dayCount: 'ACTUAL_365',
        disbursementDate: '2025-12-15',
      })
    ).id;
    // M3 / M4 FIXED_RATE 2 % on 8,000; M4 written off
    const hh2 = () => fx.household(ds, g.villageIds[1]);
    L.m3 = (
      await fx.loan(ds, {
        ...ma(f2, g.villageIds[1]),
        productVersionId: fixedR,
        householdId: await hh2(),
        principalFen: 800_000n,
        termMonths: 6,
        disbursementDate: '2025-12-01',
      })
    ).id;
    L.m4 = (
      await fx.loan(ds, {
        ...ma(f2, g.villageIds[1]),
        productVersionId: fixedR,
        householdId: await hh2(),
        principalFen: 800_000n,
        termMonths: 6,
        disbursementDate: '2025-12-01',
        status: 'WRITTEN_OFF',
      })
    ).id;
    await fx.pay(ds, L.m1, 1, '2026-03-10', { interestPaidOn: true });
    await fx.pay(ds, L.m2, 1, '2026-01-15');
    await fx.pay(ds, L.m2, 3, '2026-03-16');
    for (const [n, d] of [
      [1, '2026-01-01'],
      [2, '2026-02-01'],
      [3, '2026-03-01'],
    ] as const)
      await fx.pay(ds, L.m3, n, d);
    await fx.pay(ds, L.m4, 1, '2026-01-01');
  });

  it('PAY_BANK: one claim per bank, each period at rate × basis × share, capped by interest, forfeitures with reasons', async () => {
    const gen = await as('officer', () => h.claims.generate(A, { periodEnd: P1 }));
    expect(gen.period).toMatchObject({ start: '2025-12-21', end: '2026-03-20', label: '2026-P1' });
    expect(gen.claims.map((c) => [c.action, c.payee])).toEqual([
      ['CREATED', { type: 'BANK', id: b1 }],
      ['CREATED', { type: 'BANK', id: b2 }],
    ]);
    const [c1, c2] = gen.claims.map((c) => c.claim!);
    expect(c1).toMatchObject({
      kind: 'ORIGINAL',
      status: 'DRAFT',
      version: 1,
      lineCount: 17,
      total: '1736.42',
      forfeited: '398.75',
      interest: '2343.91',
      settlementMode: 'PAY_BANK',
    });
    expect((await linesOf(c1.id)).map(compact)).toEqual([
      [L.l1, 1, 'EARNED', null, '181.25', '181.25'],
      [L.l1, 2, 'EARNED', null, '181.25', '181.25'],
      [L.l1, 3, 'EARNED', null, '181.25', '181.25'],
      [L.l2, 1, 'EARNED', null, '181.25', '181.25'],
      [L.l2, 2, 'FORFEITED', 'LATE_PAYMENT', '181.25', '0.00'],
      [L.l2, 3, 'EARNED', null, '181.25', '181.25'],
      [L.l4, 1, 'EARNED', null, '41.67', '41.67'],
      [L.l4, 2, 'EARNED', null, '41.67', '41.67'],
      [L.l4, 3, 'EARNED', null, '41.67', '41.67'],
      [L.l5, 1, 'EARNED', null, '64.31', '64.31'],
      [L.l5, 2, 'EARNED', null, '181.25', '181.25'],
      [L.l6, 1, 'EARNED', null, '181.25', '181.25'],
      [L.l6, 2, 'EARNED', null, '181.25', '181.25'],
      [L.l6, 3, 'EARNED', null, '97.10', '97.10'],
      [L.l7, 1, 'FORFEITED', 'LOAN_MISUSE', '72.50', '0.00'],
      [L.l7, 2, 'FORFEITED', 'LOAN_MISUSE', '72.50', '0.00'],
      [L.l7, 3, 'FORFEITED', 'LOAN_MISUSE', '72.50', '0.00'],
    ]);
    const l2 = (await linesOf(c1.id)).find((l) => l.loanId === L.l2)!;
    expect(l2).toMatchObject({
      balance: '60000.00',
      basis: '50000.00',
      ratePercent: '4.35',
      yearShare: '1/12',
      interest: '242.50',
    });
    const l5 = (await linesOf(c1.id)).find((l) => l.loanId === L.l5)!;
    expect(l5).toMatchObject({ days: 11, yearShare: '11/372', interest: '64.31' });
    expect(c2).toMatchObject({ lineCount: 3, total: '750.00', forfeited: '0.00' });
    expect(
      (await linesOf(c2.id)).map((l) => [l.policyType, l.ratePercent, l.basis, l.interest, l.subsidy]),
    ).toEqual([
      ['FIXED_RATE', '2', '150000.00', '3625.00', '250.00'],
      ['FIXED_RATE', '2', '150000.00', '3625.00', '250.00'],
      ['FIXED_RATE', '2', '150000.00', '3625.00', '250.00'],
    ]);
    // the loans' terms were frozen (the linked poor count of 3, the benchmark of the contract date)
    const [t] = await q(
      `SELECT linked_poor_count, basis_cap_fen::text FROM subsidy_loan_terms WHERE loan_id = $1`,
      [L.l3],
    );
    expect(t).toEqual({ linked_poor_count: 3, basis_cap_fen: '15000000' });
  });

  it('REIMBURSE_BORROWER: one batch per village fund, by the day count of the loan', async () => {
    const gen = await as('officer', () => h.claims.generate(R, { periodEnd: P1 }));
    expect(gen.claims.map((c) => [c.action, c.payee])).toEqual([
      ['CREATED', { type: 'FUND', id: f1 }],
      ['CREATED', { type: 'FUND', id: f2 }],
    ]);
    const [c1, c2] = gen.claims.map((c) => c.claim!);
    expect(c1).toMatchObject({
      settlementMode: 'REIMBURSE_BORROWER',
      total: '259.97',
      forfeited: '80.83',
      lineCount: 4,
    });
    expect((await linesOf(c1.id)).map((l) => [...compact(l), l.yearShare])).toEqual([
      [L.m1, 1, 'EARNED', null, '217.50', '217.50', '12/12'],
      [L.m2, 1, 'EARNED', null, '42.47', '42.47', '31/365'],
      [L.m2, 2, 'FORFEITED', 'UNPAID', '42.47', '0.00', '31/365'],
      [L.m2, 3, 'FORFEITED', 'LATE_PAYMENT', '38.36', '0.00', '28/365'],
    ]);
    const [bm] = await q(`SELECT benchmark_rate_percent::text FROM subsidy_loan_terms WHERE loan_id = $1`, [
      L.m1,
    ]);
    expect(bm.benchmark_rate_percent).toBe('4.350000');
    expect(c2).toMatchObject({ total: '39.99', forfeited: '39.99', lineCount: 6 });
    expect((await linesOf(c2.id)).map(compact)).toEqual([
      [L.m3, 1, 'EARNED', null, '13.33', '13.33'],
      [L.m3, 2, 'EARNED', null, '13.33', '13.33'],
      [L.m3, 3, 'EARNED', null, '13.33', '13.33'],
      [L.m4, 1, 'FORFEITED', 'WRITTEN_OFF', '13.33', '0.00'],
      [L.m4, 2, 'FORFEITED', 'WRITTEN_OFF', '13.33', '0.00'],
      [L.m4, 3, 'FORFEITED', 'WRITTEN_OFF', '13.33', '0.00'],
    ]);
  });

  it("keeps every claim's total equal to the sum of its lines, in the service and in the database", async () => {
    const claims = await q(
      `SELECT id::text, total_fen::text, forfeited_fen::text, line_count FROM subsidy_claims WHERE programme_id IN ($1, $2)`,
      [A, R],
    );
    expect(claims.length).toBe(4);
    for (const c of claims) {
      const [s] = await q(
        `SELECT coalesce(sum(subsidy_fen), 0)::text AS s, coalesce(sum(forfeited_fen), 0)::text AS f, count(*)::int AS n FROM subsidy_claim_lines WHERE claim_id = $1`,
        [c.id],
      );
      expect([s.s, s.f, s.n]).toEqual([c.total_fen, c.forfeited_fen, c.line_count]);
    }
    // the database refuses a claim whose total is not its lines' (checked at commit), and any edit of a line
    const qr = h.db.dataSource.createQueryRunner();
    await qr.connect();
    try {
      await qr.startTransaction();
      await qr.query(
        `INSERT INTO subsidy_claims (claim_no, programme_id, period_start, period_end, budget_year, settlement_mode, payee_type, bank_id, kind, version,
                                     status, content_hash, line_count, interest_fen, forfeited_fen, total_fen, as_of, generated_by)
         VALUES ('BAD-1', $1, '2026-03-21', '2026-06-20', 2026, 'PAY_BANK', 'BANK', $2, 'ORIGINAL', 1, 'DRAFT', 'x', 0, 0, 0, 100, '2026-06-21', 'x')`,
        [A, b1],
      );
      await expect(qr.commitTransaction()).rejects.toThrow(/Σ lines/);
    } finally {
      if (qr.isTransactionActive) await qr.rollbackTransaction();
      await qr.release();
    }
    await expect(
      q(`UPDATE subsidy_claim_lines SET subsidy_fen = subsidy_fen + 1 WHERE claim_id = $1`, [claims[0].id]),
    ).rejects.toThrow(/append-only/);
  });

  it('regenerates identically: same claims, same lines, same hash; a changed fact versions the draft', async () => {
    const before = await q(
      `SELECT id::text, content_hash FROM subsidy_claims WHERE programme_id = $1 ORDER BY id`,
      [A],
    );
    const linesBefore = await q(
      `SELECT l.* FROM subsidy_claim_lines l JOIN subsidy_claims c ON c.id = l.claim_id WHERE c.programme_id = $1 ORDER BY l.id`,
      [A],
    );
    setToday(h.clock, '2026-04-20');
    const again = await as('officer', () => h.claims.generate(A, { periodEnd: P1, asOf: '2026-04-01' }));
    expect(again.claims.map((c) => c.action)).toEqual(['UNCHANGED', 'UNCHANGED']);
    expect(again.claims.map((c) => [c.claim!.id, c.claim!.contentHash])).toEqual(
      before.map((b: { id: string; content_hash: string }) => [b.id, b.content_hash]),
    );
    expect(
      await q(
        `SELECT l.* FROM subsidy_claim_lines l JOIN subsidy_claims c ON c.id = l.claim_id WHERE c.programme_id = $1 ORDER BY l.id`,
        [A],
      ),
    ).toEqual(linesBefore);
    // a later asOf changes nothing here either (every period of P1 was final on Apr 1)
    expect(
      (await as('officer', () => h.claims.generate(A, { periodEnd: P1 }))).claims.map((c) => c.action),
    ).toEqual(['UNCHANGED', 'UNCHANGED']);

    // the bank corrects L2's second payment date: the draft for bank 1 is versioned, bank 2's kept
    await q(`UPDATE loan_installments SET paid_on = '2026-02-05' WHERE loan_id = $1 AND number = 2`, [L.l2]);
    const v2 = await as('officer', () => h.claims.generate(A, { periodEnd: P1 }));
    expect(v2.claims.map((c) => c.action)).toEqual(['VERSIONED', 'UNCHANGED']);
    expect(v2.claims[0].claim).toMatchObject({ version: 2, total: '1917.67', forfeited: '217.50' });
    const [old] = await q(`SELECT status, superseded_by::text FROM subsidy_claims WHERE id = $1`, [
      before[0].id,
    ]);
    expect(old).toEqual({ status: 'SUPERSEDED', superseded_by: v2.claims[0].claim!.id });
    await q(`UPDATE loan_installments SET paid_on = '2026-02-06' WHERE loan_id = $1 AND number = 2`, [L.l2]);
  });
});

/** A programme with one bank and `loans` loans of 50,000 at 4.35 % (181.25 a month of subsidy), all paid on time. */
async function simple(
  loans: number,
  mode: 'PAY_BANK' | 'REIMBURSE_BORROWER' = 'PAY_BANK',
  opts: { bankPerLoan?: boolean } = {},
) {
  const ds = h.db.dataSource;
  const g = await fx.geography(ds);
  const p = await programme(mode);
  let bankId = await fx.bank(ds);
  const pv = await fx.productVersion(ds, { policy: { type: 'FULL_BENCHMARK', programmeId: p.id } });
  const ids: string[] = [];
  for (let i = 0; i < loans; i++) {
    if (opts.bankPerLoan && i > 0) bankId = await fx.bank(ds);
    const l = await fx.loan(ds, {
      productVersionId: pv,
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
    for (const [n, d] of [
      [1, '2026-01-05'],
      [2, '2026-02-05'],
      [3, '2026-03-05'],
    ] as const)
      await fx.pay(ds, l.id, n, d);
    ids.push(l.id);
  }
  return { programmeId: p.id, bankId, loanIds: ids, g, pv };
}

const entries = async (claimId: string) =>
  (
    await q(`SELECT count(*)::int AS n FROM journal_entries WHERE idempotency_key LIKE $1`, [
      `subsidy:claim:${claimId}:%`,
    ])
  )[0].n as number;

describe('approval', () => {
  it('is maker-checker, posts one balanced entry from the programme account, and never twice', async () => {
    const s = await simple(2);
    await fund(s.programmeId, 10_000_000n);
    const [c] = (await as('maker', () => h.claims.generate(s.programmeId, { periodEnd: P1 }))).claims.map(
      (x) => x.claim!,
    );
    expect(c.total).toBe('1087.50');
    const same = await refused(as('maker', () => h.claims.approve(c.id, key())));
    expect(same.code).toBe('SUBSIDY_SAME_APPROVER');
    const k = key('approve');
    const approved = await as('checker', () => h.claims.approve(c.id, k));
    expect(approved).toMatchObject({
      status: 'APPROVED',
      approved: '1087.50',
      approvedBy: 'checker',
      remainder: null,
    });
    // the same key replays; another key is a conflict; nothing posts twice
    expect(await as('checker', () => h.claims.approve(c.id, k))).toEqual(approved);
    expect((await refused(as('checker2', () => h.claims.approve(c.id, key())))).code).toBe(
      'SUBSIDY_CLAIM_STATE_CONFLICT',
    );
    expect(await entries(c.id)).toBe(1);
    const a = programmeAccounts(s.programmeId);
    const bal = await h.ledger.balances(null, [
      a.budget,
      a.settlement,
      a.expense,
      a.payableBank,
      a.funding.CITY,
    ]);
    expect([...bal.entries()].sort()).toEqual(
      [
        [a.budget, 10_000_000n - 108_750n],
        [a.settlement, 108_750n],
        [a.expense, 108_750n],
        [a.payableBank, 108_750n],
        [a.funding.CITY, 10_000_000n],
      ].sort(),
    );
    const [audit] = await q(
      `SELECT actor, after->>'status' AS status FROM audit_log WHERE action = 'SUBSIDY_CLAIM_APPROVED' AND entity_id = $1`,
      [c.id],
    );
    expect(audit).toEqual({ actor: 'checker', status: 'APPROVED' });

    // settlement: PAYABLE ↓ / SETTLEMENT ↓, then the claim is final
    const paid = await as('checker', () =>
      h.claims.settle(c.id, { paidOn: '2026-04-01', paymentRef: 'TRF-1' }, key()),
    );
    expect(paid).toMatchObject({ status: 'PAID', paidOn: '2026-04-01', paymentRef: 'TRF-1' });
    expect(
      (await refused(as('checker', () => h.claims.settle(c.id, { paymentRef: 'TRF-2' }, key())))).code,
    ).toBe('SUBSIDY_CLAIM_STATE_CONFLICT');
    expect(await h.ledger.balances(null, [a.settlement, a.payableBank])).toEqual(
      new Map([
        [a.settlement, 0n],
        [a.payableBank, 0n],
      ]),
    );
    await expect(q(`UPDATE subsidy_claims SET payment_ref = 'X' WHERE id = $1`, [c.id])).rejects.toThrow(
      /PAID/,
    );
  });

  it('posts once when approved concurrently by several administrators', async () => {
    const s = await simple(1);
    await fund(s.programmeId, 10_000_000n);
    const [c] = (await as('maker', () => h.claims.generate(s.programmeId, { periodEnd: P1 }))).claims.map(
      (x) => x.claim!,
    );
    const sameKey = key('same');
    const results = await Promise.allSettled([
      ...Array.from({ length: 6 }, (_, i) => as(`checker${i}`, () => h.claims.approve(c.id, key()))),
      ...Array.from({ length: 4 }, () => as('checker9', () => h.claims.approve(c.id, sameKey))),
    ]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(failed.every((f) => (f.reason as { code: string }).code === 'SUBSIDY_CLAIM_STATE_CONFLICT')).toBe(
      true,
    );
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(await entries(c.id)).toBe(1);
    const [b] = await q(
      `SELECT committed_fen::text FROM subsidy_budgets WHERE programme_id = $1 AND year = 2026`,
      [s.programmeId],
    );
    expect(b.committed_fen).toBe('54375');
    expect(await h.ledger.balanceOf(null, programmeAccounts(s.programmeId).expense)).toBe(54_375n);
  });
});

describe('budget', () => {
  it('splits a claim beyond the remaining budget into the part paid and a queued remainder, paid first when budget is added', async () => {
    const s = await simple(3); // 3 × 543.75 = 1631.25
    await fund(s.programmeId, 100_000n); // budget and cash 1000.00
    const [c] = (await as('maker', () => h.claims.generate(s.programmeId, { periodEnd: P1 }))).claims.map(
      (x) => x.claim!,
    );
    const approved = await as('checker', () => h.claims.approve(c.id, key()));
    expect(approved).toMatchObject({ status: 'APPROVED', total: '1631.25', approved: '1000.00' });
    expect(approved.remainder).toMatchObject({
      kind: 'REMAINDER',
      status: 'QUEUED',
      total: '631.25',
      parentClaimId: c.id,
      lineCount: 4,
    });
    // the remainder takes the unpaid part of the lines, in order: line 6 partly (181.25 − 93.75), lines 7-9 whole
    const rem = await h.claims.storedLines(approved.remainder!.id);
    expect(rem.map((l) => [l.installmentNumber, l.subsidyFen, l.claimedBeforeFen])).toEqual([
      [3, 8_750n, 9_375n],
      [1, 18_125n, 0n],
      [2, 18_125n, 0n],
      [3, 18_125n, 0n],
    ]);
    expect(await h.programmes.budgets(s.programmeId)).toEqual([
      {
        programmeId: s.programmeId,
        year: 2026,
        budget: '1000.00',
        committed: '1000.00',
        remaining: '0.00',
        queued: '631.25',
        queuedClaims: 1,
      },
    ]);
    // a queued remainder is not approved by hand
    expect((await refused(as('checker', () => h.claims.approve(approved.remainder!.id, key())))).code).toBe(
      'SUBSIDY_CLAIM_STATE_CONFLICT',
    );

    // more budget but no money: nothing moves; then money arrives (a contribution) and the queue is paid in part
    const raised = await as('treasurer', () =>
      h.programmes.setBudget(s.programmeId, { year: 2026, budgetFen: 500_000n, reason: 'top-up' }, key()),
    );
    expect(raised.queue).toEqual({ approved: [], stillQueued: 1 });
    const money = await as('treasurer', () =>
      h.programmes.contribute(
        s.programmeId,
        { source: 'DISTRICT', amountFen: 50_000n, year: 2026, documentRef: 'doc-x' },
        key(),
      ),
    );
    expect(money.queue.approved).toHaveLength(1);
    expect(money.queue.approved[0]).toMatchObject({ claimId: approved.remainder!.id, amount: '500.00' });
    const second = money.queue.approved[0].requeuedAs!;
    // the rest keeps its place at the head of the queue, and is paid by the next money
    const [r2] = await q(
      `SELECT status, total_fen::text, queue_rank::text, approved_by FROM subsidy_claims WHERE id = $1`,
      [second],
    );
    expect(r2).toEqual({
      status: 'QUEUED',
      total_fen: '13125',
      queue_rank: approved.remainder!.id,
      approved_by: null,
    });
    const last = await as('treasurer', () =>
      h.programmes.contribute(
        s.programmeId,
        { source: 'CITY', amountFen: 100_000n, year: 2026, documentRef: 'doc-x' },
        key(),
      ),
    );
    expect(last.queue).toEqual({
      approved: [{ claimId: second, claimNo: expect.any(String), amount: '131.25', requeuedAs: null }],
      stillQueued: 0,
    });
    const [b] = await q(`SELECT committed_fen::text FROM subsidy_budgets WHERE programme_id = $1`, [
      s.programmeId,
    ]);
    expect(b.committed_fen).toBe('163125');
    expect(await h.ledger.balanceOf(null, programmeAccounts(s.programmeId).expense)).toBe(163_125n);
    // every approved part was approved by the original checker (the queue pays what was approved)
    const approvers = await q(
      `SELECT DISTINCT approved_by FROM subsidy_claims WHERE programme_id = $1 AND status = 'APPROVED'`,
      [s.programmeId],
    );
    expect(approvers).toEqual([{ approved_by: 'checker' }]);
  });

  it('never commits more than the budget when claims of several banks are approved at once', async () => {
    const s = await simple(5, 'PAY_BANK', { bankPerLoan: true }); // 5 claims of 543.75
    await fund(s.programmeId, 120_000n); // 1200.00: two claims and a part of a third
    const claims = (await as('maker', () => h.claims.generate(s.programmeId, { periodEnd: P1 }))).claims.map(
      (x) => x.claim!,
    );
    expect(claims).toHaveLength(5);
    const results = await Promise.all(
      claims.map((c, i) => as(`checker${i}`, () => h.claims.approve(c.id, key()))),
    );
    const approved = results.reduce((sum, r) => sum + BigInt(r.approved!.replace('.', '')), 0n);
    const queued = results.reduce(
      (sum, r) => sum + (r.remainder ? BigInt(r.remainder.total.replace('.', '')) : 0n),
      0n,
    );
    expect(approved).toBe(120_000n);
    expect(approved + queued).toBe(5n * 54_375n);
    const a = programmeAccounts(s.programmeId);
    expect(await h.ledger.balances(null, [a.budget, a.expense])).toEqual(
      new Map([
        [a.budget, 0n],
        [a.expense, 120_000n],
      ]),
    );
    const [b] = await q(
      `SELECT budget_fen::text, committed_fen::text FROM subsidy_budgets WHERE programme_id = $1`,
      [s.programmeId],
    );
    expect(b).toEqual({ budget_fen: '120000', committed_fen: '120000' });
    // the queue keeps the order the approvals took: one claim partly paid, the others wholly queued behind it
    const queue = await q(
      `SELECT total_fen::text FROM subsidy_claims WHERE programme_id = $1 AND status = 'QUEUED' ORDER BY queue_rank`,
      [s.programmeId],
    );
    expect(queue.map((x: { total_fen: string }) => x.total_fen)).toEqual(['43125', '54375', '54375']);
  });

  it('refuses to set a budget below what was committed, naming the field', async () => {
    const s = await simple(1);
    await fund(s.programmeId, 100_000n);
    const [c] = (await as('maker', () => h.claims.generate(s.programmeId, { periodEnd: P1 }))).claims.map(
      (x) => x.claim!,
    );
    await as('checker', () => h.claims.approve(c.id, key()));
    const r = await refused(
      as('treasurer', () =>
        h.programmes.setBudget(s.programmeId, { year: 2026, budgetFen: 50_000n, reason: 'cut' }, key()),
      ),
    );
    expect(r).toMatchObject({
      code: 'SUBSIDY_BUDGET_INVALID',
      errors: [{ field: 'budget', code: 'BELOW_COMMITTED' }],
    });
  });
});

describe('adjustments', () => {
  it('never edits an approved claim: a late correction or a fraud flag gives an ADJUSTMENT claim (clawback when negative)', async () => {
    const s = await simple(2);
    await fund(s.programmeId, 10_000_000n);
    const [c] = (await as('maker', () => h.claims.generate(s.programmeId, { periodEnd: P1 }))).claims.map(
      (x) => x.claim!,
    );
    await as('checker', () => h.claims.approve(c.id, key()));
    await as('checker', () => h.claims.settle(c.id, { paidOn: '2026-04-01', paymentRef: 'TRF-9' }, key()));
    // nothing changed: nothing to adjust
    expect(
      (await as('maker', () => h.claims.generate(s.programmeId, { periodEnd: P1 }))).claims.map(
        (x) => x.action,
      ),
    ).toEqual(['NOTHING_TO_CLAIM']);

    // the second loan turns out to be fraud
    await q(`UPDATE loans SET flags = '{FRAUD}' WHERE id = $1`, [s.loanIds[1]]);
    const adj = (await as('maker', () => h.claims.generate(s.programmeId, { periodEnd: P1 }))).claims[0];
    expect(adj.action).toBe('ADJUSTMENT');
    expect(adj.claim).toMatchObject({
      kind: 'ADJUSTMENT',
      status: 'DRAFT',
      version: 2,
      total: '-543.75',
      lineCount: 3,
    });
    expect(
      (await linesOf(adj.claim!.id)).map((l) => [
        l.loanId,
        l.outcome,
        l.forfeitReason,
        l.claimedBefore,
        l.subsidy,
      ]),
    ).toEqual([
      [s.loanIds[1], 'FORFEITED', 'LOAN_FRAUD', '181.25', '-181.25'],
      [s.loanIds[1], 'FORFEITED', 'LOAN_FRAUD', '181.25', '-181.25'],
      [s.loanIds[1], 'FORFEITED', 'LOAN_FRAUD', '181.25', '-181.25'],
    ]);
    // regenerating the adjustment is reproducible too
    expect(
      (await as('maker', () => h.claims.generate(s.programmeId, { periodEnd: P1 }))).claims[0],
    ).toMatchObject({ action: 'UNCHANGED', claim: { id: adj.claim!.id } });
    const [paidClaim] = await q(`SELECT status, total_fen::text FROM subsidy_claims WHERE id = $1`, [c.id]);
    expect(paidClaim).toEqual({ status: 'PAID', total_fen: '108750' });

    // approving the clawback: PAYABLE ↓ / EXPENSE ↓; receiving it back: BUDGET ↑ / PAYABLE ↑
    const a = programmeAccounts(s.programmeId);
    await as('checker', () => h.claims.approve(adj.claim!.id, key()));
    expect(await h.ledger.balances(null, [a.expense, a.payableBank])).toEqual(
      new Map([
        [a.expense, 54_375n],
        [a.payableBank, -54_375n],
      ]),
    );
    await as('checker', () =>
      h.claims.settle(adj.claim!.id, { paidOn: '2026-04-01', paymentRef: 'REFUND-1' }, key()),
    );
    expect(await h.ledger.balances(null, [a.budget, a.payableBank])).toEqual(
      new Map([
        [a.budget, 10_000_000n - 54_375n],
        [a.payableBank, 0n],
      ]),
    );
    const [b] = await q(`SELECT committed_fen::text FROM subsidy_budgets WHERE programme_id = $1`, [
      s.programmeId,
    ]);
    expect(b.committed_fen).toBe('54375');

    // a late payment record that now earns more: a positive adjustment (version 3)
    await q(`UPDATE loans SET flags = '{}' WHERE id = $1`, [s.loanIds[1]]);
    const back = (await as('maker', () => h.claims.generate(s.programmeId, { periodEnd: P1 }))).claims[0];
    expect(back.claim).toMatchObject({ kind: 'ADJUSTMENT', version: 3, total: '543.75' });
  });
});

describe('claims read back', () => {
  it('lists with filters, pages lines, and exports CSV and XLSX with the same figures', async () => {
    const s = await simple(2);
    const gen = await as('maker', () => h.claims.generate(s.programmeId, { periodEnd: P1 }));
    const id = gen.claims[0].claim!.id;
    const list = await h.claims.list(
      { programmeId: s.programmeId, status: 'DRAFT' },
      { page: 1, pageSize: 10 },
    );
    expect(list).toMatchObject({ total: 1, totalAmount: '1087.50', items: [{ id }] });
    expect(
      (await h.claims.list({ programmeId: s.programmeId, status: 'APPROVED' }, { page: 1, pageSize: 10 }))
        .total,
    ).toBe(0);
    const page = await h.claims.lines(id, { loanId: s.loanIds[1] }, { page: 1, pageSize: 2 });
    expect(page).toMatchObject({ total: 3, page: 1 });
    expect(page.items.map((l) => l.lineNo)).toEqual([4, 5]);

    const { claimTables, render } = await import('#libs/subsidy');
    const { claim, lines } = await h.claims.allLines(id);
    const csv = (await render(claimTables(claim, lines, 'BUREAU'), 'csv', 'x')).body.toString('utf8');
    const rows = csv
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(rows[0]).toContain('本次贴息');
    expect(rows[0]).not.toMatch(/[A-Za-z]{3}/);
    expect(rows).toHaveLength(7);
    const subsidyCol = rows[0].split(',').indexOf('本次贴息');
    const sum = rows.slice(1).reduce((acc, r) => acc + BigInt(r.split(',')[subsidyCol].replace('.', '')), 0n);
    expect(sum).toBe(108_750n);
    const xlsx = await render(claimTables(claim, lines, 'BANK'), 'xlsx', 'x');
    expect(xlsx.body.subarray(0, 2).toString()).toBe('PK');
    const ExcelJS = (await import('exceljs')).default;
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.body as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['申领汇总', '贴息明细']);
    expect(wb.worksheets[1].rowCount).toBe(7);
    expect(typeof wb.worksheets[1].getRow(2).getCell(10).value).toBe('number');
    const english = await render(claimTables(claim, lines, 'BUREAU', 'en'), 'xlsx', 'x');
    const wbEn = new ExcelJS.Workbook();
    await wbEn.xlsx.load(english.body as unknown as ArrayBuffer);
    expect(wbEn.worksheets.map((w) => w.name)).toEqual(['Summary', 'Lines']);
    const header = (wbEn.worksheets[1].getRow(1).values as unknown[]).slice(1);
    expect(header).toContain('Subsidy this claim');
    expect(typeof wbEn.worksheets[1].getRow(2).getCell(header.indexOf('Rate %') + 1).value).toBe('number');
    expect(wbEn.worksheets[1].getRow(2).getCell(header.indexOf('Year share') + 1).value).toMatch(/^\d+\/\d+$/);
  });
});
