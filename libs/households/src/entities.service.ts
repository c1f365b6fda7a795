import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import { DomainError, isUniqueViolation, offsetOf, type Actor, type FieldError, type Page, type PageQuery } from '#libs/common';
import { validateCreditCode } from './domain/credit-code.js';
import { checkEntityLinks } from './domain/entity-links.js';
import type { EntityKind } from './dto.js';
import { GeographyService, likeContains } from './geography.service.js';
import { HouseholdsService, type HouseholdView } from './households.service.js';
import { EntitiesStore, type EntityCountedRow } from './store/entities.store.js';

export interface EntityRecord {
  id: string;
  kind: EntityKind;
  name: string;
  creditCode: string;
  districtId: string;
  villageId: string | null;
  /** Set by the asset-income scheme: such an entity may not guarantee debt or borrow under cover. Read-only here. */
  isAssetIncomeProject: boolean;
  /**
   * Linked households whose status is POOR now and whose counted link is this entity: the number that sizes the
   * entity's credit (50,000 × it). A poor household linked to several entities counts for one of them only, by its
   * district's rule (`entityLinkCounting`: the earliest active link by default).
   */
  linkedPoorCount: number;
  /** Linked households POOR now but counted toward another entity's line (they linked there first, by the rule). */
  linkedPoorCountedElsewhere: number;
  linkedHouseholdCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface EntityInput {
  kind: EntityKind;
  name: string;
  creditCode: string;
  districtId: string;
  villageId?: string | null;
}

export interface EntityFilter {
  kind?: EntityKind;
  districtId?: string;
  villageId?: string;
  name?: string;
  creditCode?: string;
  isAssetIncomeProject?: boolean;
}

const record = (r: EntityCountedRow): EntityRecord => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  creditCode: r.credit_code,
  districtId: r.district_id,
  villageId: r.village_id,
  isAssetIncomeProject: r.is_asset_income_project,
  linkedPoorCount: r.linked_poor_count,
  linkedPoorCountedElsewhere: r.linked_poor_counted_elsewhere,
  linkedHouseholdCount: r.linked_household_count,
  createdAt: new Date(r.created_at).toISOString(),
  updatedAt: new Date(r.updated_at).toISOString(),
});

const creditCodeConflict = () =>
  new DomainError('CONFLICT', 'an operating entity with this credit code is already registered', [
    { field: 'creditCode', code: 'DUPLICATE', message: 'already registered' },
  ]);

/**
 * Operating entities (经营主体: enterprises, cooperatives, family farms) that drive poor households. The households
 * linked to an entity are what sizes its covered credit, and only those whose status is POOR at the time count:
 * a household that graduates stops counting without anyone unlinking it. A poor household linked to several
 * entities counts toward one line at a time (its counted link, by its district's rule; see countedEntitySql): when
 * that link ends it counts for its next active link.
 */
