import type { RuleError } from './poverty-status.js';

/**
 * Joint-liability groups (联保小组): members are households of one village, a household belongs to at most one
 * group, and the group's size stays within bounds the fund rules set (defaults 3 and 5).
 */

export interface GroupSizeBounds {
  minSize: number;
  maxSize: number;
}

export const DEFAULT_GROUP_SIZE: GroupSizeBounds = { minSize: 3, maxSize: 5 };

export function checkBounds(b: GroupSizeBounds): void {
  if (!Number.isInteger(b.minSize) || !Number.isInteger(b.maxSize) || b.minSize < 1 || b.maxSize < b.minSize) {
    throw new RangeError(`invalid group size bounds ${b.minSize}..${b.maxSize}`);
  }
}

export interface MemberCandidate {
  /** The request field that named it, e.g. "householdIds[2]". */
  field: string;
  householdId: string;
  /** Undefined when no such household exists. */
  villageId?: string;
  /** The group it already belongs to, if any. */
  groupId?: string | null;
}

/** Error codes whose only fix is another group's membership: a race or a real conflict, answered with 409. */
export const MEMBERSHIP_CONFLICT_CODES: ReadonlySet<string> = new Set(['HOUSEHOLD_IN_GROUP']);

/**
 * Checks the households about to join a group and the group's size after the change. Returns every failure.
 * `sizeAfter` is the member count the group would have; `groupId` the group they join (members already in it
 * are reported as duplicates).
 */
export function checkMembers(input: {
  groupVillageId: string;
  candidates: readonly MemberCandidate[];
  sizeAfter: number;
  bounds: GroupSizeBounds;
  groupId?: string;
  sizeField?: string;
}): RuleError[] {
  checkBounds(input.bounds);
  const errors: RuleError[] = [];
  const seen = new Set<string>();
  for (const c of input.candidates) {
    if (seen.has(c.householdId)) {
      errors.push({ field: c.field, code: 'HOUSEHOLD_DUPLICATE', message: `household ${c.householdId} is listed twice` });
      continue;
    }
    seen.add(c.householdId);
    if (c.villageId === undefined) {
      errors.push({ field: c.field, code: 'HOUSEHOLD_NOT_FOUND', message: `household ${c.householdId} does not exist` });
      continue;
    }
    if (String(c.villageId) !== String(input.groupVillageId)) {
      errors.push({
        field: c.field,
        code: 'HOUSEHOLD_OTHER_VILLAGE',
        message: `household ${c.householdId} lives in another village than the group (village ${input.groupVillageId})`,
      });
    }
    if (c.groupId && input.groupId !== undefined && String(c.groupId) === String(input.groupId)) {
      errors.push({ field: c.field, code: 'HOUSEHOLD_ALREADY_MEMBER', message: `household ${c.householdId} is already a member of this group` });
    } else if (c.groupId) {
      errors.push({ field: c.field, code: 'HOUSEHOLD_IN_GROUP', message: `household ${c.householdId} already belongs to group ${c.groupId}` });
    }
  }
  errors.push(...checkSize(input.sizeAfter, input.bounds, input.sizeField ?? 'householdIds'));
  return errors;
}

export function checkSize(sizeAfter: number, bounds: GroupSizeBounds, field: string): RuleError[] {
  checkBounds(bounds);
  if (sizeAfter < bounds.minSize) {
    return [{ field, code: 'GROUP_TOO_SMALL', message: `a group needs at least ${bounds.minSize} members (would have ${sizeAfter})` }];
  }
  if (sizeAfter > bounds.maxSize) {
    return [{ field, code: 'GROUP_TOO_LARGE', message: `a group may have at most ${bounds.maxSize} members (would have ${sizeAfter})` }];
  }
  return [];
}
