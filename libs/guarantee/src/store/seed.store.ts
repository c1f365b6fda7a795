import type { DataSource } from 'typeorm';
import { queryOne, queryRows } from '#libs/common';

/** The reads the demo seeds make to stay idempotent (every write goes through the services). */
export const seedReads = {
  async userExists(ds: DataSource, username: string): Promise<boolean> {
    return (await queryOne(ds.manager, `SELECT 1 FROM users WHERE username = $1`, [username])) !== undefined;
  },

  async hasActiveKey(ds: DataSource, bankId: string, label: string): Promise<boolean> {
    const row = await queryOne(
      ds.manager,
      `SELECT 1 FROM bank_api_keys WHERE bank_id = $1 AND label = $2 AND revoked_at IS NULL`,
      [bankId, label],
    );
    return row !== undefined;
  },

  district(ds: DataSource, code: string) {
    return queryOne<{ id: string; code: string; name: string; heavy_task: boolean }>(
      ds.manager,
      `SELECT id, code, name, heavy_task FROM districts WHERE code = $1`,
      [code],
    );
  },

  async fundOfDistrict(ds: DataSource, districtId: string): Promise<string | undefined> {
    const row = await queryOne<{ id: string }>(
      ds.manager,
      `SELECT id FROM risk_funds WHERE district_id = $1`,
      [districtId],
    );
    return row?.id;
  },

  async movementExists(ds: DataSource, key: string): Promise<boolean> {
    const row = await queryOne(ds.manager, `SELECT 1 FROM risk_fund_movements WHERE idempotency_key = $1`, [
      key,
    ]);
    return row !== undefined;
  },

  async agreementOf(ds: DataSource, fundId: string, bankId: string): Promise<string | undefined> {
    const row = await queryOne<{ id: string }>(
      ds.manager,
      `SELECT id FROM guarantee_agreements WHERE risk_fund_id = $1 AND bank_id = $2`,
      [fundId, bankId],
    );
    return row?.id;
  },

  async bankId(ds: DataSource, code: string): Promise<string | undefined> {
    const row = await queryOne<{ id: string }>(ds.manager, `SELECT id FROM banks WHERE code = $1`, [code]);
    return row?.id;
  },

  /** Eligible households of a district: POOR or GRADUATED, of lending age (20 to 60) on the business date `today`. */
  async eligibleHouseholds(ds: DataSource, districtCode: string, limit: number, today: string): Promise<string[]> {
    const rows = await queryRows<{ id: string }>(
      ds.manager,
      `SELECT h.id FROM households h JOIN villages v ON v.id = h.village_id JOIN districts d ON d.id = v.district_id
        WHERE d.code = $1 AND h.status IN ('POOR','GRADUATED')
          AND h.birth_date BETWEEN $3::date - interval '60 years' AND $3::date - interval '20 years'
        ORDER BY h.id LIMIT $2`,
      [districtCode, limit, today],
    );
    return rows.map((r) => r.id);
  },
};
