import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import { Clock, DomainError, runIdempotent, type Actor, type FieldError, type Page, type PageQuery } from '#libs/common';
import { OperatingEntitiesStore } from '#libs/households';
import { LedgerService, type PostingLine } from '#libs/ledger';
import { compareDecimal, formatYuan, parseYuan, sumFen, type Fen } from '#libs/money';
import { projectAccounts, projectAccountSpecs } from './accounts.js';
import { AssetIncomeConfig } from './config.js';
import { quantify } from './domain/quantification.js';
import { percentOf, trimPercent } from './domain/thresholds.js';
import type { CreateProjectDto, InjectDto, MoveRightDto, ProjectListQuery, QuantifyDto, RightsQuery, UpdateProjectSettingsDto } from './dto.js';
import { AssetIncomeRightsService, type RightView } from './projects.rights.service.js';
import { ProjectsStore } from './store/projects.store.js';
import { actorName, requireStatus, type ProjectRecord } from './project.js';
import { loadProject, otherClasses } from './store/project-records.store.js';

export type { RightView } from './projects.rights.service.js';

/** A list query without its paging fields (services take the page separately). */
type Filter<T> = Omit<T, 'page' | 'pageSize'>;

export interface ProjectView {
  id: string;
  name: string;
  villageId: string;
  villageName: string;
  districtId: string;
  entityId: string;
  entityName: string;
  businessType: string;
  status: string;
  specialFund: string;
  collectivePercent: string;
  householdWeighting: string;
  rightRule: string;
  floorRatePercent: string;
  /** Whose shares the floor tops up: POOR_HOUSEHOLDS (the case) or ALL_SHARES. */
  floorRecipients: string;
  payoutPercent: string;
  liquidationThreshold: string;
  alertMargin: string;
  capital: { kind: string; amount: string; description: string | null }[];
  totalCapital: string;
  injectedOn: string | null;
  quantifiedOn: string | null;
  liquidationFlaggedYear: number | null;
  liquidatedOn: string | null;
  createdBy: string;
  createdAt: string;
}

const TERMINAL_LOAN_STATUSES = ['CLOSED', 'WRITTEN_OFF', 'REJECTED', 'CANCELLED'];

/**
 * Projects of the asset-income scheme: creation (which puts the entity under the insurance lock), the capital
 * injection, the quantification of the special fund into the share register, and moves of rights.
 */
