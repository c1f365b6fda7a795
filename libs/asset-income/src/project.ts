import { DomainError, type Actor } from '#libs/common';
import type { Fen } from '#libs/money';
import { addDays } from '#libs/schedules';
import type { BusinessType, FloorRecipients, HouseholdWeighting, ProjectStatus, RightRule } from './domain/model.js';

/** A project as the services use it (read by store/project-records.store.ts), and the checks made on it. */

export interface ProjectRecord {
  id: string;
  name: string;
  villageId: string;
  districtId: string;
  entityId: string;
  businessType: BusinessType;
  specialFundFen: Fen;
  collectivePercent: string;
  householdWeighting: HouseholdWeighting;
  rightRule: RightRule;
  floorRatePercent: string;
  floorRecipients: FloorRecipients;
  payoutPercent: string;
  liquidationThresholdFen: Fen;
  alertMarginFen: Fen;
  status: ProjectStatus;
  injectedOn: string | null;
  quantifiedOn: string | null;
  liquidationFlaggedYear: number | null;
  liquidatedOn: string | null;
  createdBy: string;
  createdAt: string;
}

export function stateConflict(p: ProjectRecord, wanted: readonly ProjectStatus[], what: string): DomainError {
  return new DomainError(
    'ASSET_INCOME_STATE_CONFLICT',
    `project ${p.id} is ${p.status}: ${what} needs it to be ${wanted.join(' or ')}`,
    [],
    { projectStatus: p.status },
  );
}

export function requireStatus(p: ProjectRecord, wanted: readonly ProjectStatus[], what: string): void {
  if (!wanted.includes(p.status)) throw stateConflict(p, wanted, what);
}

export const actorName = (actor: Actor | undefined): string => actor?.username ?? 'system';

/** Calendar arithmetic on YYYY-MM-DD business dates (no time zone involved). */
/** The calendar helper of `#libs/schedules`, re-exported for this library's callers. */
export { addDays };

export const yearOf = (date: string): number => Number(date.slice(0, 4));
