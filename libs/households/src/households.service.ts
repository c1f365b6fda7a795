import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import {
  AppConfig,
  Clock,
  DomainError,
  isUniqueViolation,
  offsetOf,
  type Actor,
  type FieldError,
  type Page,
  type PageQuery,
} from '#libs/common';
import { formatYuan, type Fen } from '#libs/money';
import {
  checkStatusRequest,
  derivePovertyStatus,
  resolveStatus,
  sameStatus,
  type PovertyStatus,
  type StatusRequest,
} from './domain/poverty-status.js';
import { birthDateOf, householdFieldErrors, sexOf } from './domain/household-fields.js';
import { ageOn } from './domain/resident-id.js';
import { GeographyService, likeContains, type VillageRecord } from './geography.service.js';
import { HouseholdsStore, type HouseholdJoinedRow, type HouseholdValues } from './store/households.store.js';
import { maskId, maskPhone, seesPersonalData } from './viewer.js';

/** A household as other libraries read it: personal data in full, money in fen. Never send this to a client as is. */
export interface HouseholdRecord {
  id: string;
  villageId: string;
  villageCode: string;
  villageName: string;
  townId: string;
  districtId: string;
  headName: string;
  idNumber: string;
  /** From the ID number (YYYY-MM-DD); `ageOn(birthDate, date)` gives the age on a business date. */
  birthDate: string;
  sex: 'M' | 'F';
  phone: string | null;
  memberCount: number;
  perCapitaIncomeFen: Fen;
  incomeYear: number;
  /** The official status (derived, or overridden with a reason). */
  status: PovertyStatus;
  graduatedYear: number | null;
  /** What income and the poverty line say; differs from `status` only under an override. */
  derivedStatus: PovertyStatus;
  statusOverrideReason: string | null;
  /** The joint-liability group it belongs to, if any. */
  groupId: string | null;
  /** The operating entity whose credit line the household counts toward (its counted link while POOR), or null. */
  countedForEntityId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface HouseholdInput {
  villageId: string;
  headName: string;
  idNumber: string;
  phone?: string | null;
  memberCount: number;
  perCapitaIncomeFen: Fen;
  incomeYear: number;
  status?: PovertyStatus;
  graduatedYear?: number | null;
  overrideReason?: string | null;
}

export type HouseholdPatch = Partial<HouseholdInput> & { clearOverride?: boolean };

export interface HouseholdFilter {
  districtId?: string;
  townId?: string;
  villageId?: string;
  status?: PovertyStatus;
  name?: string;
  idNumber?: string;
}

/** The API shape: money in yuan, personal data masked unless the viewer's role needs it. */
export interface HouseholdView {
  id: string;
  villageId: string;
  villageCode: string;
  villageName: string;
  townId: string;
  districtId: string;
  headName: string;
  idNumber: string | null;
  /** null for roles that read masked data (the ID number contains it). */
  birthDate: string | null;
  age: number;
  sex: 'M' | 'F';
  phone: string | null;
  memberCount: number;
  perCapitaIncome: string;
  incomeYear: number;
  status: PovertyStatus;
  graduatedYear: number | null;
  derivedStatus: PovertyStatus;
  statusOverridden: boolean;
  overrideReason: string | null;
  groupId: string | null;
  /**
   * The operating entity whose credit line (50,000 × linked poor households) the household's poverty status counts
   * toward: one of its links, by its district's rule (earliest active link by default); null when it is not POOR or
   * not linked.
   */
  countedForEntityId: string | null;
  personalDataMasked: boolean;
  createdAt: string;
  updatedAt: string;
}

const dateText = (d: string | Date) => (typeof d === 'string' ? d : d.toISOString().slice(0, 10));

const record = (r: HouseholdJoinedRow): HouseholdRecord => ({
  id: r.id,
  villageId: r.village_id,
  villageCode: r.village_code,
  villageName: r.village_name,
  townId: r.town_id,
  districtId: r.district_id,
  headName: r.head_name,
  idNumber: r.id_number,
  birthDate: dateText(r.birth_date),
  sex: sexOf(r.id_number),
  phone: r.phone,
  memberCount: r.member_count,
  perCapitaIncomeFen: BigInt(r.per_capita_income_fen),
  incomeYear: r.income_year,
  status: r.status,
  graduatedYear: r.graduated_year,
  derivedStatus: r.derived_status,
  statusOverrideReason: r.status_override_reason,
  groupId: r.group_id,
  countedForEntityId: r.status === 'POOR' && r.counted_entity_id !== null ? String(r.counted_entity_id) : null,
  createdAt: new Date(r.created_at).toISOString(),
  updatedAt: new Date(r.updated_at).toISOString(),
});

/** Loan states after which a loan no longer ties its borrower to a village. */
export const FINISHED_LOAN_STATUSES = ['CLOSED', 'WRITTEN_OFF', 'REJECTED', 'CANCELLED'] as const;

const conflictOnIdNumber = (existingId?: string) =>
  new DomainError(
    'CONFLICT',
    'a household with this ID number is already registered',
    [{ field: 'idNumber', code: 'DUPLICATE', message: 'a household with this ID number is already registered' }],
    existingId ? { existingHouseholdId: existingId } : {},
  );

/**
 * The poverty registry's households (建档立卡户). Registration derives the poverty status from per-capita income and
 * the line of the household's district and income year; a registrar may override it only with a reason. Every
 * write is audited with masked personal data; ID numbers never appear in error details or logs.
 */
@Injectable()
export class HouseholdsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly geography: GeographyService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    // stateless; the default keeps hand-wired test harnesses of other libraries working
    private readonly store: HouseholdsStore = new HouseholdsStore(),
  ) {}

  today(): string {
    return this.clock.today(this.config.BUSINESS_TIMEZONE);
  }

  async find(id: string, manager?: EntityManager, opts: { lock?: boolean } = {}): Promise<HouseholdRecord | undefined> {
    const row = await this.store.find(manager ?? this.dataSource.manager, id, opts.lock ?? false);
    return row && record(row);
  }

  /** One household; `lock` takes its row lock in the caller's transaction. */
  async get(id: string, manager?: EntityManager, opts: { lock?: boolean } = {}): Promise<HouseholdRecord> {
    const rec = await this.find(id, manager, opts);
    if (!rec) throw new DomainError('NOT_FOUND', `household ${id} not found`);
    return rec;
  }

  async findByIdNumber(idNumber: string, manager?: EntityManager): Promise<HouseholdRecord | undefined> {
    const row = await this.store.findByIdNumber(manager ?? this.dataSource.manager, idNumber.trim().toUpperCase());
    return row && record(row);
  }

  async getMany(ids: readonly string[], manager?: EntityManager): Promise<HouseholdRecord[]> {
    if (!ids.length) return [];
    const rows = await this.store.getMany(manager ?? this.dataSource.manager, ids);
    return rows.map(record);
  }

  /** Registers a household in its own transaction (or the caller's). */
  async create(input: HouseholdInput, manager?: EntityManager): Promise<HouseholdRecord> {
    const run = async (m: EntityManager) => {
      const today = this.today();
      const errors: FieldError[] = householdFieldErrors(input, today);
      const village = await this.geography.findVillage(input.villageId, m);
      if (!village) errors.push({ field: 'villageId', code: 'UNKNOWN_VILLAGE', message: `village ${input.villageId} does not exist` });
      errors.push(...checkStatusRequest(statusRequest(input), input.incomeYear));
      if (errors.length || !village) throw validationFailed(errors);

      // A graduation year given at registration records the household's poverty history (an earlier 脱贫).
      const history = input.graduatedYear != null ? { status: 'GRADUATED' as const, graduatedYear: input.graduatedYear } : null;
      const resolved = await this.identify(m, village, input.perCapitaIncomeFen, input.incomeYear, history, statusRequest(input));
      const idNumber = input.idNumber.trim().toUpperCase();
      const existing = await this.store.idOfIdNumber(m, idNumber);
      if (existing) throw conflictOnIdNumber(existing);
      const insertedId = await this.store.insert(m, {
        villageId: village.id,
        headName: input.headName.trim(),
        idNumber,
        birthDate: birthDateOf(idNumber),
        phone: input.phone?.trim() || null,
        memberCount: input.memberCount,
        perCapitaIncomeFen: input.perCapitaIncomeFen.toString(),
        incomeYear: input.incomeYear,
        status: resolved.status,
        graduatedYear: resolved.graduatedYear,
        derivedStatus: resolved.derived.status,
        statusOverrideReason: resolved.overrideReason,
      });
      if (!insertedId) throw conflictOnIdNumber();
      const rec = await this.get(insertedId, m);
      await this.audit.record(m, { action: 'HOUSEHOLD_CREATED', entityType: 'household', entityId: rec.id, after: this.auditView(rec) });
      if (resolved.overrideReason) {
        await this.audit.record(m, {
          action: 'HOUSEHOLD_STATUS_OVERRIDDEN',
          entityType: 'household',
          entityId: rec.id,
          after: { status: rec.status, graduatedYear: rec.graduatedYear, derivedStatus: rec.derivedStatus, reason: rec.statusOverrideReason },
        });
      }
      return rec;
    };
    return manager ? run(manager) : this.dataSource.transaction(run);
  }

  /**
   * Edits a household under its row lock. The status is identified again only when an input of the
   * identification changes (village, income, income year, requested status, override); a standing override stays
   * until cleared. Moving to another village is refused while the household is bound to its old one (group,
   * fund membership, open loans, entity links in another district).
   */
  async update(id: string, patch: HouseholdPatch): Promise<HouseholdRecord> {
    return this.dataSource.transaction(async (m) => {
      const before = await this.get(id, m, { lock: true });
      const merged: HouseholdInput = {
        villageId: patch.villageId ?? before.villageId,
        headName: patch.headName ?? before.headName,
        idNumber: patch.idNumber ?? before.idNumber,
        phone: patch.phone === undefined ? before.phone : patch.phone,
        memberCount: patch.memberCount ?? before.memberCount,
        perCapitaIncomeFen: patch.perCapitaIncomeFen ?? before.perCapitaIncomeFen,
        incomeYear: patch.incomeYear ?? before.incomeYear,
      };
      const today = this.today();
      const errors: FieldError[] = householdFieldErrors(merged, today);
      const request: StatusRequest = {
        status: patch.status,
        graduatedYear: patch.graduatedYear,
        overrideReason: patch.overrideReason,
        clearOverride: patch.clearOverride,
      };
      errors.push(...checkStatusRequest(request, merged.incomeYear));
      if (patch.graduatedYear != null && patch.status === undefined) {
        // at registration a bare year records history; on an edit it would be silently ignored, so it is refused
        errors.push({ field: 'graduatedYear', code: 'GRADUATED_YEAR_NOT_ALLOWED', message: 'graduatedYear is only given with status GRADUATED' });
      }
      const village = await this.geography.findVillage(merged.villageId, m);
      if (!village) errors.push({ field: 'villageId', code: 'UNKNOWN_VILLAGE', message: `village ${merged.villageId} does not exist` });
      if (errors.length || !village) throw validationFailed(errors);
      if (village.id !== before.villageId) await this.checkMayMove(m, before, village);

      const reidentify =
        village.id !== before.villageId ||
        merged.perCapitaIncomeFen !== before.perCapitaIncomeFen ||
        merged.incomeYear !== before.incomeYear ||
        patch.status !== undefined ||
        patch.clearOverride === true;
      let status = { status: before.status, graduatedYear: before.graduatedYear, derivedStatus: before.derivedStatus, overrideReason: before.statusOverrideReason };
      if (reidentify) {
        const resolved = await this.identify(m, village, merged.perCapitaIncomeFen, merged.incomeYear, before, request, {
          status: before.status,
          graduatedYear: before.graduatedYear,
          overrideReason: before.statusOverrideReason,
        });
        status = { status: resolved.status, graduatedYear: resolved.graduatedYear, derivedStatus: resolved.derived.status, overrideReason: resolved.overrideReason };
      }

      const idNumber = merged.idNumber.trim().toUpperCase();
      if (idNumber !== before.idNumber) {
        const other = await this.store.idOfIdNumber(m, idNumber, id);
        if (other) throw conflictOnIdNumber(other);
      }
      try {
        const values: HouseholdValues = {
          villageId: village.id,
          headName: merged.headName.trim(),
          idNumber,
          birthDate: birthDateOf(idNumber),
          phone: merged.phone?.trim() || null,
          memberCount: merged.memberCount,
          perCapitaIncomeFen: merged.perCapitaIncomeFen.toString(),
          incomeYear: merged.incomeYear,
          status: status.status,
          graduatedYear: status.graduatedYear,
          derivedStatus: status.derivedStatus,
          statusOverrideReason: status.overrideReason,
        };
        await this.store.update(m, id, values);
      } catch (e) {
        if (isUniqueViolation(e)) throw conflictOnIdNumber();
        throw e;
      }
      const after = await this.get(id, m);
      await this.audit.record(m, {
        action: 'HOUSEHOLD_UPDATED',
        entityType: 'household',
        entityId: id,
        before: this.auditView(before),
        after: this.auditView(after),
      });
      if (after.statusOverrideReason !== before.statusOverrideReason || (after.statusOverrideReason && after.status !== before.status)) {
        await this.audit.record(m, {
          action: after.statusOverrideReason ? 'HOUSEHOLD_STATUS_OVERRIDDEN' : 'HOUSEHOLD_STATUS_OVERRIDE_CLEARED',
          entityType: 'household',
          entityId: id,
          before: { status: before.status, graduatedYear: before.graduatedYear, derivedStatus: before.derivedStatus, reason: before.statusOverrideReason },
          after: { status: after.status, graduatedYear: after.graduatedYear, derivedStatus: after.derivedStatus, reason: after.statusOverrideReason },
        });
      }
      return after;
    });
  }

  async list(filter: HouseholdFilter, page: PageQuery, manager?: EntityManager): Promise<Page<HouseholdRecord>> {
    const { total, rows } = await this.store.list(
      manager ?? this.dataSource.manager,
      {
        districtId: filter.districtId,
        townId: filter.townId,
        villageId: filter.villageId,
        status: filter.status,
        namePattern: filter.name ? likeContains(filter.name) : undefined,
        idNumber: filter.idNumber ? filter.idNumber.trim().toUpperCase() : undefined,
      },
      page.pageSize,
      offsetOf(page),
    );
    return { items: rows.map(record), page: page.page, pageSize: page.pageSize, total };
  }

  // ── the API's view, scoped and masked by role ──

  /**
   * Lists for a viewer. A BANK_OFFICER looks up a borrower it already knows by exact ID number; browsing the
   * registry is for the fund side and the auditor.
   */
  async listFor(viewer: Actor | undefined, filter: HouseholdFilter, page: PageQuery): Promise<Page<HouseholdView>> {
    if (viewer?.role === 'BANK_OFFICER' && !filter.idNumber) {
      throw new DomainError('FORBIDDEN', 'a bank officer looks households up by exact idNumber', [
        { field: 'idNumber', code: 'REQUIRED_FOR_ROLE', message: 'idNumber is required for BANK_OFFICER' },
      ]);
    }
    const result = await this.list(filter, page);
    return { ...result, items: result.items.map((h) => this.view(h, viewer)) };
  }

  /** One household for a viewer. A BANK_OFFICER sees only borrowers with a loan at its bank. */
  async getFor(viewer: Actor | undefined, id: string): Promise<HouseholdView> {
    const rec = await this.get(id);
    if (viewer?.role === 'BANK_OFFICER') {
      if (!(await this.store.hasLoanAtBank(this.dataSource.manager, id, viewer.bankId))) throw new DomainError('NOT_FOUND', `household ${id} not found`);
    }
    return this.view(rec, viewer);
  }

  view(h: HouseholdRecord, viewer: Actor | undefined): HouseholdView {
    const full = seesPersonalData(viewer);
    const today = this.today();
    return {
      id: h.id,
      villageId: h.villageId,
      villageCode: h.villageCode,
      villageName: h.villageName,
      townId: h.townId,
      districtId: h.districtId,
      headName: h.headName,
      idNumber: full ? h.idNumber : maskId(h.idNumber),
      birthDate: full ? h.birthDate : null,
      age: h.birthDate <= today ? ageOn(h.birthDate, today) : 0,
      sex: h.sex,
      phone: full ? h.phone : maskPhone(h.phone),
      memberCount: h.memberCount,
      perCapitaIncome: formatYuan(h.perCapitaIncomeFen),
      incomeYear: h.incomeYear,
      status: h.status,
      graduatedYear: h.graduatedYear,
      derivedStatus: h.derivedStatus,
      statusOverridden: h.statusOverrideReason !== null,
      // the reason can describe illness or disability: the auditor reviews overrides, a bank has no need for it
      overrideReason: viewer?.role === 'BANK_OFFICER' ? null : h.statusOverrideReason,
      groupId: h.groupId,
      countedForEntityId: h.countedForEntityId,
      personalDataMasked: !full,
      createdAt: h.createdAt,
      updatedAt: h.updatedAt,
    };
  }

  /** What the audit log keeps: the masked view (the auditor reads it; personal data stays out). */
  auditView(h: HouseholdRecord): HouseholdView {
    return this.view(h, { userId: null, username: 'audit', role: 'AUDITOR', bankId: null, via: 'system' });
  }

  // ── internals ──

  /** Derives the status against the applicable line and resolves the registrar's request. */
  private async identify(
    m: EntityManager,
    village: VillageRecord,
    incomeFen: Fen,
    incomeYear: number,
    history: { status: PovertyStatus; graduatedYear: number | null } | null,
    request: StatusRequest,
    current?: { status: PovertyStatus; graduatedYear: number | null; overrideReason: string | null },
  ) {
    const line = await this.geography.effectiveLine(village.districtId, incomeYear, m);
    if (!line) {
      throw new DomainError(
        'POVERTY_LINE_MISSING',
        `no poverty line for ${incomeYear} in district ${village.districtId} nor city-wide: an administrator must set it first`,
        [{ field: 'incomeYear', code: 'POVERTY_LINE_MISSING', message: `no poverty line for ${incomeYear}` }],
      );
    }
    const derived = derivePovertyStatus({ perCapitaIncomeFen: incomeFen, incomeYear, lineFen: line.lineFen, history });
    const resolved = resolveStatus(derived, request, current);
    if (!resolved.ok) throw validationFailed(resolved.errors);
    if (resolved.value.overrideReason === null && !sameStatus(resolved.value, derived)) {
      throw new Error('an unexplained status override was about to be stored');
    }
    return resolved.value;
  }

  private async checkMayMove(m: EntityManager, h: HouseholdRecord, to: VillageRecord): Promise<void> {
    const errors: FieldError[] = [];
    if (h.groupId) {
      errors.push({ field: 'villageId', code: 'HOUSEHOLD_IN_GROUP', message: `the household is in joint-liability group ${h.groupId} of its village` });
    }
    const fund = await this.store.fundElsewhere(m, h.id, to.id);
    if (fund) errors.push({ field: 'villageId', code: 'HOUSEHOLD_FUND_MEMBER', message: `the household is a member of mutual-aid fund ${fund}` });
    const loan = await this.store.openLoan(m, h.id, FINISHED_LOAN_STATUSES);
    if (loan) errors.push({ field: 'villageId', code: 'HOUSEHOLD_HAS_OPEN_LOAN', message: `the household has open loan ${loan}` });
    if (to.districtId !== h.districtId) {
      const linked = await this.store.linkedEntity(m, h.id);
      if (linked) {
        errors.push({ field: 'villageId', code: 'HOUSEHOLD_LINKED_TO_ENTITY', message: `the household is linked to operating entity ${linked} of its district` });
      }
    }
    if (errors.length) throw new DomainError('REGISTRY_RULES_VIOLATED', 'the household cannot move to another village now', errors);
  }
}

function statusRequest(input: HouseholdInput): StatusRequest {
  return { status: input.status, graduatedYear: input.graduatedYear ?? null, overrideReason: input.overrideReason ?? null };
}

function validationFailed(errors: FieldError[]): DomainError {
  return new DomainError('VALIDATION_FAILED', `Invalid household: ${[...new Set(errors.map((e) => e.field))].join(', ')}`, errors);
}
