import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import {
  columnList,
  queryOne,
  queryPrepared,
  queryRows,
  ID_PATTERN,
  flushDeferred,
  together,
  writeOrDefer,
} from '#libs/common';
import { installmentProgressChanged, type ReplayedInstallmentProgress } from '#libs/schedules';
import type { InstallmentStatusValue, LoanEventRow, LoanInstallmentRow, LoanRow } from './rows.js';

/** Every column of the loan and instalment rows, for the statements sent prepared (see columnList). */
const LOAN_COLUMN_NAMES = [
  'id',
  'loan_no',
  'channel',
  'product_version_id',
  'borrower_type',
  'household_id',
  'entity_id',
  'district_id',
  'village_id',
  'fund_id',
  'group_id',
  'bank_id',
  'agreement_id',
  'bank_loan_ref',
  'principal_fen',
  'term_months',
  'annual_rate_percent',
  'benchmark_rate_percent',
  'purpose',
  'method',
  'frequency',
  'day_count',
  'rounding',
  'installment_multiple_fen',
  'status',
  'priority',
  'application_date',
  'contract_date',
  'disbursement_date',
  'maturity_date',
  'notice_ends_on',
  'outstanding_principal_fen',
  'days_overdue',
  'arrears_bucket',
  'non_performing',
  'flags',
  'created_by',
  'approved_by',
  'second_approved_by',
  'closed_on',
  'status_reason',
  'disbursement_entry_id',
  'version',
  'created_at',
  'updated_at',
  'submitted_at',
  'endorsed_by',
  'endorsed_at',
  'endorsement_note',
  'approved_at',
  'second_approved_at',
  'approved_on',
  'notice_started_on',
  'penalty_rate_percent',
  'aged_as_of',
  'status_reported_on',
  'status_reported_days',
] as const;
const LOAN_COLUMNS = columnList<LoanRow>()(LOAN_COLUMN_NAMES);
const INSTALLMENT_COLUMNS = columnList<LoanInstallmentRow>()([
  'id',
  'loan_id',
  'number',
  'due_date',
  'period_start',
  'days',
  'principal_fen',
  'interest_fen',
  'penalty_fen',
  'paid_principal_fen',
  'paid_interest_fen',
  'paid_penalty_fen',
  'status',
  'overdue_since',
  'paid_on',
  'penalty_fen_days',
  'accrued_through',
  'original_interest_fen',
  'interest_paid_on',
]);

/** `now()` in a written column: the database's transaction time (queue order follows commit order). */
export const NOW: unique symbol = Symbol('now()');
export type DbNow = typeof NOW;

/** The columns the store keeps itself (never in a patch); a caller may write the others (LoanColumn). */
const KEPT_BY_DATABASE = ['id', 'version', 'created_at', 'updated_at'] as const;
export type LoanColumn = Exclude<keyof LoanRow, (typeof KEPT_BY_DATABASE)[number]>;

/** A column's value as written: its row type, a bigint for bigint columns, or NOW for a timestamp. */
export type LoanValue<K extends LoanColumn> =
  LoanRow[K] | (LoanRow[K] extends string | null ? bigint : never) | DbNow;

/** The columns of an UPDATE (only those named are written). */
export type LoanPatch = { [K in LoanColumn]?: LoanValue<K> };

/** A mutual-aid loan number drawn from its sequence: MA-<year of the date>-<6 digits>. */
export interface MutualAidLoanNo {
  mutualAidSequenceOn: string;
}

type Required_ =
  | 'channel'
  | 'product_version_id'
  | 'borrower_type'
  | 'district_id'
  | 'principal_fen'
  | 'term_months'
  | 'purpose'
  | 'method'
  | 'frequency'
  | 'day_count'
  | 'rounding'
  | 'status'
  | 'created_by';

/** A new loan row: the NOT NULL columns without default, the number (given or drawn), any other column. */
export type NewLoan = { [K in Required_]: LoanValue<K> } & Omit<LoanPatch, Required_ | 'loan_no'> & {
    loan_no: string | MutualAidLoanNo;
  };

