import { percentToRatio } from '#libs/money';
import { programmeAccounts } from '#libs/subsidy';
import { generateSchedule, type ScheduleMethod } from '#libs/schedules';
import * as fx from '../../../test/subsidy/fixtures.js';
import { as, key, setToday, subsidyHarness, type SubsidyHarness } from './helpers.js';

/**
 * A year of 1,000 loans (600 covered bank loans under a PAY_BANK programme, 400 village mutual-aid loans under a
 * REIMBURSE_BORROWER one, every policy and day count, partial first periods, payoffs, flags and write-offs) with
 * payments drawn from a fixed seed. Each quarter's claims are generated, approved and settled; a fraud found
 * after the first quarter is clawed back by an adjustment; the budget runs out and its queue is paid by a top-up.
 * Then what the ledger paid must equal an independent recomputation, in SQL, from the repayment history.
 */
let h: SubsidyHarness;
const q = (sql: string, params: unknown[] = []) => h.db.dataSource.query(sql, params);

beforeAll(async () => {
  h = await subsidyHarness(20, '2026-01-01');
  await fx.benchmarkRates(h.db.dataSource);
});
afterAll(async () => h.db.drop());

/** mulberry32: a small deterministic PRNG, so the year is the same on every run. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY = 86_400_000;
const toDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const ms = (d: string) => Date.parse(`${d}T00:00:00Z`);
const addDays = (d: string, n: number) => toDate(ms(d) + n * DAY);

interface Inst {
  number: number;
  periodStart: string;
  dueDate: string;
  days: number;
  principalFen: bigint;
  interestFen: bigint;
}

/** A bank's own schedule: interest-only, repayment day the 21st, the first period pro rata (PERIOD day count). */
function bankSchedule(principal: bigint, ratePercent: string, disbursed: string, months: number): Inst[] {
  const [y, m, d] = disbursed.split('-').map(Number);
  const firstDue = d < 21 ? toDate(Date.UTC(y, m - 1, 21)) : toDate(Date.UTC(y, m, 21));
  const out: Inst[] = [];
  const rate = percentToRatio(ratePercent);
  let start = disbursed;
  for (let k = 1; k <= months; k++) {
    const due =
      k === 1
        ? firstDue
        : toDate(Date.UTC(Number(firstDue.slice(0, 4)), Number(firstDue.slice(5, 7)) - 1 + (k - 1), 21));
    const days = (ms(due) - ms(start)) / DAY;
    const prev = toDate(Date.UTC(Number(due.slice(0, 4)), Number(due.slice(5, 7)) - 2, 21));
    const fullDays = (ms(due) - ms(prev)) / DAY;
    // full period: P × r / 12; a shorter first period: × days / full days (rounded half up once)
    const num = principal * rate.num * BigInt(days < fullDays ? days : 1);
    const den = rate.den * 12n * BigInt(days < fullDays ? fullDays : 1);
    out.push({
      number: k,
      periodStart: start,
      dueDate: due,
      days,
      principalFen: k === months ? principal : 0n,
      interestFen: (2n * num + den) / (2n * den),
    });
    start = due;
  }
  return out;
}

