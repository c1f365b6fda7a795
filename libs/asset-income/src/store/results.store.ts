import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { areaCondition, offsetOf, queryOne, queryRows, type PageQuery } from '#libs/common';
import type { AipAlertRow, AipAnnualResultRow } from './rows.generated.js';

export type ResultRow = AipAnnualResultRow;

/** A year's result as written. */
export interface ResultValues {
  year: number;
  revenueFen: string;
  netProfitFen: string;
  netAssetsFen: string;
  reportedOn: string;
  source: 'MANUAL' | 'CSV';
  enteredBy: string;
}

export interface AlertListRow extends AipAlertRow {
  name: string;
  district_id: string;
  village_id: string;
}

/** aip_annual_results and aip_alerts, and the liquidation flag a result sets on its project. */
@Injectable()
export class ResultsStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  /** The status of the year's approved or paid dividend run, if any. */
  lockingRun(m: EntityManager, projectId: string, year: number) {
    return queryOne<{ status: string }>(
      m,
      `SELECT status FROM aip_distribution_runs WHERE project_id = $1 AND year = $2 AND status IN ('APPROVED','PAID')`,
      [projectId, year],
    );
  }

  find(m: EntityManager, projectId: string, year: number): Promise<ResultRow | undefined> {
    return queryOne<ResultRow>(m, `SELECT * FROM aip_annual_results WHERE project_id = $1 AND year = $2`, [
      projectId,
      year,
    ]);
  }

  /** Inserts the year's result, or replaces it with the next version. */
  async upsert(m: EntityManager, projectId: string, r: ResultValues): Promise<ResultRow> {
    const [row] = await queryRows<ResultRow>(
      m,
      `INSERT INTO aip_annual_results (project_id, year, revenue_fen, net_profit_fen, net_assets_fen, reported_on, source, entered_by)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8)
       ON CONFLICT (project_id, year) DO UPDATE
          SET revenue_fen = EXCLUDED.revenue_fen, net_profit_fen = EXCLUDED.net_profit_fen, net_assets_fen = EXCLUDED.net_assets_fen,
              reported_on = EXCLUDED.reported_on, source = EXCLUDED.source, entered_by = EXCLUDED.entered_by,
              version = aip_annual_results.version + 1, updated_at = now()
       RETURNING *`,
      [projectId, r.year, r.revenueFen, r.netProfitFen, r.netAssetsFen, r.reportedOn, r.source, r.enteredBy],
    );
    return row;
  }

  /** Raises the year's alert of that kind once; true when it is new. */
  async raiseAlert(
    m: EntityManager,
    projectId: string,
    year: number,
    kind: string,
    netAssetsFen: string,
    thresholdFen: string,
    marginFen: string,
  ): Promise<boolean> {
    const inserted = await queryRows<{ id: string }>(
      m,
      `INSERT INTO aip_alerts (project_id, year, kind, net_assets_fen, threshold_fen, margin_fen) VALUES ($1,$2,$3,$4,$5,$6)
       ON CONFLICT (project_id, year, kind) DO NOTHING RETURNING id`,
      [projectId, year, kind, netAssetsFen, thresholdFen, marginFen],
    );
    return inserted.length > 0;
  }

  async flagLiquidation(m: EntityManager, projectId: string, year: number): Promise<void> {
    await m.query(
      `UPDATE aip_projects SET status = 'LIQUIDATION_REQUIRED', liquidation_flagged_year = $2, liquidation_flagged_at = now(), updated_at = now()
        WHERE id = $1`,
      [projectId, year],
    );
  }

  async page(
    projectId: string,
    filter: { fromYear?: number; toYear?: number },
    page: PageQuery,
  ): Promise<{ rows: ResultRow[]; total: number }> {
    const where = ['project_id = $1'];
    const params: unknown[] = [projectId];
    if (filter.fromYear) where.push(`year >= $${params.push(filter.fromYear)}`);
    if (filter.toYear) where.push(`year <= $${params.push(filter.toYear)}`);
    const clause = where.join(' AND ');
    const m = this.dataSource.manager;
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM aip_annual_results WHERE ${clause}`,
      params,
    );
    const rows = await queryRows<ResultRow>(
      m,
      `SELECT * FROM aip_annual_results WHERE ${clause} ORDER BY year LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { rows, total };
  }

  async pageAlerts(
    filter: { districtId?: string; projectId?: string; kind?: string; year?: number },
    page: PageQuery,
  ): Promise<{ rows: AlertListRow[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.districtId) where.push(`p.district_id = $${params.push(filter.districtId)}`);
    if (filter.projectId) where.push(`a.project_id = $${params.push(filter.projectId)}`);
    if (filter.kind) where.push(`a.kind = $${params.push(filter.kind)}`);
    if (filter.year) where.push(`a.year = $${params.push(filter.year)}`);
    where.push(areaCondition(params, { district: 'p.district_id', village: 'p.village_id' }));
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const m = this.dataSource.manager;
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM aip_alerts a JOIN aip_projects p ON p.id = a.project_id ${clause}`,
      params,
    );
    const rows = await queryRows<AlertListRow>(
      m,
      `SELECT a.*, p.name, p.district_id, p.village_id FROM aip_alerts a JOIN aip_projects p ON p.id = a.project_id ${clause}
        ORDER BY a.id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { rows, total };
  }
}
