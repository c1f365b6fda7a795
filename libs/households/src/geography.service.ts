import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import { DomainError, isUniqueViolation, offsetOf, type FieldErrorCode, type Page, type PageQuery } from '#libs/common';
import { formatYuan, type Fen } from '#libs/money';
import type { EntityLinkCounting } from './domain/entity-links.js';
import { applicableLine } from './domain/poverty-status.js';
import { GeographyStore, type Paged, type VillageNamedRow } from './store/geography.store.js';
import type { DistrictRow, PovertyLineRow, TownRow } from './store/rows.generated.js';

export interface DistrictRecord {
  id: string;
  code: string;
  name: string;
  /** 脱贫任务重: the district must hold the minimum risk fund. */
  heavyTask: boolean;
  /** Which link of a poor household linked to several operating entities counts toward a credit line. */
  entityLinkCounting: EntityLinkCounting;
  createdAt: string;
  updatedAt: string;
}

export interface TownRecord {
  id: string;
  districtId: string;
  code: string;
  name: string;
  createdAt: string;
  updatedAt: string;
}

export interface VillageRecord {
  id: string;
  townId: string;
  districtId: string;
  code: string;
  name: string;
  /** Asset-income pilot village (资产收益试点). */
  isPilot: boolean;
  townName: string;
  districtName: string;
  createdAt: string;
  updatedAt: string;
}

export interface PovertyLineRecord {
  id: string;
  /** null: the city-wide line. */
  districtId: string | null;
  scope: 'CITY' | 'DISTRICT';
  year: number;
  lineFen: Fen;
  note: string | null;
  createdAt: string;
  updatedAt: string;
}

const iso = (d: Date | string) => new Date(d).toISOString();

const district = (r: DistrictRow): DistrictRecord => ({
  id: r.id,
  code: r.code,
  name: r.name,
  heavyTask: r.heavy_task,
  entityLinkCounting: r.entity_link_counting,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});

const town = (r: TownRow): TownRecord => ({
  id: r.id,
  districtId: r.district_id,
  code: r.code,
  name: r.name,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});

const village = (r: VillageNamedRow): VillageRecord => ({
  id: r.id,
  townId: r.town_id,
  districtId: r.district_id,
  code: r.code,
  name: r.name,
  isPilot: r.is_pilot,
  townName: r.town_name,
  districtName: r.district_name,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});
const line = (r: PovertyLineRow): PovertyLineRecord => ({
  id: r.id,
  districtId: r.district_id,
  scope: r.district_id === null ? 'CITY' : 'DISTRICT',
  year: r.year,
  lineFen: BigInt(r.line_fen),
  note: r.note,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});

/** A poverty line as the API shows it: money as a yuan string. */
export const povertyLineView = (l: PovertyLineRecord) => {
  const { lineFen, ...rest } = l;
  return { ...rest, line: formatYuan(lineFen) };
};

/** Escapes LIKE wildcards so a search for "50%" means the text. */
export const likeContains = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

const codeConflict = (what: string, code: string) =>
  new DomainError('CONFLICT', `a ${what} with code ${code} already exists`, [{ field: 'code', code: 'DUPLICATE', message: 'already exists' }]);

/**
 * Districts (with the heavy-task flag), towns, villages (with the pilot flag) and the poverty lines per
 * jurisdiction and year. Codes nest (village code starts with its town code, town code with its district code) and
 * never change, nor does a village's town or a town's district: households, funds and loans hang off them.
 */
