import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import { Clock, DomainError, offsetOf, queryOne, queryRows, runIdempotent, type Actor, type FieldError, type Page, type PageQuery } from '#libs/common';
import { LedgerService, type PostingLine } from '#libs/ledger';
import { formatYuan, parseYuan, sumFen, type Fen } from '#libs/money';
import { projectAccounts } from './accounts.js';
import { computeDistribution, type DistributionLine, type DistributionResult } from './domain/distribution.js';
import { CLASS_KINDS, type ClassKind, type RunStatus } from './domain/model.js';
import { allocateSettlement } from './domain/settlement.js';
import { percentOf, trimPercent } from './domain/thresholds.js';
import type { LinesQuery, PayDto, PreviewDistributionDto, RunsQuery, SettlementDto, StatementQuery } from './dto.js';
import { actorName, holdingsAt, loadProject, otherClasses, pendingRightMoves, requireStatus, type ProjectRecord } from './store.js';

/** A list query without its paging fields (services take the page separately). */
type Filter<T> = Omit<T, 'page' | 'pageSize'>;

interface RunRow {
  id: string;
  project_id: string;
  year: number;
  status: RunStatus;
  record_date: string;
  result_version: number;
  net_profit_fen: string;
  distributable_fen: string;
  floor_rate_percent: string;
  payout_percent: string;
  special_pro_rata_fen: string;
  floor_shortfall_fen: string;
  borne_by_others_fen: string;
  top_up_available_fen: string;
  operator_top_up_fen: string;
  operator_owes_fen: string;
  entitled_fen: string;
  paid_now_fen: string;
  households_benefited: number;
  people_benefited: number;
  prepared_by: string;
  prepared_at: Date;
  approved_by: string | null;
  approved_at: Date | null;
  paid_by: string | null;
  paid_at: Date | null;
  paid_on: string | null;
  entry_id: string | null;
}

interface LineRow {
  id: string;
  holder_type: DistributionLine['holderType'];
  class_kind: ClassKind;
  household_id: string | null;
  right_id: string | null;
  basis_fen: string;
  member_count: number | null;
  pro_rata_fen: string;
  floor_fen: string;
  entitled_fen: string;
  paid_fen: string;
}

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
  byClass: { classKind: ClassKind; holders: number; basis: string; proRata: string; floor: string; entitled: string; paid: string }[];
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

/** A run's content as a string: the same facts always give the same signature (used to detect stale previews). */
function signature(summary: Record<string, string | number>, lines: { [k: string]: string | number | null }[]): string {
  return JSON.stringify([summary, lines]);
}

function computedSignature(c: DistributionResult, resultVersion: number, topUpFen: Fen): string {
  return signature(
    {
      v: resultVersion,
      d: c.distributableFen.toString(),
      t: topUpFen.toString(),
      tu: c.operatorTopUpFen.toString(),
      o: c.operatorOwesFen.toString(),
      e: c.entitledFen.toString(),
      h: c.householdsBenefited,
      p: c.peopleBenefited,
    },
    c.lines.map((l) => ({
      t: l.holderType,
      k: l.classKind,
      h: l.householdId,
      r: l.rightId,
      b: l.basisFen.toString(),
      m: l.memberCount,
      pr: l.proRataFen.toString(),
      f: l.floorFen.toString(),
      e: l.entitledFen.toString(),
      pd: l.paidFen.toString(),
    })),
  );
}

function storedSignature(run: RunRow, lines: LineRow[]): string {
  return signature(
    {
      v: run.result_version,
      d: BigInt(run.distributable_fen).toString(),
      t: BigInt(run.top_up_available_fen).toString(),
      tu: BigInt(run.operator_top_up_fen).toString(),
      o: BigInt(run.operator_owes_fen).toString(),
      e: BigInt(run.entitled_fen).toString(),
      h: run.households_benefited,
      p: run.people_benefited,
    },
    lines.map((l) => ({
      t: l.holder_type,
      k: l.class_kind,
      h: l.household_id === null ? null : String(l.household_id),
      r: l.right_id === null ? null : String(l.right_id),
      b: BigInt(l.basis_fen).toString(),
      m: l.member_count,
      pr: BigInt(l.pro_rata_fen).toString(),
      f: BigInt(l.floor_fen).toString(),
      e: BigInt(l.entitled_fen).toString(),
      pd: BigInt(l.paid_fen).toString(),
    })),
  );
}