/** One frozen instalment of a schedule (the schedule engine's Installment satisfies it). */
export interface ScheduleLine {
  number: number;
  dueDate: string;
  periodStart: string;
  days: number;
  principalFen: bigint;
  interestFen: bigint;
}

/**
 * The state of an instalment a repayment replay computes (the repayment engine's InstallmentState satisfies it):
 * what `saveInstallments` writes when it differs from the stored row.
 */
export interface InstallmentProgress extends ReplayedInstallmentProgress {
  number: number;
  status: Exclude<InstallmentStatusValue, 'WRITTEN_OFF'>;
}

/** The stored columns `saveInstallments` compares against (a full LoanInstallmentRow satisfies it). */
export type StoredProgress = Pick<
  LoanInstallmentRow,
  | 'number'
  | 'interest_fen'
  | 'penalty_fen'
  | 'penalty_fen_days'
  | 'accrued_through'
  | 'paid_principal_fen'
  | 'paid_interest_fen'
  | 'paid_penalty_fen'
  | 'status'
  | 'overdue_since'
  | 'paid_on'
  | 'interest_paid_on'
>;

/** An amount paid onto one instalment (by id), principal and interest apart. */
export interface InstallmentPayment {
  installmentId: string;
  principalFen: bigint;
  interestFen: bigint;
}

export interface NewLoanEvent {
  loanId: string;
  event: string;
  fromStatus?: string | null;
  toStatus?: string | null;
  actor: string;
  reason?: string | null;
  /** Stored as jsonb; null, undefined and {} store NULL unless `keepEmptyData`. */
  data?: unknown;
  keepEmptyData?: boolean;
}

/**
 * New accrual figures of one instalment, computed by the caller's rule (the repayment library's penalty accrual
 * and overdue marking): absolute values, written as given.
 */
export interface InstallmentAccrual {
  installmentId: string;
  penaltyFenDays: bigint;
  accruedThrough: string | null;
  penaltyFen: bigint;
  status: Exclude<InstallmentStatusValue, 'WRITTEN_OFF' | 'PAID'>;
  overdueSince: string | null;
}

/** Every column name of `loans` a caller may write: a patch key outside this set is a programming error. */
const WRITABLE = new Set<string>(
  LOAN_COLUMN_NAMES.filter((c) => !(KEPT_BY_DATABASE as readonly string[]).includes(c)),
);

const ID = ID_PATTERN;
export const isLoanId = (v: string): boolean => ID.test(String(v));

function column(name: string): string {
  if (!WRITABLE.has(name)) throw new Error(`loans.${name} is not a writable column`);
  return name;
}

/** Collects `column = $n` terms, NOW as now(), bigints as their decimal text. */
class Params {
  readonly values: unknown[];
  constructor(...initial: unknown[]) {
    this.values = initial;
  }
  add(v: unknown): string {
    if (v === NOW) return 'now()';
    return `$${this.values.push(typeof v === 'bigint' ? v.toString() : v)}`;
  }
}

/** A new loan's INSERT (without RETURNING) and its parameters (more can be added after them). */
function insertLoan(loan: NewLoan): { sql: string; params: Params } {
  const p = new Params();
  const cols: string[] = [];
  const vals: string[] = [];
  for (const [k, v] of Object.entries(loan)) {
    if (v === undefined) continue;
    cols.push(column(k));
    if (k === 'loan_no' && typeof v === 'object' && v !== null && 'mutualAidSequenceOn' in v) {
      const on = p.add((v as MutualAidLoanNo).mutualAidSequenceOn);
      vals.push(
        `'MA-' || to_char(${on}::date, 'YYYY') || '-' || lpad(nextval('mutual_aid_loan_no_seq')::text, 6, '0')`,
      );
    } else {
      vals.push(p.add(v));
    }
  }
  return { sql: `INSERT INTO loans (${cols.join(', ')}) VALUES (${vals.join(', ')})`, params: p };
}

/** A schedule's columns as the instalments' INSERT unnests them: number, due date, period start, days, amounts. */
function scheduleArrays(schedule: readonly ScheduleLine[]): unknown[][] {
  return [
    schedule.map((i) => i.number),
    schedule.map((i) => i.dueDate),
    schedule.map((i) => i.periodStart),
    schedule.map((i) => i.days),
    schedule.map((i) => i.principalFen.toString()),
    schedule.map((i) => i.interestFen.toString()),
  ];
}

