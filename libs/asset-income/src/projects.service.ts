import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import { Clock, DomainError, offsetOf, queryOne, queryRows, runIdempotent, type Actor, type FieldError, type Page, type PageQuery } from '#libs/common';
import { OperatingEntitiesStore } from '#libs/households';
import { LedgerService, type PostingLine } from '#libs/ledger';
import { compareDecimal, formatYuan, parseYuan, sumFen, type Fen } from '#libs/money';
import { projectAccounts, projectAccountSpecs } from './accounts.js';
import { AssetIncomeConfig } from './config.js';
import { quantify } from './domain/quantification.js';
import { percentOf, trimPercent } from './domain/thresholds.js';
import type { CreateProjectDto, InjectDto, MoveRightDto, ProjectListQuery, QuantifyDto, RightsQuery } from './dto.js';
import { actorName, loadProject, otherClasses, requireStatus, type ProjectRecord } from './store.js';

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

export interface RightView {
  id: string;
  holderType: 'COLLECTIVE' | 'HOUSEHOLD';
  householdId: string | null;
  headName: string | null;
  memberCount: number | null;
  householdStatus: string | null;
  amount: string;
  sharePercent: string;
  weight: number;
  validFrom: string;
  validTo: string | null;
  origin: string;
  predecessorId: string | null;
  reason: string | null;
}

