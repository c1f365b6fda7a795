import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import { DomainError, isUniqueViolation, offsetOf, queryOne, queryRows, type Actor, type FieldError, type Page, type PageQuery } from '#libs/common';
import { validateCreditCode } from './domain/credit-code.js';
import type { EntityKind } from './dto.js';
import { GeographyService, likeContains } from './geography.service.js';
import { returningRows } from './sql.js';
import { HouseholdsService, type HouseholdView } from './households.service.js';

export interface EntityRecord {
  id: string;
  kind: EntityKind;
  name: string;
  creditCode: string;
  districtId: string;
  villageId: string | null;
  /** Set by the asset-income scheme: such an entity may not guarantee debt or borrow under cover. Read-only here. */
  isAssetIncomeProject: boolean;
  /** Linked households whose status is POOR now: the number that sizes the entity's credit. */
  linkedPoorCount: number;
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

interface EntityRow {
  id: string;
  kind: EntityKind;
  name: string;
  credit_code: string;
  district_id: string;
  village_id: string | null;
  is_asset_income_project: boolean;
  linked_poor_count: number;
  linked_household_count: number;
  created_at: Date;
  updated_at: Date;
}

const SELECT = `SELECT e.*,
    (SELECT count(*)::int FROM entity_linked_households l JOIN households h ON h.id = l.household_id
      WHERE l.entity_id = e.id AND h.status = 'POOR') AS linked_poor_count,
    (SELECT count(*)::int FROM entity_linked_households l WHERE l.entity_id = e.id) AS linked_household_count
  FROM operating_entities e`;

const record = (r: EntityRow): EntityRecord => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  creditCode: r.credit_code,
  districtId: r.district_id,
  villageId: r.village_id,
  isAssetIncomeProject: r.is_asset_income_project,
  linkedPoorCount: r.linked_poor_count,
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
 * a household that graduates stops counting without anyone unlinking it.
 */
@Injectable()
export class EntitiesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly geography: GeographyService,
    private readonly households: HouseholdsService,
  ) {}

  async find(id: string, manager?: EntityManager): Promise<EntityRecord | undefined> {
    const row = await queryOne<EntityRow>(manager ?? this.dataSource.manager, `${SELECT} WHERE e.id = $1`, [id]);
    return row && record(row);
  }

  async get(id: string, manager?: EntityManager): Promise<EntityRecord> {
    const rec = await this.find(id, manager);
    if (!rec) throw new DomainError('NOT_FOUND', `operating entity ${id} not found`);
    return rec;
  }

  async findByCreditCode(creditCode: string, manager?: EntityManager): Promise<EntityRecord | undefined> {
    const row = await queryOne<EntityRow>(manager ?? this.dataSource.manager, `${SELECT} WHERE e.credit_code = $1`, [
      creditCode.trim().toUpperCase(),
    ]);
    return row && record(row);
  }

  /** Linked households with status POOR now (call inside the lending transaction for a consistent figure). */
  async linkedPoorCount(entityId: string, manager?: EntityManager): Promise<number> {
    return (await this.get(entityId, manager)).linkedPoorCount;
  }

  async create(input: EntityInput, manager?: EntityManager): Promise<EntityRecord> {
    const run = async (m: EntityManager) => {
      const code = await this.checkPlacement(m, input, input.creditCode);
      try {
        const [{ id }] = await queryRows<{ id: string }>(
          m,
          `INSERT INTO operating_entities (kind, name, credit_code, district_id, village_id) VALUES ($1,$2,$3,$4,$5) RETURNING id`,
          [input.kind, input.name.trim(), code, input.districtId, input.villageId ?? null],
        );
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
      const locked = await queryOne(m, `SELECT id FROM operating_entities WHERE id = $1 FOR UPDATE`, [id]);
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
        await m.query(
          `UPDATE operating_entities SET kind = $2, name = $3, credit_code = $4, village_id = $5, updated_at = now() WHERE id = $1`,
          [id, merged.kind, merged.name.trim(), code, merged.villageId ?? null],
        );
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
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.kind) where.push(`e.kind = $${params.push(filter.kind)}`);
    if (filter.districtId) where.push(`e.district_id = $${params.push(filter.districtId)}`);
    if (filter.villageId) where.push(`e.village_id = $${params.push(filter.villageId)}`);
    if (filter.name) where.push(`e.name ILIKE $${params.push(likeContains(filter.name))}`);
    if (filter.creditCode) where.push(`e.credit_code = $${params.push(filter.creditCode.trim().toUpperCase())}`);
    if (filter.isAssetIncomeProject !== undefined) where.push(`e.is_asset_income_project = $${params.push(filter.isAssetIncomeProject)}`);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = await queryRows<{ total: number }>(this.dataSource.manager, `SELECT count(*)::int AS total FROM operating_entities e ${clause}`, params);
    const rows = await queryRows<EntityRow>(
      this.dataSource.manager,
      `${SELECT} ${clause} ORDER BY e.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
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
      const ok = await queryOne(this.dataSource.manager, `SELECT 1 FROM loans WHERE entity_id = $1 AND bank_id = $2 LIMIT 1`, [id, viewer.bankId]);
      if (!ok) throw new DomainError('NOT_FOUND', `operating entity ${id} not found`);
    }
    return rec;
  }

  /**
   * Links households under the entity's row lock (links of one entity are serialised). Each new one must exist, be
   * POOR now and live in the entity's district; every failure is reported and nothing is linked. Households already
   * linked are left as they are, so a retried request is harmless.
   */
  async link(entityId: string, householdIds: readonly string[]): Promise<EntityRecord> {
    return this.dataSource.transaction(async (m) => {
      const entity = await queryOne<{ id: string; district_id: string }>(
        m,
        `SELECT id, district_id FROM operating_entities WHERE id = $1 FOR UPDATE`,
        [entityId],
      );
      if (!entity) throw new DomainError('NOT_FOUND', `operating entity ${entityId} not found`);
      const unique = [...new Set(householdIds)];
      const found = new Map((await this.households.getMany(unique, m)).map((h) => [h.id, h]));
      const already = new Set(
        (
          await queryRows<{ household_id: string }>(
            m,
            `SELECT household_id FROM entity_linked_households WHERE entity_id = $1 AND household_id = ANY($2::bigint[])`,
            [entityId, unique],
          )
        ).map((r) => String(r.household_id)),
      );
      const errors: FieldError[] = [];
      householdIds.forEach((hid, i) => {
        const field = `householdIds[${i}]`;
        const h = found.get(hid);
        if (householdIds.indexOf(hid) !== i) errors.push({ field, code: 'HOUSEHOLD_DUPLICATE', message: `household ${hid} is listed twice` });
        else if (!h) errors.push({ field, code: 'HOUSEHOLD_NOT_FOUND', message: `household ${hid} does not exist` });
        // an existing link is kept as it is (a retry is harmless), even if the household no longer counts
        else if (!already.has(hid)) {
          if (h.status !== 'POOR') errors.push({ field, code: 'HOUSEHOLD_NOT_POOR', message: `household ${hid} is ${h.status}, not POOR` });
          if (h.districtId !== entity.district_id) {
            errors.push({ field, code: 'HOUSEHOLD_OTHER_DISTRICT', message: `household ${hid} lives outside the entity's district` });
          }
        }
      });
      if (errors.length) throw new DomainError('ENTITY_LINK_RULES_VIOLATED', 'households could not be linked; nothing was linked', errors);
      const added = await queryRows<{ household_id: string }>(
        m,
        `INSERT INTO entity_linked_households (entity_id, household_id) SELECT $1, unnest($2::bigint[])
         ON CONFLICT (entity_id, household_id) DO NOTHING RETURNING household_id`,
        [entityId, unique],
      );
      const after = await this.get(entityId, m);
      if (added.length) {
        await this.audit.record(m, {
          action: 'ENTITY_HOUSEHOLDS_LINKED',
          entityType: 'operating_entity',
          entityId,
          after: { householdIds: added.map((a) => a.household_id).sort((a, b) => Number(a) - Number(b)), linkedPoorCount: after.linkedPoorCount },
        });
      }
      return after;
    });
  }

  async unlink(entityId: string, householdId: string): Promise<EntityRecord> {
    return this.dataSource.transaction(async (m) => {
      const entity = await queryOne(m, `SELECT id FROM operating_entities WHERE id = $1 FOR UPDATE`, [entityId]);
      if (!entity) throw new DomainError('NOT_FOUND', `operating entity ${entityId} not found`);
      const removed = await returningRows(m, `DELETE FROM entity_linked_households WHERE entity_id = $1 AND household_id = $2 RETURNING household_id`, [
        entityId,
        householdId,
      ]);
      if (!removed.length) throw new DomainError('NOT_FOUND', `household ${householdId} is not linked to operating entity ${entityId}`);
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

  /** The linked households, masked for the viewer, with when they were linked and whether they count now. */
  async linkedHouseholds(
    viewer: Actor | undefined,
    entityId: string,
    page: PageQuery,
  ): Promise<Page<HouseholdView & { linkedAt: string; counts: boolean }>> {
    await this.get(entityId);
    const [{ total }] = await queryRows<{ total: number }>(
      this.dataSource.manager,
      `SELECT count(*)::int AS total FROM entity_linked_households WHERE entity_id = $1`,
      [entityId],
    );
    const links = await queryRows<{ household_id: string; linked_at: Date }>(
      this.dataSource.manager,
      `SELECT household_id, linked_at FROM entity_linked_households WHERE entity_id = $1 ORDER BY household_id LIMIT $2 OFFSET $3`,
      [entityId, page.pageSize, offsetOf(page)],
    );
    const households = new Map((await this.households.getMany(links.map((l) => l.household_id))).map((h) => [h.id, h]));
    const items = links.map((l) => {
      const h = households.get(l.household_id)!;
      return { ...this.households.view(h, viewer), linkedAt: new Date(l.linked_at).toISOString(), counts: h.status === 'POOR' };
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
