import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who the asset-income floor (保底收益) is paid to is a project setting. The Zibo case gives it to the poor
 * households' quantified shares only (贫困户折股量化资产负盈不负亏，保底收益不低于所持量化资金的10%), so every
 * project, existing ones included, takes POOR_HOUSEHOLDS; ALL_SHARES also tops the village collective's share up.
 * A dividend run records the rule it was worked out with: runs prepared before this column existed topped every
 * special-fund share up, so they are ALL_SHARES (an approved run is paid as it was approved).
 */
export class AipFloorRecipients1764510000000 implements MigrationInterface {
  name = 'AipFloorRecipients1764510000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE aip_projects
        ADD COLUMN floor_recipients text NOT NULL DEFAULT 'POOR_HOUSEHOLDS'
          CHECK (floor_recipients IN ('POOR_HOUSEHOLDS','ALL_SHARES'));
      ALTER TABLE aip_distribution_runs
        ADD COLUMN floor_recipients text NOT NULL DEFAULT 'ALL_SHARES'
          CHECK (floor_recipients IN ('POOR_HOUSEHOLDS','ALL_SHARES'));
      ALTER TABLE aip_distribution_runs ALTER COLUMN floor_recipients DROP DEFAULT;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE aip_distribution_runs DROP COLUMN floor_recipients;
      ALTER TABLE aip_projects DROP COLUMN floor_recipients;
    `);
  }
}