/**
 * The yearly dividend run of a project: preview (computed and stored, replaceable) → approve (by someone other
 * than the preparer, on unchanged facts) → pay (one ledger entry, Idempotency-Key). One run per project and year:
 * a paid year can never be paid again. Also the households' dividend statements and the operator settling the
 * floor it owed.
 */
@Injectable()
export class AssetIncomeDistributionService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: LedgerService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** Works the year out from the current result and register (no writes). */
  private async compute(m: EntityManager, p: ProjectRecord, year: number, recordDate: string, topUpFen: Fen) {
    const result = await queryOne<{ net_profit_fen: string; version: number }>(
      m,
      `SELECT net_profit_fen, version FROM aip_annual_results WHERE project_id = $1 AND year = $2`,
      [p.id, year],
    );
    if (!result) {
      throw new DomainError('ASSET_INCOME_RESULT_MISSING', `project ${p.id} has no results for ${year}`, [
        { field: 'year', code: 'ASSET_INCOME_RESULT_MISSING', message: 'record the year’s results first' },
      ]);
    }
    const pending = await pendingRightMoves(m, p, recordDate, year);
    if (pending.length) {
      throw new DomainError(
        'ASSET_INCOME_RIGHTS_PENDING',
        `${pending.length} right holder(s) are no longer poor and rule ${p.rightRule} moves their rights: move them first`,
        pending.map((x) => ({
          field: `rights[${x.rightId}]`,
          code: 'RIGHT_HOLDER_NOT_POOR',
          message: `household ${x.householdId} is ${x.status}${x.graduatedYear ? ` (${x.graduatedYear})` : ''}`,
        })),
      );
    }
    const holdings = await holdingsAt(m, p.id, recordDate);
    const classes = await otherClasses(m, p.id);
    const computed = computeDistribution({
      netProfitFen: BigInt(result.net_profit_fen),
      payoutPercent: p.payoutPercent,
      floorRatePercent: p.floorRatePercent,
      collectiveFen: holdings.collectiveFen,
      households: holdings.households,
      otherClasses: classes,
      topUpAvailableFen: topUpFen,
    });
    return { computed, resultVersion: result.version, netProfitFen: BigInt(result.net_profit_fen) };
  }

  private async lockRun(m: EntityManager, projectId: string, year: number): Promise<RunRow | undefined> {
    return queryOne<RunRow>(
      m,
      `SELECT * FROM aip_distribution_runs WHERE project_id = $1 AND year = $2 AND status <> 'CANCELLED' FOR UPDATE`,
      [projectId, year],
    );
  }

  private async lines(m: EntityManager, runId: string): Promise<LineRow[]> {
    return queryRows<LineRow>(m, `SELECT * FROM aip_distribution_lines WHERE run_id = $1 ORDER BY id`, [runId]);
  }

  async preview(projectId: string, year: number, dto: PreviewDistributionDto, actor?: Actor): Promise<RunView> {
    return this.dataSource.transaction(async (m) => {
      const p = await loadProject(m, projectId, true);
      requireStatus(p, ['ACTIVE', 'LIQUIDATION_REQUIRED'], 'a dividend run');
      const recordDate = dto.recordDate ?? `${year}-12-31`;
      const errors: FieldError[] = [];
      if (p.quantifiedOn && recordDate < p.quantifiedOn) {
        errors.push({ field: 'recordDate', code: 'BEFORE_QUANTIFICATION', message: `the register starts on ${p.quantifiedOn}` });
      }
      if (recordDate < `${year}-01-01`) errors.push({ field: 'recordDate', code: 'BEFORE_YEAR', message: `must fall in ${year} or later` });
      if (errors.length) throw new DomainError('VALIDATION_FAILED', 'invalid record date', errors);
      const existing = await this.lockRun(m, projectId, year);
      if (existing && existing.status === 'PAID') throw alreadyPaid(projectId, year);
      if (existing && existing.status === 'APPROVED') {
        throw new DomainError('ASSET_INCOME_STATE_CONFLICT', `the ${year} run of project ${projectId} is approved: pay it instead of previewing again`);
      }
      const topUpFen = dto.operatorTopUpAvailable ? (parseYuan(dto.operatorTopUpAvailable, { allowZero: true }) as { fen: Fen }).fen : 0n;
      const { computed: c, resultVersion, netProfitFen } = await this.compute(m, p, year, recordDate, topUpFen);
      const by = actorName(actor);
      const values = [
        recordDate,
        resultVersion,
        netProfitFen.toString(),
        c.distributableFen.toString(),
        p.floorRatePercent,
        p.payoutPercent,
        c.specialProRataFen.toString(),
        c.floorShortfallFen.toString(),
        c.borneByOthersFen.toString(),
        topUpFen.toString(),
        c.operatorTopUpFen.toString(),
        c.operatorOwesFen.toString(),
        c.entitledFen.toString(),
        c.paidNowFen.toString(),
        c.householdsBenefited,
        c.peopleBenefited,
        by,
      ];
      let runId: string;
      if (existing) {
        runId = String(existing.id);
        await m.query(`DELETE FROM aip_distribution_lines WHERE run_id = $1`, [runId]);
        await m.query(
          `UPDATE aip_distribution_runs SET record_date = $2, result_version = $3, net_profit_fen = $4, distributable_fen = $5,
                  floor_rate_percent = $6, payout_percent = $7, special_pro_rata_fen = $8, floor_shortfall_fen = $9,
                  borne_by_others_fen = $10, top_up_available_fen = $11, operator_top_up_fen = $12, operator_owes_fen = $13,
                  entitled_fen = $14, paid_now_fen = $15, households_benefited = $16, people_benefited = $17, prepared_by = $18,
                  prepared_at = now()
            WHERE id = $1`,
          [runId, ...values],
        );
      } else {
        const [row] = await queryRows<{ id: string }>(
          m,
          `INSERT INTO aip_distribution_runs (project_id, year, status, record_date, result_version, net_profit_fen, distributable_fen,
                  floor_rate_percent, payout_percent, special_pro_rata_fen, floor_shortfall_fen, borne_by_others_fen, top_up_available_fen,
                  operator_top_up_fen, operator_owes_fen, entitled_fen, paid_now_fen, households_benefited, people_benefited, prepared_by)
           VALUES ($1,$2,'PREPARED',$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19) RETURNING id`,
          [projectId, year, ...values],
        );
        runId = String(row.id);
      }
      await m.query(
        `INSERT INTO aip_distribution_lines (run_id, holder_type, class_kind, household_id, right_id, basis_fen, member_count, pro_rata_fen,
                                             floor_fen, entitled_fen, paid_fen)
         SELECT $1, unnest($2::text[]), unnest($3::text[]), unnest($4::bigint[]), unnest($5::bigint[]), unnest($6::bigint[]),
                unnest($7::int[]), unnest($8::bigint[]), unnest($9::bigint[]), unnest($10::bigint[]), unnest($11::bigint[])`,
        [
          runId,
          c.lines.map((l) => l.holderType),
          c.lines.map((l) => l.classKind),
          c.lines.map((l) => l.householdId),
          c.lines.map((l) => l.rightId),
          c.lines.map((l) => l.basisFen.toString()),
          c.lines.map((l) => l.memberCount),
          c.lines.map((l) => l.proRataFen.toString()),
          c.lines.map((l) => l.floorFen.toString()),
          c.lines.map((l) => l.entitledFen.toString()),
          c.lines.map((l) => l.paidFen.toString()),
        ],
      );
      const view = await this.runView(m, runId);
      await this.audit.record(m, {
        action: 'ASSET_INCOME_DISTRIBUTION_PREPARED',
        entityType: 'asset_income_project',
        entityId: projectId,
        after: { ...view, byClass: view.byClass },
      });
      return view;
    });
  }

  /** Re-works the run from today's facts and refuses when they no longer give what was previewed. */
  private async assertFresh(m: EntityManager, p: ProjectRecord, run: RunRow): Promise<void> {
    const topUp = BigInt(run.top_up_available_fen);
    const { computed, resultVersion } = await this.compute(m, p, run.year, run.record_date, topUp);
    if (computedSignature(computed, resultVersion, topUp) !== storedSignature(run, await this.lines(m, String(run.id)))) {
      throw new DomainError(
        'ASSET_INCOME_RUN_STALE',
        `the ${run.year} results or share register changed since the run was previewed: preview it again`,
      );
    }
  }

  async approve(projectId: string, year: number, actor?: Actor): Promise<RunView> {
    return this.dataSource.transaction(async (m) => {
      const p = await loadProject(m, projectId, true);
      requireStatus(p, ['ACTIVE', 'LIQUIDATION_REQUIRED'], 'approving a dividend run');
      const run = await this.lockRun(m, projectId, year);
      if (!run) throw new DomainError('NOT_FOUND', `project ${projectId} has no ${year} dividend run`);
      if (run.status === 'PAID') throw alreadyPaid(projectId, year);
      if (run.status !== 'PREPARED') throw new DomainError('ASSET_INCOME_STATE_CONFLICT', `the ${year} run is already ${run.status}`);
      const by = actorName(actor);
      if (by === run.prepared_by) {
        throw new DomainError('ASSET_INCOME_SAME_APPROVER', 'the run must be approved by someone other than the person who prepared it (maker-checker)');
      }
      await this.assertFresh(m, p, run);
      await m.query(`UPDATE aip_distribution_runs SET status = 'APPROVED', approved_by = $2, approved_at = now() WHERE id = $1`, [run.id, by]);
      const view = await this.runView(m, String(run.id));
      await this.audit.record(m, {
        action: 'ASSET_INCOME_DISTRIBUTION_APPROVED',
        entityType: 'asset_income_project',
        entityId: projectId,
        before: { status: run.status },
        after: { runId: view.id, year, status: view.status, entitled: view.entitled, paidNow: view.paidNow, operatorOwes: view.operatorOwes },
      });
      return view;
    });
  }

  /**
   * Pays an approved run: one journal entry (its key derived from project and year, so a second payment of the
   * year cannot post even through another path). Paid now: dividends by class out of profit and the operator's
   * top-up; the floor the operator cannot pay is a receivable from it and a payable to the special-fund holders.
   */
  async pay(projectId: string, year: number, dto: PayDto, idempotencyKey: string, actor?: Actor): Promise<RunView> {
    return this.dataSource.transaction(async (m) => {
      const { result } = await runIdempotent(m, 'asset-income:distribution-pay', idempotencyKey, { projectId, year, ...dto }, async () => {
        const p = await loadProject(m, projectId, true);
        requireStatus(p, ['ACTIVE', 'LIQUIDATION_REQUIRED'], 'paying dividends');
        const run = await this.lockRun(m, projectId, year);
        if (!run) throw new DomainError('NOT_FOUND', `project ${projectId} has no ${year} dividend run`);
        if (run.status === 'PAID') throw alreadyPaid(projectId, year);
        if (run.status !== 'APPROVED') throw new DomainError('ASSET_INCOME_STATE_CONFLICT', `the ${year} run is ${run.status}: approve it first`);
        const paidOn = dto.paidOn ?? this.clock.today();
        const errors: FieldError[] = [];
        if (paidOn > this.clock.today()) errors.push({ field: 'paidOn', code: 'DATE_IN_FUTURE', message: 'may not be after today' });
        if (paidOn < run.record_date) errors.push({ field: 'paidOn', code: 'BEFORE_RECORD_DATE', message: `may not be before the record date ${run.record_date}` });
        if (errors.length) throw new DomainError('VALIDATION_FAILED', 'invalid payment date', errors);
        await this.assertFresh(m, p, run);
        const lines = await this.lines(m, String(run.id));
        const a = projectAccounts(projectId);
        const posting: PostingLine[] = [];
        for (const kind of CLASS_KINDS) {
          const paid = sumFen(lines.filter((l) => l.class_kind === kind).map((l) => BigInt(l.paid_fen)));
          if (paid > 0n) posting.push({ account: a.dividendsPaid[kind], side: 'DEBIT', amountFen: paid });
        }
        const distributable = BigInt(run.distributable_fen);
        const topUp = BigInt(run.operator_top_up_fen);
        const owes = BigInt(run.operator_owes_fen);
        if (distributable > 0n) posting.push({ account: a.fundedByProfit, side: 'CREDIT', amountFen: distributable });
        if (topUp > 0n) posting.push({ account: a.fundedByOperator, side: 'CREDIT', amountFen: topUp });
        if (owes > 0n) {
          posting.push({ account: a.operatorOwes, side: 'DEBIT', amountFen: owes });
          posting.push({ account: a.dividendsPayable, side: 'CREDIT', amountFen: owes });
        }
        let entryId: string | null = null;
        // A year with no profit and a zero floor owes nobody anything: the run is closed without an entry.
        if (posting.length >= 2) {
          ({ entryId } = await this.ledger.post(m, {
            idempotencyKey: `aip:dividends:${projectId}:${year}`,
            code: 'AIP_DIVIDEND_PAYMENT',
            businessDate: paidOn,
            memo: `asset-income project ${projectId}: ${year} dividends`,
            lines: posting,
          }));
        }
        await m.query(
          `UPDATE aip_distribution_runs SET status = 'PAID', paid_by = $2, paid_at = now(), paid_on = $3, entry_id = $4 WHERE id = $1`,
          [run.id, actorName(actor), paidOn, entryId],
        );
        const view = await this.runView(m, String(run.id));
        await this.audit.record(m, {
          action: 'ASSET_INCOME_DIVIDENDS_PAID',
          entityType: 'asset_income_project',
          entityId: projectId,
          before: { status: run.status },
          after: {
            runId: view.id,
            year,
            entryId,
            paidNow: view.paidNow,
            operatorOwes: view.operatorOwes,
            householdsBenefited: view.householdsBenefited,
            peopleBenefited: view.peopleBenefited,
          },
        });
        return view;
      });
      return result;
    });
  }

  async get(projectId: string, year: number): Promise<RunView> {
    const m = this.dataSource.manager;
    await loadProject(m, projectId);
    const run = await queryOne<{ id: string }>(
      m,
      `SELECT id FROM aip_distribution_runs WHERE project_id = $1 AND year = $2 AND status <> 'CANCELLED'`,
      [projectId, year],
    );
    if (!run) throw new DomainError('NOT_FOUND', `project ${projectId} has no ${year} dividend run`);
    return this.runView(m, String(run.id));
  }

  async list(q: Filter<RunsQuery>, page: PageQuery): Promise<Page<RunView>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.projectId) where.push(`r.project_id = $${params.push(q.projectId)}`);
    if (q.districtId) where.push(`p.district_id = $${params.push(q.districtId)}`);
    if (q.year) where.push(`r.year = $${params.push(q.year)}`);
    if (q.status) where.push(`r.status = $${params.push(q.status)}`);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const m = this.dataSource.manager;
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM aip_distribution_runs r JOIN aip_projects p ON p.id = r.project_id ${clause}`,
      params,
    );
    const ids = await queryRows<{ id: string }>(
      m,
      `SELECT r.id FROM aip_distribution_runs r JOIN aip_projects p ON p.id = r.project_id ${clause}
        ORDER BY r.project_id, r.year, r.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    const items: RunView[] = [];
    for (const r of ids) items.push(await this.runView(m, String(r.id)));
    return { items, page: page.page, pageSize: page.pageSize, total };
  }

  async runLines(projectId: string, year: number, q: Filter<LinesQuery>, page: PageQuery) {
    const m = this.dataSource.manager;
    const p = await loadProject(m, projectId);
    const run = await queryOne<{ id: string; status: string }>(
      m,
      `SELECT id, status FROM aip_distribution_runs WHERE project_id = $1 AND year = $2 AND status <> 'CANCELLED'`,
      [projectId, year],
    );
    if (!run) throw new DomainError('NOT_FOUND', `project ${projectId} has no ${year} dividend run`);
    const where = ['l.run_id = $1'];
    const params: unknown[] = [run.id];
    if (q.holderType) where.push(`l.holder_type = $${params.push(q.holderType)}`);
    if (q.householdId) where.push(`l.household_id = $${params.push(q.householdId)}`);
    const clause = where.join(' AND ');
    const [{ total }] = await queryRows<{ total: number }>(m, `SELECT count(*)::int AS total FROM aip_distribution_lines l WHERE ${clause}`, params);
    const rows = await queryRows<LineRow & { head_name: string | null }>(
      m,
      `SELECT l.*, h.head_name FROM aip_distribution_lines l LEFT JOIN households h ON h.id = l.household_id
        WHERE ${clause} ORDER BY l.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
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
    const m = this.dataSource.manager;
    const household = /^\d{1,18}$/.test(householdId)
      ? await queryOne<{ id: string; head_name: string; village_id: string; member_count: number; status: string }>(
          m,
          `SELECT id, head_name, village_id, member_count, status FROM households WHERE id = $1`,
          [householdId],
        )
      : undefined;
    if (!household) throw new DomainError('NOT_FOUND', `household ${householdId} not found`);
    const where = [`l.household_id = $1`, `r.status = 'PAID'`];
    const params: unknown[] = [householdId];
    if (q.projectId) where.push(`r.project_id = $${params.push(q.projectId)}`);
    if (q.fromYear) where.push(`r.year >= $${params.push(q.fromYear)}`);
    if (q.toYear) where.push(`r.year <= $${params.push(q.toYear)}`);
    const clause = where.join(' AND ');
    const from = `FROM aip_distribution_lines l JOIN aip_distribution_runs r ON r.id = l.run_id JOIN aip_projects p ON p.id = r.project_id`;
    const [totals] = await queryRows<{ total: number; entitled: string; paid: string }>(
      m,
      `SELECT count(*)::int AS total, coalesce(sum(l.entitled_fen), 0)::text AS entitled, coalesce(sum(l.paid_fen), 0)::text AS paid ${from} WHERE ${clause}`,
      params,
    );
    const rows = await queryRows<LineRow & { project_id: string; name: string; year: number; record_date: string; paid_on: string; special_fund_fen: string }>(
      m,
      `SELECT l.*, r.project_id, p.name, r.year, r.record_date, r.paid_on, p.special_fund_fen ${from} WHERE ${clause}
        ORDER BY r.year DESC, r.project_id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return {
      household: { id: String(household.id), headName: household.head_name, villageId: String(household.village_id), memberCount: household.member_count, status: household.status },
      totals: { entitled: y(totals.entitled), paid: y(totals.paid), outstanding: y(BigInt(totals.entitled) - BigInt(totals.paid)) },
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

  /**
   * The operator pays (part of) the floor it owed: oldest year first, each holder in proportion to what it is
   * still owed. Refused beyond the debt; OPERATOR:OWES and DIVIDENDS:PAYABLE are bounded at zero as well.
   */
  async settle(projectId: string, dto: SettlementDto, idempotencyKey: string, actor?: Actor) {
    return this.dataSource.transaction(async (m) => {
      const { result } = await runIdempotent(m, 'asset-income:operator-settlement', idempotencyKey, { projectId, ...dto }, async () => {
        const p = await loadProject(m, projectId, true);
        const amountFen = (parseYuan(dto.amount) as { fen: Fen }).fen;
        const settledOn = dto.settledOn ?? this.clock.today();
        if (settledOn > this.clock.today()) {
          throw new DomainError('VALIDATION_FAILED', 'invalid settlement date', [{ field: 'settledOn', code: 'DATE_IN_FUTURE', message: 'may not be after today' }]);
        }
        const a = projectAccounts(projectId);
        const owed = await this.ledger.balanceOf(m, a.operatorOwes);
        if (amountFen > owed) {
          throw new DomainError('ASSET_INCOME_SETTLEMENT_EXCEEDS_DEBT', `the operator owes ${formatYuan(owed)}`, [
            { field: 'amount', code: 'ASSET_INCOME_SETTLEMENT_EXCEEDS_DEBT', message: `may not exceed what the operator owes (${formatYuan(owed)})` },
          ]);
        }
        const open = await queryRows<{ id: string; run_id: string; year: number; class_kind: ClassKind; outstanding: string }>(
          m,
          `SELECT l.id, l.run_id, r.year, l.class_kind, (l.entitled_fen - l.paid_fen)::text AS outstanding
             FROM aip_distribution_lines l JOIN aip_distribution_runs r ON r.id = l.run_id
            WHERE r.project_id = $1 AND r.status = 'PAID' AND l.entitled_fen > l.paid_fen
            ORDER BY r.year, l.id FOR UPDATE OF l`,
          [projectId],
        );
        const runs = new Map<string, { runId: string; year: number; lines: { lineId: string; outstandingFen: Fen }[] }>();
        for (const l of open) {
          const key = String(l.run_id);
          if (!runs.has(key)) runs.set(key, { runId: key, year: l.year, lines: [] });
          runs.get(key)!.lines.push({ lineId: String(l.id), outstandingFen: BigInt(l.outstanding) });
        }
        const parts = allocateSettlement(amountFen, [...runs.values()]);
        const ids = [...parts.keys()];
        await m.query(
          `UPDATE aip_distribution_lines l SET paid_fen = l.paid_fen + v.part
             FROM (SELECT unnest($1::bigint[]) AS id, unnest($2::bigint[]) AS part) v WHERE l.id = v.id`,
          [ids, ids.map((i) => parts.get(i)!.toString())],
        );
        const kindOf = new Map(open.map((l) => [String(l.id), l.class_kind]));
        const posting: PostingLine[] = [];
        for (const kind of CLASS_KINDS) {
          const paid = sumFen(ids.filter((i) => kindOf.get(i) === kind).map((i) => parts.get(i)!));
          if (paid > 0n) posting.push({ account: a.dividendsPaid[kind], side: 'DEBIT', amountFen: paid });
        }
        posting.push(
          { account: a.fundedByOperator, side: 'CREDIT', amountFen },
          { account: a.dividendsPayable, side: 'DEBIT', amountFen },
          { account: a.operatorOwes, side: 'CREDIT', amountFen },
        );
        const { entryId } = await this.ledger.post(m, {
          idempotencyKey: `aip:settlement:${projectId}:${idempotencyKey}`,
          code: 'AIP_OPERATOR_SETTLEMENT',
          businessDate: settledOn,
          memo: `asset-income project ${projectId}: operator pays ${formatYuan(amountFen)} of the floor it owed`,
          lines: posting,
        });
        const [row] = await queryRows<{ id: string }>(
          m,
          `INSERT INTO aip_operator_settlements (project_id, amount_fen, settled_on, entry_id, created_by) VALUES ($1,$2,$3,$4,$5) RETURNING id`,
          [projectId, amountFen.toString(), settledOn, entryId, actorName(actor)],
        );
        const out = {
          id: String(row.id),
          projectId,
          amount: formatYuan(amountFen),
          settledOn,
          entryId,
          holdersPaid: ids.length,
          operatorOwes: formatYuan(owed - amountFen),
        };
        await this.audit.record(m, { action: 'ASSET_INCOME_OPERATOR_SETTLED', entityType: 'asset_income_project', entityId: p.id, after: out });
        return out;
      });
      return result;
    });
  }

  private async runView(m: EntityManager, runId: string): Promise<RunView> {
    const r = (await queryOne<RunRow>(m, `SELECT * FROM aip_distribution_runs WHERE id = $1`, [runId]))!;
    const byClass = await queryRows<{ class_kind: ClassKind; holders: number; basis: string; pro_rata: string; floor: string; entitled: string; paid: string }>(
      m,
      `SELECT class_kind, count(*)::int AS holders, sum(basis_fen)::text AS basis, sum(pro_rata_fen)::text AS pro_rata,
              sum(floor_fen)::text AS floor, sum(entitled_fen)::text AS entitled, sum(paid_fen)::text AS paid
         FROM aip_distribution_lines WHERE run_id = $1 GROUP BY class_kind`,
      [runId],
    );
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

function alreadyPaid(projectId: string, year: number): DomainError {
  return new DomainError('ASSET_INCOME_ALREADY_PAID', `the ${year} dividends of project ${projectId} are already paid`, [
    { field: 'year', code: 'ASSET_INCOME_ALREADY_PAID', message: 'one run per project and year' },
  ]);
}
