import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { FUND_OWNER_TYPE, fundAccountSpecs } from '#libs/funds';
import { LedgerService } from '#libs/ledger';
import { generateSchedule, type ScheduleMethod } from '#libs/schedules';

/**
 * Plain-SQL fixtures for the subsidy tests: geography, banks, village funds, products carrying a subsidy policy,
 * loans of both channels with their instalments, and the payment facts (paid_on / paid_interest_fen) the
 * repayment library would leave. The subsidy tests do not depend on origination or repayment being finished.
 */
const uniq = () => randomBytes(4).toString('hex');
const digits = (n: number) => Array.from(randomBytes(n), (b) => String(b % 10)).join('');

export interface Geography {
  districtId: string;
  villageIds: string[];
}

export async function geography(ds: DataSource, villages = 1): Promise<Geography> {
  const u = uniq();
  const [d] = await ds.query(`INSERT INTO districts (code, name) VALUES ($1, $2) RETURNING id::text`, [
    `D${u}`,
    `District ${u}`,
  ]);
  const [t] = await ds.query(
    `INSERT INTO towns (district_id, code, name) VALUES ($1, $2, $3) RETURNING id::text`,
    [d.id, `T${u}`, `Town ${u}`],
  );
  const villageIds: string[] = [];
  for (let i = 0; i < villages; i++) {
    const [v] = await ds.query(
      `INSERT INTO villages (town_id, district_id, code, name) VALUES ($1, $2, $3, $4) RETURNING id::text`,
      [t.id, d.id, `V${u}${i}`, `Village ${u}-${i}`],
    );
    villageIds.push(v.id);
  }
  return { districtId: d.id, villageIds };
}

export async function household(
  ds: DataSource,
  villageId: string,
  status: 'POOR' | 'GRADUATED' | 'NON_POOR' = 'POOR',
  name?: string,
): Promise<string> {
  const [h] = await ds.query(
    `INSERT INTO households (village_id, head_name, id_number, birth_date, member_count, per_capita_income_fen, income_year, status, graduated_year, derived_status)
     VALUES ($1, $2, $3, '1980-01-01', 3, 250000, 2025, $4, $5, $4) RETURNING id::text`,
    [villageId, name ?? `Head ${uniq()}`, `3703${digits(13)}X`, status, status === 'GRADUATED' ? 2024 : null],
  );
  return h.id;
}

/** An operating entity linked to `poor` POOR households and `others` GRADUATED ones (only POOR ones count). */
export async function entity(ds: DataSource, g: Geography, poor: number, others = 0): Promise<string> {
  const [e] = await ds.query(
    `INSERT INTO operating_entities (kind, name, credit_code, district_id, village_id) VALUES ('COOPERATIVE', $1, $2, $3, $4) RETURNING id::text`,
    [`Coop ${uniq()}`, `9137${digits(14)}`, g.districtId, g.villageIds[0]],
  );
  for (let i = 0; i < poor + others; i++) {
    const h = await household(ds, g.villageIds[0], i < poor ? 'POOR' : 'GRADUATED');
    await ds.query(`INSERT INTO entity_linked_households (entity_id, household_id) VALUES ($1, $2)`, [
      e.id,
      h,
    ]);
  }
  return e.id;
}

export async function bank(ds: DataSource, name?: string): Promise<string> {
  const code = `B${uniq().toUpperCase()}`;
  const [b] = await ds.query(`INSERT INTO banks (code, name) VALUES ($1, $2) RETURNING id::text`, [
    code,
    name ?? `Bank ${code}`,
  ]);
  return b.id;
}

/** A village fund with its ledger accounts (a claim paid to it posts into its books). */
export async function fund(ds: DataSource, villageId: string): Promise<string> {
  const name = `Fund ${uniq()}`;
  const [f] = await ds.query(
    `INSERT INTO mutual_aid_funds (village_id, name) VALUES ($1, $2) RETURNING id::text`,
    [villageId, name],
  );
  const ledger = new LedgerService(ds);
  await ds.transaction(async (m) => {
    for (const spec of fundAccountSpecs(f.id, name))
      await ledger.openAccount(m, { ...spec, ownerType: FUND_OWNER_TYPE, ownerId: f.id });
  });
  return f.id;
}

