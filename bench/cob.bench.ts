import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '#libs/audit';
import { buildDataSourceOptions, FixedClock } from '#libs/common';
import { CobPortfolioStore, CobRunStore, CobService } from '#libs/cob';
import { BreakerService } from '#libs/guarantee';
import { LoanAgeingStore } from '#libs/loans';
import { loadRepaymentConfig } from '#libs/repayment';
import { dropDatabase, withDatabase } from '../scripts/db-admin.js';
import { migrate } from '../scripts/migrate.js';

/**
 * `npm run bench:cob`: the daily close of business over a generated portfolio of BENCH_LOANS (default 200,000)
 * mutual-aid loans with 12 monthly instalments each (2.4M instalments), about one loan in eight in arrears and one in
 * five in a joint-liability group, in a scratch database built with set-based SQL (generate_series), never through
 * the API. It prints COB loans/s beside a same-run baseline, one set-based SQL UPDATE of the same instalment rows
 * (accrue + mark overdue, rolled back), the ratio of the two (target ≥ 0.25), and the peak RSS of this process,
 * which runs the COB exactly as the worker does (target < 500 MB).
 *
 * Environment: BENCH_LOANS, BENCH_FUNDS (200), COB_BATCH_SIZE (2000), BENCH_KEEP_DB=1 to keep the scratch database.
 */
const LOANS = Number(process.env.BENCH_LOANS ?? 200_000);
const FUNDS = Number(process.env.BENCH_FUNDS ?? 200);
const BUSINESS_DATE = '2026-06-30';
const TARGET_RATIO = 0.25;
const TARGET_RSS_MB = 500;

const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = `mae_bench_cob_${process.pid}`;
const url = withDatabase(server, dbName);

const seconds = (ms: number) => (ms / 1000).toFixed(1);