@Injectable()
export class GeographyService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    // stateless; the default keeps hand-wired test harnesses of other libraries working
    private readonly store: GeographyStore = new GeographyStore(),
  ) {}

  private m(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  // ── districts ──

  async createDistrict(
    input: { code: string; name: string; heavyTask?: boolean; entityLinkCounting?: EntityLinkCounting },
    manager?: EntityManager,
  ): Promise<DistrictRecord> {
    const run = async (m: EntityManager) => {
      try {
        const row = await this.store.insertDistrict(m, {
          code: input.code,
          name: input.name,
          heavyTask: input.heavyTask ?? false,
          entityLinkCounting: input.entityLinkCounting ?? 'EARLIEST_LINK',
        });
        const rec = district(row);
        await this.audit.record(m, { action: 'DISTRICT_CREATED', entityType: 'district', entityId: rec.id, after: rec });
        return rec;
      } catch (e) {
        if (isUniqueViolation(e)) throw codeConflict('district', input.code);
        throw e;
      }
    };
    return manager ? run(manager) : this.dataSource.transaction(run);
  }

  /** Name, heavy-task flag or link-counting rule (a changed rule applies to every count read from then on). */
  async updateDistrict(id: string, patch: { name?: string; heavyTask?: boolean; entityLinkCounting?: EntityLinkCounting }): Promise<DistrictRecord> {
    return this.dataSource.transaction(async (m) => {
      const before = await this.store.lockDistrict(m, id);
      if (!before) throw new DomainError('NOT_FOUND', `district ${id} not found`);
      const row = await this.store.updateDistrict(m, id, {
        name: patch.name ?? before.name,
        heavyTask: patch.heavyTask ?? before.heavy_task,
        entityLinkCounting: patch.entityLinkCounting ?? before.entity_link_counting,
      });
      const after = district(row);
      await this.audit.record(m, { action: 'DISTRICT_UPDATED', entityType: 'district', entityId: id, before: district(before), after });
      return after;
    });
  }

  async findDistrict(id: string, manager?: EntityManager): Promise<DistrictRecord | undefined> {
    const row = await this.store.findDistrict(this.m(manager), id);
    return row && district(row);
  }

  async getDistrict(id: string, manager?: EntityManager): Promise<DistrictRecord> {
    const rec = await this.findDistrict(id, manager);
    if (!rec) throw new DomainError('NOT_FOUND', `district ${id} not found`);
    return rec;
  }

  async findDistrictByCode(code: string, manager?: EntityManager): Promise<DistrictRecord | undefined> {
    const row = await this.store.findDistrictByCode(this.m(manager), code);
    return row && district(row);
  }

  async listDistricts(filter: { heavyTask?: boolean; q?: string }, page: PageQuery): Promise<Page<DistrictRecord>> {
    const q = filter.q ? likeContains(filter.q) : undefined;
    return paged(await this.store.listDistricts(this.dataSource.manager, { heavyTask: filter.heavyTask, qPattern: q }, page.pageSize, offsetOf(page)), page, district);
  }

  // ── towns ──

  async createTown(input: { districtId: string; code: string; name: string }, manager?: EntityManager): Promise<TownRecord> {
    const run = async (m: EntityManager) => {
      const d = await this.findDistrict(input.districtId, m);
      if (!d) throw invalid('districtId', 'UNKNOWN_DISTRICT', `district ${input.districtId} does not exist`);
      if (!input.code.startsWith(d.code)) {
        throw invalid('code', 'CODE_NOT_IN_PARENT', `a town code starts with its district code ${d.code}`);
      }
      try {
        const row = await this.store.insertTown(m, input);
        const rec = town(row);
        await this.audit.record(m, { action: 'TOWN_CREATED', entityType: 'town', entityId: rec.id, after: rec });
        return rec;
      } catch (e) {
        if (isUniqueViolation(e)) throw codeConflict('town', input.code);
        throw e;
      }
    };
    return manager ? run(manager) : this.dataSource.transaction(run);
  }

  async updateTown(id: string, patch: { name: string }): Promise<TownRecord> {
    return this.dataSource.transaction(async (m) => {
      const before = await this.store.lockTown(m, id);
      if (!before) throw new DomainError('NOT_FOUND', `town ${id} not found`);
      const row = await this.store.renameTown(m, id, patch.name);
      const after = town(row);
      await this.audit.record(m, { action: 'TOWN_UPDATED', entityType: 'town', entityId: id, before: town(before), after });
      return after;
    });
  }

  async getTown(id: string, manager?: EntityManager): Promise<TownRecord> {
    const row = await this.store.findTown(this.m(manager), id);
    if (!row) throw new DomainError('NOT_FOUND', `town ${id} not found`);
    return town(row);
  }

  async listTowns(filter: { districtId?: string; q?: string }, page: PageQuery): Promise<Page<TownRecord>> {
    const q = filter.q ? likeContains(filter.q) : undefined;
    return paged(await this.store.listTowns(this.dataSource.manager, { districtId: filter.districtId, qPattern: q }, page.pageSize, offsetOf(page)), page, town);
  }

  // ── villages ──

  async createVillage(
    input: { townId: string; code: string; name: string; isPilot?: boolean },
    manager?: EntityManager,
  ): Promise<VillageRecord> {
    const run = async (m: EntityManager) => {
      const t = await this.store.findTown(m, input.townId);
      if (!t) throw invalid('townId', 'UNKNOWN_TOWN', `town ${input.townId} does not exist`);
      if (!input.code.startsWith(t.code)) {
        throw invalid('code', 'CODE_NOT_IN_PARENT', `a village code starts with its town code ${t.code}`);
      }
      try {
        const id = await this.store.insertVillage(m, {
          townId: t.id,
          districtId: t.district_id,
          code: input.code,
          name: input.name,
          isPilot: input.isPilot ?? false,
        });
        const rec = await this.getVillage(id, m);
        await this.audit.record(m, { action: 'VILLAGE_CREATED', entityType: 'village', entityId: id, after: rec });
        return rec;
      } catch (e) {
        if (isUniqueViolation(e)) throw codeConflict('village', input.code);
        throw e;
      }
    };
    return manager ? run(manager) : this.dataSource.transaction(run);
  }

  async updateVillage(id: string, patch: { name?: string; isPilot?: boolean }): Promise<VillageRecord> {
    return this.dataSource.transaction(async (m) => {
      if (!(await this.store.lockVillage(m, id))) throw new DomainError('NOT_FOUND', `village ${id} not found`);
      const before = await this.getVillage(id, m);
      await this.store.updateVillage(m, id, { name: patch.name ?? before.name, isPilot: patch.isPilot ?? before.isPilot });
      const after = await this.getVillage(id, m);
      await this.audit.record(m, { action: 'VILLAGE_UPDATED', entityType: 'village', entityId: id, before, after });
      return after;
    });
  }

  async findVillage(id: string, manager?: EntityManager): Promise<VillageRecord | undefined> {
    const row = await this.store.findVillage(this.m(manager), id);
    return row && village(row);
  }

  async getVillage(id: string, manager?: EntityManager): Promise<VillageRecord> {
    const rec = await this.findVillage(id, manager);
    if (!rec) throw new DomainError('NOT_FOUND', `village ${id} not found`);
    return rec;
  }

  async findVillageByCode(code: string, manager?: EntityManager): Promise<VillageRecord | undefined> {
    const row = await this.store.findVillageByCode(this.m(manager), code);
    return row && village(row);
  }

  /** The district a village belongs to (the jurisdiction of its poverty line and its guarantee fund). */
  async districtOfVillage(villageId: string, manager?: EntityManager): Promise<DistrictRecord> {
    const row = await this.store.districtOfVillage(this.m(manager), villageId);
    if (!row) throw new DomainError('NOT_FOUND', `village ${villageId} not found`);
    return district(row);
  }

  async listVillages(
    filter: { districtId?: string; townId?: string; isPilot?: boolean; q?: string },
    page: PageQuery,
  ): Promise<Page<VillageRecord>> {
    const where = { districtId: filter.districtId, townId: filter.townId, isPilot: filter.isPilot, qPattern: filter.q ? likeContains(filter.q) : undefined };
    return paged(await this.store.listVillages(this.dataSource.manager, where, page.pageSize, offsetOf(page)), page, village);
  }

  // ── poverty lines ──

  async createPovertyLine(
    input: { districtId?: string | null; year: number; lineFen: Fen; note?: string | null },
    manager?: EntityManager,
  ): Promise<PovertyLineRecord> {
    if (input.lineFen <= 0n) throw invalid('line', 'isYuan', 'line must be greater than zero');
    const run = async (m: EntityManager) => {
      if (input.districtId && !(await this.findDistrict(input.districtId, m))) {
        throw invalid('districtId', 'UNKNOWN_DISTRICT', `district ${input.districtId} does not exist`);
      }
      try {
        const row = await this.store.insertPovertyLine(m, {
          districtId: input.districtId ?? null,
          year: input.year,
          lineFen: input.lineFen.toString(),
          note: input.note ?? null,
        });
        const rec = line(row);
        await this.audit.record(m, { action: 'POVERTY_LINE_CREATED', entityType: 'poverty_line', entityId: rec.id, after: povertyLineView(rec) });
        return rec;
      } catch (e) {
        if (isUniqueViolation(e)) {
          throw new DomainError('CONFLICT', `a ${input.districtId ? 'district' : 'city-wide'} poverty line for ${input.year} already exists`, [
            { field: 'year', code: 'DUPLICATE', message: 'this jurisdiction already has a line for that year' },
          ]);
        }
        throw e;
      }
    };
    return manager ? run(manager) : this.dataSource.transaction(run);
  }

  /**
   * Corrects a line. Households already registered keep their stored status until they are next updated (the
   * status is the identification made at the time); the audit row records the correction.
   */
  async updatePovertyLine(id: string, patch: { lineFen?: Fen; note?: string | null }): Promise<PovertyLineRecord> {
    if (patch.lineFen !== undefined && patch.lineFen <= 0n) throw invalid('line', 'isYuan', 'line must be greater than zero');
    return this.dataSource.transaction(async (m) => {
      const before = await this.store.lockPovertyLine(m, id);
      if (!before) throw new DomainError('NOT_FOUND', `poverty line ${id} not found`);
      const row = await this.store.updatePovertyLine(m, id, {
        lineFen: (patch.lineFen ?? BigInt(before.line_fen)).toString(),
        note: patch.note === undefined ? before.note : patch.note,
      });
      const after = line(row);
      await this.audit.record(m, {
        action: 'POVERTY_LINE_UPDATED',
        entityType: 'poverty_line',
        entityId: id,
        before: povertyLineView(line(before)),
        after: povertyLineView(after),
      });
      return after;
    });
  }

  async getPovertyLine(id: string): Promise<PovertyLineRecord> {
    const row = await this.store.findPovertyLine(this.dataSource.manager, id);
    if (!row) throw new DomainError('NOT_FOUND', `poverty line ${id} not found`);
    return line(row);
  }

  async listPovertyLines(
    filter: { districtId?: string; scope?: 'CITY' | 'DISTRICT'; year?: number },
    page: PageQuery,
  ): Promise<Page<PovertyLineRecord>> {
    return paged(await this.store.listPovertyLines(this.dataSource.manager, filter, page.pageSize, offsetOf(page)), page, line);
  }

  /** The line that applies to a district and year: the district's own, else the city-wide one; undefined if neither. */
  async effectiveLine(districtId: string, year: number, manager?: EntityManager): Promise<PovertyLineRecord | undefined> {
    const rows = await this.store.linesFor(this.m(manager), districtId, year);
    return applicableLine(rows.map(line), districtId, year);
  }
}

function paged<R, T>(result: Paged<R>, page: PageQuery, map: (r: R) => T): Page<T> {
  return { items: result.rows.map(map), page: page.page, pageSize: page.pageSize, total: result.total };
}

export function invalid(field: string, code: FieldErrorCode, message: string): DomainError {
  return new DomainError('VALIDATION_FAILED', message, [{ field, code, message }]);
}
