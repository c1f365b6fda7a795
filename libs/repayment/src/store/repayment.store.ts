import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { areaCondition, offsetOf, queryOne, queryPrepared, queryRows, type PageQuery } from '#libs/common';
import type { Fen } from '#libs/money';
import type { StoredAllocation } from '../domain/postings.js';
import type { AllocationLine, Component, ReplayPayment } from '../domain/replay.js';
import type { StatementCorrection } from '../domain/statement.js';
import type { RepaymentChannel, RepaymentKind } from '../views.js';
import type { RepaymentRow as TableRow } from './rows.generated.js';

/** A repayment as the views read it: the row, the loan's number and the split in force. */
export type RepaymentRow = TableRow & {
  loan_no: string;
  /** Current split (original + corrections), from repayment_allocations. */
  cur_principal_fen: string;
  cur_interest_fen: string;
  cur_penalty_fen: string;
};

const REPAYMENT_COLUMNS = `
  r.id::text, r.loan_id::text, l.loan_no, r.fund_id::text, r.kind, r.amount_fen::text, r.value_date, r.channel,
  r.reference, r.payer_household_id::text, r.principal_fen::text, r.interest_fen::text, r.penalty_fen::text,
  r.recovery_fen::text, r.prepaid_principal_fen::text, r.payoff, r.backdated, r.entry_id::text, r.idempotency_key,
  r.status, r.reversed_on, r.reversed_by, r.reversal_reason, r.reversal_entry_id::text, r.created_by, r.created_at,
  coalesce(a.principal, 0)::text AS cur_principal_fen, coalesce(a.interest, 0)::text AS cur_interest_fen,
  coalesce(a.penalty, 0)::text AS cur_penalty_fen`;

/** The current split of a repayment: its allocation rows (`source`) summed by component. */
const allocationSums = (source: string) => `
  SELECT sum(amount_fen) FILTER (WHERE component = 'PRINCIPAL') AS principal,
         sum(amount_fen) FILTER (WHERE component = 'INTEREST') AS interest,
         sum(amount_fen) FILTER (WHERE component = 'PENALTY') AS penalty
    FROM ${source}`;

const REPAYMENT_SELECT = `
  SELECT ${REPAYMENT_COLUMNS}
    FROM repayments r
    JOIN loans l ON l.id = r.loan_id
    LEFT JOIN LATERAL (${allocationSums('repayment_allocations WHERE repayment_id = r.id')}) a ON true`;

/** A repayment row to insert (a REPAYMENT with its split, or a RECOVERY). */
export interface NewRepayment {
  id: string;
  loanId: string;
  fundId: string;
  amountFen: Fen;
  valueDate: string;
  channel: string;
  reference: string | null;
  payerHouseholdId: string | null;
  entryId: string;
  idempotencyKey: string;
  createdBy: string;
}

export interface RepaymentSplit {
  principalFen: Fen;
  interestFen: Fen;
  penaltyFen: Fen;
  prepaidPrincipalFen: Fen;
  payoff: boolean;
  backdated: boolean;
}

/** What a reversal reads of the repayment it reverses (locked). */
export type LockedRepayment = Pick<
  TableRow,
  'id' | 'kind' | 'status' | 'entry_id' | 'amount_fen' | 'value_date' | 'reversal_entry_id'
>;

export interface RepaymentListFilter {
  loanId?: string;
  fundId?: string;
  kind?: RepaymentKind;
  status?: string;
  channel?: RepaymentChannel;
  from?: string;
  to?: string;
}

/** Repayments (not recoveries) in force on a loan, as the engine replays them. */
export async function activePayments(m: EntityManager, loanId: string): Promise<ReplayPayment[]> {
  const rows = await queryPrepared<{ id: string; value_date: string; amount_fen: string }>(
    m,
    `SELECT id::text, value_date, amount_fen::text FROM repayments
      WHERE loan_id = $1 AND kind = 'REPAYMENT' AND status = 'POSTED' ORDER BY value_date, repayments.id`,
    [loanId],
  );
  return rows.map((r) => ({ id: r.id, valueDate: r.value_date, amountFen: BigInt(r.amount_fen) }));
}

export interface PaymentsSummary {
  count: number;
  lastId: string;
  totalFen: bigint;
  lastValueDate: string | null;
}

