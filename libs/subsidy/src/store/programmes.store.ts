import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { areaCondition, offsetOf, queryOne, queryRows, type PageQuery } from '#libs/common';
import type { SettlementMode } from '../domain/programme.js';

export interface ProgrammeRow {
  id: string;
  code: string;
  name: string;
  district_id: string | null;
  settlement_mode: SettlementMode;
  period_end_months: number[];
  period_end_day: number;
  grace_days: number;
  status: 'ACTIVE' | 'CLOSED';
  created_by: string;
  created_at: Date;
  updated_at: Date;
  version: number;
}

export interface BudgetRow {
  budget_fen: string;
  committed_fen: string;
}

export interface BudgetSummaryRow extends BudgetRow {
  year: number;
  queued: string;
  queued_claims: number;
}

export interface PeriodSumRow {
  period_end: string;
  claims: number;
  total: string;
  approved: string;
  queued: string;
}

export interface ProgrammeListFilter {
  districtId?: string;
  settlementMode?: SettlementMode;
  status?: 'ACTIVE' | 'CLOSED';
  q?: string;
}

function whereOf(filter: ProgrammeListFilter): { clause: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.districtId) where.push(`district_id = $${params.push(filter.districtId)}`);
  if (filter.settlementMode) where.push(`settlement_mode = $${params.push(filter.settlementMode)}`);
  if (filter.status) where.push(`status = $${params.push(filter.status)}`);
  if (filter.q)
    where.push(
      `(code ILIKE $${params.push(`%${filter.q.replace(/[%_\\]/g, '\\$&')}%`)} OR name ILIKE $${params.length})`,
    );
  // a programme of the whole city (no district) is readable by every area; a district's only by that district
  where.push(`(district_id IS NULL OR ${areaCondition(params, { district: 'district_id' })})`);
  return { clause: where.length ? `WHERE ${where.join(' AND ')}` : '', params };
}

/** All SQL over `subsidy_programmes`, `subsidy_budgets` and `subsidy_budget_changes`. */
@Injectable()
export class ProgrammesStore {
  async districtExists(m: EntityManager, districtId: string): Promise<boolean> {
    return !!(await queryOne(m, `SELECT 1 FROM districts WHERE id = $1`, [districtId]));
  }

  async insert(
    m: EntityManager,
    p: {
      code: string;
      name: string;
      districtId: string | null;
      settlementMode: SettlementMode;
      periodEndMonths: number[];
      periodEndDay: number;
      graceDays: number;
      createdBy: string;
    },
  ): Promise<ProgrammeRow> {
    const [row] = await queryRows<ProgrammeRow>(
      m,
      `INSERT INTO subsidy_programmes (code, name, district_id, settlement_mode, period_end_months, period_end_day, grace_days, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
      [
        p.code,
        p.name,
        p.districtId,
        p.settlementMode,
        p.periodEndMonths,
        p.periodEndDay,
        p.graceDays,
        p.createdBy,
      ],
    );
    return row;
  }

  async update(
    m: EntityManager,
    id: string,
    patch: { name: string | null; graceDays: number | null; status: 'ACTIVE' | 'CLOSED' | null },
  ): Promise<ProgrammeRow> {
    const [row] = await queryRows<ProgrammeRow>(
      m,
      `UPDATE subsidy_programmes SET name = coalesce($2, name), grace_days = coalesce($3, grace_days), status = coalesce($4, status),
              updated_at = now(), version = version + 1
        WHERE id = $1 RETURNING *`,
      [id, patch.name, patch.graceDays, patch.status],
    );
    return row;
  }

  lock(m: EntityManager, id: string): Promise<ProgrammeRow | undefined> {
    return queryOne<ProgrammeRow>(m, `SELECT * FROM subsidy_programmes WHERE id = $1 FOR UPDATE`, [id]);
  }

  find(m: EntityManager, id: string): Promise<ProgrammeRow | undefined> {
    return queryOne<ProgrammeRow>(m, `SELECT * FROM subsidy_programmes WHERE id = $1`, [id]);
  }

  async graceDays(m: EntityManager, id: string): Promise<number | undefined> {
    const [row] = await queryRows<{ grace_days: number }>(
      m,
      `SELECT grace_days FROM subsidy_programmes WHERE id = $1`,
      [id],
    );
    return row?.grace_days;
  }

  async count(m: EntityManager, filter: ProgrammeListFilter): Promise<number> {
    const { clause, params } = whereOf(filter);
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM subsidy_programmes ${clause}`,
      params,
    );
    return total;
  }