/** The PBOC benchmark bands the products seed would add (4.35 % up to a year, 4.75 % to five years). */
export async function benchmarkRates(ds: DataSource): Promise<void> {
  await ds.query(
    `INSERT INTO benchmark_rates (term_min_months, term_max_months, rate_percent, effective_from, created_by)
     SELECT * FROM (VALUES (1, 12, 4.35, DATE '2015-10-24', 'test'), (13, 60, 4.75, DATE '2015-10-24', 'test')) v
      WHERE NOT EXISTS (SELECT 1 FROM benchmark_rates)`,
  );
}

export interface ProductSpec {
  kind?: 'MUTUAL_AID' | 'HOUSEHOLD_MICROCREDIT' | 'ENTITY_LOAN';
  method?: ScheduleMethod;
  frequency?: 'MONTHLY' | 'QUARTERLY' | 'AT_MATURITY';
  dayCount?: 'PERIOD' | 'ACTUAL_360' | 'ACTUAL_365';
  fixedRatePercent?: string | null;
  policy: Record<string, unknown> | null;
}

export async function productVersion(ds: DataSource, spec: ProductSpec): Promise<string> {
  const u = uniq().toUpperCase();
  const [p] = await ds.query(`INSERT INTO products (code, kind, name) VALUES ($1, $2, $3) RETURNING id`, [
    `P${u}`,
    spec.kind ?? 'HOUSEHOLD_MICROCREDIT',
    `Product ${u}`,
  ]);
  const method = spec.method ?? 'INTEREST_ONLY';
  const [v] = await ds.query(
    `INSERT INTO product_versions (product_id, version, name, min_principal_fen, max_principal_fen, min_term_months, max_term_months,
                                   method, frequency, day_count, rate_source, fixed_rate_percent, subsidy_policy, created_by)
     VALUES ($1, 1, $2, 100, 1000000000, 1, 36, $3, $4, $5, $6, $7, $8, 'test') RETURNING id::text`,
    [
      p.id,
      `Product ${u}`,
      method,
      spec.frequency ?? (method === 'BULLET' ? 'AT_MATURITY' : 'MONTHLY'),
      spec.dayCount ?? 'PERIOD',
      spec.fixedRatePercent ? 'FIXED' : 'BENCHMARK',
      spec.fixedRatePercent ?? null,
      spec.policy === null ? null : JSON.stringify(spec.policy),
    ],
  );
  return v.id;
}

export interface InstallmentRow {
  number: number;
  periodStart: string;
  dueDate: string;
  days: number;
  principalFen: bigint;
  interestFen: bigint;
}

export interface LoanSpec {
  productVersionId: string;
  channel: 'MUTUAL_AID' | 'BANK_COVERED';
  districtId: string;
  villageId?: string;
  householdId?: string;
  entityId?: string;
  bankId?: string;
  fundId?: string;
  principalFen: bigint;
  termMonths: number;
  annualRatePercent: string;
  benchmarkRatePercent?: string | null;
  method?: ScheduleMethod;
  frequency?: 'MONTHLY' | 'QUARTERLY' | 'AT_MATURITY';
  dayCount?: 'PERIOD' | 'ACTUAL_360' | 'ACTUAL_365';
  disbursementDate: string;
  status?: 'DISBURSED' | 'CLOSED' | 'WRITTEN_OFF';
  flags?: string[];
  /** Explicit instalments (a bank's own schedule); default: the schedule engine's. */
  installments?: InstallmentRow[];
}

/** The schedule engine's instalments for a loan spec. */
export function scheduleOf(s: LoanSpec): InstallmentRow[] {
  const method = s.method ?? 'INTEREST_ONLY';
  const frequency = s.frequency ?? (method === 'BULLET' ? 'AT_MATURITY' : 'MONTHLY');
  return generateSchedule({
    principalFen: s.principalFen,
    annualRatePercent: s.annualRatePercent,
    numberOfInstallments:
      frequency === 'AT_MATURITY' ? 1 : frequency === 'QUARTERLY' ? s.termMonths / 3 : s.termMonths,
    frequency,
    termMonths: s.termMonths,
    method,
    dayCount: s.dayCount ?? 'PERIOD',
    disbursementDate: s.disbursementDate,
    rounding: 'HALF_UP',
    installmentMultipleFen: 1n,
    principalGraceInstallments: 0,
  }).installments.map((i) => ({
    number: i.number,
    periodStart: i.periodStart,
    dueDate: i.dueDate,
    days: i.days,
    principalFen: i.principalFen,
    interestFen: i.interestFen,
  }));
}

