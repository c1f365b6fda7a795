import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { areaCondition, queryOne, queryRows } from '#libs/common';
import { returningRows } from './returning-rows.js';
import type { EntityLinkedHouseholdRow, OperatingEntityRow } from './rows.generated.js';

/**
 * An operating entity with the counts of its linked households: all of them, the POOR ones counted toward its credit
 * line, and the POOR ones counted toward another entity's line (their counted link is elsewhere).
 */
export type EntityCountedRow = OperatingEntityRow & {
  linked_poor_count: number;
  linked_poor_counted_elsewhere: number;
  linked_household_count: number;
};

/**
 * SQL for the entity a household's poverty status counts for (`ENTITY_LINK_COUNTING_RULES`): among its active links,
 * the earliest (EARLIEST_LINK, the default) or the latest (LATEST_LINK) by `linked_at` as its district sets it, ties
 * to the lowest entity id; NULL when it has no link. The one place the rule is decided: the entity's counts, its
 * linked households and the household view all use it.
 */
export const countedEntitySql = (household: string): string => `(
    SELECT c.entity_id FROM entity_linked_households c
      JOIN households ch ON ch.id = c.household_id JOIN villages cv ON cv.id = ch.village_id
      JOIN districts cd ON cd.id = cv.district_id
     WHERE c.household_id = ${household}
     ORDER BY CASE WHEN cd.entity_link_counting = 'LATEST_LINK' THEN c.linked_at END DESC NULLS LAST, c.linked_at, c.entity_id
     LIMIT 1)`;

export interface EntityValues {
  kind: OperatingEntityRow['kind'];
  name: string;
  creditCode: string;
  villageId: string | null;
}

export interface EntityListWhere {
  kind?: OperatingEntityRow['kind'];
  districtId?: string;
  villageId?: string;
  /** an ILIKE pattern */
  namePattern?: string;
  creditCode?: string;
  isAssetIncomeProject?: boolean;
}

const SELECT = `SELECT e.*,
    (SELECT count(*)::int FROM entity_linked_households l JOIN households h ON h.id = l.household_id
      WHERE l.entity_id = e.id AND h.status = 'POOR' AND ${countedEntitySql('l.household_id')} = e.id) AS linked_poor_count,
    (SELECT count(*)::int FROM entity_linked_households l JOIN households h ON h.id = l.household_id
      WHERE l.entity_id = e.id AND h.status = 'POOR' AND ${countedEntitySql('l.household_id')} <> e.id) AS linked_poor_counted_elsewhere,
    (SELECT count(*)::int FROM entity_linked_households l WHERE l.entity_id = e.id) AS linked_household_count
  FROM operating_entities e`;

/** The registry's SQL over `operating_entities` and `entity_linked_households` (the entities API). */
@Injectable()
export class EntitiesStore {
  find(m: EntityManager, id: string): Promise<EntityCountedRow | undefined> {
    return queryOne<EntityCountedRow>(m, `${SELECT} WHERE e.id = $1`, [id]);
  }

  findByCreditCode(m: EntityManager, creditCode: string): Promise<EntityCountedRow | undefined> {
    return queryOne<EntityCountedRow>(m, `${SELECT} WHERE e.credit_code = $1`, [creditCode]);
  }

  /** Locks the entity row and reads its district; undefined when it does not exist. */
  lock(m: EntityManager, id: string): Promise<{ id: string; district_id: string } | undefined> {
    return queryOne<{ id: string; district_id: string }>(
      m,
      `SELECT id, district_id FROM operating_entities WHERE id = $1 FOR UPDATE`,
      [id],
    );
  }

  /** Inserts the entity (a unique violation on the credit code propagates). */
  async insert(m: EntityManager, districtId: string, v: EntityValues): Promise<string> {
    const [{ id }] = await queryRows<{ id: string }>(
      m,
      `INSERT INTO operating_entities (kind, name, credit_code, district_id, village_id) VALUES ($1,$2,$3,$4,$5) RETURNING id`,
      [v.kind, v.name, v.creditCode, districtId, v.villageId],
    );
    return id;
  }

  /** Rewrites the entity's editable columns (a unique violation on the credit code propagates). */
  async update(m: EntityManager, id: string, v: EntityValues): Promise<void> {
    await m.query(
      `UPDATE operating_entities SET kind = $2, name = $3, credit_code = $4, village_id = $5, updated_at = now() WHERE id = $1`,
      [id, v.kind, v.name, v.creditCode, v.villageId],
    );
  }

