import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { areaCondition, offsetOf, queryOne, queryRows, type PageQuery } from '#libs/common';
import type { Fen } from '#libs/money';
import type { WriteOffRow as TableRow } from './rows.generated.js';

/** A write-off as its views read it, with the loan's number. */
export type WriteOffRow = Omit<TableRow, 'idempotency_key'> & { loan_no: string };

export interface NewWriteOff {
  loanId: string;
  fundId: string;
  writtenOffOn: string;
  daysOverdue: number;
  principalFen: Fen;
  interestFen: Fen;
  penaltyFen: Fen;
  reason: string;
  entryId: string;
  idempotencyKey: string;
  createdBy: string;
}

const SELECT = `
  SELECT w.id::text, w.loan_id::text, l.loan_no, w.fund_id::text, w.written_off_on, w.days_overdue, w.principal_fen::text,
         w.interest_fen::text, w.penalty_fen::text, w.recovered_fen::text, w.reason, w.entry_id::text, w.created_by, w.created_at
    FROM write_offs w JOIN loans l ON l.id = w.loan_id`;

/** write_offs: every statement on it. */
@Injectable()
export class WriteOffStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(m: EntityManager, w: NewWriteOff): Promise<string> {
    const [{ id }] = await queryRows<{ id: string }>(
      m,
      `INSERT INTO write_offs (loan_id, fund_id, written_off_on, days_overdue, principal_fen, interest_fen, penalty_fen, reason,
                               entry_id, idempotency_key, created_by)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) RETURNING id::text`,
      [
        w.loanId,
        w.fundId,
        w.writtenOffOn,
        w.daysOverdue,
        w.principalFen.toString(),
        w.interestFen.toString(),
        w.penaltyFen.toString(),
        w.reason,
        w.entryId,
        w.idempotencyKey,
        w.createdBy,
      ],
    );
    return id;
  }

  /** The write-off of a loan, locked (a recovery changes what was recovered). */
  lockOfLoan(
    m: EntityManager,
    loanId: string,
  ): Promise<
    | {
        id: string;
        principal_fen: string;
        interest_fen: string;
        penalty_fen: string;
        recovered_fen: string;
        written_off_on: string;
      }
    | undefined
  > {
    return queryOne(
      m,
      `SELECT id::text, principal_fen::text, interest_fen::text, penalty_fen::text, recovered_fen::text, written_off_on
         FROM write_offs WHERE loan_id = $1 FOR UPDATE`,
      [loanId],
    );
  }

  /** Adds a recovery to (or, negative, takes a reversed one from) what the loan's write-off has recovered. */
  async addRecovered(m: EntityManager, loanId: string, amountFen: Fen | string): Promise<void> {
    await m.query(`UPDATE write_offs SET recovered_fen = recovered_fen + $2 WHERE loan_id = $1`, [
      loanId,
      amountFen.toString(),
    ]);
  }

  /** The write-off of a loan as its statement shows it. */
  ofLoan(
    m: EntityManager,
    loanId: string,
  ): Promise<
    { written_off_on: string; principal_fen: string; recovered_fen: string; reason: string } | undefined
  > {
    return queryOne(
      m,
      `SELECT written_off_on, principal_fen::text, recovered_fen::text, reason FROM write_offs WHERE loan_id = $1`,
      [loanId],
    );
  }

  get(id: string, manager?: EntityManager): Promise<WriteOffRow | undefined> {
    return queryOne<WriteOffRow>(manager ?? this.dataSource.manager, `${SELECT} WHERE w.id = $1`, [id]);
  }

  async list(
    filter: { fundId?: string; from?: string; to?: string },
    page: PageQuery,
  ): Promise<{ rows: WriteOffRow[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.fundId) where.push(`w.fund_id = $${params.push(filter.fundId)}`);
    if (filter.from) where.push(`w.written_off_on >= $${params.push(filter.from)}`);
    if (filter.to) where.push(`w.written_off_on <= $${params.push(filter.to)}`);
    where.push(
      areaCondition(params, {
        district: '(SELECT l.district_id FROM loans l WHERE l.id = w.loan_id)',
        village: '(SELECT l.village_id FROM loans l WHERE l.id = w.loan_id)',
      }),
    );
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const m = this.dataSource.manager;
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM write_offs w ${clause}`,
      params,
    );
    const rows = await queryRows<WriteOffRow>(
      m,
      `${SELECT} ${clause} ORDER BY w.written_off_on DESC, w.id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { rows, total };
  }
}