  page(m: EntityManager, filter: ProgrammeListFilter, page: PageQuery): Promise<ProgrammeRow[]> {
    const { clause, params } = whereOf(filter);
    return queryRows<ProgrammeRow>(
      m,
      `SELECT * FROM subsidy_programmes ${clause} ORDER BY id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
  }

  /** Per period end of a budget year: claims generated, approved and queued. */
  periodSums(m: EntityManager, programmeId: string, year: number): Promise<PeriodSumRow[]> {
    return queryRows<PeriodSumRow>(
      m,
      `SELECT period_end, count(*) FILTER (WHERE kind <> 'REMAINDER' AND status IN ('DRAFT','APPROVED','PAID'))::int AS claims,
              coalesce(sum(total_fen) FILTER (WHERE kind <> 'REMAINDER' AND status IN ('APPROVED','PAID')), 0)::text AS total,
              coalesce(sum(approved_fen) FILTER (WHERE status IN ('APPROVED','PAID')), 0)::text AS approved,
              coalesce(sum(total_fen) FILTER (WHERE status = 'QUEUED'), 0)::text AS queued
         FROM subsidy_claims WHERE programme_id = $1 AND budget_year = $2 GROUP BY period_end`,
      [programmeId, year],
    );
  }

  /** The year's budget row, created at zero when missing, locked. */
  async lockBudget(m: EntityManager, programmeId: string, year: number): Promise<BudgetRow> {
    await m.query(
      `INSERT INTO subsidy_budgets (programme_id, year, budget_fen) VALUES ($1, $2, 0) ON CONFLICT (programme_id, year) DO NOTHING`,
      [programmeId, year],
    );
    const [b] = await queryRows<BudgetRow>(
      m,
      `SELECT budget_fen, committed_fen FROM subsidy_budgets WHERE programme_id = $1 AND year = $2 FOR UPDATE`,
      [programmeId, year],
    );
    return b;
  }

  findBudget(m: EntityManager, programmeId: string, year: number): Promise<BudgetRow | undefined> {
    return queryOne<BudgetRow>(
      m,
      `SELECT budget_fen, committed_fen FROM subsidy_budgets WHERE programme_id = $1 AND year = $2`,
      [programmeId, year],
    );
  }

  async setBudget(m: EntityManager, programmeId: string, year: number, budgetFen: bigint): Promise<void> {
    await m.query(
      `UPDATE subsidy_budgets SET budget_fen = $3, updated_at = now() WHERE programme_id = $1 AND year = $2`,
      [programmeId, year, budgetFen.toString()],
    );
  }

  async addCommitted(m: EntityManager, programmeId: string, year: number, fen: bigint): Promise<void> {
    await m.query(
      `UPDATE subsidy_budgets SET committed_fen = committed_fen + $3, updated_at = now() WHERE programme_id = $1 AND year = $2`,
      [programmeId, year, fen.toString()],
    );
  }

  async insertBudgetChange(
    m: EntityManager,
    c: {
      programmeId: string;
      year: number;
      previousFen: string;
      budgetFen: bigint;
      documentRef: string | null;
      reason: string;
      idempotencyKey: string;
      createdBy: string;
    },
  ): Promise<void> {
    await m.query(
      `INSERT INTO subsidy_budget_changes (programme_id, year, previous_fen, budget_fen, document_ref, reason, idempotency_key, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        c.programmeId,
        c.year,
        c.previousFen,
        c.budgetFen.toString(),
        c.documentRef,
        c.reason,
        c.idempotencyKey,
        c.createdBy,
      ],
    );
  }

  /** Budgets of a programme (one year, or all) with the queued remainders waiting on each. */
  budgetSummaries(m: EntityManager, programmeId: string, year: number | null): Promise<BudgetSummaryRow[]> {
    return queryRows<BudgetSummaryRow>(
      m,
      `SELECT b.year, b.budget_fen, b.committed_fen,
              coalesce((SELECT sum(total_fen) FROM subsidy_claims c WHERE c.programme_id = b.programme_id AND c.budget_year = b.year AND c.status = 'QUEUED'), 0)::text AS queued,
              (SELECT count(*) FROM subsidy_claims c WHERE c.programme_id = b.programme_id AND c.budget_year = b.year AND c.status = 'QUEUED')::int AS queued_claims
         FROM subsidy_budgets b WHERE b.programme_id = $1 AND ($2::int IS NULL OR b.year = $2) ORDER BY b.year`,
      [programmeId, year],
    );
  }

  async status(m: EntityManager, id: string): Promise<string | undefined> {
    return (
      await queryOne<{ status: string }>(m, `SELECT status FROM subsidy_programmes WHERE id = $1`, [id])
    )?.status;
  }

  async idByCode(m: EntityManager, code: string): Promise<string | undefined> {
    return (
      await queryOne<{ id: string }>(m, `SELECT id::text FROM subsidy_programmes WHERE code = $1`, [code])
    )?.id;
  }

  /** The calendars of the active programmes, by id. */
  activeCalendars(
    m: EntityManager,
  ): Promise<Pick<ProgrammeRow, 'id' | 'period_end_months' | 'period_end_day'>[]> {
    return queryRows(
      m,
      `SELECT id::text, period_end_months, period_end_day FROM subsidy_programmes WHERE status = 'ACTIVE' ORDER BY id`,
    );
  }

  async hasBudget(m: EntityManager, programmeId: string, year: number): Promise<boolean> {
    return !!(await queryOne(
      m,
      `SELECT 1 FROM subsidy_budgets WHERE programme_id = $1 AND year = $2 AND budget_fen > 0`,
      [programmeId, year],
    ));
  }
}
