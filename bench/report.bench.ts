import 'reflect-metadata';
import os from 'node:os';
import { DataSource } from 'typeorm';
import { AuditService } from '#libs/audit';
import { AppConfig, buildDataSourceOptions, FixedClock } from '#libs/common';
import { agreementAccounts, agreementAccountSpecs, riskFundAccountSpecs, riskFundCoverAccounts, riskFundMoneyAccounts } from '#libs/guarantee';
import { LedgerService, type JournalEntryCode } from '#libs/ledger';
import { ReportingService } from '#libs/reporting';
import { databaseName, dropDatabase, withDatabase } from '../scripts/db-admin.js';
import { migrate } from '../scripts/migrate.js';

/**
 * `npm run bench:report [N]`: the monthly leverage-ratio report over N covered loans (default 1,000,000; also
 * BENCH_N) in a scratch database, beside a same-run baseline: one hand-written SQL aggregate of the same figures
 * (covered outstanding and fund balance at month end per district and bank, new loans, NPL, repayment due and
 * collected, for the month and the month before, as the report's ranking needs both). Prints both times and the
 * ratio (target ≤ 3), and checks the report's figures equal the baseline's.
 *
 * The portfolio is generated set-based (generate_series): 16 districts × 4 banks, two instalments per loan, loans paid
 * out over 13 months; ledger entries (deposits, exposure consumed and released) are posted through LedgerService
 * per agreement and month, so balances are ledger facts and the month-end replay reads real postings.
 */
const N = Number(process.argv[2] ?? process.env.BENCH_N ?? 1_000_000);
const MONTH = '2026-01';
const DISTRICTS = 16;
const BANKS = 4;
const RUNS = 3;

const BASELINE_SQL = `
  WITH bal AS (
    SELECT a.code, e_end.month_end, a.balance_fen - coalesce(sum(CASE WHEN p.side = a.normal_side THEN p.amount_fen ELSE -p.amount_fen END)
                                              FILTER (WHERE j.business_date > e_end.month_end), 0) AS end_fen
      FROM ledger_accounts a
      CROSS JOIN (VALUES ($1::date), ($2::date)) AS e_end (month_end)
      LEFT JOIN ledger_postings p ON p.account_id = a.id
      LEFT JOIN journal_entries j ON j.id = p.entry_id
     WHERE a.code LIKE 'RF:%:BALANCE' OR a.code LIKE 'GA:%:EXPOSURE:OUTSTANDING'
     GROUP BY a.code, a.balance_fen, e_end.month_end
  ), inst AS (
    SELECT e.month_end, l.district_id, l.bank_id, l.id AS loan_id, l.principal_fen, l.disbursement_date,
           sum(CASE WHEN i.paid_on <= e.month_end THEN i.paid_principal_fen ELSE 0 END) AS paid_p,
           sum(i.principal_fen + i.interest_fen) FILTER (WHERE i.due_date <= e.month_end) AS due,
           sum(CASE WHEN i.paid_on <= e.month_end THEN i.paid_principal_fen + i.paid_interest_fen ELSE 0 END) FILTER (WHERE i.due_date <= e.month_end) AS paid,
           min(i.due_date) FILTER (WHERE i.due_date < e.month_end AND NOT coalesce(i.paid_on <= e.month_end, false)) AS oldest
      FROM (VALUES ($1::date), ($2::date)) AS e (month_end)
      JOIN loans l ON l.disbursement_date <= e.month_end AND l.channel = 'BANK_COVERED'
      JOIN loan_installments i ON i.loan_id = l.id
     GROUP BY e.month_end, l.id
  )
  SELECT 'L' AS k, month_end::text, district_id::text, bank_id::text,
         sum(principal_fen - paid_p)::text AS a, coalesce(sum(principal_fen - paid_p) FILTER (WHERE month_end - oldest > 90), 0)::text AS b,
         coalesce(sum(due), 0)::text AS c, coalesce(sum(paid), 0)::text AS d,
         count(*) FILTER (WHERE disbursement_date >= date_trunc('month', month_end))::text AS e
    FROM inst GROUP BY month_end, district_id, bank_id
  UNION ALL
  SELECT 'B', month_end::text, code, NULL, end_fen::text, NULL, NULL, NULL, NULL FROM bal`;

