import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { offsetOf, queryOne, queryRows, type AreaKind, type Page, type PageQuery, type Role } from '#libs/common';
import type { UserRow } from './rows.generated.js';

export type { UserRow };

export interface NewUser {
  username: string;
  displayName: string;
  passwordHash: string;
  role: Role;
  bankId: string | null;
  areaKind: AreaKind;
  areaId: string | null;
}

export interface UserChange {
  displayName: string;
  role: Role;
  active: boolean;
  passwordHash: string;
  bankId: string | null;
  areaKind: AreaKind;
  areaId: string | null;
}

/** The SQL of the users table (owned by libs/auth). Every method runs on the manager it is given. */
@Injectable()
export class UsersStore {
  async bankExists(m: EntityManager, bankId: string): Promise<boolean> {
    return (await queryRows(m, `SELECT 1 FROM banks WHERE id = $1`, [bankId])).length > 0;
  }

  async areaExists(m: EntityManager, kind: AreaKind, id: string): Promise<boolean> {
    const table = kind === 'DISTRICT' ? 'districts' : kind === 'TOWN' ? 'towns' : kind === 'VILLAGE' ? 'villages' : null;
    if (!table) return false;
    return (await queryRows(m, `SELECT 1 FROM ${table} WHERE id = $1`, [id])).length > 0;
  }

  async insert(m: EntityManager, u: NewUser): Promise<UserRow> {
    const row = await queryOne<UserRow>(
      m,
      `INSERT INTO users (username, display_name, password_hash, role, bank_id, area_kind, area_id)
       VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING *`,
      [u.username, u.displayName, u.passwordHash, u.role, u.bankId, u.areaKind, u.areaId],
    );
    return row!;
  }

  async lock(m: EntityManager, id: string): Promise<UserRow | undefined> {
    return queryOne<UserRow>(m, `SELECT * FROM users WHERE id = $1 FOR UPDATE`, [id]);
  }

  async update(m: EntityManager, id: string, c: UserChange): Promise<UserRow> {
    const row = await queryOne<UserRow>(
      m,
      `UPDATE users SET display_name = $2, role = $3, active = $4, password_hash = $5, bank_id = $6, area_kind = $7,
              area_id = $8, updated_at = now()
        WHERE id = $1 RETURNING *`,
      [id, c.displayName, c.role, c.active, c.passwordHash, c.bankId, c.areaKind, c.areaId],
    );
    return row!;
  }

  /** Bumps token_version: every token issued so far stops working. */
  async bumpTokenVersion(m: EntityManager, id: string): Promise<UserRow | undefined> {
    return queryOne<UserRow>(
      m,
      `UPDATE users SET token_version = token_version + 1, updated_at = now() WHERE id = $1 RETURNING *`,
      [id],
    );
  }

  async page(m: EntityManager, page: PageQuery, role?: Role): Promise<Page<UserRow>> {
    const params: unknown[] = [];
    const clause = role ? `WHERE role = $${params.push(role)}` : '';
    const count = await queryOne<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM users ${clause}`,
      params,
    );
    const items = await queryRows<UserRow>(
      m,
      `SELECT * FROM users ${clause} ORDER BY id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { items, page: page.page, pageSize: page.pageSize, total: count!.total };
  }

  async byId(m: EntityManager, id: string): Promise<UserRow | undefined> {
    return queryOne<UserRow>(m, `SELECT * FROM users WHERE id = $1`, [id]);
  }

  async byUsername(m: EntityManager, username: string): Promise<UserRow | undefined> {
    return queryOne<UserRow>(m, `SELECT * FROM users WHERE username = $1`, [username]);
  }

  /** The columns the guard re-reads on every bearer request (one primary-key lookup). */
  async credentials(
    m: EntityManager,
    id: string,
  ): Promise<
    | (Pick<UserRow, 'id' | 'username' | 'role' | 'bank_id' | 'active' | 'token_version' | 'area_kind' | 'area_id'> & {
        area_district_id: string | null;
        area_town_id: string | null;
        area_village_id: string | null;
      })
    | undefined
  > {
    // The area resolved upwards in the same lookup (a village's town and district), so scoping costs no extra query.
    return queryOne(
      m,
      `SELECT u.id::text, u.username, u.role, u.bank_id::text, u.active, u.token_version, u.area_kind, u.area_id::text,
              a.district_id::text AS area_district_id, a.town_id::text AS area_town_id, a.village_id::text AS area_village_id
         FROM users u
         LEFT JOIN LATERAL area_of(lower(u.area_kind), u.area_id) a ON u.area_kind <> 'CITY'
        WHERE u.id = $1`,
      [id],
    );
  }

  async usernameTaken(m: EntityManager, username: string): Promise<boolean> {
    return (await queryRows(m, `SELECT 1 FROM users WHERE username = $1`, [username])).length > 0;
  }
}
