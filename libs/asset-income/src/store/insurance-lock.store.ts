import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { queryRows } from '#libs/common';

/** The insurance-lock read of an operating entity and the project that flagged it. */
@Injectable()
export class InsuranceLockStore {
  /** The entity's lock flag and its project, the entity row read FOR SHARE in the caller's transaction. */
  async lockState(
    m: EntityManager,
    entityId: string,
  ): Promise<{ locked: boolean; project_id: string | null } | undefined> {
    const rows = await queryRows<{ locked: boolean; project_id: string | null }>(
      m,
      `SELECT e.is_asset_income_project AS locked, p.id AS project_id
         FROM operating_entities e LEFT JOIN aip_projects p ON p.entity_id = e.id
        WHERE e.id = $1 FOR SHARE OF e`,
      [entityId],
    );
    return rows[0];
  }
}
