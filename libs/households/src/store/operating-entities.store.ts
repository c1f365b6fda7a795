import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { queryOne } from '#libs/common';
import type { OperatingEntityRow } from './rows.generated.js';

export type EntityForProject = Pick<OperatingEntityRow, 'kind' | 'village_id' | 'is_asset_income_project'> & {
  id: string;
  district_id: string;
};

export interface NewOperatingEntity {
  kind: OperatingEntityRow['kind'];
  name: string;
  creditCode: string;
  districtId: string;
  villageId: string | null;
}

/**
 * operating_entities (owned by libs/households): the writes other libraries need, in the caller's transaction.
 * Asset income flags the entity that runs a project through here instead of updating the table itself.
 */
@Injectable()
export class OperatingEntitiesStore {
  /**
   * Locks the entity (FOR UPDATE) and reads what a project registration checks. The lock keeps flagging it from
   * racing a covered loan being registered for it (see the loans trigger).
   */
  lockForProject(m: EntityManager, entityId: string): Promise<EntityForProject | undefined> {
    return queryOne<EntityForProject>(
      m,
      `SELECT id, kind, district_id, village_id, is_asset_income_project FROM operating_entities WHERE id = $1 FOR UPDATE`,
      [entityId],
    );
  }

  /** Marks the entity as running an asset-income project (it may then neither guarantee debt nor borrow under cover). */
  async markAssetIncomeProject(m: EntityManager, entityId: string): Promise<void> {
    await m.query(
      `UPDATE operating_entities SET is_asset_income_project = true, updated_at = now() WHERE id = $1`,
      [entityId],
    );
  }

  /** Registers the entity unless its credit code exists; returns its id either way (the demo seed). */
  async ensureByCreditCode(m: EntityManager, e: NewOperatingEntity): Promise<string> {
    await m.query(
      `INSERT INTO operating_entities (kind, name, credit_code, district_id, village_id) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (credit_code) DO NOTHING`,
      [e.kind, e.name, e.creditCode, e.districtId, e.villageId],
    );
    const row = await queryOne<{ id: string }>(
      m,
      `SELECT id FROM operating_entities WHERE credit_code = $1`,
      [e.creditCode],
    );
    return row!.id;
  }
}
