import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';

/**
 * Plain-SQL fixtures for the guarantee and reconciliation tests: districts, a village, a household, a product
 * version, banks and BANK_COVERED loans. The registry, products and origination libraries are written in
 * parallel, so these tests do not depend on their services; each call makes fresh rows with unique codes.
 */
const uniq = () => randomBytes(4).toString('hex');
const digits = (n: number) => Array.from(randomBytes(n), (b) => String(b % 10)).join('');
let seq = 0;

export interface DistrictFixture {
  districtId: string;
  villageId: string;
  householdId: string;
  entityId: string;
}

export async function createDistrict(
  ds: DataSource,
  opts: { heavyTask?: boolean } = {},
): Promise<DistrictFixture> {
  const u = uniq();
  const [d] = await ds.query(
    `INSERT INTO districts (code, name, heavy_task) VALUES ($1, $2, $3) RETURNING id`,
    [`D${u}`, `District ${u}`, opts.heavyTask ?? false],
  );
  const [t] = await ds.query(`INSERT INTO towns (district_id, code, name) VALUES ($1, $2, $3) RETURNING id`, [
    d.id,
    `T${u}`,
    `Town ${u}`,
  ]);
  const [v] = await ds.query(
    `INSERT INTO villages (town_id, district_id, code, name) VALUES ($1, $2, $3, $4) RETURNING id`,
    [t.id, d.id, `V${u}`, `Village ${u}`],
  );
  const [h] = await ds.query(
    `INSERT INTO households (village_id, head_name, id_number, birth_date, member_count, per_capita_income_fen, income_year, status, derived_status)
     VALUES ($1, 'Test head', $2, '1980-01-01', 3, 250000, 2025, 'POOR', 'POOR') RETURNING id`,
    [v.id, `370302${digits(11)}X`],
  );
  const [e] = await ds.query(
    `INSERT INTO operating_entities (kind, name, credit_code, district_id, village_id) VALUES ('COOPERATIVE', $1, $2, $3, $4) RETURNING id`,
    [`Coop ${u}`, `9337${digits(14)}`, d.id, v.id],
  );
  return { districtId: d.id, villageId: v.id, householdId: h.id, entityId: e.id };
}

export async function createBank(ds: DataSource, code?: string): Promise<string> {
  const c = code ?? `B${uniq().toUpperCase()}`;
  const [b] = await ds.query(`INSERT INTO banks (code, name) VALUES ($1, $2) RETURNING id`, [c, `Bank ${c}`]);
  return b.id;
}

let productVersionId: string | undefined;
let productDs: DataSource | undefined;
export async function productVersion(ds: DataSource): Promise<string> {
  if (productVersionId && productDs === ds) return productVersionId;
  const u = uniq();
  const [p] = await ds.query(
    `INSERT INTO products (code, kind, name) VALUES ($1, 'HOUSEHOLD_MICROCREDIT', 'Covered microcredit') RETURNING id`,
    [`P${u}`],
  );
  const [v] = await ds.query(
    `INSERT INTO product_versions (product_id, version, name, min_principal_fen, max_principal_fen, min_term_months, max_term_months,
                                   method, frequency, day_count, rate_source, requires_guarantee_fund, created_by)
     VALUES ($1, 1, 'Covered microcredit', 100000, 5000000, 1, 36, 'EQUAL_INSTALLMENT', 'MONTHLY', 'PERIOD', 'BENCHMARK', true, 'test')
     RETURNING id`,
    [p.id],
  );
  productVersionId = v.id;
  productDs = ds;
  return v.id;
}

export interface LoanInput {
  district: DistrictFixture;
  bankId: string;
  ref?: string;
  principalFen: bigint;
  outstandingFen?: bigint;
  status?: 'APPROVED' | 'DISBURSED' | 'CLOSED' | 'WRITTEN_OFF' | 'CANCELLED';
  daysOverdue?: number;
  borrowerType?: 'HOUSEHOLD' | 'ENTITY';
  agreementId?: string;
}

