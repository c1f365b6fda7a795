import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import { DomainError, isUniqueViolation, offsetOf, queryOne, queryRows, type Page, type PageQuery } from '#libs/common';
import { formatYuan, type Fen } from '#libs/money';
import { applicableLine } from './domain/poverty-status.js';
import { returningRows } from './sql.js';

export interface DistrictRecord {
  id: string;
  code: string;
  name: string;
  /** 脱贫任务重: the district must hold the minimum risk fund. */
  heavyTask: boolean;
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

interface DistrictRow {
  id: string;
  code: string;
  name: string;
  heavy_task: boolean;
  created_at: Date;
  updated_at: Date;
}
const district = (r: DistrictRow): DistrictRecord => ({
  id: r.id,
  code: r.code,
  name: r.name,
  heavyTask: r.heavy_task,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});

interface TownRow {
  id: string;
  district_id: string;
  code: string;
  name: string;
  created_at: Date;
  updated_at: Date;
}
const town = (r: TownRow): TownRecord => ({
  id: r.id,
  districtId: r.district_id,
  code: r.code,
  name: r.name,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});

interface VillageRow {
  id: string;
  town_id: string;
  district_id: string;
  code: string;
  name: string;
  is_pilot: boolean;
  town_name: string;
  district_name: string;
  created_at: Date;
  updated_at: Date;
}
const village = (r: VillageRow): VillageRecord => ({
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
const VILLAGE_SELECT = `SELECT v.*, t.name AS town_name, d.name AS district_name
  FROM villages v JOIN towns t ON t.id = v.town_id JOIN districts d ON d.id = v.district_id`;

interface LineRow {
  id: string;
  district_id: string | null;
  year: number;
  line_fen: string;
  note: string | null;
  created_at: Date;
  updated_at: Date;
}
const line = (r: LineRow): PovertyLineRecord => ({
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
  ) {}

  private m(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  // ── districts ──

  async createDistrict(input: { code: string; name: string; heavyTask?: boolean }, manager?: EntityManager): Promise<DistrictRecord> {
    const run = async (m: EntityManager) => {
      try {
        const [row] = await queryRows<DistrictRow>(
          m,
          `INSERT INTO districts (code, name, heavy_task) VALUES ($1, $2, $3) RETURNING *`,
          [input.code, input.name, input.heavyTask ?? false],
        );
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

  async updateDistrict(id: string, patch: { name?: string; heavyTask?: boolean }): Promise<DistrictRecord> {
    return this.dataSource.transaction(async (m) => {
      const before = await queryOne<DistrictRow>(m, `SELECT * FROM districts WHERE id = $1 FOR UPDATE`, [id]);
      if (!before) throw new DomainError('NOT_FOUND', `district ${id} not found`);
      const [row] = await returningRows<DistrictRow>(
        m,
        `UPDATE districts SET name = $2, heavy_task = $3, updated_at = now() WHERE id = $1 RETURNING *`,
        [id, patch.name ?? before.name, patch.heavyTask ?? before.heavy_task],
      );
      const after = district(row);
      await this.audit.record(m, { action: 'DISTRICT_UPDATED', entityType: 'district', entityId: id, before: district(before), after });
      return after;
    });
  }

  async findDistrict(id: string, manager?: EntityManager): Promise<DistrictRecord | undefined> {
    const row = await queryOne<DistrictRow>(this.m(manager), `SELECT * FROM districts WHERE id = $1`, [id]);
    return row && district(row);
  }

  async getDistrict(id: string, manager?: EntityManager): Promise<DistrictRecord> {
    const rec = await this.findDistrict(id, manager);
    if (!rec) throw new DomainError('NOT_FOUND', `district ${id} not found`);
    return rec;
  }

  async findDistrictByCode(code: string, manager?: EntityManager): Promise<DistrictRecord | undefined> {
    const row = await queryOne<DistrictRow>(this.m(manager), `SELECT * FROM districts WHERE code = $1`, [code]);
    return row && district(row);
  }

  async listDistricts(filter: { heavyTask?: boolean; q?: string }, page: PageQuery): Promise<Page<DistrictRecord>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.heavyTask !== undefined) where.push(`heavy_task = $${params.push(filter.heavyTask)}`);
    if (filter.q) where.push(`(name ILIKE $${params.push(likeContains(filter.q))} OR code LIKE $${params.length})`);
    return this.page('districts', where, params, page, district);
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
        const [row] = await queryRows<TownRow>(m, `INSERT INTO towns (district_id, code, name) VALUES ($1, $2, $3) RETURNING *`, [
          input.districtId,
          input.code,
          input.name,
        ]);
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
      const before = await queryOne<TownRow>(m, `SELECT * FROM towns WHERE id = $1 FOR UPDATE`, [id]);
      if (!before) throw new DomainError('NOT_FOUND', `town ${id} not found`);
      const [row] = await returningRows<TownRow>(m, `UPDATE towns SET name = $2, updated_at = now() WHERE id = $1 RETURNING *`, [id, patch.name]);
      const after = town(row);
      await this.audit.record(m, { action: 'TOWN_UPDATED', entityType: 'town', entityId: id, before: town(before), after });
      return after;
    });
  }

  async getTown(id: string, manager?: EntityManager): Promise<TownRecord> {
    const row = await queryOne<TownRow>(this.m(manager), `SELECT * FROM towns WHERE id = $1`, [id]);
    if (!row) throw new DomainError('NOT_FOUND', `town ${id} not found`);
    return town(row);
  }

  async listTowns(filter: { districtId?: string; q?: string }, page: PageQuery): Promise<Page<TownRecord>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.districtId) where.push(`district_id = $${params.push(filter.districtId)}`);
    if (filter.q) where.push(`(name ILIKE $${params.push(likeContains(filter.q))} OR code LIKE $${params.length})`);
    return this.page('towns', where, params, page, town);
  }

  // ── villages ──

  async createVillage(
    input: { townId: string; code: string; name: string; isPilot?: boolean },
    manager?: EntityManager,
  ): Promise<VillageRecord> {
    const run = async (m: EntityManager) => {
      const t = await queryOne<TownRow>(m, `SELECT * FROM towns WHERE id = $1`, [input.townId]);
      if (!t) throw invalid('townId', 'UNKNOWN_TOWN', `town ${input.townId} does not exist`);
      if (!input.code.startsWith(t.code)) {
        throw invalid('code', 'CODE_NOT_IN_PARENT', `a village code starts with its town code ${t.code}`);
      }
      try {
        const [{ id }] = await queryRows<{ id: string }>(
          m,
          `INSERT INTO villages (town_id, district_id, code, name, is_pilot) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
          [t.id, t.district_id, input.code, input.name, input.isPilot ?? false],
        );
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
      const locked = await queryOne<{ id: string }>(m, `SELECT id FROM villages WHERE id = $1 FOR UPDATE`, [id]);
      if (!locked) throw new DomainError('NOT_FOUND', `village ${id} not found`);
      const before = await this.getVillage(id, m);
      await m.query(`UPDATE villages SET name = $2, is_pilot = $3, updated_at = now() WHERE id = $1`, [
        id,
        patch.name ?? before.name,
        patch.isPilot ?? before.isPilot,
      ]);
      const after = await this.getVillage(id, m);
      await this.audit.record(m, { action: 'VILLAGE_UPDATED', entityType: 'village', entityId: id, before, after });
      return after;
    });
  }

  async findVillage(id: string, manager?: EntityManager): Promise<VillageRecord | undefined> {
    const row = await queryOne<VillageRow>(this.m(manager), `${VILLAGE_SELECT} WHERE v.id = $1`, [id]);
    return row && village(row);
  }

  async getVillage(id: string, manager?: EntityManager): Promise<VillageRecord> {
    const rec = await this.findVillage(id, manager);
    if (!rec) throw new DomainError('NOT_FOUND', `village ${id} not found`);
    return rec;
  }

  async findVillageByCode(code: string, manager?: EntityManager): Promise<VillageRecord | undefined> {
    const row = await queryOne<VillageRow>(this.m(manager), `${VILLAGE_SELECT} WHERE v.code = $1`, [code]);
    return row && village(row);
  }

  /** The district a village belongs to (the jurisdiction of its poverty line and its guarantee fund). */
  async districtOfVillage(villageId: string, manager?: EntityManager): Promise<DistrictRecord> {
    const row = await queryOne<DistrictRow>(
      this.m(manager),
      `SELECT d.* FROM districts d JOIN villages v ON v.district_id = d.id WHERE v.id = $1`,
      [villageId],
    );
    if (!row) throw new DomainError('NOT_FOUND', `village ${villageId} not found`);
    return district(row);
  }

  async listVillages(
    filter: { districtId?: string; townId?: string; isPilot?: boolean; q?: string },
    page: PageQuery,
  ): Promise<Page<VillageRecord>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.districtId) where.push(`v.district_id = $${params.push(filter.districtId)}`);
    if (filter.townId) where.push(`v.town_id = $${params.push(filter.townId)}`);
    if (filter.isPilot !== undefined) where.push(`v.is_pilot = $${params.push(filter.isPilot)}`);
    if (filter.q) where.push(`(v.name ILIKE $${params.push(likeContains(filter.q))} OR v.code LIKE $${params.length})`);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = await queryRows<{ total: number }>(this.dataSource.manager, `SELECT count(*)::int AS total FROM villages v ${clause}`, params);
    const rows = await queryRows<VillageRow>(
      this.dataSource.manager,
      `${VILLAGE_SELECT} ${clause} ORDER BY v.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { items: rows.map(village), page: page.page, pageSize: page.pageSize, total };
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
        const [row] = await queryRows<LineRow>(
          m,
          `INSERT INTO poverty_lines (district_id, year, line_fen, note) VALUES ($1, $2, $3, $4) RETURNING *`,
          [input.districtId ?? null, input.year, input.lineFen.toString(), input.note ?? null],
        );
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
      const before = await queryOne<LineRow>(m, `SELECT * FROM poverty_lines WHERE id = $1 FOR UPDATE`, [id]);
      if (!before) throw new DomainError('NOT_FOUND', `poverty line ${id} not found`);
      const [row] = await returningRows<LineRow>(
        m,
        `UPDATE poverty_lines SET line_fen = $2, note = $3, updated_at = now() WHERE id = $1 RETURNING *`,
        [id, (patch.lineFen ?? BigInt(before.line_fen)).toString(), patch.note === undefined ? before.note : patch.note],
      );
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
    const row = await queryOne<LineRow>(this.dataSource.manager, `SELECT * FROM poverty_lines WHERE id = $1`, [id]);
    if (!row) throw new DomainError('NOT_FOUND', `poverty line ${id} not found`);
    return line(row);
  }

  async listPovertyLines(
    filter: { districtId?: string; scope?: 'CITY' | 'DISTRICT'; year?: number },
    page: PageQuery,
  ): Promise<Page<PovertyLineRecord>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.districtId) where.push(`district_id = $${params.push(filter.districtId)}`);
    if (filter.scope === 'CITY') where.push(`district_id IS NULL`);
    if (filter.scope === 'DISTRICT') where.push(`district_id IS NOT NULL`);
    if (filter.year !== undefined) where.push(`year = $${params.push(filter.year)}`);
    return this.page('poverty_lines', where, params, page, line, 'year DESC, district_id NULLS FIRST, id');
  }

  /** The line that applies to a district and year: the district's own, else the city-wide one; undefined if neither. */
  async effectiveLine(districtId: string, year: number, manager?: EntityManager): Promise<PovertyLineRecord | undefined> {
    const rows = await queryRows<LineRow>(
      this.m(manager),
      `SELECT * FROM poverty_lines WHERE year = $1 AND (district_id = $2 OR district_id IS NULL)`,
      [year, districtId],
    );
    return applicableLine(rows.map(line), districtId, year);
  }

  private async page<R, T>(
    table: string,
    where: string[],
    params: unknown[],
    page: PageQuery,
    map: (r: R) => T,
    order = 'id',
  ): Promise<Page<T>> {
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = await queryRows<{ total: number }>(this.dataSource.manager, `SELECT count(*)::int AS total FROM ${table} ${clause}`, params);
    const rows = await queryRows<R>(
      this.dataSource.manager,
      `SELECT * FROM ${table} ${clause} ORDER BY ${order} LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { items: rows.map(map), page: page.page, pageSize: page.pageSize, total };
  }
}

export function invalid(field: string, code: string, message: string): DomainError {
  return new DomainError('VALIDATION_FAILED', message, [{ field, code, message }]);
}