/** repayments, repayment_allocations and repayment_adjustments: every statement on them. */
@Injectable()
export class RepaymentStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  activePayments(m: EntityManager, loanId: string): Promise<ReplayPayment[]> {
    return activePayments(m, loanId);
  }

  /**
   * What identifies the posted repayments of a loan without reading them: how many, the highest id, their total
   * and the latest value date. Read under the loan's lock, the count and the highest id name the list exactly
   * (ids only grow and are never reused, a posted repayment's amount and date never change; a reversal lowers the
   * count, a new repayment raises the highest id).
   */
  async paymentsSummary(m: EntityManager, loanId: string): Promise<PaymentsSummary> {
    return (await this.summaryWithNextId(m, loanId, false)).summary;
  }

  /** The summary and, in the same round trip, an id for the repayment about to be recorded (see nextId). */
  async summaryWithNextId(
    m: EntityManager,
    loanId: string,
    nextId = true,
  ): Promise<{ summary: PaymentsSummary; nextId: string }> {
    const [r] = await queryPrepared<{
      n: number;
      last_id: string;
      total: string;
      last_date: string | null;
      next_id: string;
    }>(
      m,
      `SELECT count(*)::int AS n, coalesce(max(id), 0)::text AS last_id, coalesce(sum(amount_fen), 0)::text AS total,
              max(value_date) AS last_date,
              ${nextId ? `(SELECT nextval(pg_get_serial_sequence('repayments', 'id')))::text` : 'NULL'} AS next_id
         FROM repayments WHERE loan_id = $1 AND kind = 'REPAYMENT' AND status = 'POSTED'`,
      [loanId],
    );
    return {
      summary: { count: r.n, lastId: r.last_id, totalFen: BigInt(r.total), lastValueDate: r.last_date },
      nextId: r.next_id,
    };
  }

  /**
   * The loan's posted repayments (activePayments) and, in the same round trip, an id for the repayment about to be
   * recorded (see nextId). The id's one-row subquery is evaluated once (PostgreSQL does not flatten a subquery that
   * calls a volatile function); the repayments are joined to it, so the row is there when the loan has none.
   */
  async activePaymentsWithNextId(
    m: EntityManager,
    loanId: string,
  ): Promise<{ payments: ReplayPayment[]; nextId: string }> {
    const rows = await queryPrepared<{
      next_id: string;
      id: string | null;
      value_date: string | null;
      amount_fen: string | null;
    }>(
      m,
      `SELECT n.next_id, p.id::text, p.value_date, p.amount_fen::text
         FROM (SELECT nextval(pg_get_serial_sequence('repayments', 'id'))::text AS next_id) n
         LEFT JOIN repayments p ON p.loan_id = $1 AND p.kind = 'REPAYMENT' AND p.status = 'POSTED'
        ORDER BY p.value_date, p.id`,
      [loanId],
    );
    const payments = rows
      .filter((r) => r.id !== null)
      .map((r) => ({ id: r.id!, valueDate: r.value_date!, amountFen: BigInt(r.amount_fen!) }));
    return { payments, nextId: rows[0].next_id };
  }

  /** An id for a repayment about to be recorded (its ledger entry's key names it before the row exists). */
  async nextId(m: EntityManager): Promise<string> {
    const [{ id }] = await queryRows<{ id: string }>(
      m,
      `SELECT nextval(pg_get_serial_sequence('repayments', 'id'))::text AS id`,
    );
    return id;
  }

  /**
   * A repayment with its split and its own allocation rows, in one statement that answers the repayment as `get`
   * reads it (its current split is the rows just written). Its journal entry is named by the entry's idempotency key,
   * so the row can go out right behind the statement that posts the entry, before the entry's id is known.
   */
  async insertWithAllocations(
    m: EntityManager,
    r: Omit<NewRepayment, 'entryId'> & { entryKey: string },
    split: RepaymentSplit,
    lines: readonly AllocationLine[],
  ): Promise<RepaymentRow> {
    const [row] = await queryPrepared<RepaymentRow>(
      m,
      `WITH r AS (
         INSERT INTO repayments (id, loan_id, fund_id, kind, amount_fen, value_date, channel, reference, payer_household_id,
                                 principal_fen, interest_fen, penalty_fen, prepaid_principal_fen, payoff, backdated, entry_id,
                                 idempotency_key, created_by)
         VALUES ($1,$2,$3,'REPAYMENT',$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,
                 (SELECT e.id FROM journal_entries e WHERE e.idempotency_key = $15),$16,$17)
         RETURNING *
       ), al AS (
         INSERT INTO repayment_allocations (repayment_id, loan_id, installment_number, component, amount_fen, adjustment_id)
         SELECT v.r, $2, v.n, v.c, v.a, NULL FROM unnest($18::bigint[], $19::int[], $20::text[], $21::bigint[]) AS v(r, n, c, a)
         RETURNING repayment_id, component, amount_fen
       )
       SELECT ${REPAYMENT_COLUMNS}
         FROM r
         JOIN loans l ON l.id = r.loan_id
         LEFT JOIN LATERAL (${allocationSums('al WHERE al.repayment_id = r.id')}) a ON true`,
      [
        r.id,
        r.loanId,
        r.fundId,
        r.amountFen.toString(),
        r.valueDate,
        r.channel,
        r.reference,
        r.payerHouseholdId,
        split.principalFen.toString(),
        split.interestFen.toString(),
        split.penaltyFen.toString(),
        split.prepaidPrincipalFen.toString(),
        split.payoff,
        split.backdated,
        r.entryKey,
        r.idempotencyKey,
        r.createdBy,
        lines.map((l) => l.paymentId),
        lines.map((l) => l.number),
        lines.map((l) => l.component),
        lines.map((l) => l.amountFen.toString()),
      ],
    );
    return row;
  }

  async insertRecovery(m: EntityManager, r: NewRepayment): Promise<void> {
    await m.query(
      `INSERT INTO repayments (id, loan_id, fund_id, kind, amount_fen, value_date, channel, reference, payer_household_id,
                               recovery_fen, entry_id, idempotency_key, created_by)
       VALUES ($1,$2,$3,'RECOVERY',$4,$5,$6,$7,$8,$4,$9,$10,$11)`,
      [
        r.id,
        r.loanId,
        r.fundId,
        r.amountFen.toString(),
        r.valueDate,
        r.channel,
        r.reference,
        r.payerHouseholdId,
        r.entryId,
        r.idempotencyKey,
        r.createdBy,
      ],
    );
  }

  /** The loan and fund of a repayment (no lock: the reversal locks fund, loan, then the repayment). */
  head(m: EntityManager, repaymentId: string): Promise<{ loan_id: string; fund_id: string } | undefined> {
    return queryOne(m, `SELECT loan_id::text, fund_id::text FROM repayments WHERE id = $1`, [repaymentId]);
  }

  async lock(m: EntityManager, repaymentId: string): Promise<LockedRepayment> {
    const [rep] = await queryRows<LockedRepayment>(
      m,
      `SELECT id::text, kind, status, entry_id::text, amount_fen::text, value_date, reversal_entry_id::text
         FROM repayments WHERE id = $1 FOR UPDATE`,
      [repaymentId],
    );
    return rep;
  }

  async markReversed(
    m: EntityManager,
    repaymentId: string,
    r: { on: string; by: string; reason: string; entryId: string },
  ): Promise<void> {
    await m.query(
      `UPDATE repayments SET status = 'REVERSED', reversed_on = $2, reversed_by = $3, reversal_reason = $4, reversal_entry_id = $5 WHERE id = $1`,
      [repaymentId, r.on, r.by, r.reason, r.entryId],
    );
  }

  /** Allocation rows (of a repayment's own split when `adjustmentId` is null, else of a correction). */
  async insertAllocations(
    m: EntityManager,
    loanId: string,
    lines: readonly AllocationLine[],
    adjustmentId: string | null,
  ): Promise<void> {
    if (!lines.length) return;
    await m.query(
      `INSERT INTO repayment_allocations (repayment_id, loan_id, installment_number, component, amount_fen, adjustment_id)
       SELECT r, $1, n, c, a, $6 FROM unnest($2::bigint[], $3::int[], $4::text[], $5::bigint[]) AS v(r, n, c, a)`,
      [
        loanId,
        lines.map((l) => l.paymentId),
        lines.map((l) => l.number),
        lines.map((l) => l.component),
        lines.map((l) => l.amountFen.toString()),
        adjustmentId,
      ],
    );
  }

  /** The negation of a repayment's own allocation rows, as rows of the adjustment that reverses it. */
  async insertMirrorAllocations(m: EntityManager, repaymentId: string, adjustmentId: string): Promise<void> {
    await m.query(
      `INSERT INTO repayment_allocations (repayment_id, loan_id, installment_number, component, amount_fen, adjustment_id)
       SELECT repayment_id, loan_id, installment_number, component, -amount_fen, $2
         FROM repayment_allocations WHERE repayment_id = $1 AND adjustment_id IS NULL ORDER BY id`,
      [repaymentId, adjustmentId],
    );
  }

  /** Σ allocation per repayment, instalment and component of a loan's repayments, but those in `skip`. */
  async storedAllocations(
    m: EntityManager,
    loanId: string,
    skip: readonly string[],
  ): Promise<StoredAllocation[]> {
    const rows = await queryRows<{
      repayment_id: string;
      installment_number: number;
      component: Component;
      amount: string;
    }>(
      m,
      `SELECT repayment_id::text, installment_number, component, sum(amount_fen)::text AS amount
         FROM repayment_allocations WHERE loan_id = $1 AND NOT (repayment_id = ANY($2::bigint[]))
        GROUP BY 1, 2, 3`,
      [loanId, skip],
    );
    return rows.map((s) => ({
      paymentId: s.repayment_id,
      number: s.installment_number,
      component: s.component,
      amountFen: BigInt(s.amount),
    }));
  }

  async nextAdjustmentId(m: EntityManager): Promise<string> {
    const [{ id }] = await queryRows<{ id: string }>(
      m,
      `SELECT nextval(pg_get_serial_sequence('repayment_adjustments', 'id'))::text AS id`,
    );
    return id;
  }

  /** An adjustment row; with no `id`, the sequence gives one. Returns its id. */
  async insertAdjustment(
    m: EntityManager,
    a: {
      id?: string;
      loanId: string;
      cause: 'BACKDATED_REPAYMENT' | 'REVERSAL';
      causeRepaymentId: string;
      entryId: string | null;
      businessDate: string;
      createdBy: string;
    },
  ): Promise<string> {
    const [row] = await queryRows<{ id: string }>(
      m,
      `INSERT INTO repayment_adjustments (id, loan_id, cause, cause_repayment_id, entry_id, business_date, created_by)
       VALUES (coalesce($1::bigint, nextval(pg_get_serial_sequence('repayment_adjustments', 'id'))), $2, $3, $4, $5, $6, $7)
       RETURNING id::text`,
      [a.id ?? null, a.loanId, a.cause, a.causeRepaymentId, a.entryId, a.businessDate, a.createdBy],
    );
    return row.id;
  }

  async get(m: EntityManager | null, repaymentId: string): Promise<RepaymentRow | undefined> {
    return queryOne<RepaymentRow>(m ?? this.dataSource.manager, `${REPAYMENT_SELECT} WHERE r.id = $1`, [
      repaymentId,
    ]);
  }

  /** A page of repayments, newest value date first, and how many match. */
  async list(filter: RepaymentListFilter, page: PageQuery): Promise<{ rows: RepaymentRow[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.loanId) where.push(`r.loan_id = $${params.push(filter.loanId)}`);
    if (filter.fundId) where.push(`r.fund_id = $${params.push(filter.fundId)}`);
    if (filter.kind) where.push(`r.kind = $${params.push(filter.kind)}`);
    if (filter.status) where.push(`r.status = $${params.push(filter.status)}`);
    if (filter.channel) where.push(`r.channel = $${params.push(filter.channel)}`);
    if (filter.from) where.push(`r.value_date >= $${params.push(filter.from)}`);
    if (filter.to) where.push(`r.value_date <= $${params.push(filter.to)}`);
    where.push(
      areaCondition(params, {
        district: '(SELECT l.district_id FROM loans l WHERE l.id = r.loan_id)',
        village: '(SELECT l.village_id FROM loans l WHERE l.id = r.loan_id)',
      }),
    );
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const m = this.dataSource.manager;
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM repayments r ${clause}`,
      params,
    );
    const rows = await queryRows<RepaymentRow>(
      m,
      `${REPAYMENT_SELECT} ${clause} ORDER BY r.value_date DESC, r.id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { rows, total };
  }

  /** Every repayment of a loan in value-date order (a statement's transactions). */
  ofLoan(m: EntityManager, loanId: string): Promise<RepaymentRow[]> {
    return queryRows<RepaymentRow>(
      m,
      `${REPAYMENT_SELECT} WHERE r.loan_id = $1 ORDER BY r.value_date, r.id`,
      [loanId],
    );
  }

  /** A loan's adjustments in the order they were made. */
  adjustmentsOf(m: EntityManager, loanId: string): Promise<StatementCorrection[]> {
    return queryRows<StatementCorrection>(
      m,
      `SELECT id::text, cause, cause_repayment_id::text AS "causeRepaymentId", entry_id::text AS "entryId",
              business_date AS "businessDate", created_by AS "createdBy"
         FROM repayment_adjustments WHERE loan_id = $1 ORDER BY repayment_adjustments.id`,
      [loanId],
    );
  }
}