/** A BANK_COVERED loan row as origination would write it (no schedule unless `installments` are added). */
export async function createCoveredLoan(
  ds: DataSource,
  input: LoanInput,
): Promise<{ id: string; ref: string }> {
  const pv = await productVersion(ds);
  const ref = input.ref ?? `L${uniq()}${++seq}`;
  const entity = input.borrowerType === 'ENTITY';
  const status = input.status ?? 'DISBURSED';
  const [l] = await ds.query(
    `INSERT INTO loans (loan_no, channel, product_version_id, borrower_type, household_id, entity_id, district_id, village_id, bank_id,
                        agreement_id, bank_loan_ref, principal_fen, term_months, annual_rate_percent, purpose, method, frequency, day_count,
                        rounding, status, outstanding_principal_fen, days_overdue, disbursement_date, created_by)
     VALUES ($1, 'BANK_COVERED', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 12, 4.35, 'livestock', 'EQUAL_INSTALLMENT', 'MONTHLY', 'PERIOD',
             'HALF_UP', $12, $13, $14, CASE WHEN $12 IN ('DISBURSED','CLOSED','WRITTEN_OFF') THEN DATE '2026-01-10' END, 'test')
     RETURNING id`,
    [
      `BK-${input.bankId}-${ref}-${uniq()}`,
      pv,
      entity ? 'ENTITY' : 'HOUSEHOLD',
      entity ? null : input.district.householdId,
      entity ? input.district.entityId : null,
      input.district.districtId,
      input.district.villageId,
      input.bankId,
      input.agreementId ?? null,
      ref,
      input.principalFen.toString(),
      status,
      (input.outstandingFen ?? (status === 'DISBURSED' ? input.principalFen : 0n)).toString(),
      input.daysOverdue ?? 0,
    ],
  );
  return { id: l.id, ref };
}

/** Adds one instalment (used to give a loan overdue principal as of a date). */
export async function addInstallment(
  ds: DataSource,
  loanId: string,
  n: number,
  dueDate: string,
  principalFen: bigint,
  paidPrincipalFen = 0n,
): Promise<void> {
  await ds.query(
    `INSERT INTO loan_installments (loan_id, number, due_date, period_start, days, principal_fen, interest_fen, paid_principal_fen, status)
     VALUES ($1, $2, $3, ($3::date - 30), 30, $4, 0, $5, CASE WHEN $5::bigint >= $4::bigint THEN 'PAID' ELSE 'OPEN' END)`,
    [loanId, n, dueDate, principalFen.toString(), paidPrincipalFen.toString()],
  );
}

/** `count` fresh POOR households of the district's village (each its own borrower). Returns their ids. */
export async function createHouseholds(
  ds: DataSource,
  district: DistrictFixture,
  count: number,
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const [h] = await ds.query(
      `INSERT INTO households (village_id, head_name, id_number, birth_date, member_count, per_capita_income_fen, income_year, status, derived_status)
       VALUES ($1, 'Another head', $2, '1982-02-02', 3, 250000, 2025, 'POOR', 'POOR') RETURNING id`,
      [district.villageId, `370302${digits(11)}X`],
    );
    ids.push(h.id);
  }
  return ids;
}

/**
 * Links `count` fresh POOR households of the district's village to its operating entity (an entity loan's credit
 * is capped at the per-household amount × linked poor households, SPEC §2.2). Returns the household ids.
 */
export async function linkPoorHouseholds(
  ds: DataSource,
  district: DistrictFixture,
  count: number,
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const [h] = await ds.query(
      `INSERT INTO households (village_id, head_name, id_number, birth_date, member_count, per_capita_income_fen, income_year, status, derived_status)
       VALUES ($1, 'Linked head', $2, '1975-05-05', 4, 200000, 2025, 'POOR', 'POOR') RETURNING id`,
      [district.villageId, `370302${digits(11)}X`],
    );
    await ds.query(`INSERT INTO entity_linked_households (entity_id, household_id) VALUES ($1, $2)`, [
      district.entityId,
      h.id,
    ]);
    ids.push(h.id);
  }
  return ids;
}