export async function loan(
  ds: DataSource,
  s: LoanSpec,
): Promise<{ id: string; installments: InstallmentRow[] }> {
  const method = s.method ?? 'INTEREST_ONLY';
  const frequency = s.frequency ?? (method === 'BULLET' ? 'AT_MATURITY' : 'MONTHLY');
  const installments = s.installments ?? scheduleOf(s);
  const u = uniq().toUpperCase();
  const [l] = await ds.query(
    `INSERT INTO loans (loan_no, channel, product_version_id, borrower_type, household_id, entity_id, district_id, village_id, fund_id, bank_id,
                        bank_loan_ref, principal_fen, term_months, annual_rate_percent, benchmark_rate_percent, purpose, method, frequency,
                        day_count, rounding, status, contract_date, disbursement_date, maturity_date, outstanding_principal_fen, flags, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 'LIVESTOCK', $16, $17, $18, 'HALF_UP', $19, $20, $20, $21, $12, $22, 'test')
     RETURNING id::text`,
    [
      `L${u}`,
      s.channel,
      s.productVersionId,
      s.entityId ? 'ENTITY' : 'HOUSEHOLD',
      s.householdId ?? null,
      s.entityId ?? null,
      s.districtId,
      s.villageId ?? null,
      s.fundId ?? null,
      s.bankId ?? null,
      s.channel === 'BANK_COVERED' ? `REF${u}` : null,
      s.principalFen.toString(),
      s.termMonths,
      s.annualRatePercent,
      s.benchmarkRatePercent ?? null,
      method,
      frequency,
      s.dayCount ?? 'PERIOD',
      s.status ?? 'DISBURSED',
      s.disbursementDate,
      installments[installments.length - 1].dueDate,
      s.flags ?? [],
    ],
  );
  await ds.query(
    `INSERT INTO loan_installments (loan_id, number, due_date, period_start, days, principal_fen, interest_fen)
     SELECT $1, * FROM unnest($2::int[], $3::date[], $4::date[], $5::int[], $6::bigint[], $7::bigint[])`,
    [
      l.id,
      installments.map((i) => i.number),
      installments.map((i) => i.dueDate),
      installments.map((i) => i.periodStart),
      installments.map((i) => i.days),
      installments.map((i) => i.principalFen.toString()),
      installments.map((i) => i.interestFen.toString()),
    ],
  );
  return { id: l.id, installments };
}

/** Marks an instalment paid in full on `paidOn` (principal, interest; the repayment engine's outcome). */
export async function pay(
  ds: DataSource,
  loanId: string,
  number: number,
  paidOn: string,
  opts: { interestPaidOn?: boolean } = {},
): Promise<void> {
  await ds.query(
    `UPDATE loan_installments SET paid_principal_fen = principal_fen, paid_interest_fen = interest_fen, status = 'PAID', paid_on = $3,
            interest_paid_on = CASE WHEN $4 THEN $3::date END
      WHERE loan_id = $1 AND number = $2`,
    [loanId, number, paidOn, opts.interestPaidOn ?? false],
  );
}

/**
 * A payoff on `valueDate` inside instalment `current`'s period (the repayment engine's rule): that period's interest
 * becomes what accrued (scheduled × elapsed / days, half up), later periods charge none, and everything is paid.
 */
export async function payOff(
  ds: DataSource,
  loanId: string,
  current: number,
  valueDate: string,
): Promise<void> {
  await ds.query(
    `UPDATE loan_installments i SET
        interest_fen = CASE WHEN i.number < $2 THEN i.interest_fen
                            WHEN i.number = $2 THEN round(i.interest_fen::numeric * ($3::date - i.period_start) / i.days)::bigint
                            ELSE 0 END
      WHERE i.loan_id = $1 AND i.number >= $2`,
    [loanId, current, valueDate],
  );
  await ds.query(
    `UPDATE loan_installments SET paid_principal_fen = principal_fen, paid_interest_fen = interest_fen, status = 'PAID', paid_on = $3
      WHERE loan_id = $1 AND number >= $2`,
    [loanId, current, valueDate],
  );
  await ds.query(
    `UPDATE loans SET status = 'CLOSED', closed_on = $2, outstanding_principal_fen = 0 WHERE id = $1`,
    [loanId, valueDate],
  );
}
