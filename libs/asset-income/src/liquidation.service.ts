import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import { Clock, DomainError, runIdempotent, type Actor, type FieldError, type PageQuery } from '#libs/common';
import { LedgerService, type PostingLine } from '#libs/ledger';
import { formatYuan, parseYuan, sumFen, type Fen } from '#libs/money';
import { projectAccounts } from './accounts.js';
import { computeLiquidation, type LiquidationResult } from './domain/liquidation.js';
import { CLASS_KINDS } from './domain/model.js';
import { percentOf } from './domain/thresholds.js';
import type { LinesQuery, LiquidationPreviewDto, PayDto } from './dto.js';
import { LiquidationStore, type LiquidationFigures, type LiquidationLineRow, type LiquidationRow } from './store/liquidation.store.js';
import { actorName, addDays, requireStatus, yearOf, type ProjectRecord } from './project.js';
import { holdingsAt, loadProject, otherClasses, pendingRightMoves } from './store/project-records.store.js';

/** A list query without its paging fields (services take the page separately). */
type Filter<T> = Omit<T, 'page' | 'pageSize'>;

const y = (v: string | bigint) => formatYuan(BigInt(v));
const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

function lineKey(l: { holderType?: string; holder_type?: string }, parts: (string | null)[]): string {
  return [l.holderType ?? l.holder_type, ...parts].join('|');
}

/**
 * The forced liquidation (强制清算) of a project flagged by the liquidation lock: preview the split of the
 * proceeds (special fund first), approve (maker-checker), pay (one entry that closes the capital accounts and pays
 * each class). The project ends LIQUIDATED and its rights end on the liquidation date.
 */
