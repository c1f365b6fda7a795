import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { areaCondition, currentArea, queryOne, queryRows } from '#libs/common';
import { returningRows } from './returning-rows.js';
import type { DistrictRow, PovertyLineRow, TownRow, VillageRow } from './rows.generated.js';

/** A village with the names of its town and district. */
export type VillageNamedRow = VillageRow & { town_name: string; district_name: string };

export interface DistrictWhere {
  heavyTask?: boolean;
  /** an ILIKE pattern on the name, also matched (LIKE) against the code */
  qPattern?: string;
}
export interface TownWhere {
  districtId?: string;
  qPattern?: string;
}
export interface VillageWhere {
  districtId?: string;
  townId?: string;
  isPilot?: boolean;
  qPattern?: string;
}
export interface PovertyLineWhere {
  districtId?: string;
  scope?: 'CITY' | 'DISTRICT';
  year?: number;
}

export interface Paged<R> {
  total: number;
  rows: R[];
}

const VILLAGE_SELECT = `SELECT v.*, t.name AS town_name, d.name AS district_name
  FROM villages v JOIN towns t ON t.id = v.town_id JOIN districts d ON d.id = v.district_id`;

/** All SQL over `districts`, `towns`, `villages` and `poverty_lines`. */
@Injectable()
export class GeographyStore {
  // ── districts ──

  async insertDistrict(
    m: EntityManager,
    d: { code: string; name: string; heavyTask: boolean; entityLinkCounting: string },
  ): Promise<DistrictRow> {
    const [row] = await queryRows<DistrictRow>(
      m,
      `INSERT INTO districts (code, name, heavy_task, entity_link_counting) VALUES ($1, $2, $3, $4) RETURNING *`,
      [d.code, d.name, d.heavyTask, d.entityLinkCounting],
    );
    return row;
  }

  lockDistrict(m: EntityManager, id: string): Promise<DistrictRow | undefined> {
    return queryOne<DistrictRow>(m, `SELECT * FROM districts WHERE id = $1 FOR UPDATE`, [id]);
  }

  async updateDistrict(
    m: EntityManager,
    id: string,
    d: { name: string; heavyTask: boolean; entityLinkCounting: string },
  ): Promise<DistrictRow> {
    const [row] = await returningRows<DistrictRow>(
      m,
      `UPDATE districts SET name = $2, heavy_task = $3, entity_link_counting = $4, updated_at = now() WHERE id = $1 RETURNING *`,
      [id, d.name, d.heavyTask, d.entityLinkCounting],
    );
    return row;
  }

  findDistrict(m: EntityManager, id: string): Promise<DistrictRow | undefined> {
    return queryOne<DistrictRow>(m, `SELECT * FROM districts WHERE id = $1`, [id]);
  }

  findDistrictByCode(m: EntityManager, code: string): Promise<DistrictRow | undefined> {
    return queryOne<DistrictRow>(m, `SELECT * FROM districts WHERE code = $1`, [code]);
  }

  districtOfVillage(m: EntityManager, villageId: string): Promise<DistrictRow | undefined> {
    return queryOne<DistrictRow>(
      m,
      `SELECT d.* FROM districts d JOIN villages v ON v.district_id = d.id WHERE v.id = $1`,
      [villageId],
    );
  }

