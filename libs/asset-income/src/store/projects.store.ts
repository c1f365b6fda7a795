import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { areaCondition, offsetOf, queryOne, queryRows, type PageQuery } from '#libs/common';

/** A share right as shown, with its holder's household facts. */
export interface RightRow {
  id: string;
  holder_type: 'COLLECTIVE' | 'HOUSEHOLD';
  household_id: string | null;
  head_name: string | null;
  member_count: number | null;
  household_status: string | null;
  amount_fen: string;
  weight: number;
  valid_from: string;
  valid_to: string | null;
  origin: string;
  predecessor_id: string | null;
  reason: string | null;
}

/** The columns of a new project, in insert order. */
export interface NewProject {
  name: string;
  villageId: string;
  districtId: string;
  entityId: string;
  businessType: string;
  specialFundFen: string;
  collectivePercent: string;
  householdWeighting: string;
  rightRule: string;
  floorRatePercent: string;
  floorRecipients: string;
  payoutPercent: string;
  liquidationThresholdFen: string;
  alertMarginFen: string;
  createdBy: string;
}

/** A new share right that replaces a moved one. */
export interface MovedRight {
  projectId: string;
  holderType: 'COLLECTIVE' | 'HOUSEHOLD';
  householdId: string | null;
  amountFen: string;
  weight: number;
  validFrom: string;
  origin: 'RETURN_TO_COLLECTIVE' | 'TRANSFER';
  predecessorId: string;
  reason: string;
  createdBy: string;
}

const RIGHT_COLUMNS = `r.id, r.holder_type, r.household_id, h.head_name, h.member_count, h.status AS household_status, r.amount_fen, r.weight,
              r.valid_from, r.valid_to, r.origin, r.predecessor_id, r.reason`;

