import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { areaCondition, offsetOf, queryOne, queryRows, type PageQuery } from '#libs/common';
import type { DistributionLine } from '../domain/distribution.js';
import type { ClassKind } from '../domain/model.js';
import type { AipDistributionLineRow, AipDistributionRunRow } from './rows.generated.js';

export type RunRow = AipDistributionRunRow;
export type LineRow = AipDistributionLineRow;

/** The figures of a run that a preview writes, in column order after project and year. */
export interface RunFigures {
  recordDate: string;
  resultVersion: number;
  netProfitFen: string;
  distributableFen: string;
  floorRatePercent: string;
  floorRecipients: string;
  payoutPercent: string;
  specialProRataFen: string;
  floorShortfallFen: string;
  borneByOthersFen: string;
  topUpAvailableFen: string;
  operatorTopUpFen: string;
  operatorOwesFen: string;
  entitledFen: string;
  paidNowFen: string;
  householdsBenefited: number;
  peopleBenefited: number;
  preparedBy: string;
}

export interface ClassTotalsRow {
  class_kind: ClassKind;
  holders: number;
  basis: string;
  pro_rata: string;
  floor: string;
  entitled: string;
  paid: string;
}

export interface StatementLineRow extends LineRow {
  project_id: string;
  name: string;
  year: number;
  record_date: string;
  paid_on: string;
  special_fund_fen: string;
}

export interface OpenLineRow {
  id: string;
  run_id: string;
  year: number;
  class_kind: ClassKind;
  outstanding: string;
}

const figureValues = (f: RunFigures): unknown[] => [
  f.recordDate,
  f.resultVersion,
  f.netProfitFen,
  f.distributableFen,
  f.floorRatePercent,
  f.payoutPercent,
  f.specialProRataFen,
  f.floorShortfallFen,
  f.borneByOthersFen,
  f.topUpAvailableFen,
  f.operatorTopUpFen,
  f.operatorOwesFen,
  f.entitledFen,
  f.paidNowFen,
  f.householdsBenefited,
  f.peopleBenefited,
  f.preparedBy,
  f.floorRecipients,
];

