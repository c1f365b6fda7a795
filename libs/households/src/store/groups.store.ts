import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { areaCondition, queryOne, queryRows } from '#libs/common';
import type { LiabilityGroupRow } from './rows.generated.js';

/** A group with its village's district and its member household ids (ascending). */
export type GroupJoinedRow = LiabilityGroupRow & { district_id: string; member_ids: string[] };

export interface GroupListWhere {
  villageId?: string;
  districtId?: string;
  status?: LiabilityGroupRow['status'];
  /** an ILIKE pattern */
  namePattern?: string;
}

const SELECT = `SELECT g.*, v.district_id,
    coalesce((SELECT array_agg(m.household_id ORDER BY m.household_id) FROM liability_group_members m WHERE m.group_id = g.id),
             '{}') AS member_ids
  FROM liability_groups g JOIN villages v ON v.id = g.village_id`;

/** All SQL over `liability_groups` and `liability_group_members`, and the reads a membership change checks. */
@Injectable()
export class GroupsStore {
  /** The group size bounds of the village's open mutual-aid fund, if it has one. */
  fundGroupSize(
    m: EntityManager,
    villageId: string,
  ): Promise<{ group_min_size: number; group_max_size: number } | undefined> {
    return queryOne<{ group_min_size: number; group_max_size: number }>(
      m,
      `SELECT group_min_size, group_max_size FROM mutual_aid_funds WHERE village_id = $1 AND status <> 'CLOSED'`,
      [villageId],
    );
  }

  find(m: EntityManager, id: string): Promise<GroupJoinedRow | undefined> {
    return queryOne<GroupJoinedRow>(m, `${SELECT} WHERE g.id = $1`, [id]);
  }

  findOfHousehold(m: EntityManager, householdId: string): Promise<GroupJoinedRow | undefined> {
    return queryOne<GroupJoinedRow>(
      m,
      `${SELECT} WHERE g.id = (SELECT group_id FROM liability_group_members WHERE household_id = $1)`,
      [householdId],
    );
  }

  async insert(m: EntityManager, villageId: string, name: string): Promise<string> {
    const [{ id }] = await queryRows<{ id: string }>(
      m,
      `INSERT INTO liability_groups (village_id, name) VALUES ($1, $2) RETURNING id`,
      [villageId, name],
    );
    return id;
  }

  /** Adds the members; returns how many were added (a household already in a group is skipped). */
  async addMembers(m: EntityManager, groupId: string, householdIds: readonly string[]): Promise<number> {
    const added = await queryRows(
      m,
      `INSERT INTO liability_group_members (group_id, household_id) SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING RETURNING household_id`,
      [groupId, [...householdIds]],
    );
    return added.length;
  }

  /** Adds one member; false when the household is already in a group. */
  async addMember(m: EntityManager, groupId: string, householdId: string): Promise<boolean> {
    const added = await queryRows(
      m,
      `INSERT INTO liability_group_members (group_id, household_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING household_id`,
      [groupId, householdId],
    );
    return added.length > 0;
  }

  async removeMember(m: EntityManager, groupId: string, householdId: string): Promise<void> {
    await m.query(`DELETE FROM liability_group_members WHERE group_id = $1 AND household_id = $2`, [
      groupId,
      householdId,
    ]);
    await m.query(`UPDATE liability_groups SET updated_at = now() WHERE id = $1`, [groupId]);
  }

  /** Releases every member and marks the group dissolved with the reason. */
  async dissolve(m: EntityManager, groupId: string, reason: string): Promise<void> {
    await m.query(`DELETE FROM liability_group_members WHERE group_id = $1`, [groupId]);
    await m.query(
      `UPDATE liability_groups SET status = 'DISSOLVED', dissolved_at = now(), dissolution_reason = $2, updated_at = now() WHERE id = $1`,
      [groupId, reason],
    );
  }

  async list(
    m: EntityManager,
    filter: GroupListWhere,
    limit: number,
    offset: number,
  ): Promise<{ total: number; rows: GroupJoinedRow[] }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.villageId) where.push(`g.village_id = $${params.push(filter.villageId)}`);
    if (filter.districtId) where.push(`v.district_id = $${params.push(filter.districtId)}`);
    if (filter.status) where.push(`g.status = $${params.push(filter.status)}`);
    if (filter.namePattern) where.push(`g.name ILIKE $${params.push(filter.namePattern)}`);
    where.push(areaCondition(params, { district: 'v.district_id', town: 'v.town_id', village: 'g.village_id' }));
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM liability_groups g JOIN villages v ON v.id = g.village_id ${clause}`,
      params,
    );
    const rows = await queryRows<GroupJoinedRow>(
      m,
      `${SELECT} ${clause} ORDER BY g.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, limit, offset],
    );
    return { total, rows };
  }

  /** When each member joined the group. */
  joinedAt(m: EntityManager, groupId: string): Promise<{ household_id: string; joined_at: Date }[]> {
    return queryRows<{ household_id: string; joined_at: Date }>(
      m,
      `SELECT household_id, joined_at FROM liability_group_members WHERE group_id = $1`,
      [groupId],
    );
  }

  /** Locks the group row and reads its status. */
  lockStatus(m: EntityManager, groupId: string): Promise<{ status: string } | undefined> {
    return queryOne<{ status: string }>(m, `SELECT status FROM liability_groups WHERE id = $1 FOR UPDATE`, [
      groupId,
    ]);
  }

  /** Locks the households in ascending id order and reads their village. */
  lockHouseholds(m: EntityManager, ids: readonly string[]): Promise<{ id: string; village_id: string }[]> {
    return queryRows<{ id: string; village_id: string }>(
      m,
      `SELECT id, village_id FROM households WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE`,
      [[...ids]],
    );
  }

  /** The groups the households belong to. */
  memberships(
    m: EntityManager,
    ids: readonly string[],
  ): Promise<{ household_id: string; group_id: string }[]> {
    return queryRows<{ household_id: string; group_id: string }>(
      m,
      `SELECT household_id, group_id FROM liability_group_members WHERE household_id = ANY($1::bigint[])`,
      [[...ids]],
    );
  }

  /** Up to 20 loans the group endorsed whose status is not one of `excluded` (ascending id). */
  async boundLoans(m: EntityManager, groupId: string, excluded: readonly string[]): Promise<string[]> {
    const loans = await queryRows<{ id: string }>(
      m,
      `SELECT id FROM loans WHERE group_id = $1 AND status <> ALL($2::text[]) ORDER BY id LIMIT 20`,
      [groupId, [...excluded]],
    );
    return loans.map((l) => l.id);
  }
}