@Injectable()
export class AssetIncomeProjectsService {
  /** operating_entities belongs to libs/households: flagged through its store, never updated here. */
  private readonly entities = new OperatingEntitiesStore();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly store: ProjectsStore,
    private readonly rightsService: AssetIncomeRightsService,
    private readonly ledger: LedgerService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly config: AssetIncomeConfig,
  ) {}

  private today(): string {
    return this.clock.today();
  }

  async create(dto: CreateProjectDto, actor?: Actor): Promise<ProjectView> {
    return this.dataSource.transaction(async (m) => {
      const errors: FieldError[] = [];
      const village = await this.store.village(m, dto.villageId);
      if (!village) {
        errors.push({ field: 'villageId', code: 'UNKNOWN_VILLAGE', message: `village ${dto.villageId} does not exist` });
      } else {
        if (!village.is_pilot) {
          errors.push({ field: 'villageId', code: 'VILLAGE_NOT_PILOT', message: 'the scheme runs in pilot villages only (villages.is_pilot)' });
        }
        const live = await this.store.liveProjectOfVillage(m, dto.villageId);
        if (live) errors.push({ field: 'villageId', code: 'VILLAGE_HAS_PROJECT', message: `the village already runs project ${live.id}` });
      }
      // FOR UPDATE: flagging the entity must not race a covered loan being registered for it (see the loans trigger)
      const entity = await this.entities.lockForProject(m, dto.entityId);
      if (!entity) {
        errors.push({ field: 'entityId', code: 'UNKNOWN_ENTITY', message: `operating entity ${dto.entityId} does not exist` });
      } else {
        if (entity.kind === 'FAMILY_FARM') {
          errors.push({ field: 'entityId', code: 'ENTITY_KIND', message: 'the project entity must be a company or a cooperative (股份公司或合作社)' });
        }
        if (village && (String(entity.district_id) !== String(village.district_id) || (entity.village_id && String(entity.village_id) !== String(village.id)))) {
          errors.push({ field: 'entityId', code: 'ENTITY_NOT_OF_VILLAGE', message: 'the entity is registered in another village or district' });
        }
        if (entity.is_asset_income_project) {
          errors.push({ field: 'entityId', code: 'ENTITY_ALREADY_LOCKED', message: 'the entity already runs an asset-income project' });
        }
        const n = await this.store.coveredLoanCount(m, dto.entityId, TERMINAL_LOAN_STATUSES);
        if (n > 0) {
          errors.push({
            field: 'entityId',
            code: 'ENTITY_HAS_COVERED_DEBT',
            message: `the entity has ${n} covered loan(s) open: under the insurance lock it may carry no guaranteed debt`,
          });
        }
      }
      const kinds = new Set<string>();
      (dto.otherCapital ?? []).forEach((c, i) => {
        if (kinds.has(c.kind)) errors.push({ field: `otherCapital[${i}].kind`, code: 'DUPLICATE_CLASS', message: `class ${c.kind} is given twice` });
        kinds.add(c.kind);
      });
      if (errors.length) {
        throw new DomainError('ASSET_INCOME_PROJECT_INVALID', `the project breaks ${errors.length} rule(s)`, errors);
      }

      const fen = (v: string | undefined, fallback: Fen) => (v === undefined ? fallback : (parseYuan(v, { allowZero: true }) as { fen: Fen }).fen);
      const by = actorName(actor);
      const id = await this.store.insertProject(m, {
        name: dto.name,
        villageId: dto.villageId,
        districtId: village!.district_id,
        entityId: dto.entityId,
        businessType: dto.businessType,
        specialFundFen: fen(dto.specialFund, this.config.specialFundFen).toString(),
        collectivePercent: dto.collectivePercent ?? this.config.collectivePercent,
        householdWeighting: dto.householdWeighting ?? this.config.householdWeighting,
        rightRule: dto.rightRule ?? this.config.rightRule,
        floorRatePercent: dto.floorRatePercent ?? this.config.floorRatePercent,
        floorRecipients: dto.floorRecipients ?? this.config.floorRecipients,
        payoutPercent: dto.payoutPercent ?? this.config.payoutPercent,
        liquidationThresholdFen: fen(dto.liquidationThreshold, this.config.liquidationThresholdFen).toString(),
        alertMarginFen: fen(dto.alertMargin, this.config.alertMarginFen).toString(),
        createdBy: by,
      });
      for (const c of dto.otherCapital ?? []) {
        await this.store.insertCapitalClass(m, id, c.kind, fen(c.amount, 0n).toString(), c.description ?? null);
      }
      await this.entities.markAssetIncomeProject(m, dto.entityId);
      for (const spec of projectAccountSpecs(id, `AIP ${id}`)) await this.ledger.openAccount(m, spec);
      const view = await this.view(m, id);
      await this.audit.record(m, { action: 'ASSET_INCOME_PROJECT_CREATED', entityType: 'asset_income_project', entityId: id, after: view });
      await this.audit.record(m, {
        action: 'ASSET_INCOME_ENTITY_LOCKED',
        entityType: 'operating_entity',
        entityId: dto.entityId,
        before: { isAssetIncomeProject: false },
        after: { isAssetIncomeProject: true, projectId: id },
      });
      return view;
    });
  }

  /**
   * Changes who the project's floor is paid to. Paid runs keep the rule they were worked out with (each run records
   * it); a prepared run no longer matches and must be previewed again before approval.
   */
  async updateSettings(id: string, dto: UpdateProjectSettingsDto, _actor?: Actor): Promise<ProjectView> {
    return this.dataSource.transaction(async (m) => {
      const p = await loadProject(m, id, true);
      requireStatus(p, ['DRAFT', 'INJECTED', 'ACTIVE', 'LIQUIDATION_REQUIRED'], 'changing its settings');
      if (dto.floorRecipients === p.floorRecipients) return this.view(m, id);
      await this.store.setFloorRecipients(m, id, dto.floorRecipients);
      const view = await this.view(m, id);
      await this.audit.record(m, {
        action: 'ASSET_INCOME_PROJECT_UPDATED',
        entityType: 'asset_income_project',
        entityId: id,
        before: { floorRecipients: p.floorRecipients },
        after: { floorRecipients: view.floorRecipients },
      });
      return view;
    });
  }

  async get(id: string): Promise<ProjectView & { register: Record<string, string | number>; ledger: Record<string, string> }> {
    const m = this.dataSource.manager;
    const view = await this.view(m, id);
    const reg = await this.store.registerTotals(m, id);
    const a = projectAccounts(id);
    const balances = await this.ledger.balances(m, [
      a.operatorCapital,
      a.specialInjected,
      a.specialCollective,
      a.specialHouseholds,
      a.operatorOwes,
      a.dividendsPayable,
    ]);
    const b = (code: string) => formatYuan(balances.get(code) ?? 0n);
    return {
      ...view,
      register: { collective: formatYuan(BigInt(reg.collective)), households: formatYuan(BigInt(reg.households)), householdHolders: reg.holders },
      ledger: {
        operatorCapital: b(a.operatorCapital),
        specialFundUnquantified: b(a.specialInjected),
        specialFundCollective: b(a.specialCollective),
        specialFundHouseholds: b(a.specialHouseholds),
        operatorOwes: b(a.operatorOwes),
        dividendsPayable: b(a.dividendsPayable),
      },
    };
  }

  async list(q: Filter<ProjectListQuery>, page: PageQuery): Promise<Page<ProjectView>> {
    const { ids, total } = await this.store.pageIds(q, page);
    const m = this.dataSource.manager;
    const items: ProjectView[] = [];
    for (const pid of ids) items.push(await this.view(m, pid));
    return { items, page: page.page, pageSize: page.pageSize, total };
  }

  async view(m: EntityManager, id: string): Promise<ProjectView> {
    const p = await loadProject(m, id);
    const names = await this.store.names(m, p.villageId, p.entityId);
    const classes = await otherClasses(m, id);
    return {
      id: p.id,
      name: p.name,
      villageId: p.villageId,
      villageName: names?.village ?? '',
      districtId: p.districtId,
      entityId: p.entityId,
      entityName: names?.entity ?? '',
      businessType: p.businessType,
      status: p.status,
      specialFund: formatYuan(p.specialFundFen),
      collectivePercent: trimPercent(p.collectivePercent),
      householdWeighting: p.householdWeighting,
      rightRule: p.rightRule,
      floorRatePercent: trimPercent(p.floorRatePercent),
      floorRecipients: p.floorRecipients,
      payoutPercent: trimPercent(p.payoutPercent),
      liquidationThreshold: formatYuan(p.liquidationThresholdFen),
      alertMargin: formatYuan(p.alertMarginFen),
      capital: classes.map((c) => ({ kind: c.kind, amount: formatYuan(c.capitalFen), description: c.description })),
      totalCapital: formatYuan(p.specialFundFen + sumFen(classes.map((c) => c.capitalFen))),
      injectedOn: p.injectedOn,
      quantifiedOn: p.quantifiedOn,
      liquidationFlaggedYear: p.liquidationFlaggedYear,
      liquidatedOn: p.liquidatedOn,
      createdBy: p.createdBy,
      createdAt: p.createdAt,
    };
  }

  /** Posts the special fund and the other classes' capital into the project's accounts (one entry). */
  async inject(id: string, dto: InjectDto, idempotencyKey: string, _actor?: Actor): Promise<ProjectView> {
    return this.dataSource.transaction(async (m) => {
      const { result } = await runIdempotent(m, 'asset-income:inject', idempotencyKey, { projectId: id, ...dto }, async () => {
        const p = await loadProject(m, id, true);
        requireStatus(p, ['DRAFT'], 'the capital injection');
        const date = dto.injectedOn ?? this.today();
        if (date > this.today()) {
          throw new DomainError('VALIDATION_FAILED', 'the injection date is in the future', [
            { field: 'injectedOn', code: 'DATE_IN_FUTURE', message: 'may not be after today' },
          ]);
        }
        const a = projectAccounts(id);
        const classes = await otherClasses(m, id);
        const total = p.specialFundFen + sumFen(classes.map((c) => c.capitalFen));
        const lines: PostingLine[] = [
          { account: a.operatorCapital, side: 'DEBIT', amountFen: total },
          { account: a.specialInjected, side: 'CREDIT', amountFen: p.specialFundFen },
          ...classes.map((c): PostingLine => ({ account: a.capital[c.kind], side: 'CREDIT', amountFen: c.capitalFen })),
        ];
        const { entryId } = await this.ledger.post(m, {
          idempotencyKey: `aip:inject:${id}`,
          code: 'AIP_CAPITAL_INJECTION',
          valueDate: date,
          memo: `asset-income project ${id}: special fund ${formatYuan(p.specialFundFen)} and other capital injected`,
          lines,
        });
        await this.store.markInjected(m, id, date, entryId);
        const view = await this.view(m, id);
        await this.audit.record(m, {
          action: 'ASSET_INCOME_CAPITAL_INJECTED',
          entityType: 'asset_income_project',
          entityId: id,
          before: { status: p.status },
          after: { status: view.status, injectedOn: date, entryId, specialFund: view.specialFund, totalCapital: view.totalCapital },
        });
        return view;
      });
      return result;
    });
  }

  /** The quantification the register would get today (or on `asOf`), without writing anything. */
  async previewQuantification(id: string, asOf?: string) {
    const m = this.dataSource.manager;
    const p = await loadProject(m, id);
    const { _q, ...view } = await this.quantification(m, p, asOf ?? this.today());
    void _q;
    return view;
  }

  private async quantification(m: EntityManager, p: ProjectRecord, asOf: string) {
    const poor = await this.store.poorHouseholds(m, p.villageId);
    // with 100 % to the collective there is no households part to hold
    if (poor.length === 0 && compareDecimal(p.collectivePercent, '100') !== 0) {
      throw new DomainError('ASSET_INCOME_NO_POOR_HOUSEHOLDS', `village ${p.villageId} has no registered poor household to quantify shares to`, [
        { field: 'villageId', code: 'ASSET_INCOME_NO_POOR_HOUSEHOLDS', message: 'no household with status POOR' },
      ]);
    }
    const q = quantify(
      p.specialFundFen,
      p.collectivePercent,
      p.householdWeighting,
      poor.map((h) => ({ householdId: String(h.id), memberCount: h.member_count })),
    );
    const byId = new Map(poor.map((h) => [String(h.id), h]));
    return {
      projectId: p.id,
      asOf,
      specialFund: formatYuan(p.specialFundFen),
      collectivePercent: trimPercent(p.collectivePercent),
      weighting: p.householdWeighting,
      collective: formatYuan(q.collectiveFen),
      households: formatYuan(q.householdsFen),
      householdCount: q.households.length,
      people: poor.reduce((n, h) => n + h.member_count, 0),
      rights: q.households.map((h) => ({
        householdId: h.householdId,
        headName: byId.get(h.householdId)!.head_name,
        memberCount: byId.get(h.householdId)!.member_count,
        weight: h.weight,
        amount: formatYuan(h.amountFen),
        sharePercent: percentOf(h.amountFen, p.specialFundFen),
      })),
      _q: q,
    };
  }

  /** 折股量化: writes the share register and moves the special fund into the collective and households accounts. */
  async quantify(id: string, dto: QuantifyDto, idempotencyKey: string, actor?: Actor) {
    return this.dataSource.transaction(async (m) => {
      const { result } = await runIdempotent(m, 'asset-income:quantify', idempotencyKey, { projectId: id, ...dto }, async () => {
        const p = await loadProject(m, id, true);
        requireStatus(p, ['INJECTED'], 'the quantification');
        const asOf = dto.asOf ?? this.today();
        const errors: FieldError[] = [];
        if (asOf > this.today()) errors.push({ field: 'asOf', code: 'DATE_IN_FUTURE', message: 'may not be after today' });
        if (p.injectedOn && asOf < p.injectedOn) errors.push({ field: 'asOf', code: 'BEFORE_INJECTION', message: `may not be before the injection on ${p.injectedOn}` });
        if (errors.length) throw new DomainError('VALIDATION_FAILED', 'invalid quantification date', errors);
        const { _q: q, ...view } = await this.quantification(m, p, asOf);
        const by = actorName(actor);
        if (q.collectiveFen > 0n) {
          await this.store.insertCollectiveRight(m, id, q.collectiveFen.toString(), asOf, by);
        }
        if (q.households.length) {
          await this.store.insertHouseholdRights(
            m,
            id,
            q.households.map((h) => ({ householdId: h.householdId, amountFen: h.amountFen.toString(), weight: h.weight })),
            asOf,
            by,
          );
        }
        const a = projectAccounts(id);
        const lines: PostingLine[] = [{ account: a.specialInjected, side: 'DEBIT', amountFen: p.specialFundFen }];
        if (q.collectiveFen > 0n) lines.push({ account: a.specialCollective, side: 'CREDIT', amountFen: q.collectiveFen });
        if (q.householdsFen > 0n) lines.push({ account: a.specialHouseholds, side: 'CREDIT', amountFen: q.householdsFen });
        const { entryId } = await this.ledger.post(m, {
          idempotencyKey: `aip:quantify:${id}`,
          code: 'AIP_QUANTIFICATION',
          valueDate: asOf,
          memo: `asset-income project ${id}: special fund quantified to the collective and ${q.households.length} poor households`,
          lines,
        });
        await this.store.markQuantified(m, id, asOf, entryId);
        await this.audit.record(m, {
          action: 'ASSET_INCOME_QUANTIFIED',
          entityType: 'asset_income_project',
          entityId: id,
          before: { status: p.status },
          after: { status: 'ACTIVE', asOf, entryId, collective: view.collective, households: view.households, householdCount: view.householdCount },
        });
        return { ...view, status: 'ACTIVE', entryId };
      });
      return result;
    });
  }

  rights(id: string, q: Filter<RightsQuery>, page: PageQuery): Promise<Page<RightView>> {
    return this.rightsService.rights(id, q, page);
  }

  /** Current household rights whose holder is no longer poor while the project's rule moves such rights. */
  pendingMoves(id: string) {
    return this.rightsService.pendingMoves(id);
  }

  /** Moves a household's right (see AssetIncomeRightsService.moveRight). */
  moveRight(id: string, rightId: string, dto: MoveRightDto, idempotencyKey: string, actor?: Actor): Promise<{ closed: RightView; opened: RightView }> {
    return this.rightsService.moveRight(id, rightId, dto, idempotencyKey, actor);
  }
}
