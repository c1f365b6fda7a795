import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { queryRows, type AreaLocation } from '#libs/common';

/** Reads where business objects live, through `area_of(kind, id)` (migration 1764570000000). Writes nothing. */
@Injectable()
export class AreaStore {
  /** The location of each (kind, id), by its index in the input; an object that does not exist is absent. */
  async locate(m: EntityManager, refs: readonly { kind: string; id: string }[]): Promise<Map<number, AreaLocation>> {
    const rows = await queryRows<{ i: number; district_id: string | null; town_id: string | null; village_id: string | null }>(
      m,
      `SELECT r.i::int AS i, a.district_id::text, a.town_id::text, a.village_id::text
         FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS r(kind, ref, i)
         CROSS JOIN LATERAL area_of(r.kind, r.ref) a`,
      [refs.map((r) => r.kind), refs.map((r) => r.id)],
    );
    return new Map(rows.map((r) => [r.i - 1, { districtId: r.district_id, townId: r.town_id, villageId: r.village_id }]));
  }
}
