import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DomainError, type Page, type PageQuery } from '#libs/common';
import { formatYuan } from '#libs/money';
import { CLASS_KINDS, type ClassKind, type RunStatus } from './domain/model.js';
import { percentOf, trimPercent } from './domain/thresholds.js';
import type { LinesQuery, RunsQuery, StatementQuery } from './dto.js';
import { DistributionStore } from './store/distribution.store.js';
import { loadProject } from './store/project-records.store.js';

/** A list query without its paging fields (services take the page separately). */
type Filter<T> = Omit<T, 'page' | 'pageSize'>;

export interface RunView {
  id: string;
  projectId: string;
  year: number;
  status: RunStatus;
  recordDate: string;
  resultVersion: number;
  netProfit: string;
  distributable: string;
  payoutPercent: string;
  floorRatePercent: string;
  /** Whose shares the floor topped up in this run: POOR_HOUSEHOLDS or ALL_SHARES. */
  floorRecipients: string;
  specialProRata: string;
  floorShortfall: string;
  borneByOtherClasses: string;
  operatorTopUpAvailable: string;
  operatorTopUp: string;
  operatorOwes: string;
  entitled: string;
  paidNow: string;
  householdsBenefited: number;
  peopleBenefited: number;
  byClass: {
    classKind: ClassKind;
    holders: number;
    basis: string;
    proRata: string;
    floor: string;
    entitled: string;
    paid: string;
  }[];
  preparedBy: string;
  preparedAt: string;
  approvedBy: string | null;
  approvedAt: string | null;
  paidBy: string | null;
  paidAt: string | null;
  paidOn: string | null;
  entryId: string | null;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
const y = (v: string | bigint) => formatYuan(BigInt(v));

/** The dividend runs as read: a run, the list of runs, a run's lines and a household's dividend statement. */
@Injectable()
export class AssetIncomeDistributionReadsService {
  constructor(private readonly store: DistributionStore) {}

  async get(projectId: string, year: number): Promise<RunView> {
    const m = this.store.manager;
    await loadProject(m, projectId);
    const run = await this.store.findRun(m, projectId, year);
    if (!run) throw new DomainError('NOT_FOUND', `project ${projectId} has no ${year} dividend run`);
    return this.runView(m, String(run.id));
  }

  async list(q: Filter<RunsQuery>, page: PageQuery): Promise<Page<RunView>> {
    const { ids, total } = await this.store.pageRunIds(q, page);
    const items: RunView[] = [];
    for (const id of ids) items.push(await this.runView(this.store.manager, id));
    return { items, page: page.page, pageSize: page.pageSize, total };
  }

  async runLines(projectId: string, year: number, q: Filter<LinesQuery>, page: PageQuery) {
    const m = this.store.manager;
    const p = await loadProject(m, projectId);
    const run = await this.store.findRun(m, projectId, year);
    if (!run) throw new DomainError('NOT_FOUND', `project ${projectId} has no ${year} dividend run`);
    const { rows, total } = await this.store.pageLines(String(run.id), q, page);
    return {
      runStatus: run.status,
      items: rows.map((l) => ({
        id: String(l.id),
        holderType: l.holder_type,
        classKind: l.class_kind,
        householdId: l.household_id === null ? null : String(l.household_id),
        headName: l.head_name,
        rightId: l.right_id === null ? null : String(l.right_id),
        memberCount: l.member_count,
        basis: y(l.basis_fen),
        sharePercent: l.holder_type === 'CLASS' ? null : percentOf(BigInt(l.basis_fen), p.specialFundFen),
        proRata: y(l.pro_rata_fen),
        floor: y(l.floor_fen),
        entitled: y(l.entitled_fen),
        paid: y(l.paid_fen),
        outstanding: y(BigInt(l.entitled_fen) - BigInt(l.paid_fen)),
      })),
      page: page.page,
      pageSize: page.pageSize,
      total,
    };
  }

  /** A household's dividend statement: every paid year of every project it held a right in. */
  async householdStatement(householdId: string, q: Filter<StatementQuery>, page: PageQuery) {
    const household = /^\d{1,18}$/.test(householdId) ? await this.store.household(householdId) : undefined;
    if (!household) throw new DomainError('NOT_FOUND', `household ${householdId} not found`);
    const { rows, totals } = await this.store.pageStatement(householdId, q, page);
    return {
      household: {
        id: String(household.id),
        headName: household.head_name,
        villageId: String(household.village_id),
        memberCount: household.member_count,
        status: household.status,
      },
      totals: {
        entitled: y(totals.entitled),
        paid: y(totals.paid),
        outstanding: y(BigInt(totals.entitled) - BigInt(totals.paid)),
      },
      items: rows.map((r) => ({
        projectId: String(r.project_id),
        projectName: r.name,
        year: r.year,
        recordDate: r.record_date,
        paidOn: r.paid_on,
        quantifiedAmount: y(r.basis_fen),
        sharePercent: percentOf(BigInt(r.basis_fen), BigInt(r.special_fund_fen)),
        memberCount: r.member_count,
        proRata: y(r.pro_rata_fen),
        floor: y(r.floor_fen),
        amount: y(r.entitled_fen),
        paid: y(r.paid_fen),
        outstanding: y(BigInt(r.entitled_fen) - BigInt(r.paid_fen)),
      })),
      page: page.page,
      pageSize: page.pageSize,
      total: totals.total,
    };
  }

  async runView(m: EntityManager, runId: string): Promise<RunView> {
    const r = await this.store.run(m, runId);
    const byClass = await this.store.classTotals(m, runId);
    byClass.sort((a, b) => CLASS_KINDS.indexOf(a.class_kind) - CLASS_KINDS.indexOf(b.class_kind));
    return {
      id: String(r.id),
      projectId: String(r.project_id),
      year: r.year,
      status: r.status,
      recordDate: r.record_date,
      resultVersion: r.result_version,
      netProfit: y(r.net_profit_fen),
      distributable: y(r.distributable_fen),
      payoutPercent: trimPercent(r.payout_percent),
      floorRatePercent: trimPercent(r.floor_rate_percent),
      floorRecipients: r.floor_recipients,
      specialProRata: y(r.special_pro_rata_fen),
      floorShortfall: y(r.floor_shortfall_fen),
      borneByOtherClasses: y(r.borne_by_others_fen),
      operatorTopUpAvailable: y(r.top_up_available_fen),
      operatorTopUp: y(r.operator_top_up_fen),
      operatorOwes: y(r.operator_owes_fen),
      entitled: y(r.entitled_fen),
      paidNow: y(r.paid_now_fen),
      householdsBenefited: r.households_benefited,
      peopleBenefited: r.people_benefited,
      byClass: byClass.map((c) => ({
        classKind: c.class_kind,
        holders: c.holders,
        basis: y(c.basis),
        proRata: y(c.pro_rata),
        floor: y(c.floor),
        entitled: y(c.entitled),
        paid: y(c.paid),
      })),
      preparedBy: r.prepared_by,
      preparedAt: iso(r.prepared_at)!,
      approvedBy: r.approved_by,
      approvedAt: iso(r.approved_at),
      paidBy: r.paid_by,
      paidAt: iso(r.paid_at),
      paidOn: r.paid_on,
      entryId: r.entry_id === null ? null : String(r.entry_id),
    };
  }
}
