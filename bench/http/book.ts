import type { INestApplicationContext } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { Clock } from '#libs/common';
import { ContributionsService, FundsService, fundAccounts } from '#libs/funds';
import { agreementAccounts, riskFundCoverAccounts, RiskFundsService } from '#libs/guarantee';
import { LedgerService } from '#libs/ledger';
import { addDays, generateSchedule } from '#libs/schedules';

/**
 * The benchmark's book, on top of the demo seed (users, the demo bank and its officer, the demo district's risk fund
 * and agreement): FUNDS village mutual-aid funds in the demo district, each with its capital contributed through the
 * service; MA_LOANS mutual-aid loans spread over them (exact schedules from the schedule engine, written in bulk, one
 * disbursement entry per fund); COVERED_LOANS bank loans under the district's cover (rows written set-based, one
 * cover-consumed entry for all of them, backed by a deposit made through the service), and spare households the
 * registration case lends to. Everything the money paths read is consistent with what the services would have
 * written: the ledger's balances are its postings, and every cover row adds up to the agreement's exposure.
 */
export interface BookSize {
  funds: number;
  maLoans: number;
  coveredLoans: number;
  spareHouseholds: number;
}

export interface Book {
  today: string;
  fundIds: string[];
  /** mutual-aid loans by fund (index parallel to fundIds) */
  loansByFund: string[][];
  /** the fund whose loans the hot case repays */
  hotFundId: string;
  /**
   * the 13 loans of that fund the hot case repays: its largest (8,600.00 yuan and up in the default book), so a minute of repayments of
   * 1.00 at several hundred a second pays none of them off (a loan paid off refuses the next one)
   */
  hotLoanIds: string[];
  /** a loan with room for thousands of small repayments (the history case) */
  historyLoanId: string;
  coveredLoanIds: string[];
  spareHouseholdIds: string[];
  productVersionId: string;
}

const q = <T = Record<string, string>>(m: EntityManager | DataSource, sql: string, params: unknown[] = []) =>
  m.query(sql, params) as Promise<T[]>;