@Injectable()
export class AssetIncomeLiquidationService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly store: LiquidationStore,
    private readonly ledger: LedgerService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  private async compute(m: EntityManager, p: ProjectRecord, proceedsFen: Fen, date: string): Promise<{ c: LiquidationResult; capitalFen: Fen }> {
    const pending = await pendingRightMoves(m, p, date, yearOf(date));
    if (pending.length) {
      throw new DomainError(
        'ASSET_INCOME_RIGHTS_PENDING',
        `${pending.length} right holder(s) are no longer poor and rule ${p.rightRule} moves their rights: move them first`,
        pending.map((x) => ({ field: `rights[${x.rightId}]`, code: 'RIGHT_HOLDER_NOT_POOR', message: `household ${x.householdId} is ${x.status}` })),
      );
    }
    const holdings = await holdingsAt(m, p.id, date);
    const classes = await otherClasses(m, p.id);
    const c = computeLiquidation({
      proceedsFen,
      specialFundFen: p.specialFundFen,
      collectiveFen: holdings.collectiveFen,
      households: holdings.households,
      otherClasses: classes,
    });
    return { c, capitalFen: p.specialFundFen + sumFen(classes.map((k) => k.capitalFen)) };
  }

  private lock(m: EntityManager, projectId: string): Promise<LiquidationRow | undefined> {
    return this.store.lock(m, projectId);
  }

  private lines(m: EntityManager, id: string): Promise<LiquidationLineRow[]> {
    return this.store.lines(m, id);
  }

  async preview(projectId: string, dto: LiquidationPreviewDto, actor?: Actor) {
    return this.dataSource.transaction(async (m) => {
      const p = await loadProject(m, projectId, true);
      requireStatus(p, ['LIQUIDATION_REQUIRED'], 'the forced liquidation (net assets must have reached the threshold)');
      const errors: FieldError[] = [];
      if (dto.liquidationDate > this.clock.today()) errors.push({ field: 'liquidationDate', code: 'DATE_IN_FUTURE', message: 'may not be after today' });
      if (p.quantifiedOn && dto.liquidationDate < p.quantifiedOn) {
        errors.push({ field: 'liquidationDate', code: 'BEFORE_QUANTIFICATION', message: `the register starts on ${p.quantifiedOn}` });
      }
      if (errors.length) throw new DomainError('VALIDATION_FAILED', 'invalid liquidation date', errors);
      const existing = await this.lock(m, projectId);
      if (existing?.status === 'PAID') throw new DomainError('ASSET_INCOME_ALREADY_PAID', `project ${projectId} is already liquidated`);
      if (existing?.status === 'APPROVED') throw new DomainError('ASSET_INCOME_STATE_CONFLICT', 'the liquidation is approved: pay it instead of previewing again');
      const proceedsFen = (parseYuan(dto.proceeds, { allowZero: true }) as { fen: Fen }).fen;
      const { c, capitalFen } = await this.compute(m, p, proceedsFen, dto.liquidationDate);
      const figures: LiquidationFigures = {
        liquidationDate: dto.liquidationDate,
        proceedsFen: c.proceedsFen.toString(),
        specialFundFen: p.specialFundFen.toString(),
        specialRepaidFen: c.specialRepaidFen.toString(),
        othersFen: c.othersFen.toString(),
        capitalFen: capitalFen.toString(),
        preparedBy: actorName(actor),
      };
      let id: string;
      if (existing) {
        id = String(existing.id);
        await this.store.rewrite(m, id, figures);
      } else {
        id = await this.store.insert(m, projectId, figures);
      }
      await this.store.insertLines(m, id, c.lines);
      const view = await this.view(m, id);
      await this.audit.record(m, { action: 'ASSET_INCOME_LIQUIDATION_PREPARED', entityType: 'asset_income_project', entityId: projectId, after: view });
      return view;
    });
  }

  private async assertFresh(m: EntityManager, p: ProjectRecord, row: LiquidationRow): Promise<void> {
    const { c } = await this.compute(m, p, BigInt(row.proceeds_fen), row.liquidation_date);
    const fresh = c.lines.map((l) => lineKey(l, [l.classKind, l.householdId, l.rightId, l.basisFen.toString(), l.amountFen.toString()]));
    const stored = (await this.lines(m, String(row.id))).map((l) =>
      lineKey(l, [l.class_kind, l.household_id && String(l.household_id), l.right_id && String(l.right_id), BigInt(l.basis_fen).toString(), BigInt(l.amount_fen).toString()]),
    );
    if (JSON.stringify(fresh) !== JSON.stringify(stored)) {
      throw new DomainError('ASSET_INCOME_RUN_STALE', 'the share register changed since the liquidation was previewed: preview it again');
    }
  }

  async approve(projectId: string, actor?: Actor) {
    return this.dataSource.transaction(async (m) => {
      const p = await loadProject(m, projectId, true);
      requireStatus(p, ['LIQUIDATION_REQUIRED'], 'approving the liquidation');
      const row = await this.lock(m, projectId);
      if (!row) throw new DomainError('NOT_FOUND', `project ${projectId} has no liquidation prepared`);
      if (row.status !== 'PREPARED') throw new DomainError('ASSET_INCOME_STATE_CONFLICT', `the liquidation is already ${row.status}`);
      const by = actorName(actor);
      if (by === row.prepared_by) {
        throw new DomainError('ASSET_INCOME_SAME_APPROVER', 'the liquidation must be approved by someone other than the person who prepared it (maker-checker)');
      }
      await this.assertFresh(m, p, row);
      await this.store.markApproved(m, String(row.id), by);
      const view = await this.view(m, String(row.id));
      await this.audit.record(m, { action: 'ASSET_INCOME_LIQUIDATION_APPROVED', entityType: 'asset_income_project', entityId: projectId, after: view });
      return view;
    });
  }

  /**
   * One entry: the capital placed in the entity is closed against each class's capital account, and the proceeds
   * are paid to the classes. A dividend run still approved but unpaid must be paid first; merely prepared runs are
   * cancelled (the business they were prepared for has ended).
   */
  async pay(projectId: string, dto: PayDto, idempotencyKey: string, actor?: Actor) {
    return this.dataSource.transaction(async (m) => {
      const { result } = await runIdempotent(m, 'asset-income:liquidation-pay', idempotencyKey, { projectId, ...dto }, async () => {
        const p = await loadProject(m, projectId, true);
        if (p.status === 'LIQUIDATED') throw new DomainError('ASSET_INCOME_ALREADY_PAID', `project ${projectId} is already liquidated`);
        requireStatus(p, ['LIQUIDATION_REQUIRED'], 'paying the liquidation');
        const row = await this.lock(m, projectId);
        if (!row) throw new DomainError('NOT_FOUND', `project ${projectId} has no liquidation prepared`);
        if (row.status !== 'APPROVED') throw new DomainError('ASSET_INCOME_STATE_CONFLICT', `the liquidation is ${row.status}: approve it first`);
        const paidOn = dto.paidOn ?? this.clock.today();
        const errors: FieldError[] = [];
        if (paidOn > this.clock.today()) errors.push({ field: 'paidOn', code: 'DATE_IN_FUTURE', message: 'may not be after today' });
        if (paidOn < row.liquidation_date) errors.push({ field: 'paidOn', code: 'BEFORE_LIQUIDATION_DATE', message: `may not be before ${row.liquidation_date}` });
        if (errors.length) throw new DomainError('VALIDATION_FAILED', 'invalid payment date', errors);
        const approvedRun = await this.store.firstApprovedRun(m, projectId);
        if (approvedRun) {
          throw new DomainError('ASSET_INCOME_STATE_CONFLICT', `the ${approvedRun.year} dividends are approved but unpaid: pay them before the liquidation`);
        }
        await this.assertFresh(m, p, row);
        const a = projectAccounts(projectId);
        const capitalCodes = [a.specialInjected, a.specialCollective, a.specialHouseholds, ...Object.values(a.capital)];
        const balances = await this.ledger.balances(m, [a.operatorCapital, ...capitalCodes]);
        const posting: PostingLine[] = [];
        const capitalFen = balances.get(a.operatorCapital) ?? 0n;
        if (capitalFen > 0n) posting.push({ account: a.operatorCapital, side: 'CREDIT', amountFen: capitalFen });
        for (const code of capitalCodes) {
          const b = balances.get(code) ?? 0n;
          if (b > 0n) posting.push({ account: code, side: 'DEBIT', amountFen: b });
        }
        const lines = await this.lines(m, String(row.id));
        for (const kind of CLASS_KINDS) {
          const amount = sumFen(lines.filter((l) => l.class_kind === kind).map((l) => BigInt(l.amount_fen)));
          if (amount > 0n) posting.push({ account: a.liquidationPaid[kind], side: 'DEBIT', amountFen: amount });
        }
        if (BigInt(row.proceeds_fen) > 0n) posting.push({ account: a.liquidationProceeds, side: 'CREDIT', amountFen: BigInt(row.proceeds_fen) });
        const { entryId } = await this.ledger.post(m, {
          idempotencyKey: `aip:liquidation:${projectId}`,
          code: 'AIP_LIQUIDATION',
          valueDate: paidOn,
          memo: `asset-income project ${projectId}: forced liquidation, proceeds ${y(row.proceeds_fen)}, special fund repaid ${y(row.special_repaid_fen)}`,
          lines: posting,
        });
        // prepared dividend runs are cancelled; the rights end with the liquidation date (valid_to is exclusive)
        await this.store.markPaidAndClose(m, String(row.id), projectId, actorName(actor), entryId, addDays(row.liquidation_date, 1), paidOn);
        const view = await this.view(m, String(row.id));
        await this.audit.record(m, {
          action: 'ASSET_INCOME_LIQUIDATED',
          entityType: 'asset_income_project',
          entityId: projectId,
          before: { status: p.status },
          after: { status: 'LIQUIDATED', liquidationId: view.id, entryId, proceeds: view.proceeds, specialRepaid: view.specialRepaid, others: view.others },
        });
        return view;
      });
      return result;
    });
  }

  async get(projectId: string) {
    const m = this.dataSource.manager;
    await loadProject(m, projectId);
    const row = await this.store.findId(m, projectId);
    if (!row) throw new DomainError('NOT_FOUND', `project ${projectId} has no liquidation`);
    return this.view(m, String(row.id));
  }

  async lineList(projectId: string, q: Filter<LinesQuery>, page: PageQuery) {
    const m = this.dataSource.manager;
    const p = await loadProject(m, projectId);
    const row = await this.store.findId(m, projectId);
    if (!row) throw new DomainError('NOT_FOUND', `project ${projectId} has no liquidation`);
    const { rows, total } = await this.store.pageLines(String(row.id), q, page);
    return {
      items: rows.map((l) => ({
        id: String(l.id),
        holderType: l.holder_type,
        classKind: l.class_kind,
        householdId: l.household_id === null ? null : String(l.household_id),
        headName: l.head_name,
        rightId: l.right_id === null ? null : String(l.right_id),
        basis: y(l.basis_fen),
        sharePercent: l.holder_type === 'CLASS' ? null : percentOf(BigInt(l.basis_fen), p.specialFundFen),
        amount: y(l.amount_fen),
      })),
      page: page.page,
      pageSize: page.pageSize,
      total,
    };
  }

  private async view(m: EntityManager, id: string) {
    const r = await this.store.find(m, id);
    const byClass = await this.store.classTotals(m, id);
    byClass.sort((a, b) => CLASS_KINDS.indexOf(a.class_kind) - CLASS_KINDS.indexOf(b.class_kind));
    return {
      id: String(r.id),
      projectId: String(r.project_id),
      status: r.status,
      liquidationDate: r.liquidation_date,
      proceeds: y(r.proceeds_fen),
      specialFund: y(r.special_fund_fen),
      specialRepaid: y(r.special_repaid_fen),
      others: y(r.others_fen),
      capital: y(r.capital_fen),
      byClass: byClass.map((c) => ({ classKind: c.class_kind, holders: c.holders, basis: y(c.basis), amount: y(c.amount) })),
      preparedBy: r.prepared_by,
      preparedAt: iso(r.prepared_at)!,
      approvedBy: r.approved_by,
      approvedAt: iso(r.approved_at),
      paidBy: r.paid_by,
      paidAt: iso(r.paid_at),
      entryId: r.entry_id === null ? null : String(r.entry_id),
    };
  }
}
