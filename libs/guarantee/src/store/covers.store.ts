import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { areaCondition, offsetOf, queryOne, queryRows, type PageQuery } from '#libs/common';
import type { Fen } from '#libs/money';
import type { CoverRecord } from '../domain/covers.js';
import { updateReturning } from './sql.js';

/** A guarantee_covers row. */
export type CoverRow = CoverRecord;

export interface NewCover {
  loanId: string;
  agreementId: string;
  riskFundId: string;
  bankId: string;
  borrowerType: 'HOUSEHOLD' | 'ENTITY';
  multiple: string;
  reservedFen: Fen;
  coverPendingFen: Fen;
  onDate: string;
}

export interface NewCoverEvent {
  /** the cover's id, or its loan's for a cover inserted ahead of the event in the same round trip */
  cover: string | { loanId: string };
  event: 'RESERVED' | 'CONSUMED' | 'RELEASED' | 'VOIDED';
  amountFen: Fen;
  coverDeltaFen: Fen;
  /**
   * The ledger entry it posted: its id, or its idempotency key for an entry posted ahead of the event in the same
   * round trip (the statement finds the entry by it, as it is written by then).
   */
  entry: string | { key: string };
  key: string;
  onDate: string;
  actor: string;
}

/** guarantee_covers and guarantee_cover_events: a loan's cover and its history. */
@Injectable()
export class CoversStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** A loan's cover (locked with `lock`); sent at once, so it can be a step of `together`. */
  find(m: EntityManager | null, loanId: string, lock = false): Promise<CoverRow | undefined> {
    return queryOne<CoverRow>(
      m ?? this.dataSource.manager,
      `SELECT * FROM guarantee_covers WHERE loan_id = $1 ${lock ? 'FOR UPDATE' : ''}`,
      [loanId],
    );
  }

  /** Inserts a cover (sent at once: it can go out right behind the posting of its reservation). */
  async insert(m: EntityManager, c: NewCover): Promise<CoverRow> {
    const [row] = await queryRows<CoverRow>(
      m,
      `INSERT INTO guarantee_covers (loan_id, agreement_id, risk_fund_id, bank_id, borrower_type, multiple, reserved_fen, pending_fen,
                                     cover_pending_fen, status, reserved_on)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$7,$8,'PENDING',$9) RETURNING *`,
      [
        c.loanId,
        c.agreementId,
        c.riskFundId,
        c.bankId,
        c.borrowerType,
        c.multiple,
        c.reservedFen.toString(),
        c.coverPendingFen.toString(),
        c.onDate,
      ],
    );
    return row;
  }

  async markConsumed(
    m: EntityManager,
    id: string,
    p: { amountFen: Fen; coverUsedFen: Fen; returnedFen: Fen; onDate: string },
  ): Promise<CoverRow> {
    // sent at once (queryRows): it goes out behind the consumption's posting, in the same round trip
    const [row] = await queryRows<CoverRow>(
      m,
      `UPDATE guarantee_covers SET status = 'ACTIVE', pending_fen = 0, cover_pending_fen = 0, outstanding_fen = $2, disbursed_fen = $2,
              cover_used_fen = $3, released_fen = released_fen + $4, consumed_on = $5, updated_at = now()
        WHERE id = $1 RETURNING *`,
      [id, p.amountFen.toString(), p.coverUsedFen.toString(), p.returnedFen.toString(), p.onDate],
    );
    return row;
  }

  /** Outstanding and backing after a release; the cover closes when nothing is outstanding. */
  async markReleased(
    m: EntityManager,
    id: string,
    p: { outstandingFen: Fen; coverUsedFen: Fen; releasedFen: Fen; onDate: string },
  ): Promise<CoverRow> {
    // sent at once (queryRows): it goes out behind the release's posting, in the same round trip
    const [row] = await queryRows<CoverRow>(
      m,
      `UPDATE guarantee_covers SET outstanding_fen = $2, cover_used_fen = $3, released_fen = released_fen + $4,
              status = CASE WHEN $2::bigint = 0 THEN 'CLOSED' ELSE status END,
              closed_on = CASE WHEN $2::bigint = 0 THEN $5::date ELSE closed_on END, updated_at = now()
        WHERE id = $1 RETURNING *`,
      [id, p.outstandingFen.toString(), p.coverUsedFen.toString(), p.releasedFen.toString(), p.onDate],
    );
    return row;
  }

  async markVoided(m: EntityManager, id: string, pendingFen: Fen, onDate: string): Promise<CoverRow> {
    const [row] = await updateReturning<CoverRow>(
      m,
      `UPDATE guarantee_covers SET status = 'VOIDED', pending_fen = 0, cover_pending_fen = 0, released_fen = released_fen + $2,
              closed_on = $3, updated_at = now() WHERE id = $1 RETURNING *`,
      [id, pendingFen.toString(), onDate],
    );
    return row;
  }

  /** Covers of a fund still reserved or outstanding. */
  async countOpen(m: EntityManager, fundId: string): Promise<number> {
    const [open] = (await m.query(
      `SELECT count(*)::int AS n FROM guarantee_covers WHERE risk_fund_id = $1 AND status IN ('PENDING','ACTIVE')`,
      [fundId],
    )) as { n: number }[];
    return open.n;
  }

  async page(
    filter: { bankId?: string; riskFundId?: string; agreementId?: string; status?: string },
    scopeBankId: string | null,
    page: PageQuery,
  ): Promise<{ rows: CoverRow[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (scopeBankId !== null) where.push(`bank_id = $${params.push(scopeBankId)}`);
    if (filter.riskFundId) where.push(`risk_fund_id = $${params.push(filter.riskFundId)}`);
    if (filter.agreementId) where.push(`agreement_id = $${params.push(filter.agreementId)}`);
    if (filter.bankId) where.push(`bank_id = $${params.push(filter.bankId)}`);
    if (filter.status) where.push(`status = $${params.push(filter.status)}`);
    where.push(areaCondition(params, { district: '(SELECT rf.district_id FROM risk_funds rf WHERE rf.id = risk_fund_id)' }));
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = (await this.dataSource.query(
      `SELECT count(*)::int AS total FROM guarantee_covers ${clause}`,
      params,
    )) as { total: number }[];
    const rows = (await this.dataSource.query(
      `SELECT * FROM guarantee_covers ${clause} ORDER BY id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    )) as CoverRow[];
    return { rows, total };
  }

  /** Whether a cover event has this key (sent at once, so it can be a step of `together`). */
  eventExists(m: EntityManager, key: string): Promise<boolean> {
    return queryRows(m, `SELECT 1 FROM guarantee_cover_events WHERE idempotency_key = $1`, [key]).then(
      (rows) => rows.length > 0,
    );
  }

  /** The ledger entry a cover event posted (null when there is no such event). */
  async eventEntryId(m: EntityManager, key: string): Promise<string | null> {
    const [ev] = (await m.query(`SELECT entry_id FROM guarantee_cover_events WHERE idempotency_key = $1`, [
      key,
    ])) as { entry_id: string }[];
    return ev?.entry_id ?? null;
  }

  /** Appends a cover event (sent at once: it can go out right behind the posting of its entry, see `entry`). */
  async insertEvent(m: EntityManager, e: NewCoverEvent): Promise<void> {
    const byKey = typeof e.entry !== 'string';
    const byLoan = typeof e.cover !== 'string';
    await queryRows(
      m,
      `INSERT INTO guarantee_cover_events (cover_id, event, amount_fen, cover_delta_fen, entry_id, idempotency_key, business_date, actor)
       VALUES (${byLoan ? '(SELECT c.id FROM guarantee_covers c WHERE c.loan_id = $1)' : '$1'},$2,$3,$4,
               ${byKey ? '(SELECT j.id FROM journal_entries j WHERE j.idempotency_key = $5)' : '$5'},$6,$7,$8)`,
      [
        typeof e.cover === 'string' ? e.cover : e.cover.loanId,
        e.event,
        e.amountFen.toString(),
        e.coverDeltaFen.toString(),
        typeof e.entry === 'string' ? e.entry : e.entry.key,
        e.key,
        e.onDate,
        e.actor,
      ],
    );
  }
}