async function generate(ds: DataSource): Promise<void> {
  const q = (sql: string, params: unknown[] = []) => ds.query(sql, params);
  const [d] = await q(`INSERT INTO districts (code, name) VALUES ('BENCH', 'Bench district') RETURNING id`);
  const [t] = await q(
    `INSERT INTO towns (district_id, code, name) VALUES ($1, 'BENCH-T', 'Bench town') RETURNING id`,
    [d.id],
  );
  await q(
    `INSERT INTO villages (town_id, district_id, code, name)
     SELECT $1, $2, 'BV' || g, 'Bench village ' || g FROM generate_series(1, $3) g`,
    [t.id, d.id, FUNDS],
  );
  await q(
    `INSERT INTO mutual_aid_funds (village_id, name) SELECT id, name || ' fund' FROM villages WHERE code LIKE 'BV%' ORDER BY id`,
  );
  const [p] = await q(
    `INSERT INTO products (code, kind, name) VALUES ('BENCH_MA', 'MUTUAL_AID', 'bench') RETURNING id`,
  );
  const [pv] = await q(
    `INSERT INTO product_versions (product_id, version, name, min_principal_fen, max_principal_fen, min_term_months, max_term_months,
                                   method, frequency, day_count, rate_source, fixed_rate_percent, penalty_rate_percent, penalty_basis,
                                   grace_days, created_by)
     VALUES ($1, 1, 'bench', 10000, 1000000, 1, 12, 'EQUAL_PRINCIPAL', 'MONTHLY', 'PERIOD', 'FIXED', 6, 50, 'SURCHARGE_ON_CONTRACT', 3, 'bench')
     RETURNING id`,
    [p.id],
  );
  // Households cycle through the villages; the first fifth form joint-liability groups of four.
  await q(
    `INSERT INTO households (village_id, head_name, id_number, birth_date, member_count, per_capita_income_fen, income_year, status, derived_status)
     SELECT v.ids[1 + g % $2], 'H' || g, lpad(g::text, 18, '0'), '1980-01-01', 3, 300000, 2025, 'POOR', 'POOR'
       FROM generate_series(1, $1) g, (SELECT array_agg(id ORDER BY id) AS ids FROM villages WHERE code LIKE 'BV%') v`,
    [LOANS, FUNDS],
  );
  const groups = Math.floor(LOANS / 20);
  await q(
    `INSERT INTO liability_groups (village_id, name) SELECT (SELECT min(id) FROM villages WHERE code LIKE 'BV%'), 'G' || g FROM generate_series(1, $1) g`,
    [groups],
  );
  await q(
    `INSERT INTO liability_group_members (group_id, household_id)
     SELECT g.ids[1 + (h.rn - 1) / 4], h.id
       FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM households) h, (SELECT array_agg(id ORDER BY id) AS ids FROM liability_groups) g
      WHERE h.rn <= $1 * 4`,
    [groups],
  );
  // One loan per household, 1 000.00–5 000.00, disbursed 1 to 360 days before the business date.
  await q(
    `INSERT INTO loans (loan_no, channel, product_version_id, borrower_type, household_id, district_id, village_id, fund_id, group_id,
                        principal_fen, term_months, annual_rate_percent, penalty_rate_percent, purpose, method, frequency, day_count,
                        rounding, status, application_date, contract_date, disbursement_date, maturity_date, outstanding_principal_fen,
                        created_by, approved_by)
     SELECT 'BL' || h.rn, 'MUTUAL_AID', $1, 'HOUSEHOLD', h.id, $2, h.village_id, f.id, gm.group_id,
            (1000 + (h.rn * 7919) % 4001) * 100, 12, 6, 9, 'BREEDING', 'EQUAL_PRINCIPAL', 'MONTHLY', 'PERIOD', 'HALF_UP', 'DISBURSED',
            $3::date - (1 + h.rn % 360)::int, $3::date - (1 + h.rn % 360)::int, $3::date - (1 + h.rn % 360)::int,
            ($3::date - (1 + h.rn % 360)::int + interval '12 months')::date, 0, 'bench', 'bench-approver'
       FROM (SELECT id, village_id, row_number() OVER (ORDER BY id) AS rn FROM households) h
       JOIN mutual_aid_funds f ON f.village_id = h.village_id
       LEFT JOIN liability_group_members gm ON gm.household_id = h.id`,
    [pv.id, d.id, BUSINESS_DATE],
  );
  // 12 instalments each: what fell due was paid on its due date, except on one loan in eight, which stopped
  // paying at its 1st–5th instalment; that loan's arrears are what the COB finds.
  await q(
    `INSERT INTO loan_installments (loan_id, number, due_date, period_start, days, principal_fen, interest_fen,
                                    paid_principal_fen, paid_interest_fen, status, paid_on, interest_paid_on)
     SELECT x.id, x.k, x.due, x.start, x.due - x.start, x.p, x.i,
            CASE WHEN x.paid THEN x.p ELSE 0 END, CASE WHEN x.paid THEN x.i ELSE 0 END,
            CASE WHEN x.paid THEN 'PAID' ELSE 'OPEN' END, CASE WHEN x.paid THEN x.due END, CASE WHEN x.paid THEN x.due END
       FROM (
         SELECT l.id, k,
                (l.disbursement_date + make_interval(months => k))::date AS due,
                (l.disbursement_date + make_interval(months => k - 1))::date AS start,
                CASE WHEN k < 12 THEN l.principal_fen / 12 ELSE l.principal_fen - 11 * (l.principal_fen / 12) END AS p,
                round((l.principal_fen - (k - 1) * (l.principal_fen / 12)) * 0.005)::bigint AS i,
                (l.disbursement_date + make_interval(months => k))::date < $1::date AND NOT (l.id % 8 = 0 AND k >= 1 + l.id % 5) AS paid
           FROM loans l CROSS JOIN generate_series(1, 12) k
       ) x`,
    [BUSINESS_DATE],
  );
  await q(
    `UPDATE loans l SET outstanding_principal_fen = s.unpaid
       FROM (SELECT loan_id, sum(principal_fen - paid_principal_fen) AS unpaid FROM loan_installments GROUP BY loan_id) s
      WHERE s.loan_id = l.id`,
  );
  await q(`VACUUM ANALYZE`);
}

