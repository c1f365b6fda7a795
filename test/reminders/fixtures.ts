import type { JobType, Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { JOBS } from '#libs/common';
import { outboxIdOf } from '#libs/reminders';

/**
 * Plain-SQL fixtures for the reminder tests: a district, village, mutual-aid fund, bank and product version, and
 * disbursed loans with instalments due on chosen dates. Independent of the origination and repayment libraries, whose
 * tables they fill as those libraries would.
 */
let seq = 0;
const unique = () => `${process.pid}${++seq}${randomBytes(3).toString('hex')}`;

export interface World {
  districtId: string;
  villageId: string;
  fundId: string;
  bankId: string;
  productVersionId: string;
}

export async function createWorld(ds: DataSource): Promise<World> {
  const u = unique();
  const [d] = await ds.query(`INSERT INTO districts (code, name) VALUES ($1, $2) RETURNING id::text`, [
    `D${u}`,
    `区 ${u}`,
  ]);
  const [t] = await ds.query(
    `INSERT INTO towns (district_id, code, name) VALUES ($1, $2, $3) RETURNING id::text`,
    [d.id, `T${u}`, `镇 ${u}`],
  );
  const [v] = await ds.query(
    `INSERT INTO villages (town_id, district_id, code, name) VALUES ($1, $2, $3, $4) RETURNING id::text`,
    [t.id, d.id, `V${u}`, `村 ${u}`],
  );
  const [f] = await ds.query(
    `INSERT INTO mutual_aid_funds (village_id, name) VALUES ($1, $2) RETURNING id::text`,
    [v.id, `互助资金 ${u}`],
  );
  const [b] = await ds.query(`INSERT INTO banks (code, name) VALUES ($1, $2) RETURNING id::text`, [
    `B${u}`,
    `银行 ${u}`,
  ]);
  const [p] = await ds.query(
    `INSERT INTO products (code, kind, name) VALUES ($1, 'MUTUAL_AID', $2) RETURNING id::text`,
    [`P${u}`, `产品 ${u}`],
  );
  const [pv] = await ds.query(
    `INSERT INTO product_versions (product_id, version, name, min_principal_fen, max_principal_fen, min_term_months, max_term_months,
                                   method, frequency, day_count, rate_source, fixed_rate_percent, created_by)
     VALUES ($1, 1, 'v1', 100, 1000000, 1, 12, 'EQUAL_PRINCIPAL', 'MONTHLY', 'PERIOD', 'FIXED', 6, 'test') RETURNING id::text`,
    [p.id],
  );
  return { districtId: d.id, villageId: v.id, fundId: f.id, bankId: b.id, productVersionId: pv.id };
}

let idSeq = 0;
export async function createHousehold(
  ds: DataSource,
  w: World,
  phone: string | null = '13812345678',
): Promise<string> {
  const idNumber = `37030219800501${String((process.pid * 1000 + ++idSeq) % 10000).padStart(4, '0')}`;
  const unique18 = (idNumber.slice(0, 10) + randomBytes(4).readUInt32BE(0).toString().padStart(8, '0')).slice(
    0,
    18,
  );
  const [h] = await ds.query(
    `INSERT INTO households (village_id, head_name, id_number, birth_date, phone, member_count, per_capita_income_fen,
                             income_year, status, derived_status)
     VALUES ($1, $2, $3, '1980-05-01', $4, 3, 300000, 2025, 'POOR', 'POOR') RETURNING id::text`,
    [w.villageId, `王户主${idSeq}`, unique18, phone],
  );
  return h.id;
}

export interface InstallmentSpec {
  dueDate: string;
  principalFen?: bigint;
  interestFen?: bigint;
  status?: 'OPEN' | 'OVERDUE' | 'PAID' | 'WRITTEN_OFF';
  /** Paid principal (interest is then paid in full when this equals the principal). */
  paidPrincipalFen?: bigint;
}

export interface LoanFixture {
  loanId: string;
  loanNo: string;
  householdId: string;
  installmentIds: string[];
}

/** A disbursed household loan (mutual-aid by default, or bank-covered) with the given instalments. */
export async function createLoan(
  ds: DataSource,
  w: World,
  installments: InstallmentSpec[],
  opts: {
    channel?: 'MUTUAL_AID' | 'BANK_COVERED';
    status?: string;
    phone?: string | null;
    householdId?: string;
  } = {},
): Promise<LoanFixture> {
  const householdId =
    opts.householdId ?? (await createHousehold(ds, w, opts.phone === undefined ? '13812345678' : opts.phone));
  const channel = opts.channel ?? 'MUTUAL_AID';
  const loanNo = `L-${unique()}`;
  const principal = installments.reduce((s, i) => s + (i.principalFen ?? 100000n), 0n);
  const [loan] = await ds.query(
    `INSERT INTO loans (loan_no, channel, product_version_id, borrower_type, household_id, district_id, village_id, fund_id, bank_id,
                        bank_loan_ref, principal_fen, term_months, annual_rate_percent, purpose, method, frequency, day_count,
                        rounding, status, disbursement_date, outstanding_principal_fen, created_by)
     VALUES ($1, $2, $3, 'HOUSEHOLD', $4, $5, $6, $7, $8, $9, $10, $11, 6, 'PLANTING', 'EQUAL_PRINCIPAL', 'MONTHLY', 'PERIOD',
             'HALF_UP', $12, '2025-12-01', $10, 'test') RETURNING id::text`,
    [
      loanNo,
      channel,
      w.productVersionId,
      householdId,
      w.districtId,
      w.villageId,
      channel === 'MUTUAL_AID' ? w.fundId : null,
      channel === 'BANK_COVERED' ? w.bankId : null,
      channel === 'BANK_COVERED' ? `REF-${loanNo}` : null,
      principal.toString(),
      Math.max(1, installments.length),
      opts.status ?? 'DISBURSED',
    ],
  );
  const ids: string[] = [];
  for (const [n, spec] of installments.entries()) {
    const p = spec.principalFen ?? 100000n;
    const i = spec.interestFen ?? 5000n;
    const status = spec.status ?? 'OPEN';
    const paidP = spec.paidPrincipalFen ?? (status === 'PAID' ? p : 0n);
    const paidI = status === 'PAID' || paidP === p ? i : 0n;
    const [row] = await ds.query(
      `INSERT INTO loan_installments (loan_id, number, due_date, period_start, days, principal_fen, interest_fen,
                                      paid_principal_fen, paid_interest_fen, status, paid_on)
       VALUES ($1, $2, $3, $3::date - 30, 30, $4, $5, $6, $7, $8, CASE WHEN $8 = 'PAID' THEN $3::date END) RETURNING id::text`,
      [loan.id, n + 1, spec.dueDate, p.toString(), i.toString(), paidP.toString(), paidI.toString(), status],
    );
    ids.push(row.id);
  }
  return { loanId: loan.id, loanNo, householdId, installmentIds: ids };
}

/** Marks an instalment paid in full, as the repayment path would. */
export async function payInstallment(ds: DataSource, installmentId: string): Promise<void> {
  await ds.query(
    `UPDATE loan_installments SET paid_principal_fen = principal_fen, paid_interest_fen = interest_fen,
            paid_penalty_fen = penalty_fen, status = 'PAID', paid_on = due_date WHERE id = $1`,
    [installmentId],
  );
}

export async function outboxOf(ds: DataSource, installmentIds: string[]) {
  return (await ds.query(
    `SELECT id::text, installment_id::text, offset_days, state, channel, endpoint_id::text, attempts, last_error, message,
            amount_due_fen::text, deferred_until, sent_at, payload
       FROM reminder_outbox WHERE installment_id = ANY($1::bigint[]) ORDER BY installment_id, offset_days`,
    [installmentIds],
  )) as {
    id: string;
    installment_id: string;
    offset_days: number;
    state: string;
    channel: string;
    endpoint_id: string | null;
    attempts: number;
    last_error: string | null;
    message: string | null;
    amount_due_fen: string | null;
    deferred_until: Date | null;
    sent_at: Date | null;
    payload: any;
  }[];
}

/**
 * The reminders the delivery queue's jobs in `states` cover, with how many jobs cover each: a batch job covers the ids
 * it carries, a single job the id its job id names.
 */
export async function jobsCovering(
  queue: Queue,
  states: JobType[] = ['waiting', 'delayed', 'active', 'prioritized'],
): Promise<Map<string, { count: number; jobIds: string[] }>> {
  const out = new Map<string, { count: number; jobIds: string[] }>();
  for (const job of await queue.getJobs(states)) {
    if (!job) continue;
    const ids =
      job.name === JOBS.REMINDER_DELIVER_BATCH ? (job.data as { ids: string[] }).ids : [outboxIdOf(job.id)];
    for (const id of ids) {
      if (!id) continue;
      const entry = out.get(id) ?? { count: 0, jobIds: [] };
      entry.count++;
      entry.jobIds.push(String(job.id));
      out.set(id, entry);
    }
  }
  return out;
}