/** aip_projects, aip_capital_classes and aip_share_rights as the project services use them. */
@Injectable()
export class ProjectsStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  village(m: EntityManager, villageId: string) {
    return queryOne<{ id: string; district_id: string; is_pilot: boolean }>(
      m,
      `SELECT id, district_id, is_pilot FROM villages WHERE id = $1`,
      [villageId],
    );
  }

  /** The village's project that is not liquidated, if any. */
  liveProjectOfVillage(m: EntityManager, villageId: string) {
    return queryOne<{ id: string }>(
      m,
      `SELECT id FROM aip_projects WHERE village_id = $1 AND status <> 'LIQUIDATED'`,
      [villageId],
    );
  }

  /** How many covered loans of the entity are in none of the given statuses. */
  async coveredLoanCount(
    m: EntityManager,
    entityId: string,
    exceptStatuses: readonly string[],
  ): Promise<number> {
    const [{ n }] = await queryRows<{ n: number }>(
      m,
      `SELECT count(*)::int AS n FROM loans WHERE entity_id = $1 AND channel = 'BANK_COVERED' AND status <> ALL($2)`,
      [entityId, exceptStatuses],
    );
    return n;
  }

  async insertProject(m: EntityManager, p: NewProject): Promise<string> {
    const [row] = await queryRows<{ id: string }>(
      m,
      `INSERT INTO aip_projects (name, village_id, district_id, entity_id, business_type, special_fund_fen, collective_percent,
                                 household_weighting, right_rule, floor_rate_percent, payout_percent, liquidation_threshold_fen,
                                 alert_margin_fen, created_by, floor_recipients)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15) RETURNING id`,
      [
        p.name,
        p.villageId,
        p.districtId,
        p.entityId,
        p.businessType,
        p.specialFundFen,
        p.collectivePercent,
        p.householdWeighting,
        p.rightRule,
        p.floorRatePercent,
        p.payoutPercent,
        p.liquidationThresholdFen,
        p.alertMarginFen,
        p.createdBy,
        p.floorRecipients,
      ],
    );
    return String(row.id);
  }

  /** Changes who the project's floor is paid to (the caller holds the project's lock). */
  async setFloorRecipients(m: EntityManager, projectId: string, floorRecipients: string): Promise<void> {
    await m.query(`UPDATE aip_projects SET floor_recipients = $2, updated_at = now() WHERE id = $1`, [projectId, floorRecipients]);
  }

  async insertCapitalClass(
    m: EntityManager,
    projectId: string,
    kind: string,
    capitalFen: string,
    description: string | null,
  ): Promise<void> {
    await m.query(
      `INSERT INTO aip_capital_classes (project_id, kind, capital_fen, description) VALUES ($1,$2,$3,$4)`,
      [projectId, kind, capitalFen, description],
    );
  }

  /** The current register's totals: collective amount, households amount and household holders. */
  async registerTotals(m: EntityManager, projectId: string) {
    const [reg] = await queryRows<{ collective: string; households: string; holders: number }>(
      m,
      `SELECT coalesce(sum(amount_fen) FILTER (WHERE holder_type = 'COLLECTIVE'), 0)::text AS collective,
              coalesce(sum(amount_fen) FILTER (WHERE holder_type = 'HOUSEHOLD'), 0)::text AS households,
              count(*) FILTER (WHERE holder_type = 'HOUSEHOLD')::int AS holders
         FROM aip_share_rights WHERE project_id = $1 AND valid_to IS NULL`,
      [projectId],
    );
    return reg;
  }

  async pageIds(
    filter: { districtId?: string; villageId?: string; status?: string; businessType?: string },
    page: PageQuery,
  ): Promise<{ ids: string[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.districtId) where.push(`district_id = $${params.push(filter.districtId)}`);
    if (filter.villageId) where.push(`village_id = $${params.push(filter.villageId)}`);
    if (filter.status) where.push(`status = $${params.push(filter.status)}`);
    if (filter.businessType) where.push(`business_type = $${params.push(filter.businessType)}`);
    where.push(areaCondition(params, { district: 'district_id', village: 'village_id' }));
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const m = this.dataSource.manager;
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM aip_projects ${clause}`,
      params,
    );
    const rows = await queryRows<{ id: string }>(
      m,
      `SELECT id FROM aip_projects ${clause} ORDER BY id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { ids: rows.map((r) => String(r.id)), total };
  }

  /** The names of a project's village and entity. */
  names(m: EntityManager, villageId: string, entityId: string) {
    return queryOne<{ village: string; entity: string }>(
      m,
      `SELECT v.name AS village, e.name AS entity FROM villages v, operating_entities e WHERE v.id = $1 AND e.id = $2`,
      [villageId, entityId],
    );
  }

  async markInjected(
    m: EntityManager,
    projectId: string,
    injectedOn: string,
    entryId: string,
  ): Promise<void> {
    await m.query(
      `UPDATE aip_projects SET status = 'INJECTED', injected_on = $2, injection_entry_id = $3, updated_at = now() WHERE id = $1`,
      [projectId, injectedOn, entryId],
    );
  }

  async markQuantified(
    m: EntityManager,
    projectId: string,
    quantifiedOn: string,
    entryId: string,
  ): Promise<void> {
    await m.query(
      `UPDATE aip_projects SET status = 'ACTIVE', quantified_on = $2, quantification_entry_id = $3, updated_at = now() WHERE id = $1`,
      [projectId, quantifiedOn, entryId],
    );
  }

  /** The registered poor households of a village, by id. */
  poorHouseholds(m: EntityManager, villageId: string) {
    return queryRows<{ id: string; head_name: string; member_count: number }>(
      m,
      `SELECT id, head_name, member_count FROM households WHERE village_id = $1 AND status = 'POOR' ORDER BY id`,
      [villageId],
    );
  }

  async insertCollectiveRight(
    m: EntityManager,
    projectId: string,
    amountFen: string,
    validFrom: string,
    by: string,
  ): Promise<void> {
    await m.query(
      `INSERT INTO aip_share_rights (project_id, holder_type, amount_fen, weight, valid_from, origin, created_by)
       VALUES ($1, 'COLLECTIVE', $2, 1, $3, 'QUANTIFICATION', $4)`,
      [projectId, amountFen, validFrom, by],
    );
  }

  async insertHouseholdRights(
    m: EntityManager,
    projectId: string,
    rights: readonly { householdId: string; amountFen: string; weight: number }[],
    validFrom: string,
    by: string,
  ): Promise<void> {
    await m.query(
      `INSERT INTO aip_share_rights (project_id, holder_type, household_id, amount_fen, weight, valid_from, origin, created_by)
       SELECT $1, 'HOUSEHOLD', unnest($2::bigint[]), unnest($3::bigint[]), unnest($4::int[]), $5, 'QUANTIFICATION', $6`,
      [
        projectId,
        rights.map((h) => h.householdId),
        rights.map((h) => h.amountFen),
        rights.map((h) => h.weight),
        validFrom,
        by,
      ],
    );
  }

  async pageRights(
    projectId: string,
    filter: { asOf?: string; history?: boolean; holderType?: string; householdId?: string },
    page: PageQuery,
  ): Promise<{ rows: RightRow[]; total: number }> {
    const where = ['r.project_id = $1'];
    const params: unknown[] = [projectId];
    if (filter.asOf)
      where.push(
        `r.valid_from <= $${params.push(filter.asOf)} AND (r.valid_to IS NULL OR r.valid_to > $${params.length})`,
      );
    else if (!filter.history) where.push('r.valid_to IS NULL');
    if (filter.holderType) where.push(`r.holder_type = $${params.push(filter.holderType)}`);
    if (filter.householdId) where.push(`r.household_id = $${params.push(filter.householdId)}`);
    const clause = where.join(' AND ');
    const m = this.dataSource.manager;
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM aip_share_rights r WHERE ${clause}`,
      params,
    );
    const rows = await queryRows<RightRow>(
      m,
      `SELECT ${RIGHT_COLUMNS}
         FROM aip_share_rights r LEFT JOIN households h ON h.id = r.household_id
        WHERE ${clause} ORDER BY r.holder_type, r.household_id NULLS FIRST, r.id
        LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { rows, total };
  }

  /** Current household rights whose holder is not poor, by household. */
  notPoorHolders(m: EntityManager, projectId: string) {
    return queryRows<RightRow & { graduated_year: number | null }>(
      m,
      `SELECT r.id, r.holder_type, r.household_id, h.head_name, h.member_count, h.status AS household_status, h.graduated_year,
              r.amount_fen, r.weight, r.valid_from, r.valid_to, r.origin, r.predecessor_id, r.reason
         FROM aip_share_rights r JOIN households h ON h.id = r.household_id
        WHERE r.project_id = $1 AND r.valid_to IS NULL AND h.status <> 'POOR' ORDER BY r.household_id`,
      [projectId],
    );
  }

  /** A right of the project with its holder's facts, locked FOR UPDATE. */
  lockRight(m: EntityManager, projectId: string, rightId: string) {
    return queryOne<RightRow & { project_id: string }>(
      m,
      `SELECT r.*, h.status AS household_status, h.head_name, h.member_count
         FROM aip_share_rights r LEFT JOIN households h ON h.id = r.household_id
        WHERE r.id = $1 AND r.project_id = $2 FOR UPDATE OF r`,
      [rightId, projectId],
    );
  }

  /** The latest record date of an approved or paid dividend run of the project. */
  lastApprovedRecordDate(m: EntityManager, projectId: string) {
    return queryOne<{ record_date: string }>(
      m,
      `SELECT max(record_date) AS record_date FROM aip_distribution_runs WHERE project_id = $1 AND status IN ('APPROVED','PAID')`,
      [projectId],
    );
  }

  household(m: EntityManager, householdId: string) {
    return queryOne<{ id: string; village_id: string; status: string }>(
      m,
      `SELECT id, village_id, status FROM households WHERE id = $1`,
      [householdId],
    );
  }

  /** Whether the household holds a current right in the project. */
  async holdsRight(m: EntityManager, projectId: string, householdId: string): Promise<boolean> {
    const row = await queryOne(
      m,
      `SELECT 1 FROM aip_share_rights WHERE project_id = $1 AND household_id = $2 AND valid_to IS NULL`,
      [projectId, householdId],
    );
    return !!row;
  }

  async closeRight(m: EntityManager, rightId: string, validTo: string): Promise<void> {
    await m.query(`UPDATE aip_share_rights SET valid_to = $2 WHERE id = $1`, [rightId, validTo]);
  }

  async insertMovedRight(m: EntityManager, r: MovedRight): Promise<string> {
    const [opened] = await queryRows<{ id: string }>(
      m,
      `INSERT INTO aip_share_rights (project_id, holder_type, household_id, amount_fen, weight, valid_from, origin, predecessor_id, reason, created_by)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING id`,
      [
        r.projectId,
        r.holderType,
        r.householdId,
        r.amountFen,
        r.weight,
        r.validFrom,
        r.origin,
        r.predecessorId,
        r.reason,
        r.createdBy,
      ],
    );
    return String(opened.id);
  }

  async right(m: EntityManager, rightId: string): Promise<RightRow> {
    return (await queryOne<RightRow>(
      m,
      `SELECT ${RIGHT_COLUMNS}
         FROM aip_share_rights r LEFT JOIN households h ON h.id = r.household_id WHERE r.id = $1`,
      [rightId],
    ))!;
  }
}
