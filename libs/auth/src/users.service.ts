import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import * as argon2 from 'argon2';
import type { DataSource, EntityManager } from 'typeorm';
import { AREA_SCOPED_ROLES, DomainError, isUniqueViolation, type AreaKind, type AreaScope, type Page, type PageQuery, type Role } from '#libs/common';
import { AuditService } from '#libs/audit';
import { hashPassword } from './password-hash.js';
import { CredentialsCache } from './credentials-cache.js';
import { UsersStore, type UserRow } from './store/users.store.js';

export interface UserView {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  bankId: string | null;
  /** CITY, or the district, town or village a staff user is limited to (areaId says which). */
  areaKind: AreaKind;
  areaId: string | null;
  active: boolean;
  createdAt: string;
}

/** What the guard re-reads on every bearer request: the row's current word on who the token's user is. */
export interface UserCredentials {
  id: string;
  username: string;
  role: Role;
  bankId: string | null;
  active: boolean;
  tokenVersion: number;
  /** Absent for the whole city. */
  area?: AreaScope;
}

const view = (r: UserRow): UserView => ({
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  role: r.role,
  bankId: r.bank_id,
  areaKind: r.area_kind as AreaKind,
  areaId: r.area_id,
  active: r.active,
  createdAt: new Date(r.created_at).toISOString(),
});

export interface CreateUserInput {
  username: string;
  displayName: string;
  password: string;
  role: Role;
  bankId?: string | null;
  areaKind?: AreaKind;
  areaId?: string | null;
}

/** A user's area must name an existing district, town or village, and only staff roles are area-bound. */
function checkArea(role: Role, kind: AreaKind, id: string | null) {
  if (kind === 'CITY' && id !== null) {
    throw new DomainError('VALIDATION_FAILED', 'a CITY scope has no areaId', [{ field: 'areaId', message: 'only with DISTRICT, TOWN or VILLAGE' }]);
  }
  if (kind !== 'CITY' && id === null) {
    throw new DomainError('VALIDATION_FAILED', `a ${kind} scope names its ${kind.toLowerCase()}`, [{ field: 'areaId', message: 'required' }]);
  }
  if (kind !== 'CITY' && !(AREA_SCOPED_ROLES as readonly string[]).includes(role)) {
    throw new DomainError('VALIDATION_FAILED', `only ${AREA_SCOPED_ROLES.join(', ')} are limited to an area`, [
      { field: 'areaKind', message: `must be CITY for ${role}` },
    ]);
  }
}