@Injectable()
export class EntitiesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly geography: GeographyService,
    private readonly households: HouseholdsService,
    // stateless; the default keeps hand-wired test harnesses of other libraries working
    private readonly store: EntitiesStore = new EntitiesStore(),
  ) {}

  async find(id: string, manager?: EntityManager): Promise<EntityRecord | undefined> {
    const row = await this.store.find(manager ?? this.dataSource.manager, id);
    return row && record(row);
  }

  /** One entity; `lock` takes its row lock first, in the caller's transaction (links are changed under it too). */
  async get(id: string, manager?: EntityManager, opts: { lock?: boolean } = {}): Promise<EntityRecord> {
    if (opts.lock && manager && !(await this.store.lock(manager, id)))
      throw new DomainError('NOT_FOUND', `operating entity ${id} not found`);
    const rec = await this.find(id, manager);
    if (!rec) throw new DomainError('NOT_FOUND', `operating entity ${id} not found`);
    return rec;
  }

  async findByCreditCode(creditCode: string, manager?: EntityManager): Promise<EntityRecord | undefined> {
    const row = await this.store.findByCreditCode(manager ?? this.dataSource.manager, creditCode.trim().toUpperCase());
    return row && record(row);
  }

  /** Linked households POOR now and counted for this entity (call inside the lending transaction for a consistent figure). */
  async linkedPoorCount(entityId: string, manager?: EntityManager): Promise<number> {
    return (await this.get(entityId, manager)).linkedPoorCount;
  }

  async create(input: EntityInput, manager?: EntityManager): Promise<EntityRecord> {
    const run = async (m: EntityManager) => {
      const code = await this.checkPlacement(m, input, input.creditCode);
      try {
        const id = await this.store.insert(m, input.districtId, {
          kind: input.kind,
          name: input.name.trim(),
          creditCode: code,
          villageId: input.villageId ?? null,
        });
        const rec = await this.get(id, m);
        await this.audit.record(m, { action: 'ENTITY_CREATED', entityType: 'operating_entity', entityId: id, after: rec });
        return rec;
      } catch (e) {
        if (isUniqueViolation(e)) throw creditCodeConflict();
        throw e;
      }
    };
    return manager ? run(manager) : this.dataSource.transaction(run);
  }

  /** Edits name, kind, credit code or village; the district is fixed (its poor households are linked). */
  async update(id: string, patch: { kind?: EntityKind; name?: string; creditCode?: string; villageId?: string | null }): Promise<EntityRecord> {
    return this.dataSource.transaction(async (m) => {
      const locked = await this.store.lock(m, id);
      if (!locked) throw new DomainError('NOT_FOUND', `operating entity ${id} not found`);
      const before = await this.get(id, m);
      const merged: EntityInput = {
        kind: patch.kind ?? before.kind,
        name: patch.name ?? before.name,
        creditCode: patch.creditCode ?? before.creditCode,
        districtId: before.districtId,
        villageId: patch.villageId === undefined ? before.villageId : patch.villageId,
      };
      const code = await this.checkPlacement(m, merged, merged.creditCode);
      try {
        await this.store.update(m, id, { kind: merged.kind, name: merged.name.trim(), creditCode: code, villageId: merged.villageId ?? null });
      } catch (e) {
        if (isUniqueViolation(e)) throw creditCodeConflict();
        throw e;
      }
      const after = await this.get(id, m);
      await this.audit.record(m, { action: 'ENTITY_UPDATED', entityType: 'operating_entity', entityId: id, before, after });
      return after;
    });
  }

  async list(filter: EntityFilter, page: PageQuery): Promise<Page<EntityRecord>> {
    const { total, rows } = await this.store.list(
      this.dataSource.manager,
      {
        kind: filter.kind,
        districtId: filter.districtId,
        villageId: filter.villageId,
        namePattern: filter.name ? likeContains(filter.name) : undefined,
        creditCode: filter.creditCode ? filter.creditCode.trim().toUpperCase() : undefined,
        isAssetIncomeProject: filter.isAssetIncomeProject,
      },
      page.pageSize,
      offsetOf(page),
    );
    return { items: rows.map(record), page: page.page, pageSize: page.pageSize, total };
  }

  /** A BANK_OFFICER looks an entity up by its exact credit code (it knows its borrower); others browse. */
  async listFor(viewer: Actor | undefined, filter: EntityFilter, page: PageQuery): Promise<Page<EntityRecord>> {
    if (viewer?.role === 'BANK_OFFICER' && !filter.creditCode) {
      throw new DomainError('FORBIDDEN', 'a bank officer looks operating entities up by exact creditCode', [
        { field: 'creditCode', code: 'REQUIRED_FOR_ROLE', message: 'creditCode is required for BANK_OFFICER' },
      ]);
    }
    return this.list(filter, page);
  }

  /** One entity for a viewer: a BANK_OFFICER sees only entities with a loan at its bank. */
  async getFor(viewer: Actor | undefined, id: string): Promise<EntityRecord> {
    const rec = await this.get(id);
    if (viewer?.role === 'BANK_OFFICER') {
      if (!(await this.store.hasLoanAtBank(this.dataSource.manager, id, viewer.bankId))) throw new DomainError('NOT_FOUND', `operating entity ${id} not found`);
    }
    return rec;
  }

  /**
   * Links households under the entity's row lock (links of one entity are serialised). Each new one must exist, be
   * POOR now and live in the entity's district; every failure is reported and nothing is linked. Households already
   * linked are left as they are, so a retried request is harmless.
   */
  async link(entityId: string, householdIds: readonly string[], manager?: EntityManager): Promise<EntityRecord> {
    const run = <T>(fn: (m: EntityManager) => Promise<T>) => (manager ? fn(manager) : this.dataSource.transaction(fn));
    return run(async (m) => {
      const entity = await this.store.lock(m, entityId);
      if (!entity) throw new DomainError('NOT_FOUND', `operating entity ${entityId} not found`);
      const unique = [...new Set(householdIds)];
      const found = new Map((await this.households.getMany(unique, m)).map((h) => [h.id, h]));
      const already = await this.store.linkedAmong(m, entityId, unique);
      const errors: FieldError[] = checkEntityLinks({ householdIds, found, alreadyLinked: already, entityDistrictId: entity.district_id });
      if (errors.length) throw new DomainError('ENTITY_LINK_RULES_VIOLATED', 'households could not be linked; nothing was linked', errors);
      const added = await this.store.link(m, entityId, unique);
      const after = await this.get(entityId, m);
      if (added.length) {
        await this.audit.record(m, {
          action: 'ENTITY_HOUSEHOLDS_LINKED',
          entityType: 'operating_entity',
          entityId,
          after: { householdIds: [...added].sort((a, b) => Number(a) - Number(b)), linkedPoorCount: after.linkedPoorCount },
        });
      }
      return after;
    });
  }

  async unlink(entityId: string, householdId: string): Promise<EntityRecord> {
    return this.dataSource.transaction(async (m) => {
      const entity = await this.store.lock(m, entityId);
      if (!entity) throw new DomainError('NOT_FOUND', `operating entity ${entityId} not found`);
      if (!(await this.store.unlink(m, entityId, householdId))) {
        throw new DomainError('NOT_FOUND', `household ${householdId} is not linked to operating entity ${entityId}`);
      }
      const after = await this.get(entityId, m);
      await this.audit.record(m, {
        action: 'ENTITY_HOUSEHOLD_UNLINKED',
        entityType: 'operating_entity',
        entityId,
        before: { householdId },
        after: { linkedPoorCount: after.linkedPoorCount },
      });
      return after;
    });
  }

  /**
   * The linked households, masked for the viewer, with when they were linked and whether they count now toward this
   * entity's line (`counts`); `countedForEntityId` (from the household view) names the entity a poor household
   * counts for, another one when it is counted there.
   */
  async linkedHouseholds(
    viewer: Actor | undefined,
    entityId: string,
    page: PageQuery,
  ): Promise<Page<HouseholdView & { linkedAt: string; counts: boolean; countedElsewhere: boolean }>> {
    await this.get(entityId);
    const total = await this.store.countLinks(this.dataSource.manager, entityId);
    const links = await this.store.links(this.dataSource.manager, entityId, page.pageSize, offsetOf(page));
    const households = new Map((await this.households.getMany(links.map((l) => l.household_id))).map((h) => [h.id, h]));
    const items = links.map((l) => {
      const h = households.get(l.household_id)!;
      const poor = h.status === 'POOR';
      const here = String(l.counted_entity_id) === String(entityId);
      return {
        ...this.households.view(h, viewer),
        linkedAt: new Date(l.linked_at).toISOString(),
        counts: poor && here,
        countedElsewhere: poor && !here,
      };
    });
    return { items, page: page.page, pageSize: page.pageSize, total };
  }

  /** Credit code, district and village rules; returns the normalised code. Every failure at once. */
  private async checkPlacement(m: EntityManager, input: EntityInput, creditCode: string): Promise<string> {
    const errors: FieldError[] = [];
    const cc = validateCreditCode(creditCode);
    if (!cc.ok) errors.push({ field: 'creditCode', code: 'isCreditCode', message: `creditCode ${cc.message}` });
    if (!input.name?.trim() || input.name.trim().length > 100) errors.push({ field: 'name', code: 'isLength', message: 'name must be 1-100 characters' });
    const district = await this.geography.findDistrict(input.districtId, m);
    if (!district) errors.push({ field: 'districtId', code: 'UNKNOWN_DISTRICT', message: `district ${input.districtId} does not exist` });
    if (input.villageId) {
      const village = await this.geography.findVillage(input.villageId, m);
      if (!village) errors.push({ field: 'villageId', code: 'UNKNOWN_VILLAGE', message: `village ${input.villageId} does not exist` });
      else if (district && village.districtId !== district.id) {
        errors.push({ field: 'villageId', code: 'VILLAGE_OTHER_DISTRICT', message: `village ${input.villageId} is not in district ${district.id}` });
      }
    }
    if (errors.length) {
      throw new DomainError('VALIDATION_FAILED', `Invalid operating entity: ${[...new Set(errors.map((x) => x.field))].join(', ')}`, errors);
    }
    return cc.ok ? cc.creditCode : creditCode;
  }
}