/**
 * The rows of `loans`, `loan_installments` and `loan_events` (this library owns them; no other library writes
 * them). Every method that joins the caller's transaction takes its EntityManager first.
 *
 * Lock order: a caller that also locks a fund (mutual-aid fund, risk fund) locks it FIRST; then the loan row
 * (`lock`, or several with `lockMany` in id order); then, if it writes them, the loan's instalments in number order
 * (`lockWithInstallments` does the last two in one call).
 */
/**
 * Penalty rate of a loan as an exact fraction num / den of "per day per fen": the rate fixed at disbursement
 * (loans.penalty_rate_percent), else the product's (a surcharge on the contract rate, or an annual rate). No
 * division happens before the final rounding, so the SQL penalty is exactly the TypeScript one: round half up of
 * fenDays × num / den is div(2 × fenDays × num + den, 2 × den), and div() truncates an exact quotient.
 */
const PENALTY_NUM = `CASE WHEN l.penalty_rate_percent IS NOT NULL THEN l.penalty_rate_percent
                          WHEN pv.penalty_basis = 'SURCHARGE_ON_CONTRACT' THEN coalesce(l.annual_rate_percent, 0) * (100 + pv.penalty_rate_percent)
                          ELSE pv.penalty_rate_percent END`;
const PENALTY_DEN = `CASE WHEN l.penalty_rate_percent IS NULL AND pv.penalty_basis = 'SURCHARGE_ON_CONTRACT' THEN 3650000 ELSE 36500 END`;