/** The baseline: one set-based UPDATE of the instalment rows the COB changes (accrual and overdue marking), rolled back. */
async function baseline(ds: DataSource): Promise<{ ms: number; rows: number }> {
  const runner = ds.createQueryRunner();
  await runner.connect();
  try {
    await runner.startTransaction();
    const started = performance.now();
    const res = (await runner.query(
      `WITH u AS (
         UPDATE loan_installments i
            SET penalty_fen_days = i.penalty_fen_days + (i.principal_fen - i.paid_principal_fen)
                                   * ($1::date - greatest(coalesce(i.accrued_through, i.due_date), i.due_date)),
                accrued_through = $1::date, status = 'OVERDUE', overdue_since = i.due_date + 4
           FROM loans l
          WHERE l.id = i.loan_id AND l.status = 'DISBURSED' AND i.status IN ('OPEN','OVERDUE') AND i.due_date < $1::date
            AND i.principal_fen > i.paid_principal_fen
         RETURNING 1)
       SELECT count(*)::int AS n FROM u`,
      [BUSINESS_DATE],
    )) as { n: number }[];
    const ms = performance.now() - started;
    await runner.rollbackTransaction();
    return { ms, rows: res[0].n };
  } finally {
    await runner.release();
  }
}

async function main(): Promise<void> {
  Logger.overrideLogger(['error', 'warn']);
  console.log(
    `bench:cob — ${LOANS.toLocaleString('en')} loans, ${(LOANS * 12).toLocaleString('en')} instalments, ${FUNDS} funds, scratch database ${dbName}`,
  );
  await migrate(url, { quiet: true });
  const ds = new DataSource(buildDataSourceOptions({ url, poolSize: 4, applicationName: 'bench-cob' }));
  await ds.initialize();
  try {
    let t = performance.now();
    await generate(ds);
    console.log(`generated the portfolio with set-based SQL in ${seconds(performance.now() - t)} s`);

    const base = await baseline(ds);
    await ds.query(`VACUUM ANALYZE loan_installments`);
    const baseRate = LOANS / (base.ms / 1000);
    console.log(
      `baseline: one UPDATE of ${base.rows.toLocaleString('en')} instalment rows in ${seconds(base.ms)} s = ${Math.round(baseRate).toLocaleString('en')} loans/s`,
    );

    const config = loadRepaymentConfig();
    const cob = new CobService(
      ds,
      new AuditService(ds),
      new FixedClock(new Date(`${BUSINESS_DATE}T16:00:00Z`)),
      config,
      new BreakerService(ds, new AuditService(ds)),
      new CobRunStore(ds),
      new CobPortfolioStore(ds),
      new LoanAgeingStore(),
    );
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
    t = performance.now();
    let loansDoneAt = t;
    const run = await cob.run(BUSINESS_DATE, {
      triggeredBy: 'bench',
      hooks: { afterBatch: (step) => void (step === 'LOANS' && (loansDoneAt = performance.now())) },
    });
    const ms = performance.now() - t;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    const rate = run.loansProcessed / (ms / 1000);
    const [facts] = await ds.query(
      `SELECT (SELECT count(*) FROM loan_installments WHERE status = 'OVERDUE')::int AS overdue,
              (SELECT count(*) FROM loans WHERE non_performing)::int AS npl,
              (SELECT count(*) FROM group_liability_calls)::int AS calls,
              (SELECT count(*) FROM portfolio_snapshots)::int AS snapshots`,
    );
    console.log(
      `COB ${run.businessDate}: ${run.loansProcessed.toLocaleString('en')} loans in ${run.batches} batches of ${config.COB_BATCH_SIZE} in ${seconds(ms)} s` +
        ` = ${Math.round(rate).toLocaleString('en')} loans/s (${facts.overdue.toLocaleString('en')} instalments overdue, ${facts.npl} non-performing,` +
        ` ${facts.calls} group calls, ${facts.snapshots} fund snapshots)`,
    );
    console.log(
      `  arrears batches ${seconds(loansDoneAt - t)} s, portfolio snapshots ${seconds(performance.now() - loansDoneAt - (performance.now() - t - ms))} s`,
    );
    const ratio = rate / baseRate;
    const rssMb = peak / 1024 / 1024;
    console.log(
      `ratio COB / baseline: ${ratio.toFixed(2)} (target ≥ ${TARGET_RATIO}) ${ratio >= TARGET_RATIO ? 'OK' : 'BELOW TARGET'}`,
    );
    console.log(
      `peak RSS of the COB process: ${rssMb.toFixed(0)} MB (target < ${TARGET_RSS_MB} MB) ${rssMb < TARGET_RSS_MB ? 'OK' : 'ABOVE TARGET'}`,
    );
  } finally {
    await ds.destroy();
    if (!process.env.BENCH_KEEP_DB) await dropDatabase(server, dbName);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