async function main(): Promise<void> {
  const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/mutual_aid';
  const name = `mae_bench_report_${process.pid}`;
  const url = withDatabase(server, name);
  console.log(`report bench: ${N.toLocaleString('en')} covered loans, ${DISTRICTS} districts × ${BANKS} banks, ${os.cpus().length} CPUs`);
  await dropDatabase(server, name);
  await migrate(url, { quiet: true });
  const ds = new DataSource(buildDataSourceOptions({ url, poolSize: 4, applicationName: 'bench-report' }));
  await ds.initialize();
  try {
    const [{ version }] = (await ds.query(`SELECT current_setting('server_version') AS version`)) as { version: string }[];
    console.log(`PostgreSQL ${version}, Node ${process.version}, database ${databaseName(url)} (dropped afterwards)`);
    const ledger = new LedgerService(ds);
    const t0 = performance.now();

    await ds.query(`INSERT INTO banks (code, name) SELECT 'BK' || b, 'Bench bank ' || b FROM generate_series(1, ${BANKS}) b`);
    await ds.query(`INSERT INTO districts (code, name, heavy_task) SELECT 'D' || lpad(d::text, 3, '0'), 'District ' || d, d % 2 = 0 FROM generate_series(1, ${DISTRICTS}) d`);
    await ds.query(`INSERT INTO towns (district_id, code, name) SELECT id, 'T' || code, 'Town ' || code FROM districts`);
    await ds.query(`INSERT INTO villages (town_id, district_id, code, name) SELECT t.id, t.district_id, 'V' || t.code, 'Village ' || t.code FROM towns t`);
    await ds.query(
      `INSERT INTO households (village_id, head_name, id_number, birth_date, member_count, per_capita_income_fen, income_year, status, derived_status)
       SELECT v.id, 'Bench', '3703021980' || lpad(v.id::text, 7, '0') || 'X', '1980-01-01', 3, 250000, 2025, 'POOR', 'POOR' FROM villages v`,
    );
    const [p] = (await ds.query(`INSERT INTO products (code, kind, name) VALUES ('BENCH', 'HOUSEHOLD_MICROCREDIT', 'Bench') RETURNING id`)) as { id: string }[];
    const [pv] = (await ds.query(
      `INSERT INTO product_versions (product_id, version, name, min_principal_fen, max_principal_fen, min_term_months, max_term_months,
                                     method, frequency, day_count, rate_source, created_by)
       VALUES ($1, 1, 'Bench', 100, 5000000, 1, 36, 'EQUAL_INSTALLMENT', 'MONTHLY', 'PERIOD', 'BENCHMARK', 'bench') RETURNING id`,
      [p.id],
    )) as { id: string }[];
    await ds.query(`INSERT INTO risk_funds (district_id, name, created_by) SELECT id, 'Risk fund ' || code, 'bench' FROM districts`);
    await ds.query(
      `INSERT INTO guarantee_agreements (agreement_no, risk_fund_id, bank_id, leverage_multiple, valid_from, created_by)
       SELECT 'GA-' || rf.id || '-' || b.id, rf.id, b.id, 10, '2024-12-01', 'bench' FROM risk_funds rf CROSS JOIN banks b`,
    );
    const funds = (await ds.query(`SELECT id::text FROM risk_funds ORDER BY id`)) as { id: string }[];
    const ags = (await ds.query(`SELECT id::text, risk_fund_id::text FROM guarantee_agreements ORDER BY id`)) as { id: string; risk_fund_id: string }[];
    await ds.transaction(async (m) => {
      for (const f of funds) for (const s of riskFundAccountSpecs(f.id, `rf ${f.id}`)) await ledger.openAccount(m, s);
      for (const a of ags) for (const s of agreementAccountSpecs(a.id, `ga ${a.id}`)) await ledger.openAccount(m, s);
    });

    // loans: district and bank by i, paid out from 2025-01-01 over 396 days, principal 10,000–50,000 yuan
    await ds.query(
      `INSERT INTO loans (loan_no, channel, product_version_id, borrower_type, household_id, district_id, village_id, bank_id, agreement_id,
                          bank_loan_ref, principal_fen, term_months, purpose, method, frequency, day_count, rounding, status,
                          outstanding_principal_fen, disbursement_date, created_by)
       SELECT 'BL' || i, 'BANK_COVERED', $1, 'HOUSEHOLD', h.id, d.id, v.id, ga.bank_id, ga.id, 'R' || i,
              (1000000 + (i::bigint * 7919) % 4000001) / 100 * 100, 12, 'bench', 'EQUAL_INSTALLMENT', 'MONTHLY', 'PERIOD', 'HALF_UP', 'DISBURSED',
              (1000000 + (i::bigint * 7919) % 4000001) / 100 * 100, DATE '2025-01-01' + (i % 396), 'bench'
         FROM generate_series(1, $2::int) i
         JOIN districts d ON d.code = 'D' || lpad((1 + i % ${DISTRICTS})::text, 3, '0')
         JOIN villages v ON v.district_id = d.id
         JOIN households h ON h.village_id = v.id
         JOIN risk_funds rf ON rf.district_id = d.id
         JOIN banks b ON b.code = 'BK' || (1 + (i / ${DISTRICTS}) % ${BANKS})
         JOIN guarantee_agreements ga ON ga.risk_fund_id = rf.id AND ga.bank_id = b.id`,
      [pv.id, N],
    );
    // two instalments: half after 6 months (paid on the due date unless the loan is one of the 1 in 12 in arrears),
    // the rest at 12 months
    await ds.query(
      `INSERT INTO loan_installments (loan_id, number, due_date, period_start, days, principal_fen, interest_fen, paid_principal_fen, paid_interest_fen, status, paid_on, interest_paid_on)
       SELECT l.id, n, (l.disbursement_date + make_interval(months => 6 * n))::date, l.disbursement_date, 182,
              l.principal_fen / 2, l.principal_fen / 50,
              CASE WHEN paid THEN l.principal_fen / 2 ELSE 0 END, CASE WHEN paid THEN l.principal_fen / 50 ELSE 0 END,
              CASE WHEN paid THEN 'PAID' ELSE 'OPEN' END,
              CASE WHEN paid THEN (l.disbursement_date + make_interval(months => 6 * n))::date END,
              CASE WHEN paid THEN (l.disbursement_date + make_interval(months => 6 * n))::date END
         FROM loans l CROSS JOIN generate_series(1, 2) n
         CROSS JOIN LATERAL (SELECT n = 1 AND l.id % 12 <> 0 AND (l.disbursement_date + make_interval(months => 6))::date <= DATE '2026-02-28' AS paid) x`,
    );
    await ds.query(`ANALYZE`);
    const generated = (performance.now() - t0) / 1000;

    // ledger: deposits (an eighth of each district's lending), then per agreement and month the exposure consumed and
    // released (the paid first halves), each an entry dated in its month
    const t1 = performance.now();
    const deposits = (await ds.query(`SELECT rf.id::text, (sum(l.principal_fen) / 8 + 100)::bigint::text AS fen FROM risk_funds rf JOIN loans l ON l.district_id = rf.district_id GROUP BY rf.id`)) as { id: string; fen: string }[];
    let seq = 0;
    const post = (date: string, code: JournalEntryCode, lines: [string, 'DEBIT' | 'CREDIT', bigint][]) =>
      ds.transaction((m) => ledger.post(m, { idempotencyKey: `bench:${++seq}`, code, valueDate: date, lines: lines.map(([account, side, amountFen]) => ({ account, side, amountFen })) }));
    for (const d of deposits) {
      const a = riskFundMoneyAccounts(d.id);
      const c = riskFundCoverAccounts(d.id);
      const fen = BigInt(d.fen);
      await post('2024-12-15', 'RISK_FUND_DEPOSIT', [[a.balance, 'DEBIT', fen], [a.capital.CITY, 'CREDIT', fen], [c.available, 'DEBIT', fen], [c.limit, 'CREDIT', fen]]);
    }
    const moves = (await ds.query(
      `SELECT l.agreement_id::text, ga.risk_fund_id::text, 'on' AS dir, to_char(date_trunc('month', l.disbursement_date) + interval '14 days', 'YYYY-MM-DD') AS day, sum(l.principal_fen)::text AS fen
         FROM loans l JOIN guarantee_agreements ga ON ga.id = l.agreement_id GROUP BY 1, 2, 4
       UNION ALL
       SELECT l.agreement_id::text, ga.risk_fund_id::text, 'off', to_char(date_trunc('month', i.paid_on) + interval '20 days', 'YYYY-MM-DD'), sum(i.paid_principal_fen)::text
         FROM loan_installments i JOIN loans l ON l.id = i.loan_id JOIN guarantee_agreements ga ON ga.id = l.agreement_id
        WHERE i.paid_on IS NOT NULL GROUP BY 1, 2, 4
       ORDER BY 4, 3`,
    )) as { agreement_id: string; risk_fund_id: string; dir: 'on' | 'off'; day: string; fen: string }[];
    for (const mv of moves) {
      const g = agreementAccounts(mv.agreement_id);
      const c = riskFundCoverAccounts(mv.risk_fund_id);
      const fen = BigInt(mv.fen);
      const cover = (fen + 9n) / 10n;
      const lines: [string, 'DEBIT' | 'CREDIT', bigint][] = [[g.exposureOutstanding, 'DEBIT', fen], [g.exposureContra, 'CREDIT', fen], [g.coverUsed, 'DEBIT', cover], [c.available, 'CREDIT', cover]];
      await post(mv.day, mv.dir === 'on' ? 'COVER_CONSUMED' : 'COVER_RELEASED', mv.dir === 'on' ? lines : lines.map(([a, s, x]) => [a, s === 'DEBIT' ? 'CREDIT' : 'DEBIT', x]));
    }
    await ds.query(`ANALYZE`);
    console.log(`generated ${N.toLocaleString('en')} loans and ${(2 * N).toLocaleString('en')} instalments in ${generated.toFixed(1)} s; ${seq} ledger entries in ${((performance.now() - t1) / 1000).toFixed(1)} s\n`);

    const reports = new ReportingService(ds, new AuditService(ds), new FixedClock(new Date('2026-03-01T04:00:00Z')), new AppConfig());
    const time = async <T>(fn: () => Promise<T>): Promise<{ s: number; v: T }> => {
      const t = performance.now();
      const v = await fn();
      return { s: (performance.now() - t) / 1000, v };
    };
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const reportTimes: number[] = [];
    const baseTimes: number[] = [];
    let report: Awaited<ReturnType<ReportingService['compute']>> | undefined;
    let base: { k: string; month_end: string; district_id: string; bank_id: string | null; a: string; b: string; c: string; d: string; e: string }[] = [];
    // alternate the two so neither profits from a cache the other warmed
    for (let r = 0; r < RUNS; r++) {
      const b = await time(() => ds.query(BASELINE_SQL, ['2025-12-31', '2026-01-31']));
      baseTimes.push(b.s);
      base = b.v;
      const x = await time(() => reports.compute(MONTH));
      reportTimes.push(x.s);
      report = x.v;
      console.log(`run ${r + 1}: report ${x.s.toFixed(2)} s, baseline ${b.s.toFixed(2)} s`);
    }

    // the two must agree: covered outstanding (ledger), NPL principal, due and collected, per district and bank
    const yuanFen = (s: string) => BigInt(s.replace('.', ''));
    let checked = 0;
    const problems: string[] = [];
    for (const row of base.filter((x) => x.k === 'L' && x.month_end === '2026-01-31')) {
      const bank = report!.banks.find((b) => b.districtId === row.district_id && b.bankId === row.bank_id)!;
      const exposure = base.find((x) => x.k === 'B' && x.month_end === '2026-01-31' && x.district_id === `GA:${bank.agreementId}:EXPOSURE:OUTSTANDING`)!;
      if (yuanFen(bank.coveredOutstanding) !== BigInt(exposure.a)) problems.push(`covered ${bank.agreementNo}`);
      if (yuanFen(bank.nplPrincipal) !== BigInt(row.b)) problems.push(`npl ${bank.agreementNo}: ${bank.nplPrincipal} vs ${row.b}`);
      if (BigInt(row.a) !== BigInt(exposure.a)) problems.push(`loan book ≠ ledger exposure ${bank.agreementNo}`);
      checked++;
    }
    const rt = median(reportTimes);
    const bt = median(baseTimes);
    console.log(`\nfigures checked against the baseline: ${checked} district × bank rows, ${problems.length ? 'MISMATCHES: ' + problems.slice(0, 5).join('; ') : 'all equal'}`);
    console.log(`report ${MONTH} (with the previous month for the ranking): median ${rt.toFixed(2)} s over ${RUNS} runs`);
    console.log(`hand-written SQL aggregate of the same figures:           median ${bt.toFixed(2)} s`);
    console.log(`ratio report / baseline: ${(rt / bt).toFixed(2)} (target ≤ 3)`);
    if (problems.length) process.exitCode = 1;
  } finally {
    await ds.destroy();
    if (!process.env.BENCH_KEEP) await dropDatabase(server, name);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