@Injectable()
export class LoanStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  // -- reads ----------------------------------------------------------------------------------------------------

  /** The loan row, read in the caller's transaction when a manager is given; undefined when there is none. */
  async find(m: EntityManager | null, id: string): Promise<LoanRow | undefined> {
    if (!isLoanId(id)) return undefined;
    return queryOne<LoanRow>(m ?? this.dataSource.manager, `SELECT * FROM loans WHERE id = $1`, [id]);
  }

  /** A bank's loan by its own reference (covered loans). */
  async findByBankRef(
    m: EntityManager | null,
    bankId: string,
    bankLoanRef: string,
  ): Promise<LoanRow | undefined> {
    return queryOne<LoanRow>(
      m ?? this.dataSource.manager,
      `SELECT * FROM loans WHERE bank_id = $1 AND bank_loan_ref = $2`,
      [bankId, bankLoanRef],
    );
  }

  /** The loan's instalments in number order; with `lock`, row locks taken in that order (after the loan's). */
  async installments(
    m: EntityManager | null,
    loanId: string,
    opts: { lock?: boolean; unpaidOnly?: boolean } = {},
  ): Promise<LoanInstallmentRow[]> {
    return queryPrepared<LoanInstallmentRow>(
      m ?? this.dataSource.manager,
      `SELECT ${INSTALLMENT_COLUMNS} FROM loan_installments WHERE loan_id = $1${opts.unpaidOnly ? ` AND status <> 'PAID'` : ''}
        ORDER BY number${opts.lock ? ' FOR UPDATE' : ''}`,
      [loanId],
    );
  }

  /** The loan's events in order, a page of them when limit/offset are given. */
  async events(
    m: EntityManager | null,
    loanId: string,
    page?: { limit: number; offset: number },
  ): Promise<LoanEventRow[]> {
    if (m) await flushDeferred(m); // events this transaction appended (writeOrDefer) are part of the answer
    return queryRows<LoanEventRow>(
      m ?? this.dataSource.manager,
      `SELECT * FROM loan_events WHERE loan_id = $1 ORDER BY id${page ? ' LIMIT $2 OFFSET $3' : ''}`,
      page ? [loanId, page.limit, page.offset] : [loanId],
    );
  }

  async countEvents(m: EntityManager | null, loanId: string): Promise<number> {
    if (m) await flushDeferred(m);
    const row = await queryOne<{ n: number }>(
      m ?? this.dataSource.manager,
      `SELECT count(*)::int AS n FROM loan_events WHERE loan_id = $1`,
      [loanId],
    );
    return row?.n ?? 0;
  }

  // -- locks ----------------------------------------------------------------------------------------------------

  /** Locks the loan row (SELECT … FOR UPDATE) and returns it as the lock shows it; undefined when there is none. */
  async lock(m: EntityManager, id: string): Promise<LoanRow | undefined> {
    if (!isLoanId(id)) return undefined;
    const [row] = await queryPrepared<LoanRow>(
      m,
      `SELECT ${LOAN_COLUMNS} FROM loans WHERE id = $1 FOR UPDATE`,
      [id],
    );
    return row;
  }

  /**
   * Locks a covered loan's row, only when it is one (and, with `bankId`, of that bank): another bank's loan, or a
   * mutual-aid loan, is neither answered nor locked, so a bank's request can never hold up a loan it may not see.
   */
  async lockCovered(m: EntityManager, id: string, bankId: string | null): Promise<LoanRow | undefined> {
    if (!isLoanId(id)) return undefined;
    const [row] = await queryPrepared<LoanRow>(
      m,
      `SELECT ${LOAN_COLUMNS} FROM loans
        WHERE id = $1 AND channel = 'BANK_COVERED' AND ($2::bigint IS NULL OR bank_id = $2::bigint) FOR UPDATE`,
      [id, bankId],
    );
    return row;
  }

  /** Locks several loan rows, lowest id first (the order every batch takes); the rows found, in id order. */
  async lockMany(m: EntityManager, ids: readonly string[]): Promise<LoanRow[]> {
    const valid = ids.filter(isLoanId);
    if (!valid.length) return [];
    return queryRows<LoanRow>(m, `SELECT * FROM loans WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE`, [
      valid,
    ]);
  }

  /**
   * Locks the loan, then its instalments in number order: the order of every write to a loan's schedule. The two
   * statements go out together (one round trip), so it can be a step of a caller's `together`.
   */
  async lockWithInstallments(
    m: EntityManager,
    id: string,
  ): Promise<{ loan: LoanRow; installments: LoanInstallmentRow[] } | undefined> {
    if (!isLoanId(id)) return undefined;
    const [loan, installments] = await together(m, [
      () => this.lock(m, id),
      () => this.installments(m, id, { lock: true }),
    ]);
    return loan && { loan, installments };
  }

  // -- writes ---------------------------------------------------------------------------------------------------

  /** Inserts a loan row (no schedule yet: a mutual-aid application) and returns it. */
  async create(m: EntityManager, loan: NewLoan): Promise<LoanRow> {
    const { sql, params } = insertLoan(loan);
    const [row] = await queryRows<LoanRow>(m, `${sql} RETURNING *`, params.values);
    return row;
  }

  /**
   * Inserts a loan with its frozen schedule (a covered loan is registered with both at once), in one statement: the
   * instalments take the loan's id from the loan's insert (a round trip fewer, under the fund lock registration
   * holds).
   */
  async createWithSchedule(
    m: EntityManager,
    loan: NewLoan,
    schedule: readonly ScheduleLine[],
  ): Promise<LoanRow> {
    if (!schedule.length) throw new Error('a covered loan: a schedule has at least one instalment');
    const { sql, params } = insertLoan(loan);
    const lines = scheduleArrays(schedule).map((a) => params.add(a));
    const [row] = await queryRows<LoanRow>(
      m,
      `WITH l AS (${sql} RETURNING *),
            i AS (INSERT INTO loan_installments (loan_id, number, due_date, period_start, days, principal_fen, interest_fen)
                  SELECT (SELECT id FROM l), n, d, s, days, p, i
                    FROM unnest(${lines[0]}::int[], ${lines[1]}::date[], ${lines[2]}::date[], ${lines[3]}::int[],
                                ${lines[4]}::bigint[], ${lines[5]}::bigint[]) AS x(n, d, s, days, p, i))
       SELECT * FROM l`,
      params.values,
    );
    return row;
  }

  /** Freezes a schedule into loan_installments (one statement): at disbursement, or with a covered loan. */
  async insertSchedule(m: EntityManager, loanId: string, schedule: readonly ScheduleLine[]): Promise<void> {
    if (!schedule.length) throw new Error(`loan ${loanId}: a schedule has at least one instalment`);
    await m.query(
      `INSERT INTO loan_installments (loan_id, number, due_date, period_start, days, principal_fen, interest_fen)
       SELECT $1, n, d, s, days, p, i
         FROM unnest($2::int[], $3::date[], $4::date[], $5::int[], $6::bigint[], $7::bigint[]) AS x(n, d, s, days, p, i)`,
      [loanId, ...scheduleArrays(schedule)],
    );
  }

  /**
   * Updates the named columns of a loan and returns the row after it. By default the loan's version moves on and
   * updated_at is stamped (a change a caller holding an older version must not overwrite); ageing figures written
   * by the close of business pass `{ touch: false }`.
   */
  async update(
    m: EntityManager,
    id: string,
    patch: LoanPatch,
    opts: { touch?: boolean } = {},
  ): Promise<LoanRow> {
    const p = new Params(id);
    const sets = Object.entries(patch)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${column(k)} = ${p.add(v)}`);
    if (opts.touch !== false) sets.push('version = version + 1', 'updated_at = now()');
    if (!sets.length) throw new Error(`loan ${id}: an update names at least one column`);
    // prepared: the texts are as many as the sets of columns callers name (a handful), each a lookup by id
    const [row] = await queryPrepared<LoanRow>(
      m,
      `UPDATE loans SET ${sets.join(', ')} WHERE id = $1 RETURNING ${LOAN_COLUMNS}`,
      p.values,
    );
    if (!row) throw new Error(`loan ${id} does not exist`);
    return row;
  }

  /**
   * Writes a replay's instalment states to the rows that differ from what is stored (one statement); returns the
   * rows written. Rows the replay does not own (WRITTEN_OFF) are never passed here.
   */
  async saveInstallments(
    m: EntityManager,
    loanId: string,
    stored: readonly StoredProgress[],
    next: readonly InstallmentProgress[],
  ): Promise<number> {
    const byNumber = new Map(stored.map((r) => [r.number, r]));
    const changed = next.filter((s) => {
      const r = byNumber.get(s.number);
      if (!r) throw new Error(`instalment ${s.number} of loan ${loanId} is not stored`);
      return installmentProgressChanged(r, s);
    });
    if (!changed.length) return 0;
    const col = <T>(f: (s: InstallmentProgress) => T) => changed.map(f);
    const big = (f: (s: InstallmentProgress) => bigint) => changed.map((s) => f(s).toString());
    // Each column's value read from its array at the instalment's position, the rows picked by the same position (no
    // join with unnest, no `= ANY` the planner would size by the array): the plan is the loan's index scan whatever
    // the arrays hold, so PostgreSQL keeps the prepared statement's one plan per connection instead of planning it
    // again on every repayment.
    await queryPrepared(
      m,
      `UPDATE loan_installments i
          SET interest_fen = ($3::bigint[])[array_position($2::int[], i.number)],
              penalty_fen = ($4::bigint[])[array_position($2::int[], i.number)],
              penalty_fen_days = ($5::bigint[])[array_position($2::int[], i.number)],
              accrued_through = ($6::date[])[array_position($2::int[], i.number)],
              paid_principal_fen = ($7::bigint[])[array_position($2::int[], i.number)],
              paid_interest_fen = ($8::bigint[])[array_position($2::int[], i.number)],
              paid_penalty_fen = ($9::bigint[])[array_position($2::int[], i.number)],
              status = ($10::text[])[array_position($2::int[], i.number)],
              overdue_since = ($11::date[])[array_position($2::int[], i.number)],
              paid_on = ($12::date[])[array_position($2::int[], i.number)],
              interest_paid_on = ($13::date[])[array_position($2::int[], i.number)]
        WHERE i.loan_id = $1 AND array_position($2::int[], i.number) IS NOT NULL`,
      [
        loanId,
        col((s) => s.number),
        big((s) => s.interestFen),
        big((s) => s.penaltyFen),
        big((s) => s.penaltyFenDays),
        col((s) => s.accruedThrough),
        big((s) => s.paidPrincipalFen),
        big((s) => s.paidInterestFen),
        big((s) => s.paidPenaltyFen),
        col((s) => s.status),
        col((s) => s.overdueSince),
        col((s) => s.paidOn),
        col((s) => s.interestPaidOn),
      ],
    );
    return changed.length;
  }

  /**
   * Adds payments to instalments (by id, one statement); an instalment whose principal and interest are then paid in
   * full becomes PAID on `paidOn`. The covered loans' repayment reports settle the frozen schedule this way.
   */
  async addInstallmentPayments(
    m: EntityManager,
    payments: readonly InstallmentPayment[],
    paidOn: string,
  ): Promise<void> {
    if (!payments.length) return;
    await queryRows(
      m,
      `UPDATE loan_installments li
          SET paid_principal_fen = li.paid_principal_fen + x.p, paid_interest_fen = li.paid_interest_fen + x.i,
              status = CASE WHEN li.paid_principal_fen + x.p = li.principal_fen AND li.paid_interest_fen + x.i = li.interest_fen
                            THEN 'PAID' ELSE li.status END,
              paid_on = CASE WHEN li.paid_principal_fen + x.p = li.principal_fen AND li.paid_interest_fen + x.i = li.interest_fen
                             THEN $2::date ELSE li.paid_on END
         FROM unnest($1::bigint[], $3::bigint[], $4::bigint[]) AS x(id, p, i)
        WHERE li.id = x.id`,
      [
        payments.map((x) => x.installmentId),
        paidOn,
        payments.map((x) => x.principalFen.toString()),
        payments.map((x) => x.interestFen.toString()),
      ],
    );
  }

  /** Marks every instalment of the loan not yet paid WRITTEN_OFF (the write-off takes them off the schedule). */
  async writeOffInstallments(m: EntityManager, loanId: string): Promise<void> {
    await m.query(
      `UPDATE loan_installments SET status = 'WRITTEN_OFF' WHERE loan_id = $1 AND status <> 'PAID'`,
      [loanId],
    );
  }

  /**
   * One set-based pass over the unpaid instalments past due of a batch of loans (the replay's accrueTo, then
   * markOverdue): penalty fen-days grow by the unpaid principal × the days from max(accrued_through, due date) to
   * `date`; what is still unpaid after due date + grace days becomes OVERDUE (since due + grace + 1) and carries the
   * penalty of its fen-days, rounded half up exactly as the TypeScript replay does. Computed and written in one
   * statement (the close of business runs it per batch); rows that would not change are not written. Returns the
   * rows written.
   */
  async accrueAndMarkOverdue(m: EntityManager, date: string, loanIds: readonly string[]): Promise<number> {
    if (!loanIds.length) return 0;
    const [r] = await queryRows<{ n: number }>(
      m,
      `WITH c AS (
         SELECT i.id, i.status, i.overdue_since, i.penalty_fen, i.penalty_fen_days,
                CASE WHEN i.principal_fen > i.paid_principal_fen
                          AND greatest(coalesce(i.accrued_through, i.due_date), i.due_date) < $1::date
                     THEN (i.principal_fen - i.paid_principal_fen) * ($1::date - greatest(coalesce(i.accrued_through, i.due_date), i.due_date))
                     ELSE 0 END AS add_fd,
                i.due_date + pv.grace_days < $1::date
                  AND (i.principal_fen - i.paid_principal_fen) + (i.interest_fen - i.paid_interest_fen) + (i.penalty_fen - i.paid_penalty_fen) > 0
                  AS overdue,
                i.due_date + pv.grace_days + 1 AS since,
                ${PENALTY_NUM} AS pn, ${PENALTY_DEN} AS pd
           FROM loan_installments i
           JOIN loans l ON l.id = i.loan_id
           JOIN product_versions pv ON pv.id = l.product_version_id
          WHERE i.loan_id = ANY($2::bigint[]) AND i.status IN ('OPEN','OVERDUE') AND i.due_date < $1::date
       ), v AS (
         SELECT c.*, CASE WHEN c.overdue
                          THEN greatest(c.penalty_fen, div(2 * (c.penalty_fen_days + c.add_fd)::numeric * c.pn + c.pd, 2 * c.pd)::bigint)
                          ELSE c.penalty_fen END AS penalty
           FROM c
       ), u AS (
         UPDATE loan_installments i
            SET penalty_fen_days = i.penalty_fen_days + v.add_fd,
                accrued_through = CASE WHEN v.add_fd > 0 THEN $1::date ELSE i.accrued_through END,
                status = CASE WHEN v.overdue THEN 'OVERDUE' ELSE i.status END,
                overdue_since = CASE WHEN v.overdue THEN v.since ELSE i.overdue_since END,
                penalty_fen = v.penalty
           FROM v
          WHERE i.id = v.id
            AND (v.add_fd > 0 OR (v.overdue AND (v.status <> 'OVERDUE' OR v.overdue_since IS DISTINCT FROM v.since OR v.penalty <> v.penalty_fen)))
         RETURNING 1)
       SELECT count(*)::int AS n FROM u`,
      [date, loanIds],
    );
    return r.n;
  }

  /** Writes accrual figures to instalments by id (one statement); returns the rows written. */
  async saveAccruals(m: EntityManager, rows: readonly InstallmentAccrual[]): Promise<number> {
    if (!rows.length) return 0;
    await m.query(
      `UPDATE loan_installments i
          SET penalty_fen_days = v.fen_days, accrued_through = v.accrued, penalty_fen = v.penalty, status = v.status,
              overdue_since = v.since
         FROM unnest($1::bigint[], $2::bigint[], $3::date[], $4::bigint[], $5::text[], $6::date[])
                AS v(id, fen_days, accrued, penalty, status, since)
        WHERE i.id = v.id`,
      [
        rows.map((r) => r.installmentId),
        rows.map((r) => r.penaltyFenDays.toString()),
        rows.map((r) => r.accruedThrough),
        rows.map((r) => r.penaltyFen.toString()),
        rows.map((r) => r.status),
        rows.map((r) => r.overdueSince),
      ],
    );
    return rows.length;
  }

  /** Appends one event to the loan's history (the table is append-only). */
  /** Appends an event; inside runIdempotent it goes out with the stored response (writeOrDefer). */
  async recordEvent(m: EntityManager, e: NewLoanEvent): Promise<void> {
    await writeOrDefer(
      m,
      `INSERT INTO loan_events (loan_id, event, from_status, to_status, actor, reason, data) VALUES ($1,$2,$3,$4,$5,$6,$7::jsonb)`,
      [e.loanId, e.event, e.fromStatus ?? null, e.toStatus ?? null, e.actor, e.reason ?? null, eventData(e)],
    );
  }

  /** Appends several events in one statement, in the order given (a batch's group-liability calls, say). */
  async recordEvents(m: EntityManager, events: readonly NewLoanEvent[]): Promise<number> {
    if (!events.length) return 0;
    await m.query(
      `INSERT INTO loan_events (loan_id, event, from_status, to_status, actor, reason, data)
       SELECT loan_id, event, from_status, to_status, actor, reason, data
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[])
                WITH ORDINALITY AS e(loan_id, event, from_status, to_status, actor, reason, data, n)
        ORDER BY n`,
      [
        events.map((e) => e.loanId),
        events.map((e) => e.event),
        events.map((e) => e.fromStatus ?? null),
        events.map((e) => e.toStatus ?? null),
        events.map((e) => e.actor),
        events.map((e) => e.reason ?? null),
        events.map(eventData),
      ],
    );
    return events.length;
  }
}

/** The jsonb text of an event's data: NULL for none, and for {} unless the caller keeps empty data. */
function eventData(e: NewLoanEvent): string | null {
  const empty =
    e.data === undefined ||
    e.data === null ||
    (!e.keepEmptyData &&
      typeof e.data === 'object' &&
      !Array.isArray(e.data) &&
      Object.keys(e.data).length === 0);
  return empty ? null : JSON.stringify(e.data);
}