  listDistricts(
    m: EntityManager,
    filter: DistrictWhere,
    limit: number,
    offset: number,
  ): Promise<Paged<DistrictRow>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.heavyTask !== undefined) where.push(`heavy_task = $${params.push(filter.heavyTask)}`);
    if (filter.qPattern)
      where.push(`(name ILIKE $${params.push(filter.qPattern)} OR code LIKE $${params.length})`);
    return this.page<DistrictRow>(m, 'districts', where, params, limit, offset);
  }

  // ── towns ──

  async insertTown(
    m: EntityManager,
    t: { districtId: string; code: string; name: string },
  ): Promise<TownRow> {
    const [row] = await queryRows<TownRow>(
      m,
      `INSERT INTO towns (district_id, code, name) VALUES ($1, $2, $3) RETURNING *`,
      [t.districtId, t.code, t.name],
    );
    return row;
  }

  lockTown(m: EntityManager, id: string): Promise<TownRow | undefined> {
    return queryOne<TownRow>(m, `SELECT * FROM towns WHERE id = $1 FOR UPDATE`, [id]);
  }

  async renameTown(m: EntityManager, id: string, name: string): Promise<TownRow> {
    const [row] = await returningRows<TownRow>(
      m,
      `UPDATE towns SET name = $2, updated_at = now() WHERE id = $1 RETURNING *`,
      [id, name],
    );
    return row;
  }

  findTown(m: EntityManager, id: string): Promise<TownRow | undefined> {
    return queryOne<TownRow>(m, `SELECT * FROM towns WHERE id = $1`, [id]);
  }

  listTowns(m: EntityManager, filter: TownWhere, limit: number, offset: number): Promise<Paged<TownRow>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.districtId) where.push(`district_id = $${params.push(filter.districtId)}`);
    if (filter.qPattern)
      where.push(`(name ILIKE $${params.push(filter.qPattern)} OR code LIKE $${params.length})`);
    return this.page<TownRow>(m, 'towns', where, params, limit, offset);
  }

  // ── villages ──

  async insertVillage(
    m: EntityManager,
    v: { townId: string; districtId: string; code: string; name: string; isPilot: boolean },
  ): Promise<string> {
    const [{ id }] = await queryRows<{ id: string }>(
      m,
      `INSERT INTO villages (town_id, district_id, code, name, is_pilot) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [v.townId, v.districtId, v.code, v.name, v.isPilot],
    );
    return id;
  }

  /** Locks the village row; false when it does not exist. */
  async lockVillage(m: EntityManager, id: string): Promise<boolean> {
    return (
      (await queryOne<{ id: string }>(m, `SELECT id FROM villages WHERE id = $1 FOR UPDATE`, [id])) !==
      undefined
    );
  }

  async updateVillage(m: EntityManager, id: string, v: { name: string; isPilot: boolean }): Promise<void> {
    await m.query(`UPDATE villages SET name = $2, is_pilot = $3, updated_at = now() WHERE id = $1`, [
      id,
      v.name,
      v.isPilot,
    ]);
  }

  findVillage(m: EntityManager, id: string): Promise<VillageNamedRow | undefined> {
    return queryOne<VillageNamedRow>(m, `${VILLAGE_SELECT} WHERE v.id = $1`, [id]);
  }

  findVillageByCode(m: EntityManager, code: string): Promise<VillageNamedRow | undefined> {
    return queryOne<VillageNamedRow>(m, `${VILLAGE_SELECT} WHERE v.code = $1`, [code]);
  }

  async listVillages(
    m: EntityManager,
    filter: VillageWhere,
    limit: number,
    offset: number,
  ): Promise<Paged<VillageNamedRow>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.districtId) where.push(`v.district_id = $${params.push(filter.districtId)}`);
    if (filter.townId) where.push(`v.town_id = $${params.push(filter.townId)}`);
    if (filter.isPilot !== undefined) where.push(`v.is_pilot = $${params.push(filter.isPilot)}`);
    if (filter.qPattern)
      where.push(`(v.name ILIKE $${params.push(filter.qPattern)} OR v.code LIKE $${params.length})`);
    where.push(areaCondition(params, { district: 'v.district_id', town: 'v.town_id', village: 'v.id' }));
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM villages v ${clause}`,
      params,
    );
    const rows = await queryRows<VillageNamedRow>(
      m,
      `${VILLAGE_SELECT} ${clause} ORDER BY v.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, limit, offset],
    );
    return { total, rows };
  }

  // ── poverty lines ──

  async insertPovertyLine(
    m: EntityManager,
    l: { districtId: string | null; year: number; lineFen: string; note: string | null },
  ): Promise<PovertyLineRow> {
    const [row] = await queryRows<PovertyLineRow>(
      m,
      `INSERT INTO poverty_lines (district_id, year, line_fen, note) VALUES ($1, $2, $3, $4) RETURNING *`,
      [l.districtId, l.year, l.lineFen, l.note],
    );
    return row;
  }

  lockPovertyLine(m: EntityManager, id: string): Promise<PovertyLineRow | undefined> {
    return queryOne<PovertyLineRow>(m, `SELECT * FROM poverty_lines WHERE id = $1 FOR UPDATE`, [id]);
  }

  async updatePovertyLine(
    m: EntityManager,
    id: string,
    l: { lineFen: string; note: string | null },
  ): Promise<PovertyLineRow> {
    const [row] = await returningRows<PovertyLineRow>(
      m,
      `UPDATE poverty_lines SET line_fen = $2, note = $3, updated_at = now() WHERE id = $1 RETURNING *`,
      [id, l.lineFen, l.note],
    );
    return row;
  }

  findPovertyLine(m: EntityManager, id: string): Promise<PovertyLineRow | undefined> {
    return queryOne<PovertyLineRow>(m, `SELECT * FROM poverty_lines WHERE id = $1`, [id]);
  }

  listPovertyLines(
    m: EntityManager,
    filter: PovertyLineWhere,
    limit: number,
    offset: number,
  ): Promise<Paged<PovertyLineRow>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.districtId) where.push(`district_id = $${params.push(filter.districtId)}`);
    if (filter.scope === 'CITY') where.push(`district_id IS NULL`);
    if (filter.scope === 'DISTRICT') where.push(`district_id IS NOT NULL`);
    if (filter.year !== undefined) where.push(`year = $${params.push(filter.year)}`);
    return this.page<PovertyLineRow>(
      m,
      'poverty_lines',
      where,
      params,
      limit,
      offset,
      'year DESC, district_id NULLS FIRST, id',
    );
  }

  /** The lines of the year that may apply to the district: its own and the city-wide one. */
  linesFor(m: EntityManager, districtId: string, year: number): Promise<PovertyLineRow[]> {
    return queryRows<PovertyLineRow>(
      m,
      `SELECT * FROM poverty_lines WHERE year = $1 AND (district_id = $2 OR district_id IS NULL)`,
      [year, districtId],
    );
  }

  private async page<R>(
    m: EntityManager,
    table: 'districts' | 'towns' | 'poverty_lines',
    where: string[],
    params: unknown[],
    limit: number,
    offset: number,
    order = 'id',
  ): Promise<Paged<R>> {
    // An area sees its own district and town (a village's staff need their names), and the city's poverty lines.
    const area = currentArea();
    if (area && table === 'districts') where.push(`id = $${params.push(area.districtId)}`);
    if (area && table === 'towns') {
      where.push(area.townId ? `id = $${params.push(area.townId)}` : `district_id = $${params.push(area.districtId)}`);
    }
    if (area && table === 'poverty_lines') where.push(`(district_id IS NULL OR district_id = $${params.push(area.districtId)})`);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM ${table} ${clause}`,
      params,
    );
    const rows = await queryRows<R>(
      m,
      `SELECT * FROM ${table} ${clause} ORDER BY ${order} LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, limit, offset],
    );
    return { total, rows };
  }
}
