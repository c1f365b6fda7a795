import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { offsetOf, queryOne, queryRows, type Page, type PageQuery, type Role } from '#libs/common';
import type { UserRow } from './rows.generated.js';

export type { UserRow };

export interface NewUser {
  username: string;
  displayName: string;
  passwordHash: string;
  role: Role;
  bankId: string | null;
}

export interface UserChange {
  displayName: string;
  role: Role;
  active: boolean;
  passwordHash: string;
  bankId: string | null;
}

/** The SQL of the users table (owned by libs/auth). Every method runs on the manager it is given. */
@Injectable()
export class UsersStore {
  async bankExists(m: EntityManager, bankId: string): Promise<boolean> {
    return (await queryRows(m, `SELECT 1 FROM banks WHERE id = $1`, [bankId])).length > 0;
  }

  async insert(m: EntityManager, u: NewUser): Promise<UserRow> {
    const row = await queryOne<UserRow>(
      m,
      `INSERT INTO users (username, display_name, password_hash, role, bank_id) VALUES ($1,$2,$3,$4,$5) RETURNING *`,
      [u.username, u.displayName, u.passwordHash, u.role, u.bankId],
    );
    return row!;
  }

  async lock(m: EntityManager, id: string): Promise<UserRow | undefined> {
    return queryOne<UserRow>(m, `SELECT * FROM users WHERE id = $1 FOR UPDATE`, [id]);
  }

  async update(m: EntityManager, id: string, c: UserChange): Promise<UserRow> {
    const row = await queryOne<UserRow>(
      m,
      `UPDATE users SET display_name = $2, role = $3, active = $4, password_hash = $5, bank_id = $6, updated_at = now()
        WHERE id = $1 RETURNING *`,
      [id, c.displayName, c.role, c.active, c.passwordHash, c.bankId],
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
  ): Promise<Pick<UserRow, 'id' | 'username' | 'role' | 'bank_id' | 'active' | 'token_version'> | undefined> {
    return queryOne(
      m,
      `SELECT id::text, username, role, bank_id::text, active, token_version FROM users WHERE id = $1`,
      [id],
    );
  }

  async usernameTaken(m: EntityManager, username: string): Promise<boolean> {
    return (await queryRows(m, `SELECT 1 FROM users WHERE username = $1`, [username])).length > 0;
  }
}