/** aip_distribution_runs, aip_distribution_lines and aip_operator_settlements (and the annual result a run reads). */
@Injectable()
export class DistributionStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  annualResult(m: EntityManager, projectId: string, year: number) {
    return queryOne<{ net_profit_fen: string; version: number }>(
      m,
      `SELECT net_profit_fen, version FROM aip_annual_results WHERE project_id = $1 AND year = $2`,
      [projectId, year],
    );
  }

  /** The live (not cancelled) run of a year, locked FOR UPDATE. */
  lockRun(m: EntityManager, projectId: string, year: number): Promise<RunRow | undefined> {
    return queryOne<RunRow>(
      m,
      `SELECT * FROM aip_distribution_runs WHERE project_id = $1 AND year = $2 AND status <> 'CANCELLED' FOR UPDATE`,
      [projectId, year],
    );
  }

  /** The live run of a year without a lock. */
  findRun(m: EntityManager, projectId: string, year: number) {
    return queryOne<{ id: string; status: string }>(
      m,
      `SELECT id, status FROM aip_distribution_runs WHERE project_id = $1 AND year = $2 AND status <> 'CANCELLED'`,
      [projectId, year],
    );
  }

  async run(m: EntityManager, runId: string): Promise<RunRow> {
    return (await queryOne<RunRow>(m, `SELECT * FROM aip_distribution_runs WHERE id = $1`, [runId]))!;
  }

  lines(m: EntityManager, runId: string): Promise<LineRow[]> {
    return queryRows<LineRow>(m, `SELECT * FROM aip_distribution_lines WHERE run_id = $1 ORDER BY id`, [
      runId,
    ]);
  }

  classTotals(m: EntityManager, runId: string): Promise<ClassTotalsRow[]> {
    return queryRows<ClassTotalsRow>(
      m,
      `SELECT class_kind, count(*)::int AS holders, sum(basis_fen)::text AS basis, sum(pro_rata_fen)::text AS pro_rata,
              sum(floor_fen)::text AS floor, sum(entitled_fen)::text AS entitled, sum(paid_fen)::text AS paid
         FROM aip_distribution_lines WHERE run_id = $1 GROUP BY class_kind`,
      [runId],
    );
  }

  /** Replaces a prepared run's figures and drops its lines (the caller writes the new ones). */
  async rewriteRun(m: EntityManager, runId: string, f: RunFigures): Promise<void> {
    await m.query(`DELETE FROM aip_distribution_lines WHERE run_id = $1`, [runId]);
    await m.query(
      `UPDATE aip_distribution_runs SET record_date = $2, result_version = $3, net_profit_fen = $4, distributable_fen = $5,
              floor_rate_percent = $6, payout_percent = $7, special_pro_rata_fen = $8, floor_shortfall_fen = $9,
              borne_by_others_fen = $10, top_up_available_fen = $11, operator_top_up_fen = $12, operator_owes_fen = $13,
              entitled_fen = $14, paid_now_fen = $15, households_benefited = $16, people_benefited = $17, prepared_by = $18,
              floor_recipients = $19, prepared_at = now()
        WHERE id = $1`,
      [runId, ...figureValues(f)],
    );
  }

  async insertRun(m: EntityManager, projectId: string, year: number, f: RunFigures): Promise<string> {
    const [row] = await queryRows<{ id: string }>(
      m,
      `INSERT INTO aip_distribution_runs (project_id, year, status, record_date, result_version, net_profit_fen, distributable_fen,
              floor_rate_percent, payout_percent, special_pro_rata_fen, floor_shortfall_fen, borne_by_others_fen, top_up_available_fen,
              operator_top_up_fen, operator_owes_fen, entitled_fen, paid_now_fen, households_benefited, people_benefited, prepared_by,
              floor_recipients)
       VALUES ($1,$2,'PREPARED',$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20) RETURNING id`,
      [projectId, year, ...figureValues(f)],
    );
    return String(row.id);
  }

  async insertLines(m: EntityManager, runId: string, lines: readonly DistributionLine[]): Promise<void> {
    await m.query(
      `INSERT INTO aip_distribution_lines (run_id, holder_type, class_kind, household_id, right_id, basis_fen, member_count, pro_rata_fen,
                                           floor_fen, entitled_fen, paid_fen)
       SELECT $1, unnest($2::text[]), unnest($3::text[]), unnest($4::bigint[]), unnest($5::bigint[]), unnest($6::bigint[]),
              unnest($7::int[]), unnest($8::bigint[]), unnest($9::bigint[]), unnest($10::bigint[]), unnest($11::bigint[])`,
      [
        runId,
        lines.map((l) => l.holderType),
        lines.map((l) => l.classKind),
        lines.map((l) => l.householdId),
        lines.map((l) => l.rightId),
        lines.map((l) => l.basisFen.toString()),
        lines.map((l) => l.memberCount),
        lines.map((l) => l.proRataFen.toString()),
        lines.map((l) => l.floorFen.toString()),
        lines.map((l) => l.entitledFen.toString()),
        lines.map((l) => l.paidFen.toString()),
      ],
    );
  }

  async markApproved(m: EntityManager, runId: string, by: string): Promise<void> {
    await m.query(
      `UPDATE aip_distribution_runs SET status = 'APPROVED', approved_by = $2, approved_at = now() WHERE id = $1`,
      [runId, by],
    );
  }

  async markPaid(
    m: EntityManager,
    runId: string,
    by: string,
    paidOn: string,
    entryId: string | null,
  ): Promise<void> {
    await m.query(
      `UPDATE aip_distribution_runs SET status = 'PAID', paid_by = $2, paid_at = now(), paid_on = $3, entry_id = $4 WHERE id = $1`,
      [runId, by, paidOn, entryId],
    );
  }

  async pageRunIds(
    filter: { projectId?: string; districtId?: string; year?: number; status?: string },
    page: PageQuery,
  ): Promise<{ ids: string[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.projectId) where.push(`r.project_id = $${params.push(filter.projectId)}`);
    if (filter.districtId) where.push(`p.district_id = $${params.push(filter.districtId)}`);
    if (filter.year) where.push(`r.year = $${params.push(filter.year)}`);
    if (filter.status) where.push(`r.status = $${params.push(filter.status)}`);
    where.push(areaCondition(params, { district: 'p.district_id', village: 'p.village_id' }));
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const m = this.dataSource.manager;
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM aip_distribution_runs r JOIN aip_projects p ON p.id = r.project_id ${clause}`,
      params,
    );
    const rows = await queryRows<{ id: string }>(
      m,
      `SELECT r.id FROM aip_distribution_runs r JOIN aip_projects p ON p.id = r.project_id ${clause}
        ORDER BY r.project_id, r.year, r.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { ids: rows.map((r) => String(r.id)), total };
  }

  async pageLines(
    runId: string,
    filter: { holderType?: string; householdId?: string },
    page: PageQuery,
  ): Promise<{ rows: (LineRow & { head_name: string | null })[]; total: number }> {
    const where = ['l.run_id = $1'];
    const params: unknown[] = [runId];
    if (filter.holderType) where.push(`l.holder_type = $${params.push(filter.holderType)}`);
    if (filter.householdId) where.push(`l.household_id = $${params.push(filter.householdId)}`);
    const clause = where.join(' AND ');
    const m = this.dataSource.manager;
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM aip_distribution_lines l WHERE ${clause}`,
      params,
    );
    const rows = await queryRows<LineRow & { head_name: string | null }>(
      m,
      `SELECT l.*, h.head_name FROM aip_distribution_lines l LEFT JOIN households h ON h.id = l.household_id
        WHERE ${clause} ORDER BY l.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { rows, total };
  }

  household(id: string) {
    return queryOne<{
      id: string;
      head_name: string;
      village_id: string;
      member_count: number;
      status: string;
    }>(
      this.dataSource.manager,
      `SELECT id, head_name, village_id, member_count, status FROM households WHERE id = $1`,
      [id],
    );
  }

  /** A household's paid dividend lines, newest year first, with their totals. */
  async pageStatement(
    householdId: string,
    filter: { projectId?: string; fromYear?: number; toYear?: number },
    page: PageQuery,
  ): Promise<{ rows: StatementLineRow[]; totals: { total: number; entitled: string; paid: string } }> {
    const where = [`l.household_id = $1`, `r.status = 'PAID'`];
    const params: unknown[] = [householdId];
    if (filter.projectId) where.push(`r.project_id = $${params.push(filter.projectId)}`);
    if (filter.fromYear) where.push(`r.year >= $${params.push(filter.fromYear)}`);
    if (filter.toYear) where.push(`r.year <= $${params.push(filter.toYear)}`);
    const clause = where.join(' AND ');
    const from = `FROM aip_distribution_lines l JOIN aip_distribution_runs r ON r.id = l.run_id JOIN aip_projects p ON p.id = r.project_id`;
    const m = this.dataSource.manager;
    const [totals] = await queryRows<{ total: number; entitled: string; paid: string }>(
      m,
      `SELECT count(*)::int AS total, coalesce(sum(l.entitled_fen), 0)::text AS entitled, coalesce(sum(l.paid_fen), 0)::text AS paid ${from} WHERE ${clause}`,
      params,
    );
    const rows = await queryRows<StatementLineRow>(
      m,
      `SELECT l.*, r.project_id, p.name, r.year, r.record_date, r.paid_on, p.special_fund_fen ${from} WHERE ${clause}
        ORDER BY r.year DESC, r.project_id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { rows, totals };
  }

  /** The paid lines of a project still owed something, oldest year first, locked FOR UPDATE. */
  lockOpenLines(m: EntityManager, projectId: string): Promise<OpenLineRow[]> {
    return queryRows<OpenLineRow>(
      m,
      `SELECT l.id, l.run_id, r.year, l.class_kind, (l.entitled_fen - l.paid_fen)::text AS outstanding
         FROM aip_distribution_lines l JOIN aip_distribution_runs r ON r.id = l.run_id
        WHERE r.project_id = $1 AND r.status = 'PAID' AND l.entitled_fen > l.paid_fen
        ORDER BY r.year, l.id FOR UPDATE OF l`,
      [projectId],
    );
  }

  async addPaid(m: EntityManager, ids: readonly string[], partsFen: readonly string[]): Promise<void> {
    await m.query(
      `UPDATE aip_distribution_lines l SET paid_fen = l.paid_fen + v.part
         FROM (SELECT unnest($1::bigint[]) AS id, unnest($2::bigint[]) AS part) v WHERE l.id = v.id`,
      [ids, partsFen],
    );
  }

  async insertSettlement(
    m: EntityManager,
    projectId: string,
    amountFen: string,
    settledOn: string,
    entryId: string,
    by: string,
  ): Promise<string> {
    const [row] = await queryRows<{ id: string }>(
      m,
      `INSERT INTO aip_operator_settlements (project_id, amount_fen, settled_on, entry_id, created_by) VALUES ($1,$2,$3,$4,$5) RETURNING id`,
      [projectId, amountFen, settledOn, entryId, by],
    );
    return String(row.id);
  }
}
