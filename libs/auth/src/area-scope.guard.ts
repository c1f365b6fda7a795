import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Request } from 'express';
import type { DataSource } from 'typeorm';
import { DomainError, ID_PATTERN, locationInArea, PUBLIC_KEY, queryRows, RequestContext, type AreaScope } from '#libs/common';
import { ACCOUNT_OWNER_KIND, AREA_ROUTE_POLICY, FIELD_KIND, PARAM_KIND, PATH_SEGMENT_KIND } from './area-policy.js';

const ANCESTOR_READS = new Set(['GET /api/v1/districts/:id', 'GET /api/v1/towns/:id']);

interface Ref {
  kind: string;
  id: string;
  /** where the caller named it: a path parameter, or a body/query field */
  from: 'path' | 'field';
  field: string;
}

/**
 * Runs after authentication, for area-scoped callers only (see area-policy.ts for the rules). One query locates every
 * object the request names; nothing else is read, and callers who see the whole city pay nothing.
 */
@Injectable()
export class AreaScopeGuard implements CanActivate {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const scope = RequestContext.actor()?.area;
    if (!scope) return true;
    // an operation anyone may call (signing in) is nobody's area
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, [ctx.getHandler(), ctx.getClass()])) return true;
    const req = ctx.switchToHttp().getRequest<Request>();
    const route = typeof req.route?.path === 'string' ? (req.route.path as string) : req.path;
    const key = `${req.method} ${route}`;
    const policy = AREA_ROUTE_POLICY[key];
    if (policy === 'CITY_WIDE') return true;
    if (policy === 'CITY_ONLY') throw cityOnly(scope, key);

    const refs = [...pathRefs(route, req.params ?? {}), ...fieldRefs(req.query), ...fieldRefs(req.body)];
    const isRead = req.method === 'GET' || req.method === 'HEAD';
    if (refs.length === 0) {
      if (isRead && policy === 'FILTERED') return true;
      throw cityOnly(scope, key);
    }
    if (refs.some((r) => r.kind === 'city')) throw cityOnly(scope, key);
    const located = await this.locate(refs);
    for (const [i, ref] of refs.entries()) {
      const loc = located.get(i);
      if (!loc) continue; // no such object: the handler answers as it would for anyone
      const cityLevel = loc.districtId === null && loc.townId === null && loc.villageId === null;
      if (cityLevel ? isRead : locationInArea(scope, loc)) continue;
      // a town's or village's staff may read their own district's and town's record (names, codes), not its figures
      if (ANCESTOR_READS.has(key) && loc.districtId === scope.districtId && (loc.townId === null || loc.townId === scope.townId)) continue;
      if (cityLevel) throw cityOnly(scope, key);
      if (ref.from === 'path') throw new DomainError('NOT_FOUND', `${ref.kind.replace(/_/g, ' ')} ${ref.id} not found`);
      throw new DomainError('AREA_OUT_OF_SCOPE', `${ref.field} ${ref.id} lies outside your area (${describe(scope)})`, [
        { field: ref.field, message: 'outside your area' },
      ]);
    }
    // A read that names objects only in the query (a list filtered by village) still lists only the area's rows.
    if (isRead && !refs.some((r) => r.from === 'path') && policy !== 'FILTERED') throw cityOnly(scope, key);
    return true;
  }

  private async locate(refs: Ref[]) {
    const rows = await queryRows<{ i: number; district_id: string | null; town_id: string | null; village_id: string | null }>(
      this.dataSource.manager,
      `SELECT r.i::int AS i, a.district_id::text, a.town_id::text, a.village_id::text
         FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS r(kind, ref, i)
         CROSS JOIN LATERAL area_of(r.kind, r.ref) a`,
      [refs.map((r) => r.kind), refs.map((r) => r.id)],
    );
    return new Map(rows.map((r) => [r.i - 1, { districtId: r.district_id, townId: r.town_id, villageId: r.village_id }]));
  }
}

function cityOnly(scope: AreaScope, key: string) {
  return new DomainError('AREA_CITY_ONLY', `${key} is for staff of the whole city; you work for ${describe(scope)}`);
}

function describe(scope: AreaScope) {
  return `${scope.kind.toLowerCase()} ${scope.id}`;
}

/** Ids in the path: `:id` named by the segment(s) before it, other parameters by their own names. */
function pathRefs(route: string, params: Record<string, string | string[]>): Ref[] {
  const parts = route.split('/').filter(Boolean);
  const refs: Ref[] = [];
  parts.forEach((part, i) => {
    if (!part.startsWith(':')) return;
    const name = part.slice(1);
    const value = params[name];
    if (typeof value !== 'string') return;
    let kind: string | undefined;
    if (name === 'id') {
      const prev = parts[i - 1] ?? '';
      kind = PATH_SEGMENT_KIND[`${parts[i - 2] ?? ''}/${prev}`] ?? PATH_SEGMENT_KIND[prev];
    } else if (name === 'code' && parts[i - 1] === 'accounts') {
      const owner = /^([A-Z]+):([1-9][0-9]{0,17}):/.exec(value);
      if (owner && ACCOUNT_OWNER_KIND[owner[1]!]) {
        refs.push({ kind: ACCOUNT_OWNER_KIND[owner[1]!]!, id: owner[2]!, from: 'path', field: name });
      } else {
        // an account that belongs to no area-bound owner (the city's own accounts): not visible to an area
        refs.push({ kind: 'city', id: '1', from: 'path', field: name });
      }
      return;
    } else {
      kind = PARAM_KIND[name];
    }
    if (kind && ID_PATTERN.test(value)) refs.push({ kind, id: value, from: 'path', field: name });
  });
  return refs;
}

/** Ids in a body or query: known field names, at the top level and one level down (rows of a bulk request). */
function fieldRefs(source: unknown, depth = 0): Ref[] {
  if (!source || typeof source !== 'object' || depth > 2) return [];
  if (Array.isArray(source)) return source.slice(0, 1000).flatMap((x) => fieldRefs(x, depth + 1));
  const refs: Ref[] = [];
  for (const [field, value] of Object.entries(source as Record<string, unknown>)) {
    const kind = FIELD_KIND[field];
    if (kind) {
      for (const v of Array.isArray(value) ? value.slice(0, 1000) : [value]) {
        const id = typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : v;
        if (typeof id === 'string' && ID_PATTERN.test(id)) refs.push({ kind, id, from: 'field', field });
      }
    } else if (value && typeof value === 'object') {
      refs.push(...fieldRefs(value, depth + 1));
    }
  }
  return refs;
}