export async function buildBook(app: INestApplicationContext, size: BookSize): Promise<Book> {
  const ds = app.get(DataSource);
  const ledger = app.get(LedgerService);
  const funds = app.get(FundsService);
  const contributions = app.get(ContributionsService);
  const riskFunds = app.get(RiskFundsService);
  const today = app.get(Clock).today();

  const [district] = await q(
    ds,
    `SELECT d.id::text AS id, min(t.id)::text AS town FROM districts d JOIN towns t ON t.district_id = d.id WHERE d.code = '370302' GROUP BY d.id`,
  );
  const villages = await q(
    ds,
    `INSERT INTO villages (town_id, district_id, code, name)
     SELECT $1, $2, 'BV' || lpad(g::text, 3, '0'), 'Bench village ' || g FROM generate_series(1, $3::int) g RETURNING id::text`,
    [district.town, district.id, size.funds],
  );

  // One fund per village, its capital through the contributions service (dated 60 days back).
  const fundIds: string[] = [];
  const capitalOn = addDays(today, -60);
  for (const v of villages) {
    const f = await funds.create({ villageId: v.id });
    await contributions.contribute(
      f.id,
      {
        source: 'DISTRICT',
        amountFen: 100_000_000n,
        receivedOn: capitalOn,
        year: Number(capitalOn.slice(0, 4)),
        documentRef: 'bench',
      },
      `bench-capital-${f.id}`,
    );
    fundIds.push(f.id);
  }

  // A monthly equal-principal product without the group requirement, fixed 6 %.
  const [p] = await q(
    ds,
    `INSERT INTO products (code, kind, name) VALUES ('BENCH_MA', 'MUTUAL_AID', 'Bench mutual aid') RETURNING id::text`,
  );
  const [pv] = await q(
    ds,
    `INSERT INTO product_versions (product_id, version, name, min_principal_fen, max_principal_fen, min_term_months, max_term_months,
                                   method, frequency, day_count, rate_source, fixed_rate_percent, penalty_rate_percent, penalty_basis,
                                   grace_days, requires_group, created_by)
     VALUES ($1, 1, 'bench', 10000, 100000000, 1, 36, 'EQUAL_PRINCIPAL', 'MONTHLY', 'PERIOD', 'FIXED', 6, 50, 'SURCHARGE_ON_CONTRACT',
             3, false, 'bench') RETURNING id::text`,
    [p.id],
  );

  // Households: one per mutual-aid loan (in its fund's village), one per covered loan, and the spares.
  const totalHouseholds = size.maLoans + 1 + size.coveredLoans + size.spareHouseholds;
  const households = await q(
    ds,
    `INSERT INTO households (village_id, head_name, id_number, birth_date, member_count, per_capita_income_fen, income_year, status, derived_status)
     SELECT v.ids[1 + g % $2::int], 'H' || g, '3703021980' || lpad(g::text, 7, '0') || 'X', '1980-01-01', 3, 300000, 2025, 'POOR', 'POOR'
       FROM generate_series(0, $1::int - 1) g, (SELECT array_agg(id::bigint ORDER BY id) AS ids FROM unnest($3::bigint[]) id) v
     ORDER BY g
     RETURNING id::text, village_id::text`,
    [totalHouseholds, villages.length, villages.map((v) => v.id)],
  );
  const villageFund = new Map(villages.map((v, i) => [v.id, fundIds[i]]));

  // Mutual-aid loans: 1,000.00–10,000.00, 12 months, paid out 1–25 days ago (nothing due yet), exact schedules.
  const loanRows: unknown[][] = [];
  const instRows: unknown[][] = [];
  const maHouseholds = households.slice(0, size.maLoans + 1);
  for (const [i, h] of maHouseholds.entries()) {
    const history = i === size.maLoans;
    const principalFen = history ? 10_000_000n : BigInt(100_000 + ((i * 7919) % 9001) * 100);
    const date = addDays(today, -(1 + (i % 25)));
    const schedule = generateSchedule({
      principalFen,
      annualRatePercent: '6',
      numberOfInstallments: 12,
      frequency: 'MONTHLY',
      termMonths: 12,
      method: 'EQUAL_PRINCIPAL',
      dayCount: 'PERIOD',
      disbursementDate: date,
      rounding: 'HALF_UP',
      installmentMultipleFen: 1n,
      principalGraceInstallments: 0,
    });
    loanRows.push([
      `BMA-${i + 1}`,
      h.id,
      h.village_id,
      villageFund.get(h.village_id),
      principalFen.toString(),
      date,
      schedule.installments.at(-1)!.dueDate,
    ]);
    for (const s of schedule.installments)
      instRows.push([
        i,
        s.number,
        s.dueDate,
        s.periodStart,
        s.days,
        s.principalFen.toString(),
        s.interestFen.toString(),
      ]);
  }
  const col = <T>(rows: unknown[][], k: number) => rows.map((r) => r[k] as T);
  const loans = await q(
    ds,
    `INSERT INTO loans (loan_no, channel, product_version_id, borrower_type, household_id, district_id, village_id, fund_id, principal_fen,
                        term_months, annual_rate_percent, penalty_rate_percent, purpose, method, frequency, day_count, rounding, status,
                        application_date, contract_date, disbursement_date, maturity_date, outstanding_principal_fen, created_by, approved_by)
     SELECT x.no, 'MUTUAL_AID', $1, 'HOUSEHOLD', x.h, $2, x.v, x.f, x.p, 12, 6, 9, 'BREEDING', 'EQUAL_PRINCIPAL', 'MONTHLY', 'PERIOD',
            'HALF_UP', 'DISBURSED', x.d, x.d, x.d, x.m, x.p, 'bench', 'bench-approver'
       FROM unnest($3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::date[], $9::date[]) WITH ORDINALITY
            AS x (no, h, v, f, p, d, m, n)
      ORDER BY x.n
     RETURNING id::text, fund_id::text, principal_fen::text`,
    [
      pv.id,
      district.id,
      col(loanRows, 0),
      col(loanRows, 1),
      col(loanRows, 2),
      col(loanRows, 3),
      col(loanRows, 4),
      col(loanRows, 5),
      col(loanRows, 6),
    ],
  );
  await q(
    ds,
    `INSERT INTO loan_installments (loan_id, number, due_date, period_start, days, principal_fen, interest_fen)
     SELECT ($1::bigint[])[x.i + 1], x.n, x.due, x.start, x.days, x.p, x.r
       FROM unnest($2::int[], $3::int[], $4::date[], $5::date[], $6::int[], $7::bigint[], $8::bigint[]) AS x (i, n, due, start, days, p, r)`,
    [
      loans.map((l) => l.id),
      col(instRows, 0),
      col(instRows, 1),
      col(instRows, 2),
      col(instRows, 3),
      col(instRows, 4),
      col(instRows, 5),
      col(instRows, 6),
    ],
  );
  // One disbursement entry per fund for all its loans (dated the earliest payout), the loans pointing at it.
  const perFund = await q(
    ds,
    `SELECT fund_id::text, sum(principal_fen)::text AS fen, min(disbursement_date)::text AS d FROM loans
      WHERE product_version_id = $1 GROUP BY fund_id ORDER BY fund_id`,
    [pv.id],
  );
  for (const f of perFund) {
    const a = fundAccounts(f.fund_id);
    await ds.transaction(async (m) => {
      const { entryId } = await ledger.post(m, {
        idempotencyKey: `bench:disburse:fund:${f.fund_id}`,
        code: 'LOAN_DISBURSEMENT',
        valueDate: f.d,
        memo: `bench book: loans of fund ${f.fund_id}`,
        lines: [
          { account: a.loans, side: 'DEBIT', amountFen: BigInt(f.fen) },
          { account: a.cash, side: 'CREDIT', amountFen: BigInt(f.fen) },
        ],
      });
      await m.query(
        `UPDATE loans SET disbursement_entry_id = $2 WHERE fund_id = $1 AND product_version_id = $3`,
        [f.fund_id, entryId, pv.id],
      );
    });
  }

  // Covered loans under the demo district's agreement: 5,000.00–50,000.00, 12 months, paid out 1–25 days ago.
  const [ag] = await q(
    ds,
    `SELECT ga.id::text, ga.risk_fund_id::text AS fund, ga.bank_id::text AS bank, ga.leverage_multiple::text AS multiple
       FROM guarantee_agreements ga JOIN risk_funds rf ON rf.id = ga.risk_fund_id WHERE rf.district_id = $1 ORDER BY ga.id LIMIT 1`,
    [district.id],
  );
  const [hh] = await q(
    ds,
    `SELECT pv.id::text FROM product_versions pv JOIN products p ON p.id = pv.product_id WHERE p.code = 'HH_MICRO_STD' ORDER BY pv.version DESC LIMIT 1`,
  );
  const coveredHouseholds = households.slice(size.maLoans + 1, size.maLoans + 1 + size.coveredLoans);
  const covered = await q(
    ds,
    `INSERT INTO loans (loan_no, channel, product_version_id, borrower_type, household_id, district_id, village_id, bank_id, agreement_id,
                        bank_loan_ref, principal_fen, term_months, annual_rate_percent, purpose, method, frequency, day_count, rounding, status,
                        outstanding_principal_fen, disbursement_date, maturity_date, created_by)
     SELECT 'BCL-' || x.n, 'BANK_COVERED', $1, 'HOUSEHOLD', x.h, $2, x.v, $3, $4, 'BENCH-' || x.n,
            (500000 + (x.n * 7919) % 4500001) / 100 * 100, 12, 3.45, 'BREEDING', 'EQUAL_INSTALLMENT', 'MONTHLY', 'PERIOD', 'HALF_UP',
            'DISBURSED', (500000 + (x.n * 7919) % 4500001) / 100 * 100, $5::date - (1 + x.n % 25)::int,
            ($5::date - (1 + x.n % 25)::int + interval '12 months')::date, 'bench'
       FROM unnest($6::bigint[], $7::bigint[]) WITH ORDINALITY AS x (h, v, n)
      ORDER BY x.n
     RETURNING id::text`,
    [
      hh.id,
      district.id,
      ag.bank,
      ag.id,
      today,
      coveredHouseholds.map((h) => h.id),
      coveredHouseholds.map((h) => h.village_id),
    ],
  );
  await q(
    ds,
    `INSERT INTO loan_installments (loan_id, number, due_date, period_start, days, principal_fen, interest_fen)
     SELECT l.id, k, (l.disbursement_date + make_interval(months => k))::date, (l.disbursement_date + make_interval(months => k - 1))::date,
            (l.disbursement_date + make_interval(months => k))::date - (l.disbursement_date + make_interval(months => k - 1))::date,
            CASE WHEN k < 12 THEN l.principal_fen / 12 ELSE l.principal_fen - 11 * (l.principal_fen / 12) END,
            round((l.principal_fen - (k - 1) * (l.principal_fen / 12)) * 0.0345 / 12)::bigint
       FROM loans l CROSS JOIN generate_series(1, 12) k WHERE l.agreement_id = $1 AND l.loan_no LIKE 'BCL-%'`,
    [ag.id],
  );
  // The cover of each: the principal outstanding, backed by ⌈principal / multiple⌉ of the fund's money.
  await q(
    ds,
    `INSERT INTO guarantee_covers (loan_id, agreement_id, risk_fund_id, bank_id, borrower_type, multiple, reserved_fen, outstanding_fen,
                                   cover_used_fen, disbursed_fen, status, reserved_on, consumed_on)
     SELECT l.id, $1, $2, $3, 'HOUSEHOLD', $4::numeric, l.principal_fen, l.principal_fen, ceil(l.principal_fen / $4::numeric)::bigint,
            l.principal_fen, 'ACTIVE', l.disbursement_date, l.disbursement_date
       FROM loans l WHERE l.agreement_id = $1 AND l.loan_no LIKE 'BCL-%'`,
    [ag.id, ag.fund, ag.bank, ag.multiple],
  );
  const [sum] = await q(
    ds,
    `SELECT sum(outstanding_fen)::text AS exposure, sum(cover_used_fen)::text AS cover FROM guarantee_covers c JOIN loans l ON l.id = c.loan_id WHERE l.loan_no LIKE 'BCL-%'`,
  );
  // The money behind that cover (and room for the registrations), deposited through the service 13 months back.
  const depositFen = BigInt(sum.cover) + 100_000_000n;
  await riskFunds.deposit(
    ag.fund,
    {
      source: 'CITY',
      amount: (depositFen / 100n).toString() + '.00',
      receivedOn: addDays(today, -395),
      documentRef: 'bench',
    },
    'bench-deposit',
  );
  const g = agreementAccounts(ag.id);
  const c = riskFundCoverAccounts(ag.fund);
  await ds.transaction((m) =>
    ledger.post(m, {
      idempotencyKey: `bench:cover:${ag.id}`,
      code: 'COVER_CONSUMED',
      valueDate: addDays(today, -25),
      memo: 'bench book: covered loans',
      lines: [
        { account: g.coverUsed, side: 'DEBIT', amountFen: BigInt(sum.cover) },
        { account: c.available, side: 'CREDIT', amountFen: BigInt(sum.cover) },
        { account: g.exposureOutstanding, side: 'DEBIT', amountFen: BigInt(sum.exposure) },
        { account: g.exposureContra, side: 'CREDIT', amountFen: BigInt(sum.exposure) },
      ],
    }),
  );
  await ds.query('VACUUM ANALYZE');

  const loansByFund = fundIds.map((f) =>
    loans
      .slice(0, size.maLoans)
      .filter((l) => l.fund_id === f)
      .map((l) => l.id),
  );
  return {
    today,
    fundIds,
    loansByFund,
    hotFundId: fundIds[0],
    hotLoanIds: loans
      .slice(0, size.maLoans)
      .filter((l) => l.fund_id === fundIds[0])
      .sort((a, b) => Number(BigInt(b.principal_fen) - BigInt(a.principal_fen)))
      .slice(0, 13)
      .map((l) => l.id),
    historyLoanId: loans[size.maLoans].id,
    coveredLoanIds: covered.map((r) => r.id),
    spareHouseholdIds: households.slice(size.maLoans + 1 + size.coveredLoans).map((h) => h.id),
    productVersionId: pv.id,
  };
}