@Injectable()
export class UsersService {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly store: UsersStore,
    private readonly cache: CredentialsCache,
  ) {}

  async create(input: CreateUserInput, manager?: EntityManager): Promise<UserView> {
    if ((input.role === 'BANK_OFFICER') !== Boolean(input.bankId)) {
      throw new DomainError('VALIDATION_FAILED', 'a BANK_OFFICER must be bound to exactly one bank, other roles to none', [
        { field: 'bankId', message: input.role === 'BANK_OFFICER' ? 'required for BANK_OFFICER' : 'only for BANK_OFFICER' },
      ]);
    }
    const areaKind = input.areaKind ?? 'CITY';
    const areaId = input.areaId ?? null;
    checkArea(input.role, areaKind, areaId);
    const hash = await hashPassword(input.password);
    const run = async (m: EntityManager) => {
      if (areaId !== null && !(await this.store.areaExists(m, areaKind, areaId))) {
        throw new DomainError('VALIDATION_FAILED', `${areaKind.toLowerCase()} ${areaId} does not exist`, [{ field: 'areaId', message: 'unknown area' }]);
      }
      if (input.bankId) {
        if (!(await this.store.bankExists(m, input.bankId))) throw new DomainError('VALIDATION_FAILED', `bank ${input.bankId} does not exist`, [{ field: 'bankId', message: 'unknown bank' }]);
      }
      try {
        const row = await this.store.insert(m, {
          username: input.username,
          displayName: input.displayName,
          passwordHash: hash,
          role: input.role,
          bankId: input.bankId ?? null,
          areaKind,
          areaId,
        });
        const user = view(row);
        await this.audit.record(m, { action: 'USER_CREATED', entityType: 'user', entityId: user.id, after: user });
        return user;
      } catch (e) {
        if (isUniqueViolation(e)) {
          throw new DomainError('CONFLICT', `username ${input.username} is taken`, [{ field: 'username', message: 'already exists' }]);
        }
        throw e;
      }
    };
    return manager ? run(manager) : this.dataSource.transaction(run);
  }

  async update(
    id: string,
    patch: { displayName?: string; role?: Role; active?: boolean; password?: string; bankId?: string | null; areaKind?: AreaKind; areaId?: string | null },
  ) {
    const changed = await this.dataSource.transaction(async (m) => {
      const before = await this.store.lock(m, id);
      if (!before) throw new DomainError('NOT_FOUND', `user ${id} not found`);
      const role = patch.role ?? before.role;
      const bankId = patch.bankId === undefined ? before.bank_id : patch.bankId;
      if ((role === 'BANK_OFFICER') !== Boolean(bankId)) {
        throw new DomainError('VALIDATION_FAILED', 'a BANK_OFFICER must be bound to exactly one bank, other roles to none', [
          { field: 'bankId', message: 'inconsistent with role' },
        ]);
      }
      // Changing the kind without an id (or to CITY) is a complete statement of the new area.
      const areaKind = patch.areaKind ?? (before.area_kind as AreaKind);
      const areaId = patch.areaId !== undefined ? patch.areaId : patch.areaKind !== undefined ? null : before.area_id;
      checkArea(role, areaKind, areaId);
      if (areaId !== null && !(await this.store.areaExists(m, areaKind, areaId))) {
        throw new DomainError('VALIDATION_FAILED', `${areaKind.toLowerCase()} ${areaId} does not exist`, [{ field: 'areaId', message: 'unknown area' }]);
      }
      const hash = patch.password ? await hashPassword(patch.password) : before.password_hash;
      const after = await this.store.update(m, id, {
        displayName: patch.displayName ?? before.display_name,
        role,
        active: patch.active ?? before.active,
        passwordHash: hash,
        bankId,
        areaKind,
        areaId,
      });
      await this.audit.record(m, {
        action: patch.password ? 'USER_UPDATED_PASSWORD_CHANGED' : 'USER_UPDATED',
        entityType: 'user',
        entityId: id,
        before: view(before),
        after: view(after),
      });
      return view(after);
    });
    // in force in this process before the answer (the others hear the database's notification)
    this.cache.forget(id);
    return changed;
  }

  async list(page: PageQuery, role?: Role): Promise<Page<UserView>> {
    const rows = await this.store.page(this.dataSource.manager, page, role);
    return { ...rows, items: rows.items.map(view) };
  }

  async get(id: string): Promise<UserView> {
    const row = await this.store.byId(this.dataSource.manager, id);
    if (!row) throw new DomainError('NOT_FOUND', `user ${id} not found`);
    return view(row);
  }

  /**
   * Ends every token issued to the user so far (a forced log-out, e.g. a lost phone), without changing anything
   * else. Deactivation, a role or bank change and a password change end them too: the database bumps
   * `token_version` on those itself (migration 1764410000000).
   */
  async revokeTokens(id: string): Promise<UserView> {
    const revoked = await this.dataSource.transaction(async (m) => {
      const row = await this.store.bumpTokenVersion(m, id);
      if (!row) throw new DomainError('NOT_FOUND', `user ${id} not found`);
      await this.audit.record(m, { action: 'USER_TOKENS_REVOKED', entityType: 'user', entityId: id, after: view(row) });
      return view(row);
    });
    this.cache.forget(id);
    return revoked;
  }

  /** One primary-key lookup; null when the user no longer exists. */
  async credentials(id: string): Promise<UserCredentials | null> {
    return this.cache.get(id, () => this.readCredentials(id));
  }

  private async readCredentials(id: string): Promise<UserCredentials | null> {
    const row = await this.store.credentials(this.dataSource.manager, id);
    if (!row) return null;
    return {
      id: row.id,
      username: row.username,
      role: row.role,
      bankId: row.bank_id,
      active: row.active,
      tokenVersion: row.token_version,
      ...(row.area_kind !== 'CITY' && row.area_id && row.area_district_id
        ? {
            area: {
              kind: row.area_kind as AreaScope['kind'],
              id: row.area_id,
              districtId: row.area_district_id,
              townId: row.area_town_id,
              villageId: row.area_village_id,
            },
          }
        : {}),
    };
  }

  /**
   * Checks a password; returns the user (and the token version a token issued now must carry) or null. Never logs
   * the password.
   */
  async checkPassword(username: string, password: string): Promise<{ user: UserView; tokenVersion: number } | null> {
    const row = await this.store.byUsername(this.dataSource.manager, username);
    if (!row || !row.active) {
      // Spend comparable time so a missing user is not distinguishable by latency.
      await hashPassword(password);
      return null;
    }
    if (!(await argon2.verify(row.password_hash, password))) return null;
    return { user: view(row), tokenVersion: row.token_version };
  }

  /** The first ADMIN comes from configuration; created once, never overwritten. */
  async ensureAdmin(username: string, password: string): Promise<boolean> {
    if (await this.store.usernameTaken(this.dataSource.manager, username)) return false;
    try {
      await this.create({ username, displayName: 'Administrator', password, role: 'ADMIN' });
      this.logger.log(`bootstrap admin '${username}' created`);
      return true;
    } catch (e) {
      if (e instanceof DomainError && e.code === 'CONFLICT') return false;
      throw e;
    }
  }
}
