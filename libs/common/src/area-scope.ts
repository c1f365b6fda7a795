import { RequestContext } from './request-context.js';

/**
 * Area scopes. A staff user (FUND_ADMIN, LOAN_OFFICER, AUDITOR) works for the whole city or for one district, town
 * or village, and every read and write of theirs is limited to it: the API's scope guard refuses an object outside
 * the area (an id in the path, or an id in the body or query), and every list and aggregate a scoped user can call
 * filters its rows with `areaCondition`. ADMIN, BANK_OFFICER (bank-scoped instead), bank API keys and the system are
 * not area-bound.
 */
export const AREA_KINDS = ['CITY', 'DISTRICT', 'TOWN', 'VILLAGE'] as const;
export type AreaKind = (typeof AREA_KINDS)[number];
/** The roles an area applies to. */
export const AREA_SCOPED_ROLES = ['FUND_ADMIN', 'LOAN_OFFICER', 'AUDITOR'] as const;

/** A bounded area, resolved upwards: a village's scope knows its town and district. */
export interface AreaScope {
  kind: Exclude<AreaKind, 'CITY'>;
  id: string;
  districtId: string;
  townId: string | null;
  villageId: string | null;
}

/** Where an object lives; null above its level (a district's risk fund has no town or village). */
export interface AreaLocation {
  districtId: string | null;
  townId: string | null;
  villageId: string | null;
}

/** The current caller's area, or null when the caller sees the whole city. */
export function currentArea(): AreaScope | null {
  return RequestContext.actor()?.area ?? null;
}

/** Whether an object at `loc` lies inside `scope`. An object above the scope's level (no village for a village
 *  scope) lies outside it; an object with no location at all (city-wide configuration) lies outside every bounded
 *  scope, and the caller decides whether city-wide objects are readable. */
export function locationInArea(scope: AreaScope | null, loc: AreaLocation): boolean {
  if (!scope) return true;
  switch (scope.kind) {
    case 'DISTRICT':
      return loc.districtId === scope.id;
    case 'TOWN':
      return loc.townId === scope.id;
    case 'VILLAGE':
      return loc.villageId === scope.id;
  }
}

/**
 * A SQL condition limiting rows to the current caller's area, given the row's columns (any of district, town,
 * village; a town is derived from the village when the row has no town column). `TRUE` for the whole city. Rows
 * that live above the scope's level (no village column for a village scope) are excluded. `params` receives the
 * bound values; the condition refers to them by position.
 */
export function areaCondition(
  params: unknown[],
  cols: { district?: string; town?: string; village?: string },
  scope: AreaScope | null = currentArea(),
): string {
  if (!scope) return 'TRUE';
  const p = () => `$${params.push(scope.id)}`;
  switch (scope.kind) {
    case 'DISTRICT':
      if (cols.district) return `${cols.district} = ${p()}`;
      if (cols.town) return `${cols.town} IN (SELECT id FROM towns WHERE district_id = ${p()})`;
      if (cols.village) return `${cols.village} IN (SELECT id FROM villages WHERE district_id = ${p()})`;
      return 'FALSE';
    case 'TOWN':
      if (cols.town) return `${cols.town} = ${p()}`;
      if (cols.village) return `${cols.village} IN (SELECT id FROM villages WHERE town_id = ${p()})`;
      return 'FALSE';
    case 'VILLAGE':
      if (cols.village) return `${cols.village} = ${p()}`;
      return 'FALSE';
  }
}

/** The same condition over `area_of(kind, id)` for rows that only know an object's kind and id (the audit log). */
export function areaOfCondition(params: unknown[], kindSql: string, idSql: string, scope: AreaScope | null = currentArea()): string {
  if (!scope) return 'TRUE';
  const col = scope.kind === 'DISTRICT' ? 'district_id' : scope.kind === 'TOWN' ? 'town_id' : 'village_id';
  return `EXISTS (SELECT 1 FROM area_of(${kindSql}, ${idSql}) a WHERE a.${col} = $${params.push(scope.id)})`;
}
