import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { queryOne } from '#libs/common';

/** The reads the demo seed makes to find what is already seeded. */
@Injectable()
export class AssetIncomeSeedStore {
  /** The first pilot village, with its district's code. */
  firstPilotVillage(m: EntityManager) {
    return queryOne<{ id: string; district_id: string; name: string; region: string }>(
      m,
      `SELECT v.id, v.district_id, v.name, d.code AS region FROM villages v JOIN districts d ON d.id = v.district_id
        WHERE v.is_pilot ORDER BY v.id LIMIT 1`,
    );
  }

  async poorHouseholdCount(m: EntityManager, villageId: string): Promise<number | undefined> {
    const row = await queryOne<{ n: number }>(
      m,
      `SELECT count(*)::int AS n FROM households WHERE village_id = $1 AND status = 'POOR'`,
      [villageId],
    );
    return row?.n;
  }

  latestProjectOfVillage(m: EntityManager, villageId: string) {
    return queryOne<{ id: string; status: string }>(
      m,
      `SELECT id, status FROM aip_projects WHERE village_id = $1 ORDER BY id DESC LIMIT 1`,
      [villageId],
    );
  }

  async hasResult(m: EntityManager, projectId: string, year: number): Promise<boolean> {
    return !!(await queryOne(m, `SELECT 1 FROM aip_annual_results WHERE project_id = $1 AND year = $2`, [
      projectId,
      year,
    ]));
  }

  liveRun(m: EntityManager, projectId: string, year: number) {
    return queryOne<{ status: string }>(
      m,
      `SELECT status FROM aip_distribution_runs WHERE project_id = $1 AND year = $2 AND status <> 'CANCELLED'`,
      [projectId, year],
    );
  }
}