it('pays exactly what an independent recomputation from the repayment history says was earned', async () => {
  const ds = h.db.dataSource;
  const rnd = prng(20260101);
  const g = await fx.geography(ds, 3);
  const A = (
    await as('admin', () =>
      h.programmes.create({ code: 'SIM-BANK', name: 'Simulation PAY_BANK', settlementMode: 'PAY_BANK' }),
    )
  ).id;
  const R = (
    await as('admin', () =>
      h.programmes.create({
        code: 'SIM-MA',
        name: 'Simulation REIMBURSE',
        settlementMode: 'REIMBURSE_BORROWER',
        graceDays: 3,
      }),
    )
  ).id;
  const banks = [await fx.bank(ds), await fx.bank(ds)];
  const funds = [
    await fx.fund(ds, g.villageIds[0]),
    await fx.fund(ds, g.villageIds[1]),
    await fx.fund(ds, g.villageIds[2]),
  ];
  const entities = [await fx.entity(ds, g, 2), await fx.entity(ds, g, 5, 2), await fx.entity(ds, g, 12)];
  const pv = {
    aFull: await fx.productVersion(ds, {
      method: 'EQUAL_INSTALLMENT',
      policy: { type: 'FULL_BENCHMARK', programmeId: A },
    }),
    aBankDay: await fx.productVersion(ds, {
      policy: { type: 'FULL_BENCHMARK', programmeId: A, principalCapFen: '4000000' },
    }),
    aFixed: await fx.productVersion(ds, {
      kind: 'ENTITY_LOAN',
      policy: { type: 'FIXED_RATE', ratePercent: '2', programmeId: A },
    }),
    aCapped: await fx.productVersion(ds, {
      method: 'EQUAL_PRINCIPAL',
      dayCount: 'ACTUAL_365',
      fixedRatePercent: '6',
      policy: { type: 'CAPPED', capPercent: '5', programmeId: A },
    }),
    rFull: await fx.productVersion(ds, {
      kind: 'MUTUAL_AID',
      method: 'BULLET',
      fixedRatePercent: '6',
      policy: { type: 'FULL_BENCHMARK', programmeId: R },
    }),
    rFixed: await fx.productVersion(ds, {
      kind: 'MUTUAL_AID',
      method: 'EQUAL_INSTALLMENT',
      fixedRatePercent: '6',
      policy: { type: 'FIXED_RATE', ratePercent: '2', programmeId: R },
    }),
    rCapped: await fx.productVersion(ds, {
      kind: 'MUTUAL_AID',
      dayCount: 'ACTUAL_360',
      fixedRatePercent: '6',
      policy: { type: 'CAPPED', capPercent: '5', programmeId: R },
    }),
  };

  // ── 1,000 households in one statement, then 1,000 loans and their ~12,000 instalments in one statement each ──
  const hhIds: string[] = (
    await q(
      `INSERT INTO households (village_id, head_name, id_number, birth_date, member_count, per_capita_income_fen, income_year, status, derived_status)
       SELECT ($1::bigint[])[1 + i % 3], 'Sim head ' || i, '3703' || lpad(i::text, 13, '0') || 'X', '1980-01-01', 3, 250000, 2025, 'POOR', 'POOR'
         FROM generate_series(0, 999) i ORDER BY i RETURNING id::text`,
      [g.villageIds],
    )
  ).map((r: { id: string }) => r.id);

  const loans: Record<string, unknown>[] = [];
  const schedules: Inst[][] = [];
  for (let i = 0; i < 1000; i++) {
    const disbursed = addDays('2025-12-01', Math.floor(rnd() * 62));
    const bankLoan = i < 600;
    let product: string;
    let method: ScheduleMethod = 'INTEREST_ONLY';
    let dayCount: 'PERIOD' | 'ACTUAL_360' | 'ACTUAL_365' = 'PERIOD';
    let rate = '6';
    let benchmark: string | null = null;
    let principal: bigint;
    let entityId: string | null = null;
    let schedule: Inst[] | null = null;
    if (bankLoan) {
      principal = BigInt(1_000_000 + Math.floor(rnd() * 5_000) * 1_000); // 10,000 .. 60,000 yuan
      switch (i % 4) {
        case 0:
          product = pv.aFull;
          method = 'EQUAL_INSTALLMENT';
          rate = rnd() < 0.5 ? '4.35' : '4.85';
          benchmark = rnd() < 0.5 ? '4.35' : null; // null: looked up on the contract date
          break;
        case 1:
          product = pv.aBankDay;
          rate = '4.35';
          benchmark = '4.35';
          schedule = bankSchedule(principal, rate, disbursed, 12);
          break;
        case 2:
          product = pv.aFixed;
          entityId = entities[i % 3];
          principal = BigInt(20_000_000 + Math.floor(rnd() * 80) * 1_000_000);
          rate = '4.35';
          benchmark = '4.35';
          break;
        default:
          product = pv.aCapped;
          method = 'EQUAL_PRINCIPAL';
          dayCount = 'ACTUAL_365';
      }
    } else {
      principal = BigInt(100_000 + Math.floor(rnd() * 90) * 10_000); // 1,000 .. 10,000 yuan
      switch (i % 3) {
        case 0:
          product = pv.rFull;
          method = 'BULLET';
          break;
        case 1:
          product = pv.rFixed;
          method = 'EQUAL_INSTALLMENT';
          break;
        default:
          product = pv.rCapped;
          dayCount = 'ACTUAL_360';
      }
    }
    schedule ??= generateSchedule({
      principalFen: principal,
      annualRatePercent: rate,
      numberOfInstallments: method === 'BULLET' ? 1 : 12,
      frequency: method === 'BULLET' ? 'AT_MATURITY' : 'MONTHLY',
      termMonths: 12,
      method,
      dayCount,
      disbursementDate: disbursed,
      rounding: 'HALF_UP',
      installmentMultipleFen: 1n,
      principalGraceInstallments: 0,
    }).installments.map((x) => ({
      number: x.number,
      periodStart: x.periodStart,
      dueDate: x.dueDate,
      days: x.days,
      principalFen: x.principalFen,
      interestFen: x.interestFen,
    }));
    const flag = rnd();
    loans.push({
      loan_no: `SIM${String(i).padStart(4, '0')}`,
      channel: bankLoan ? 'BANK_COVERED' : 'MUTUAL_AID',
      product,
      borrower_type: entityId ? 'ENTITY' : 'HOUSEHOLD',
      household_id: entityId ? null : hhIds[i],
      entity_id: entityId,
      village_id: bankLoan ? null : g.villageIds[i % 3],
      fund_id: bankLoan ? null : funds[i % 3],
      bank_id: bankLoan ? banks[i % 2] : null,
      bank_loan_ref: bankLoan ? `SIMREF${i}` : null,
      principal: principal.toString(),
      rate,
      benchmark,
      method,
      frequency: method === 'BULLET' ? 'AT_MATURITY' : 'MONTHLY',
      day_count: dayCount,
      status: flag < 0.01 ? 'WRITTEN_OFF' : 'DISBURSED',
      flags: flag >= 0.01 && flag < 0.02 ? '{MISUSE}' : flag >= 0.02 && flag < 0.03 ? '{FRAUD}' : '{}',
      disbursed,
    });
    schedules.push(schedule);
  }
  const col = (k: string) => loans.map((l) => l[k]);
  const loanIds: string[] = (
    await q(
      `INSERT INTO loans (loan_no, channel, product_version_id, borrower_type, household_id, entity_id, district_id, village_id, fund_id, bank_id,
                          bank_loan_ref, principal_fen, term_months, annual_rate_percent, benchmark_rate_percent, purpose, method, frequency,
                          day_count, rounding, status, flags, contract_date, disbursement_date, outstanding_principal_fen, created_by)
       SELECT loan_no, channel, product, borrower_type, household_id, entity_id, $1, village_id, fund_id, bank_id, bank_loan_ref, principal, 12,
              rate, benchmark, 'LIVESTOCK', method, frequency, day_count, 'HALF_UP', status, flags::text[], disbursed, disbursed, principal, 'sim'
         FROM unnest($2::text[], $3::text[], $4::bigint[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[],
                     $11::text[], $12::bigint[], $13::numeric[], $14::numeric[], $15::text[], $16::text[], $17::text[], $18::text[], $19::text[],
                     $20::date[]) WITH ORDINALITY
              AS x(loan_no, channel, product, borrower_type, household_id, entity_id, village_id, fund_id, bank_id, bank_loan_ref, principal,
                   rate, benchmark, method, frequency, day_count, status, flags, disbursed, ord)
        ORDER BY ord RETURNING id::text`,
      [
        g.districtId,
        col('loan_no'),
        col('channel'),
        col('product'),
        col('borrower_type'),
        col('household_id'),
        col('entity_id'),
        col('village_id'),
        col('fund_id'),
        col('bank_id'),
        col('bank_loan_ref'),
        col('principal'),
        col('rate'),
        col('benchmark'),
        col('method'),
        col('frequency'),
        col('day_count'),
        col('status'),
        col('flags'),
        col('disbursed'),
      ],
    )
  ).map((r: { id: string }) => r.id);

  // payments: mostly on time, some late, some unpaid or part-paid, 3 % paid off early
  const pay: {
    loan: string;
    n: number;
    principal: bigint;
    interest: bigint;
    paidInterest: bigint;
    paidOn: string | null;
    interestPaidOn: string | null;
    paid: boolean;
  }[] = [];
  for (let i = 0; i < 1000; i++) {
    const sched = schedules[i];
    const payoffAt = sched.length > 3 && rnd() < 0.03 ? 2 + Math.floor(rnd() * (sched.length - 3)) : null;
    for (const inst of sched) {
      let interest = inst.interestFen;
      let paidOn: string | null;
      let paidInterest = interest;
      let paid = true;
      if (payoffAt !== null && inst.number >= payoffAt) {
        const payoffDate = addDays(sched[payoffAt - 1].periodStart, Math.floor(sched[payoffAt - 1].days / 2));
        const elapsed = BigInt((ms(payoffDate) - ms(sched[payoffAt - 1].periodStart)) / DAY);
        if (inst.number === payoffAt)
          interest = (2n * inst.interestFen * elapsed + BigInt(inst.days)) / (2n * BigInt(inst.days));
        else interest = 0n;
        paidInterest = interest;
        paidOn = payoffDate;
      } else {
        const r = rnd();
        if (r < 0.85) paidOn = addDays(inst.dueDate, -Math.floor(rnd() * 4));
        else if (r < 0.93) paidOn = addDays(inst.dueDate, 1 + Math.floor(rnd() * 20));
        else if (r < 0.97) {
          paidOn = null;
          paid = false;
          paidInterest = 0n;
        } else {
          paidOn = null;
          paid = false;
          paidInterest = interest / 2n;
        }
      }
      pay.push({
        loan: loanIds[i],
        n: inst.number,
        principal: inst.principalFen,
        interest,
        paidInterest,
        paidOn,
        // half the paid instalments carry the repayment engine's interest_paid_on, the rest only paid_on
        interestPaidOn: paid && rnd() < 0.5 ? paidOn : null,
        paid,
      });
    }
  }
  const flat = schedules.flatMap((s, i) => s.map((inst) => ({ ...inst, loan: loanIds[i] })));
  await q(
    `INSERT INTO loan_installments (loan_id, number, due_date, period_start, days, principal_fen, interest_fen, original_interest_fen,
                                    paid_principal_fen, paid_interest_fen, status, paid_on, interest_paid_on)
     SELECT * FROM unnest($1::bigint[], $2::int[], $3::date[], $4::date[], $5::int[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[],
                          $10::bigint[], $11::text[], $12::date[], $13::date[])`,
    [
      flat.map((x) => x.loan),
      flat.map((x) => x.number),
      flat.map((x) => x.dueDate),
      flat.map((x) => x.periodStart),
      flat.map((x) => x.days),
      flat.map((x) => x.principalFen.toString()),
      pay.map((p) => p.interest.toString()),
      flat.map((x) => x.interestFen.toString()),
      pay.map((p) => (p.paid ? p.principal.toString() : '0')),
      pay.map((p) => p.paidInterest.toString()),
      pay.map((p) => (p.paid ? 'PAID' : 'OPEN')),
      pay.map((p) => p.paidOn),
      pay.map((p) => p.interestPaidOn),
    ],
  );
  expect(flat.length).toBeGreaterThan(10_000);

  // ── money and budgets: A's budget runs out during the year ──
  await as('treasurer', async () => {
    await h.programmes.contribute(
      A,
      { source: 'CITY', amountFen: 20_000_000n, year: 2026, documentRef: 'doc-x', receivedOn: '2026-01-01' },
      key(),
    );
    await h.programmes.setBudget(A, { year: 2026, budgetFen: 20_000_000n, reason: 'initial' }, key());
    await h.programmes.contribute(
      R,
      {
        source: 'DISTRICT',
        amountFen: 50_000_000n,
        year: 2026,
        documentRef: 'doc-x',
        receivedOn: '2026-01-01',
      },
      key(),
    );
    await h.programmes.setBudget(R, { year: 2026, budgetFen: 50_000_000n, reason: 'initial' }, key());
  });

  const quarter = async (periodEnd: string) => {
    for (const p of [A, R]) {
      const gen = await as('maker', () => h.claims.generate(p, { periodEnd }));
      for (const c of gen.claims) {
        if (!c.claim || c.claim.status !== 'DRAFT') continue;
        const approved = await as('checker', () => h.claims.approve(c.claim!.id, key()));
        if (approved.approved !== '0.00')
          await as('checker', () =>
            h.claims.settle(approved.id, { paymentRef: `SIM-${approved.claimNo}` }, key()),
          );
      }
    }
  };
  setToday(h.clock, '2026-03-25');
  await quarter('2026-03-20');
  // fraud found after the first quarter was paid: two loans with earned first-quarter subsidy
  const [fraud] = await q(
    `SELECT array_agg(loan_id::text) AS ids FROM (
       SELECT DISTINCT l.loan_id FROM subsidy_claim_lines l JOIN subsidy_claims c ON c.id = l.claim_id
        WHERE c.programme_id = $1 AND c.status = 'PAID' AND l.outcome = 'EARNED' ORDER BY l.loan_id LIMIT 2) x`,
    [A],
  );
  await q(`UPDATE loans SET flags = '{FRAUD}' WHERE id = ANY($1::bigint[])`, [fraud.ids]);
  setToday(h.clock, '2026-06-25');
  await quarter('2026-03-20'); // the first quarter again: adjustments only
  await quarter('2026-06-20');
  setToday(h.clock, '2026-09-25');
  await quarter('2026-09-20');
  setToday(h.clock, '2026-12-25');
  await quarter('2026-12-20');

  const [kinds] = await q(
    `SELECT count(*) FILTER (WHERE kind = 'ADJUSTMENT' AND total_fen < 0)::int AS clawbacks, count(*) FILTER (WHERE kind = 'REMAINDER')::int AS remainders,
            count(*) FILTER (WHERE status = 'QUEUED')::int AS queued FROM subsidy_claims`,
  );
  expect(kinds.clawbacks).toBeGreaterThanOrEqual(1);
  expect(kinds.remainders).toBeGreaterThanOrEqual(1);
  expect(kinds.queued).toBeGreaterThanOrEqual(1);
  // the top-up pays the queue in order
  await as('treasurer', async () => {
    await h.programmes.setBudget(A, { year: 2026, budgetFen: 500_000_000n, reason: 'top-up' }, key());
    const run = await h.programmes.contribute(
      A,
      { source: 'CITY', amountFen: 480_000_000n, year: 2026, documentRef: 'doc-x' },
      key(),
    );
    expect(run.queue.stillQueued).toBe(0);
    expect(run.queue.approved.length).toBeGreaterThanOrEqual(1);
  });

  // ── the independent recomputation, in SQL, from loans, instalments, products and the registry ──
  const expected: { programme_id: string; loan_id: string; number: number; earned: string }[] = await q(
    `WITH inst AS (
       SELECT i.*, l.principal_fen AS loan_principal, l.borrower_type, l.entity_id, l.status AS loan_status, l.flags, l.term_months, l.method,
              l.frequency, l.day_count, l.annual_rate_percent, l.benchmark_rate_percent, l.contract_date, pv.subsidy_policy AS pol,
              p.id AS programme_id, p.grace_days,
              l.principal_fen - coalesce(sum(i.principal_fen) OVER (PARTITION BY i.loan_id ORDER BY i.number
                                                                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS balance
         FROM loan_installments i JOIN loans l ON l.id = i.loan_id JOIN product_versions pv ON pv.id = l.product_version_id
         JOIN subsidy_programmes p ON p.id::text = pv.subsidy_policy->>'programmeId'
     ), terms AS (
       SELECT inst.*,
              CASE pol->>'type'
                WHEN 'FULL_BENCHMARK' THEN coalesce(benchmark_rate_percent,
                  (SELECT b.rate_percent FROM benchmark_rates b WHERE b.withdrawn_at IS NULL AND b.term_min_months <= term_months
                      AND b.term_max_months >= term_months AND b.effective_from <= contract_date ORDER BY b.effective_from DESC LIMIT 1))
                WHEN 'FIXED_RATE' THEN (pol->>'ratePercent')::numeric
                ELSE least(annual_rate_percent, (pol->>'capPercent')::numeric) END AS rate,
              CASE WHEN borrower_type = 'ENTITY'
                   THEN coalesce((pol->>'perLinkedHouseholdCapFen')::numeric, 5000000)
                        * (SELECT count(*) FROM entity_linked_households e JOIN households hh ON hh.id = e.household_id
                            WHERE e.entity_id = inst.entity_id AND hh.status = 'POOR')
                   ELSE coalesce((pol->>'principalCapFen')::numeric, 5000000) END AS cap,
              CASE WHEN day_count = 'ACTUAL_365' THEN days::numeric WHEN day_count = 'ACTUAL_360' THEN days::numeric
                   WHEN method = 'BULLET' THEN term_months::numeric
                   WHEN (period_start + interval '1 month')::date > due_date THEN days::numeric
                   ELSE 1 END AS share_num,
              CASE WHEN day_count = 'ACTUAL_365' THEN 365::numeric WHEN day_count = 'ACTUAL_360' THEN 360::numeric
                   WHEN method = 'BULLET' THEN 12::numeric
                   WHEN (period_start + interval '1 month')::date > due_date THEN 12 * (due_date - (due_date - interval '1 month')::date)::numeric
                   ELSE 12 END AS share_den,
              coalesce(interest_paid_on, CASE WHEN paid_interest_fen = interest_fen THEN paid_on END) AS interest_paid_date
         FROM inst
     ), computed AS (
       SELECT programme_id, loan_id, number, interest_fen, flags, loan_status, paid_interest_fen, interest_paid_date, due_date, grace_days,
              CASE WHEN original_interest_fen = 0 OR interest_fen = 0 THEN 0
                   ELSE least(interest_fen::numeric, div(
                     2 * (rate * 1000000) * least(balance, cap) * share_num * least(interest_fen, original_interest_fen)
                       + 100 * 1000000 * share_den * original_interest_fen,
                     2 * 100 * 1000000 * share_den * original_interest_fen)) END AS subsidy
         FROM terms
        WHERE due_date BETWEEN '2025-12-21' AND '2026-12-20'
     )
     SELECT programme_id::text, loan_id::text, number,
            (CASE WHEN NOT ('FRAUD' = ANY(flags) OR 'MISUSE' = ANY(flags)) AND loan_status <> 'WRITTEN_OFF'
                       AND paid_interest_fen >= interest_fen AND interest_paid_date IS NOT NULL
                       AND interest_paid_date <= due_date + grace_days
                  THEN subsidy ELSE 0 END)::bigint::text AS earned
       FROM computed WHERE interest_fen > 0 ORDER BY loan_id, number`,
  );
  const claimed: { loan_id: string; number: number; claimed: string }[] = await q(
    `SELECT l.loan_id::text, l.installment_number AS number, sum(l.subsidy_fen)::text AS claimed
       FROM subsidy_claim_lines l JOIN subsidy_claims c ON c.id = l.claim_id
      WHERE c.kind <> 'REMAINDER' AND c.status IN ('APPROVED','PAID') GROUP BY l.loan_id, l.installment_number`,
  );
  const claimedMap = new Map(claimed.map((c) => [`${c.loan_id}:${c.number}`, c.claimed]));
  const mismatches = expected.filter((e) => (claimedMap.get(`${e.loan_id}:${e.number}`) ?? '0') !== e.earned);
  expect(mismatches).toEqual([]);
  expect(
    claimed.filter(
      (c) => c.claimed !== '0' && !expected.some((e) => e.loan_id === c.loan_id && e.number === c.number),
    ),
  ).toEqual([]);

  for (const p of [A, R]) {
    const total = expected.filter((e) => e.programme_id === p).reduce((s, e) => s + BigInt(e.earned), 0n);
    expect(total).toBeGreaterThan(0n);
    // what approval committed, what the ledger expensed, and the recomputation agree to the fen
    const [b] = await q(
      `SELECT committed_fen::text FROM subsidy_budgets WHERE programme_id = $1 AND year = 2026`,
      [p],
    );
    expect(BigInt(b.committed_fen)).toBe(total);
    expect(await h.ledger.balanceOf(null, programmeAccounts(p).expense)).toBe(total);
    const [approved] = await q(
      `SELECT sum(approved_fen)::text AS s FROM subsidy_claims WHERE programme_id = $1 AND status IN ('APPROVED','PAID')`,
      [p],
    );
    expect(BigInt(approved.s)).toBe(total);
  }
  // the year had every kind of forfeiture
  const reasons = (
    await q(
      `SELECT DISTINCT forfeit_reason FROM subsidy_claim_lines WHERE forfeit_reason IS NOT NULL ORDER BY 1`,
    )
  ).map((r: { forfeit_reason: string }) => r.forfeit_reason);
  expect(reasons).toEqual(['LATE_PAYMENT', 'LOAN_FRAUD', 'LOAN_MISUSE', 'UNPAID', 'WRITTEN_OFF']);
  expect((await h.ledger.verify()).ok).toBe(true);
});
