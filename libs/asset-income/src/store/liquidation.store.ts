import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { offsetOf, queryOne, queryRows, type PageQuery } from '#libs/common';
import type { LiquidationLine } from '../domain/liquidation.js';
import type { ClassKind } from '../domain/model.js';
import type { AipLiquidationLineRow, AipLiquidationRow } from './rows.generated.js';

export type LiquidationRow = AipLiquidationRow;
/** A liquidation line; the class kind is one of the fixed classes. */
export type LiquidationLineRow = Omit<AipLiquidationLineRow, 'class_kind'> & { class_kind: ClassKind };

/** The figures a liquidation preview writes. */
export interface LiquidationFigures {
  liquidationDate: string;
  proceedsFen: string;
  specialFundFen: string;
  specialRepaidFen: string;
  othersFen: string;
  capitalFen: string;
  preparedBy: string;
}

const figureValues = (f: LiquidationFigures): unknown[] => [
  f.liquidationDate,
  f.proceedsFen,
  f.specialFundFen,
  f.specialRepaidFen,
  f.othersFen,
  f.capitalFen,
  f.preparedBy,
];

/** aip_liquidations and aip_liquidation_lines, and the end of the project a paid liquidation writes. */
@Injectable()
export class LiquidationStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  lock(m: EntityManager, projectId: string): Promise<LiquidationRow | undefined> {
    return queryOne<LiquidationRow>(m, `SELECT * FROM aip_liquidations WHERE project_id = $1 FOR UPDATE`, [
      projectId,
    ]);
  }

  findId(m: EntityManager, projectId: string) {
    return queryOne<{ id: string }>(m, `SELECT id FROM aip_liquidations WHERE project_id = $1`, [projectId]);
  }

  async find(m: EntityManager, id: string): Promise<LiquidationRow> {
    return (await queryOne<LiquidationRow>(m, `SELECT * FROM aip_liquidations WHERE id = $1`, [id]))!;
  }

  lines(m: EntityManager, id: string): Promise<LiquidationLineRow[]> {
    return queryRows<LiquidationLineRow>(
      m,
      `SELECT * FROM aip_liquidation_lines WHERE liquidation_id = $1 ORDER BY id`,
      [id],
    );
  }

  classTotals(m: EntityManager, id: string) {
    return queryRows<{ class_kind: ClassKind; holders: number; basis: string; amount: string }>(
      m,
      `SELECT class_kind, count(*)::int AS holders, sum(basis_fen)::text AS basis, sum(amount_fen)::text AS amount
         FROM aip_liquidation_lines WHERE liquidation_id = $1 GROUP BY class_kind`,
      [id],
    );
  }

  /** Replaces a prepared liquidation's figures and drops its lines (the caller writes the new ones). */
  async rewrite(m: EntityManager, id: string, f: LiquidationFigures): Promise<void> {
    await m.query(`DELETE FROM aip_liquidation_lines WHERE liquidation_id = $1`, [id]);
    await m.query(
      `UPDATE aip_liquidations SET liquidation_date = $2, proceeds_fen = $3, special_fund_fen = $4, special_repaid_fen = $5, others_fen = $6,
              capital_fen = $7, prepared_by = $8, prepared_at = now() WHERE id = $1`,
      [id, ...figureValues(f)],
    );
  }

  async insert(m: EntityManager, projectId: string, f: LiquidationFigures): Promise<string> {
    const [row] = await queryRows<{ id: string }>(
      m,
      `INSERT INTO aip_liquidations (project_id, status, liquidation_date, proceeds_fen, special_fund_fen, special_repaid_fen, others_fen,
                                     capital_fen, prepared_by)
       VALUES ($1,'PREPARED',$2,$3,$4,$5,$6,$7,$8) RETURNING id`,
      [projectId, ...figureValues(f)],
    );
    return String(row.id);
  }

  async insertLines(m: EntityManager, id: string, lines: readonly LiquidationLine[]): Promise<void> {
    await m.query(
      `INSERT INTO aip_liquidation_lines (liquidation_id, holder_type, class_kind, household_id, right_id, basis_fen, amount_fen)
       SELECT $1, unnest($2::text[]), unnest($3::text[]), unnest($4::bigint[]), unnest($5::bigint[]), unnest($6::bigint[]), unnest($7::bigint[])`,
      [
        id,
        lines.map((l) => l.holderType),
        lines.map((l) => l.classKind),
        lines.map((l) => l.householdId),
        lines.map((l) => l.rightId),
        lines.map((l) => l.basisFen.toString()),
        lines.map((l) => l.amountFen.toString()),
      ],
    );
  }

  async markApproved(m: EntityManager, id: string, by: string): Promise<void> {
    await m.query(
      `UPDATE aip_liquidations SET status = 'APPROVED', approved_by = $2, approved_at = now() WHERE id = $1`,
      [id, by],
    );
  }

  /** The earliest dividend year of the project approved but not paid. */
  firstApprovedRun(m: EntityManager, projectId: string) {
    return queryOne<{ year: number }>(
      m,
      `SELECT year FROM aip_distribution_runs WHERE project_id = $1 AND status = 'APPROVED' ORDER BY year LIMIT 1`,
      [projectId],
    );
  }

  /**
   * Records the payment and ends the project: prepared dividend runs are cancelled, the open rights end on
   * `rightsEndBefore` (valid_to is exclusive) and the project is LIQUIDATED on `paidOn`.
   */
  async markPaidAndClose(
    m: EntityManager,
    id: string,
    projectId: string,
    by: string,
    entryId: string,
    rightsEndBefore: string,
    paidOn: string,
  ): Promise<void> {
    await m.query(
      `UPDATE aip_liquidations SET status = 'PAID', paid_by = $2, paid_at = now(), entry_id = $3 WHERE id = $1`,
      [id, by, entryId],
    );
    await m.query(
      `UPDATE aip_distribution_runs SET status = 'CANCELLED' WHERE project_id = $1 AND status = 'PREPARED'`,
      [projectId],
    );
    await m.query(
      `UPDATE aip_share_rights SET valid_to = greatest($2::date, valid_from + 1) WHERE project_id = $1 AND valid_to IS NULL`,
      [projectId, rightsEndBefore],
    );
    await m.query(
      `UPDATE aip_projects SET status = 'LIQUIDATED', liquidated_on = $2, updated_at = now() WHERE id = $1`,
      [projectId, paidOn],
    );
  }

  async pageLines(
    id: string,
    filter: { holderType?: string; householdId?: string },
    page: PageQuery,
  ): Promise<{ rows: (LiquidationLineRow & { head_name: string | null })[]; total: number }> {
    const where = ['l.liquidation_id = $1'];
    const params: unknown[] = [id];
    if (filter.holderType) where.push(`l.holder_type = $${params.push(filter.holderType)}`);
    if (filter.householdId) where.push(`l.household_id = $${params.push(filter.householdId)}`);
    const clause = where.join(' AND ');
    const m = this.dataSource.manager;
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM aip_liquidation_lines l WHERE ${clause}`,
      params,
    );
    const rows = await queryRows<LiquidationLineRow & { head_name: string | null }>(
      m,
      `SELECT l.*, h.head_name FROM aip_liquidation_lines l LEFT JOIN households h ON h.id = l.household_id WHERE ${clause}
        ORDER BY l.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { rows, total };
  }
}
