import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import { DomainError, offsetOf, type Actor, type FieldError, type Page, type PageQuery } from '#libs/common';
import {
  checkMembers,
  checkSize,
  DEFAULT_GROUP_SIZE,
  MEMBERSHIP_CONFLICT_CODES,
  type GroupSizeBounds,
  type MemberCandidate,
} from './domain/group-rules.js';
import type { PovertyStatus } from './domain/poverty-status.js';
import { FINISHED_LOAN_STATUSES, HouseholdsService, type HouseholdRecord } from './households.service.js';
import { GeographyService, invalid, likeContains } from './geography.service.js';
import { GroupsStore, type GroupJoinedRow } from './store/groups.store.js';
import { maskId, seesPersonalData } from './viewer.js';

export interface GroupRecord {
  id: string;
  villageId: string;
  districtId: string;
  name: string;
  status: 'ACTIVE' | 'DISSOLVED';
  /** Member household ids, ascending. */
  memberIds: string[];
  size: number;
  dissolvedAt: string | null;
  dissolutionReason: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface GroupFilter {
  villageId?: string;
  districtId?: string;
  status?: 'ACTIVE' | 'DISSOLVED';
  name?: string;
}

export interface GroupOptions {
  /** Size bounds; by default those of the village's mutual-aid fund rules, else 3..5. */
  bounds?: GroupSizeBounds;
  /** The caller's transaction (a bulk import's): the group is formed in it instead of one of its own. */
  manager?: EntityManager;
}

export interface GroupMemberView {
  householdId: string;
  headName: string;
  idNumber: string | null;
  status: PovertyStatus;
  joinedAt: string;
}

const record = (r: GroupJoinedRow): GroupRecord => ({
  id: r.id,
  villageId: r.village_id,
  districtId: r.district_id,
  name: r.name,
  status: r.status,
  memberIds: r.member_ids.map(String),
  size: r.member_ids.length,
  dissolvedAt: r.dissolved_at ? new Date(r.dissolved_at).toISOString() : null,
  dissolutionReason: r.dissolution_reason,
  createdAt: new Date(r.created_at).toISOString(),
  updatedAt: new Date(r.updated_at).toISOString(),
});

/** Loans that bind a group: endorsed or on the way to it, and not finished. */
const BINDING_LOAN_EXCLUDED = ['DRAFT', ...FINISHED_LOAN_STATUSES];

/**
 * Only membership of another group: a 409 (the household is taken, possibly by a concurrent request); any other
 * failed rule makes it a 422 listing every failure.
 */
function groupRulesError(errors: FieldError[]): DomainError {
  if (errors.every((e) => MEMBERSHIP_CONFLICT_CODES.has(e.code ?? ''))) {
    return new DomainError('HOUSEHOLD_IN_GROUP', 'a household already belongs to another joint-liability group', errors);
  }
  return new DomainError('GROUP_RULES_VIOLATED', 'the joint-liability group rules are not met; nothing was changed', errors);
}

/**
 * Joint-liability groups (联保小组). Membership changes lock the group row first and then the household rows in id
 * order, so concurrent changes serialise and never deadlock; the UNIQUE constraint on the member's household is the
 * backstop that keeps a household in one group whatever happens. Members may not leave, nor the group dissolve,
 * while a loan the group endorsed is open: the joint liability holds until it is repaid.
 */
@Injectable()
export class GroupsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly geography: GeographyService,
    private readonly households: HouseholdsService,
    // stateless; the default keeps hand-wired test harnesses of other libraries working
    private readonly store: GroupsStore = new GroupsStore(),
  ) {}

  /** The size bounds of a village's groups: its mutual-aid fund's rules when it has an open fund, else 3..5. */
  async sizeBounds(villageId: string, manager?: EntityManager): Promise<GroupSizeBounds> {
    const fund = await this.store.fundGroupSize(manager ?? this.dataSource.manager, villageId);
    return fund ? { minSize: fund.group_min_size, maxSize: fund.group_max_size } : { ...DEFAULT_GROUP_SIZE };
  }

  async find(id: string, manager?: EntityManager): Promise<GroupRecord | undefined> {
    const row = await this.store.find(manager ?? this.dataSource.manager, id);
    return row && record(row);
  }

  async get(id: string, manager?: EntityManager): Promise<GroupRecord> {
    const rec = await this.find(id, manager);
    if (!rec) throw new DomainError('NOT_FOUND', `joint-liability group ${id} not found`);
    return rec;
  }

  /** The group a household belongs to, or null. */
  async groupOf(householdId: string, manager?: EntityManager): Promise<GroupRecord | null> {
    const row = await this.store.findOfHousehold(manager ?? this.dataSource.manager, householdId);
    return row ? record(row) : null;
  }

  /** The member households of a group (full records, ascending id); empty for a dissolved group. */
  async membersOf(groupId: string, manager?: EntityManager): Promise<HouseholdRecord[]> {
    const g = await this.get(groupId, manager);
    return this.households.getMany(g.memberIds, manager);
  }

  async create(input: { villageId: string; name: string; householdIds: readonly string[] }, opts: GroupOptions = {}): Promise<GroupRecord> {
    const run = <T>(fn: (m: EntityManager) => Promise<T>) => (opts.manager ? fn(opts.manager) : this.dataSource.transaction(fn));
    return run(async (m) => {
      const village = await this.geography.findVillage(input.villageId, m);
      if (!village) throw invalid('villageId', 'UNKNOWN_VILLAGE', `village ${input.villageId} does not exist`);
      if (!input.name?.trim()) throw invalid('name', 'isLength', 'name must not be empty');
      const bounds = opts.bounds ?? (await this.sizeBounds(village.id, m));
      const unique = [...new Set(input.householdIds)];
      const candidates = await this.candidates(m, unique, input.householdIds.map((hid, i) => ({ field: `householdIds[${i}]`, hid })));
      const errors = checkMembers({ groupVillageId: village.id, candidates, sizeAfter: unique.length, bounds });
      if (errors.length) throw groupRulesError(errors);
      const id = await this.store.insert(m, village.id, input.name.trim());
      const added = await this.store.addMembers(m, id, unique);
      if (added !== unique.length) throw raceLost('householdIds');
      const rec = await this.get(id, m);
      await this.audit.record(m, { action: 'GROUP_CREATED', entityType: 'liability_group', entityId: id, after: { ...rec, bounds } });
      return rec;
    });
  }

  async addMember(groupId: string, householdId: string, opts: GroupOptions = {}): Promise<GroupRecord> {
    return this.dataSource.transaction(async (m) => {
      const group = await this.lockActive(m, groupId);
      const bounds = opts.bounds ?? (await this.sizeBounds(group.villageId, m));
      const candidates = await this.candidates(m, [householdId], [{ field: 'householdId', hid: householdId }]);
      // a group below the minimum (the fund rules changed) may still grow: only the maximum binds an addition
      const errors = checkMembers({
        groupVillageId: group.villageId,
        groupId,
        candidates,
        sizeAfter: group.size + 1,
        bounds,
        sizeField: 'householdId',
      }).filter((e) => e.code !== 'GROUP_TOO_SMALL');
      if (errors.length) throw groupRulesError(errors);
      if (!(await this.store.addMember(m, groupId, householdId))) throw raceLost('householdId');
      const after = await this.get(groupId, m);
      await this.audit.record(m, {
        action: 'GROUP_MEMBER_ADDED',
        entityType: 'liability_group',
        entityId: groupId,
        before: { memberIds: group.memberIds },
        after: { memberIds: after.memberIds, householdId },
      });
      return after;
    });
  }

  async removeMember(groupId: string, householdId: string, opts: GroupOptions = {}): Promise<GroupRecord> {
    return this.dataSource.transaction(async (m) => {
      const group = await this.lockActive(m, groupId);
      if (!group.memberIds.includes(householdId)) {
        throw new DomainError('NOT_FOUND', `household ${householdId} is not a member of group ${groupId}`);
      }
      await this.refuseWhileBound(m, groupId);
      const bounds = opts.bounds ?? (await this.sizeBounds(group.villageId, m));
      const errors = checkSize(group.size - 1, bounds, 'householdId').filter((e) => e.code === 'GROUP_TOO_SMALL');
      if (errors.length) {
        errors[0].message += '; add a replacement first or dissolve the group';
        throw groupRulesError(errors);
      }
      await this.store.removeMember(m, groupId, householdId);
      const after = await this.get(groupId, m);
      await this.audit.record(m, {
        action: 'GROUP_MEMBER_REMOVED',
        entityType: 'liability_group',
        entityId: groupId,
        before: { memberIds: group.memberIds },
        after: { memberIds: after.memberIds, householdId },
      });
      return after;
    });
  }

  /** Dissolves a group: its members are released (free to join another) and the reason is kept. */
  async dissolve(groupId: string, reason: string): Promise<GroupRecord> {
    if (!reason?.trim()) throw invalid('reason', 'isLength', 'a reason is required to dissolve a group');
    return this.dataSource.transaction(async (m) => {
      const group = await this.lockActive(m, groupId);
      await this.refuseWhileBound(m, groupId);
      await this.store.dissolve(m, groupId, reason.trim());
      const after = await this.get(groupId, m);
      await this.audit.record(m, { action: 'GROUP_DISSOLVED', entityType: 'liability_group', entityId: groupId, before: group, after });
      return after;
    });
  }

  async list(filter: GroupFilter, page: PageQuery): Promise<Page<GroupRecord>> {
    const { total, rows } = await this.store.list(
      this.dataSource.manager,
      {
        villageId: filter.villageId,
        districtId: filter.districtId,
        status: filter.status,
        namePattern: filter.name ? likeContains(filter.name) : undefined,
      },
      page.pageSize,
      offsetOf(page),
    );
    return { items: rows.map(record), page: page.page, pageSize: page.pageSize, total };
  }

  /** A group with its members as the viewer may see them. */
  async view(viewer: Actor | undefined, group: GroupRecord): Promise<GroupRecord & { members: GroupMemberView[] }> {
    const joined = await this.store.joinedAt(this.dataSource.manager, group.id);
    const joinedAt = new Map(joined.map((j) => [String(j.household_id), new Date(j.joined_at).toISOString()]));
    const full = seesPersonalData(viewer);
    const members = (await this.households.getMany(group.memberIds)).map((h) => ({
      householdId: h.id,
      headName: h.headName,
      idNumber: full ? h.idNumber : maskId(h.idNumber),
      status: h.status,
      joinedAt: joinedAt.get(h.id) ?? group.createdAt,
    }));
    return { ...group, members };
  }

  // ── internals ──

  /** Locks the group row; it must exist and be active. */
  private async lockActive(m: EntityManager, groupId: string): Promise<GroupRecord> {
    const locked = await this.store.lockStatus(m, groupId);
    if (!locked) throw new DomainError('NOT_FOUND', `joint-liability group ${groupId} not found`);
    if (locked.status !== 'ACTIVE') {
      throw new DomainError('GROUP_RULES_VIOLATED', `group ${groupId} is dissolved`, [
        { field: 'groupId', code: 'GROUP_DISSOLVED', message: 'the group is dissolved' },
      ]);
    }
    return this.get(groupId, m);
  }

  /** Locks the households (ascending id) and reads their village and current group. */
  private async candidates(m: EntityManager, ids: string[], fields: { field: string; hid: string }[]): Promise<MemberCandidate[]> {
    const rows = await this.store.lockHouseholds(m, ids);
    const memberships = await this.store.memberships(m, ids);
    const village = new Map(rows.map((r) => [String(r.id), String(r.village_id)]));
    const group = new Map(memberships.map((r) => [String(r.household_id), String(r.group_id)]));
    return fields.map(({ field, hid }) => ({ field, householdId: hid, villageId: village.get(hid), groupId: group.get(hid) ?? null }));
  }

  private async refuseWhileBound(m: EntityManager, groupId: string): Promise<void> {
    const loans = await this.store.boundLoans(m, groupId, BINDING_LOAN_EXCLUDED);
    if (loans.length) {
      throw new DomainError(
        'GROUP_HAS_ACTIVE_LOANS',
        `group ${groupId} endorsed open loans (${loans.join(', ')}): its membership is fixed until they are repaid`,
        [{ field: 'groupId', code: 'GROUP_HAS_ACTIVE_LOANS', message: 'the group endorsed loans that are still open' }],
      );
    }
  }
}

function raceLost(field: string): DomainError {
  return new DomainError('HOUSEHOLD_IN_GROUP', 'a household joined another joint-liability group concurrently', [
    { field, code: 'HOUSEHOLD_IN_GROUP', message: 'already belongs to a joint-liability group' },
  ]);
}
