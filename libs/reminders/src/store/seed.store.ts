import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { queryOne } from '#libs/common';

/** The reads of the demo reminder seed (src/seed.ts): the demo fund and bank, and their active endpoints. */
@Injectable()
export class ReminderSeedStore {
  /** The active endpoint of a fund's or a bank's scope, if any. */
  async activeEndpoint(
    m: EntityManager,
    target: { scope: 'FUND'; fundId: string } | { scope: 'BANK'; bankId: string },
  ): Promise<{ id: string; channel: string } | undefined> {
    return queryOne(
      m,
      target.scope === 'FUND'
        ? `SELECT id::text, channel FROM reminder_endpoints WHERE scope = 'FUND' AND fund_id = $1 AND active`
        : `SELECT id::text, channel FROM reminder_endpoints WHERE scope = 'BANK' AND bank_id = $1 AND active`,
      [target.scope === 'FUND' ? target.fundId : target.bankId],
    );
  }

  /** The fund of the village with that code. */
  async fundOfVillage(
    m: EntityManager,
    villageCode: string,
  ): Promise<{ id: string; name: string } | undefined> {
    return queryOne(
      m,
      `SELECT f.id::text, f.name FROM mutual_aid_funds f JOIN villages v ON v.id = f.village_id WHERE v.code = $1`,
      [villageCode],
    );
  }

  async bankByCode(m: EntityManager, code: string): Promise<{ id: string; name: string } | undefined> {
    return queryOne(m, `SELECT id::text, name FROM banks WHERE code = $1`, [code]);
  }
}