  async list(
    m: EntityManager,
    filter: EntityListWhere,
    limit: number,
    offset: number,
  ): Promise<{ total: number; rows: EntityCountedRow[] }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.kind) where.push(`e.kind = $${params.push(filter.kind)}`);
    if (filter.districtId) where.push(`e.district_id = $${params.push(filter.districtId)}`);
    if (filter.villageId) where.push(`e.village_id = $${params.push(filter.villageId)}`);
    if (filter.namePattern) where.push(`e.name ILIKE $${params.push(filter.namePattern)}`);
    if (filter.creditCode) where.push(`e.credit_code = $${params.push(filter.creditCode)}`);
    if (filter.isAssetIncomeProject !== undefined)
      where.push(`e.is_asset_income_project = $${params.push(filter.isAssetIncomeProject)}`);
    where.push(areaCondition(params, { district: 'e.district_id', village: 'e.village_id' }));
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM operating_entities e ${clause}`,
      params,
    );
    const rows = await queryRows<EntityCountedRow>(
      m,
      `${SELECT} ${clause} ORDER BY e.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, limit, offset],
    );
    return { total, rows };
  }

  /**
   * The number of POOR households counted toward each entity's credit line (its `linked_poor_count`, see
   * countedEntitySql), for a set-based read by another library; an entity without any has no entry.
   */
  async countedPoorCounts(m: EntityManager, entityIds: readonly string[]): Promise<Map<string, number>> {
    if (!entityIds.length) return new Map();
    const rows = await queryRows<{ entity_id: string; n: number }>(
      m,
      `SELECT l.entity_id::text, count(*)::int AS n
         FROM entity_linked_households l JOIN households h ON h.id = l.household_id
        WHERE l.entity_id = ANY($1::bigint[]) AND h.status = 'POOR' AND ${countedEntitySql('l.household_id')} = l.entity_id
        GROUP BY l.entity_id`,
      [[...entityIds]],
    );
    return new Map(rows.map((r) => [r.entity_id, r.n]));
  }

  /** Whether the entity has any loan at the bank (a bank officer sees only its own borrowers). */
  async hasLoanAtBank(m: EntityManager, entityId: string, bankId: number | string | null): Promise<boolean> {
    const row = await queryOne(m, `SELECT 1 FROM loans WHERE entity_id = $1 AND bank_id = $2 LIMIT 1`, [
      entityId,
      bankId,
    ]);
    return row !== undefined;
  }

  /** Which of the households are linked to the entity already. */
  async linkedAmong(
    m: EntityManager,
    entityId: string,
    householdIds: readonly string[],
  ): Promise<Set<string>> {
    const rows = await queryRows<{ household_id: string }>(
      m,
      `SELECT household_id FROM entity_linked_households WHERE entity_id = $1 AND household_id = ANY($2::bigint[])`,
      [entityId, [...householdIds]],
    );
    return new Set(rows.map((r) => String(r.household_id)));
  }

  /** Links the households; returns those newly linked (an existing link is left as it is). */
  async link(m: EntityManager, entityId: string, householdIds: readonly string[]): Promise<string[]> {
    const added = await queryRows<{ household_id: string }>(
      m,
      `INSERT INTO entity_linked_households (entity_id, household_id) SELECT $1, unnest($2::bigint[])
       ON CONFLICT (entity_id, household_id) DO NOTHING RETURNING household_id`,
      [entityId, [...householdIds]],
    );
    return added.map((a) => a.household_id);
  }

  /** Removes the link; false when there was none. */
  async unlink(m: EntityManager, entityId: string, householdId: string): Promise<boolean> {
    const removed = await returningRows(
      m,
      `DELETE FROM entity_linked_households WHERE entity_id = $1 AND household_id = $2 RETURNING household_id`,
      [entityId, householdId],
    );
    return removed.length > 0;
  }

  async countLinks(m: EntityManager, entityId: string): Promise<number> {
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM entity_linked_households WHERE entity_id = $1`,
      [entityId],
    );
    return total;
  }

  /** A page of the entity's links, by household id, each with the entity the household counts for (see countedEntitySql). */
  links(
    m: EntityManager,
    entityId: string,
    limit: number,
    offset: number,
  ): Promise<(Pick<EntityLinkedHouseholdRow, 'household_id' | 'linked_at'> & { counted_entity_id: string })[]> {
    return queryRows<Pick<EntityLinkedHouseholdRow, 'household_id' | 'linked_at'> & { counted_entity_id: string }>(
      m,
      `SELECT l.household_id, l.linked_at, ${countedEntitySql('l.household_id')} AS counted_entity_id
         FROM entity_linked_households l WHERE l.entity_id = $1 ORDER BY l.household_id LIMIT $2 OFFSET $3`,
      [entityId, limit, offset],
    );
  }
}
