import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { areaCondition, queryOne, queryRows } from '#libs/common';
import type { AipAnnualResultRow } from './rows.generated.js';

/** A paid dividend run with its lines summed. */
export interface PaidRunRow {
  project_id: string;
  year: number;
  status: string;
  record_date: string;
  paid_on: string | null;
  distributable_fen: string;
  entitled_fen: string;
  paid_now_fen: string;
  operator_owes_fen: string;
  households_benefited: number;
  people_benefited: number;
  special_entitled: string;
  others_entitled: string;
  paid_to_date: string;
}

export interface DistrictProjectRow {
  id: string;
  name: string;
  village: string;
  business_type: string;
  status: string;
  special_fund_fen: string;
  other_fen: string;
  liquidation_threshold_fen: string;
  alert_margin_fen: string;
}

/** The set-based reads of the scheme's reports. */
@Injectable()
export class ReportsStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  /** The paid dividend runs of the projects (optionally within years), with what their lines entitle and paid. */
  paidRuns(
    m: EntityManager,
    projectIds: string[],
    fromYear?: number,
    toYear?: number,
  ): Promise<PaidRunRow[]> {
    return queryRows<PaidRunRow>(
      m,
      `SELECT r.project_id, r.year, r.status, r.record_date, r.paid_on, r.distributable_fen, r.entitled_fen, r.paid_now_fen,
              r.operator_owes_fen, r.households_benefited, r.people_benefited,
              coalesce(sum(l.entitled_fen) FILTER (WHERE l.holder_type <> 'CLASS'), 0)::text AS special_entitled,
              coalesce(sum(l.entitled_fen) FILTER (WHERE l.holder_type = 'CLASS'), 0)::text AS others_entitled,
              coalesce(sum(l.paid_fen), 0)::text AS paid_to_date
         FROM aip_distribution_runs r LEFT JOIN aip_distribution_lines l ON l.run_id = r.id
        WHERE r.project_id = ANY($1::bigint[]) AND r.status = 'PAID'
          AND ($2::int IS NULL OR r.year >= $2) AND ($3::int IS NULL OR r.year <= $3)
        GROUP BY r.id ORDER BY r.project_id, r.year`,
      [projectIds, fromYear ?? null, toYear ?? null],
    );
  }

  /** Distinct households with a paid dividend, and their people (member count on their latest paid line). */
  async benefited(
    m: EntityManager,
    projectIds: string[],
    fromYear?: number,
    toYear?: number,
  ): Promise<{ households: number; people: number }> {
    const [r] = await queryRows<{ households: number; people: number }>(
      m,
      `SELECT count(*)::int AS households, coalesce(sum(member_count), 0)::int AS people FROM (
         SELECT DISTINCT ON (l.household_id) l.household_id, l.member_count
           FROM aip_distribution_lines l JOIN aip_distribution_runs r ON r.id = l.run_id
          WHERE r.project_id = ANY($1::bigint[]) AND r.status = 'PAID' AND l.holder_type = 'HOUSEHOLD' AND l.entitled_fen > 0
            AND ($2::int IS NULL OR r.year >= $2) AND ($3::int IS NULL OR r.year <= $3)
          ORDER BY l.household_id, r.year DESC) x`,
      [projectIds, fromYear ?? null, toYear ?? null],
    );
    return r;
  }

  names(m: EntityManager, villageId: string, entityId: string, districtId: string) {
    return queryOne<{ village: string; entity: string; district: string }>(
      m,
      `SELECT v.name AS village, e.name AS entity, d.name AS district FROM villages v, operating_entities e, districts d
        WHERE v.id = $1 AND e.id = $2 AND d.id = $3`,
      [villageId, entityId, districtId],
    );
  }

  /** The current register's totals with the people of the household holders. */
  async register(m: EntityManager, projectId: string) {
    const [reg] = await queryRows<{
      collective: string;
      households: string;
      holders: number;
      people: number;
    }>(
      m,
      `SELECT coalesce(sum(r.amount_fen) FILTER (WHERE r.holder_type = 'COLLECTIVE'), 0)::text AS collective,
              coalesce(sum(r.amount_fen) FILTER (WHERE r.holder_type = 'HOUSEHOLD'), 0)::text AS households,
              count(*) FILTER (WHERE r.holder_type = 'HOUSEHOLD')::int AS holders, coalesce(sum(h.member_count), 0)::int AS people
         FROM aip_share_rights r LEFT JOIN households h ON h.id = r.household_id
        WHERE r.project_id = $1 AND r.valid_to IS NULL`,
      [projectId],
    );
    return reg;
  }

  results(m: EntityManager, projectId: string): Promise<AipAnnualResultRow[]> {
    return queryRows<AipAnnualResultRow>(
      m,
      `SELECT * FROM aip_annual_results WHERE project_id = $1 ORDER BY year`,
      [projectId],
    );
  }

  resultsOf(
    m: EntityManager,
    projectIds: string[],
    fromYear?: number,
    toYear?: number,
  ): Promise<AipAnnualResultRow[]> {
    return queryRows<AipAnnualResultRow>(
      m,
      `SELECT * FROM aip_annual_results WHERE project_id = ANY($1::bigint[])
          AND ($2::int IS NULL OR year >= $2) AND ($3::int IS NULL OR year <= $3) ORDER BY project_id, year`,
      [projectIds, fromYear ?? null, toYear ?? null],
    );
  }

  liquidation(m: EntityManager, projectId: string) {
    return queryOne<{
      status: string;
      liquidation_date: string;
      proceeds_fen: string;
      special_repaid_fen: string;
      others_fen: string;
    }>(
      m,
      `SELECT status, liquidation_date, proceeds_fen, special_repaid_fen, others_fen FROM aip_liquidations WHERE project_id = $1`,
      [projectId],
    );
  }

  district(m: EntityManager, districtId: string) {
    return queryOne<{ id: string; code: string; name: string }>(
      m,
      `SELECT id, code, name FROM districts WHERE id = $1`,
      [districtId],
    );
  }

  districtProjects(m: EntityManager, districtId: string): Promise<DistrictProjectRow[]> {
    return queryRows<DistrictProjectRow>(
      m,
      `SELECT p.id, p.name, v.name AS village, p.business_type, p.status, p.special_fund_fen, p.liquidation_threshold_fen, p.alert_margin_fen,
              coalesce((SELECT sum(capital_fen) FROM aip_capital_classes c WHERE c.project_id = p.id), 0)::text AS other_fen
         FROM aip_projects p JOIN villages v ON v.id = p.village_id WHERE p.district_id = $1 ORDER BY p.id`,
      [districtId],
    );
  }

  /** The districts that have projects, with their counts and special funds. */
  districtsWithProjects(m: EntityManager) {
    const params: unknown[] = [];
    // a district's staff see their district's row; a town's or village's none (the rows are district totals)
    const inArea = areaCondition(params, { district: 'd.id' });
    return queryRows<{
      id: string;
      code: string;
      name: string;
      projects: number;
      flagged: number;
      special_fen: string;
    }>(
      m,
      `SELECT d.id, d.code, d.name, count(p.id)::int AS projects,
              count(p.id) FILTER (WHERE p.status = 'LIQUIDATION_REQUIRED')::int AS flagged, coalesce(sum(p.special_fund_fen), 0)::text AS special_fen
         FROM districts d JOIN aip_projects p ON p.district_id = d.id WHERE ${inArea} GROUP BY d.id ORDER BY d.code`,
      params,
    );
  }
}