interface RightRow {
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
      const village = await queryOne<{ id: string; district_id: string; is_pilot: boolean }>(
        m,
        `SELECT id, district_id, is_pilot FROM villages WHERE id = $1`,
        [dto.villageId],
      );
      if (!village) {
        errors.push({ field: 'villageId', code: 'UNKNOWN_VILLAGE', message: `village ${dto.villageId} does not exist` });
      } else {
        if (!village.is_pilot) {
          errors.push({ field: 'villageId', code: 'VILLAGE_NOT_PILOT', message: 'the scheme runs in pilot villages only (villages.is_pilot)' });
        }
        const live = await queryOne<{ id: string }>(m, `SELECT id FROM aip_projects WHERE village_id = $1 AND status <> 'LIQUIDATED'`, [
          dto.villageId,
        ]);
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
        const [{ n }] = await queryRows<{ n: number }>(
          m,
          `SELECT count(*)::int AS n FROM loans WHERE entity_id = $1 AND channel = 'BANK_COVERED' AND status <> ALL($2)`,
          [dto.entityId, TERMINAL_LOAN_STATUSES],
        );
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
      const [row] = await queryRows<{ id: string }>(
        m,
        `INSERT INTO aip_projects (name, village_id, district_id, entity_id, business_type, special_fund_fen, collective_percent,
                                   household_weighting, right_rule, floor_rate_percent, payout_percent, liquidation_threshold_fen,
                                   alert_margin_fen, created_by)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14) RETURNING id`,
        [
          dto.name,
          dto.villageId,
          village!.district_id,
          dto.entityId,
          dto.businessType,
          fen(dto.specialFund, this.config.specialFundFen).toString(),
          dto.collectivePercent ?? this.config.collectivePercent,
          dto.householdWeighting ?? this.config.householdWeighting,
          dto.rightRule ?? this.config.rightRule,
          dto.floorRatePercent ?? this.config.floorRatePercent,
          dto.payoutPercent ?? this.config.payoutPercent,
          fen(dto.liquidationThreshold, this.config.liquidationThresholdFen).toString(),
          fen(dto.alertMargin, this.config.alertMarginFen).toString(),
          by,
        ],
      );
      const id = String(row.id);
      for (const c of dto.otherCapital ?? []) {
        await m.query(`INSERT INTO aip_capital_classes (project_id, kind, capital_fen, description) VALUES ($1,$2,$3,$4)`, [
          id,
          c.kind,
          fen(c.amount, 0n).toString(),
          c.description ?? null,
        ]);
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

  async get(id: string): Promise<ProjectView & { register: Record<string, string | number>; ledger: Record<string, string> }> {
    const m = this.dataSource.manager;
    const view = await this.view(m, id);
    const [reg] = await queryRows<{ collective: string; households: string; holders: number }>(
      m,
      `SELECT coalesce(sum(amount_fen) FILTER (WHERE holder_type = 'COLLECTIVE'), 0)::text AS collective,
              coalesce(sum(amount_fen) FILTER (WHERE holder_type = 'HOUSEHOLD'), 0)::text AS households,
              count(*) FILTER (WHERE holder_type = 'HOUSEHOLD')::int AS holders
         FROM aip_share_rights WHERE project_id = $1 AND valid_to IS NULL`,
      [id],
    );
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
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.districtId) where.push(`district_id = $${params.push(q.districtId)}`);
    if (q.villageId) where.push(`village_id = $${params.push(q.villageId)}`);
    if (q.status) where.push(`status = $${params.push(q.status)}`);
    if (q.businessType) where.push(`business_type = $${params.push(q.businessType)}`);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const m = this.dataSource.manager;
    const [{ total }] = await queryRows<{ total: number }>(m, `SELECT count(*)::int AS total FROM aip_projects ${clause}`, params);
    const ids = await queryRows<{ id: string }>(
      m,
      `SELECT id FROM aip_projects ${clause} ORDER BY id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    const items: ProjectView[] = [];
    for (const r of ids) items.push(await this.view(m, String(r.id)));
    return { items, page: page.page, pageSize: page.pageSize, total };
  }

  async view(m: EntityManager, id: string): Promise<ProjectView> {
    const p = await loadProject(m, id);
    const names = await queryOne<{ village: string; entity: string }>(
      m,
      `SELECT v.name AS village, e.name AS entity FROM villages v, operating_entities e WHERE v.id = $1 AND e.id = $2`,
      [p.villageId, p.entityId],
    );
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
          businessDate: date,
          memo: `asset-income project ${id}: special fund ${formatYuan(p.specialFundFen)} and other capital injected`,
          lines,
        });
        await m.query(
          `UPDATE aip_projects SET status = 'INJECTED', injected_on = $2, injection_entry_id = $3, updated_at = now() WHERE id = $1`,
          [id, date, entryId],
        );
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
    const poor = await queryRows<{ id: string; head_name: string; member_count: number }>(
      m,
      `SELECT id, head_name, member_count FROM households WHERE village_id = $1 AND status = 'POOR' ORDER BY id`,
      [p.villageId],
    );
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
          await m.query(
            `INSERT INTO aip_share_rights (project_id, holder_type, amount_fen, weight, valid_from, origin, created_by)
             VALUES ($1, 'COLLECTIVE', $2, 1, $3, 'QUANTIFICATION', $4)`,
            [id, q.collectiveFen.toString(), asOf, by],
          );
        }
        if (q.households.length) {
          await m.query(
            `INSERT INTO aip_share_rights (project_id, holder_type, household_id, amount_fen, weight, valid_from, origin, created_by)
             SELECT $1, 'HOUSEHOLD', unnest($2::bigint[]), unnest($3::bigint[]), unnest($4::int[]), $5, 'QUANTIFICATION', $6`,
            [
              id,
              q.households.map((h) => h.householdId),
              q.households.map((h) => h.amountFen.toString()),
              q.households.map((h) => h.weight),
              asOf,
              by,
            ],
          );
        }
        const a = projectAccounts(id);
        const lines: PostingLine[] = [{ account: a.specialInjected, side: 'DEBIT', amountFen: p.specialFundFen }];
        if (q.collectiveFen > 0n) lines.push({ account: a.specialCollective, side: 'CREDIT', amountFen: q.collectiveFen });
        if (q.householdsFen > 0n) lines.push({ account: a.specialHouseholds, side: 'CREDIT', amountFen: q.householdsFen });
        const { entryId } = await this.ledger.post(m, {
          idempotencyKey: `aip:quantify:${id}`,
          code: 'AIP_QUANTIFICATION',
          businessDate: asOf,
          memo: `asset-income project ${id}: special fund quantified to the collective and ${q.households.length} poor households`,
          lines,
        });
        await m.query(
          `UPDATE aip_projects SET status = 'ACTIVE', quantified_on = $2, quantification_entry_id = $3, updated_at = now() WHERE id = $1`,
          [id, asOf, entryId],
        );
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

  async rights(id: string, q: Filter<RightsQuery>, page: PageQuery): Promise<Page<RightView>> {
    const m = this.dataSource.manager;
    const p = await loadProject(m, id);
    const where = ['r.project_id = $1'];
    const params: unknown[] = [id];
    if (q.asOf) where.push(`r.valid_from <= $${params.push(q.asOf)} AND (r.valid_to IS NULL OR r.valid_to > $${params.length})`);
    else if (!q.history) where.push('r.valid_to IS NULL');
    if (q.holderType) where.push(`r.holder_type = $${params.push(q.holderType)}`);
    if (q.householdId) where.push(`r.household_id = $${params.push(q.householdId)}`);
    const clause = where.join(' AND ');
    const [{ total }] = await queryRows<{ total: number }>(m, `SELECT count(*)::int AS total FROM aip_share_rights r WHERE ${clause}`, params);
    const rows = await queryRows<RightRow>(
      m,
      `SELECT r.id, r.holder_type, r.household_id, h.head_name, h.member_count, h.status AS household_status, r.amount_fen, r.weight,
              r.valid_from, r.valid_to, r.origin, r.predecessor_id, r.reason
         FROM aip_share_rights r LEFT JOIN households h ON h.id = r.household_id
        WHERE ${clause} ORDER BY r.holder_type, r.household_id NULLS FIRST, r.id
        LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { items: rows.map((r) => rightView(r, p.specialFundFen)), page: page.page, pageSize: page.pageSize, total };
  }

  /** Current household rights whose holder is no longer poor while the project's rule moves such rights. */
  async pendingMoves(id: string) {
    const m = this.dataSource.manager;
    const p = await loadProject(m, id);
    if (p.rightRule === 'KEEP') return { projectId: id, rightRule: p.rightRule, items: [] };
    const rows = await queryRows<RightRow & { graduated_year: number | null }>(
      m,
      `SELECT r.id, r.holder_type, r.household_id, h.head_name, h.member_count, h.status AS household_status, h.graduated_year,
              r.amount_fen, r.weight, r.valid_from, r.valid_to, r.origin, r.predecessor_id, r.reason
         FROM aip_share_rights r JOIN households h ON h.id = r.household_id
        WHERE r.project_id = $1 AND r.valid_to IS NULL AND h.status <> 'POOR' ORDER BY r.household_id`,
      [id],
    );
    return {
      projectId: id,
      rightRule: p.rightRule,
      items: rows.map((r) => ({ ...rightView(r, p.specialFundFen), graduatedYear: r.graduated_year })),
    };
  }

  /**
   * A household stopped being poor: its right passes to another poor household of the village (rule TRANSFER)
   * or back to the village collective (rule RETURN_TO_COLLECTIVE, which also moves the amount between the
   * special-fund accounts). The old row is closed, never edited otherwise; the new row names it as predecessor.
   * A move may not reach back into a year whose dividends are approved or paid.
   */
  async moveRight(id: string, rightId: string, dto: MoveRightDto, idempotencyKey: string, actor?: Actor): Promise<{ closed: RightView; opened: RightView }> {
    return this.dataSource.transaction(async (m) => {
      const { result } = await runIdempotent(m, 'asset-income:move-right', idempotencyKey, { projectId: id, rightId, ...dto }, async () => {
        const p = await loadProject(m, id, true);
        requireStatus(p, ['ACTIVE', 'LIQUIDATION_REQUIRED'], 'moving a right');
        const right = /^\d{1,18}$/.test(rightId)
          ? await queryOne<RightRow & { project_id: string }>(
              m,
              `SELECT r.*, h.status AS household_status, h.head_name, h.member_count
                 FROM aip_share_rights r LEFT JOIN households h ON h.id = r.household_id
                WHERE r.id = $1 AND r.project_id = $2 FOR UPDATE OF r`,
              [rightId, id],
            )
          : undefined;
        if (!right) throw new DomainError('NOT_FOUND', `right ${rightId} of project ${id} not found`);
        const errors: FieldError[] = [];
        if (p.rightRule === 'KEEP') {
          errors.push({ field: 'rightId', code: 'RIGHT_RULE_KEEP', message: 'this project keeps rights with their households when they graduate' });
        }
        if (right.valid_to !== null) errors.push({ field: 'rightId', code: 'RIGHT_NOT_CURRENT', message: `the right already ended on ${right.valid_to}` });
        if (right.holder_type !== 'HOUSEHOLD') {
          errors.push({ field: 'rightId', code: 'RIGHT_HELD_BY_COLLECTIVE', message: "the collective's right does not move" });
        } else if (right.household_status === 'POOR') {
          errors.push({ field: 'rightId', code: 'HOLDER_STILL_POOR', message: 'the holder is still a registered poor household' });
        }
        if (dto.effectiveDate <= right.valid_from) {
          errors.push({ field: 'effectiveDate', code: 'BEFORE_RIGHT_START', message: `must be after the right's start on ${right.valid_from}` });
        }
        const lastRecord = await queryOne<{ record_date: string }>(
          m,
          `SELECT max(record_date) AS record_date FROM aip_distribution_runs WHERE project_id = $1 AND status IN ('APPROVED','PAID')`,
          [id],
        );
        if (lastRecord?.record_date && dto.effectiveDate <= lastRecord.record_date) {
          errors.push({
            field: 'effectiveDate',
            code: 'BEFORE_PAID_DISTRIBUTION',
            message: `dividends with record date ${lastRecord.record_date} are approved or paid: the move must take effect after it`,
          });
        }
        let recipient: { id: string; village_id: string; status: string } | undefined;
        if (p.rightRule === 'TRANSFER') {
          if (!dto.toHouseholdId) {
            errors.push({ field: 'toHouseholdId', code: 'RECIPIENT_REQUIRED', message: 'rule TRANSFER needs the poor household receiving the right' });
          } else {
            recipient = await queryOne(m, `SELECT id, village_id, status FROM households WHERE id = $1`, [dto.toHouseholdId]);
            if (!recipient) {
              errors.push({ field: 'toHouseholdId', code: 'UNKNOWN_HOUSEHOLD', message: `household ${dto.toHouseholdId} does not exist` });
            } else {
              if (String(recipient.village_id) !== p.villageId) {
                errors.push({ field: 'toHouseholdId', code: 'RECIPIENT_NOT_OF_VILLAGE', message: 'the recipient must live in the project village' });
              }
              if (recipient.status !== 'POOR') {
                errors.push({ field: 'toHouseholdId', code: 'RECIPIENT_NOT_POOR', message: 'the recipient must be a registered poor household' });
              }
              const holds = await queryOne(m, `SELECT 1 FROM aip_share_rights WHERE project_id = $1 AND household_id = $2 AND valid_to IS NULL`, [
                id,
                dto.toHouseholdId,
              ]);
              if (holds) errors.push({ field: 'toHouseholdId', code: 'RECIPIENT_HOLDS_RIGHT', message: 'the recipient already holds a right in this project' });
            }
          }
        } else if (p.rightRule === 'RETURN_TO_COLLECTIVE' && dto.toHouseholdId) {
          errors.push({ field: 'toHouseholdId', code: 'RECIPIENT_NOT_ALLOWED', message: 'under RETURN_TO_COLLECTIVE the right returns to the village collective' });
        }
        if (dto.effectiveDate > this.today()) errors.push({ field: 'effectiveDate', code: 'DATE_IN_FUTURE', message: 'may not be after today' });
        if (errors.length) throw new DomainError('ASSET_INCOME_RIGHT_MOVE_REFUSED', `the right cannot move: ${errors.length} rule(s) broken`, errors);

        const by = actorName(actor);
        await m.query(`UPDATE aip_share_rights SET valid_to = $2 WHERE id = $1`, [rightId, dto.effectiveDate]);
        const toReturn = p.rightRule === 'RETURN_TO_COLLECTIVE';
        const [opened] = await queryRows<{ id: string }>(
          m,
          `INSERT INTO aip_share_rights (project_id, holder_type, household_id, amount_fen, weight, valid_from, origin, predecessor_id, reason, created_by)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING id`,
          [
            id,
            toReturn ? 'COLLECTIVE' : 'HOUSEHOLD',
            toReturn ? null : recipient!.id,
            right.amount_fen,
            right.weight,
            dto.effectiveDate,
            toReturn ? 'RETURN_TO_COLLECTIVE' : 'TRANSFER',
            rightId,
            dto.reason,
            by,
          ],
        );
        let entryId: string | null = null;
        if (toReturn && BigInt(right.amount_fen) > 0n) {
          const a = projectAccounts(id);
          ({ entryId } = await this.ledger.post(m, {
            idempotencyKey: `aip:right-return:${rightId}`,
            code: 'AIP_RIGHT_RETURNED',
            businessDate: dto.effectiveDate,
            memo: `asset-income project ${id}: right ${rightId} of household ${right.household_id} returned to the village collective`,
            lines: [
              { account: a.specialHouseholds, side: 'DEBIT', amountFen: BigInt(right.amount_fen) },
              { account: a.specialCollective, side: 'CREDIT', amountFen: BigInt(right.amount_fen) },
            ],
          }));
        }
        const read = async (rid: string) =>
          rightView(
            (await queryOne<RightRow>(
              m,
              `SELECT r.id, r.holder_type, r.household_id, h.head_name, h.member_count, h.status AS household_status, r.amount_fen, r.weight,
                      r.valid_from, r.valid_to, r.origin, r.predecessor_id, r.reason
                 FROM aip_share_rights r LEFT JOIN households h ON h.id = r.household_id WHERE r.id = $1`,
              [rid],
            ))!,
            p.specialFundFen,
          );
        const out = { closed: await read(rightId), opened: await read(String(opened.id)) };
        await this.audit.record(m, {
          action: 'ASSET_INCOME_RIGHT_MOVED',
          entityType: 'asset_income_project',
          entityId: id,
          before: { rightId, householdId: right.household_id, amount: formatYuan(BigInt(right.amount_fen)) },
          after: { rule: p.rightRule, ...out, entryId },
        });
        return out;
      });
      return result;
    });
  }
}

function rightView(r: RightRow, specialFundFen: Fen): RightView {
  return {
    id: String(r.id),
    holderType: r.holder_type,
    householdId: r.household_id === null ? null : String(r.household_id),
    headName: r.head_name ?? null,
    memberCount: r.member_count ?? null,
    householdStatus: r.household_status ?? null,
    amount: formatYuan(BigInt(r.amount_fen)),
    sharePercent: percentOf(BigInt(r.amount_fen), specialFundFen),
    weight: r.weight,
    validFrom: r.valid_from,
    validTo: r.valid_to,
    origin: r.origin,
    predecessorId: r.predecessor_id === null ? null : String(r.predecessor_id),
    reason: r.reason,
  };
}

