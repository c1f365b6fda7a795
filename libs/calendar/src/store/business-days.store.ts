import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { queryOne, queryRows } from '#libs/common';
import type { BusinessDayRow } from './rows.generated.js';

/** The business_days table: one row per business date the clock passed through, with the steps it ran. */
@Injectable()
export class BusinessDaysStore {
  /** Starts a day (or finds it started): returns its row. */
  async begin(m: EntityManager, day: string, advancedBy: string): Promise<BusinessDayRow> {
    await queryRows(
      m,
      `INSERT INTO business_days (business_date, status, advanced_by) VALUES ($1, 'RUNNING', $2)
       ON CONFLICT (business_date) DO NOTHING`,
      [day, advancedBy],
    );
    return (await this.get(m, day))!;
  }

  async get(m: EntityManager, day: string): Promise<BusinessDayRow | undefined> {
    return queryOne<BusinessDayRow>(m, `SELECT * FROM business_days WHERE business_date = $1`, [day]);
  }

  /** Records the result of one step of a day (the steps already done are skipped when the day is run again). */
  async stepDone(m: EntityManager, day: string, step: string, result: unknown): Promise<void> {
    await queryRows(
      m,
      `UPDATE business_days SET steps = steps || jsonb_build_object($2::text, $3::jsonb) WHERE business_date = $1`,
      [day, step, JSON.stringify(result ?? null)],
    );
  }

  async finish(m: EntityManager, day: string): Promise<void> {
    await queryRows(m, `UPDATE business_days SET status = 'DONE', finished_at = now() WHERE business_date = $1`, [day]);
  }

  /** The latest day not finished (a run cut off half-way), if any. */
  async unfinished(m: EntityManager): Promise<BusinessDayRow | undefined> {
    return queryOne<BusinessDayRow>(
      m,
      `SELECT * FROM business_days WHERE status = 'RUNNING' ORDER BY business_date DESC LIMIT 1`,
      [],
    );
  }

  async recent(m: EntityManager, limit: number): Promise<BusinessDayRow[]> {
    return queryRows<BusinessDayRow>(
      m,
      `SELECT * FROM business_days ORDER BY business_date DESC LIMIT $1`,
      [limit],
    );
  }

  /** Whether the books hold any journal entry yet (a fresh sandbox may start its clock at any date). */
  async ledgerEmpty(m: EntityManager): Promise<boolean> {
    const r = await queryOne<{ empty: boolean }>(m, `SELECT NOT EXISTS (SELECT 1 FROM journal_entries) AS empty`, []);
    return r!.empty;
  }

  /** A session-level advisory lock on a dedicated connection: one advance at a time, across replicas. */
  async tryLock(m: EntityManager): Promise<boolean> {
    const r = await queryOne<{ ok: boolean }>(m, `SELECT pg_try_advisory_lock(hashtext('business_date_advance')) AS ok`, []);
    return r!.ok;
  }

  async unlock(m: EntityManager): Promise<void> {
    await queryRows(m, `SELECT pg_advisory_unlock(hashtext('business_date_advance'))`, []);
  }
}
