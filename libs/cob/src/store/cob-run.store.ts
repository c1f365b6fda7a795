import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { offsetOf, queryOne, queryRows, rowsOf, type PageQuery } from '#libs/common';
import type { CobCheckpointRow, CobRunRow } from './rows.generated.js';

export type CheckpointRow = Pick<
  CobCheckpointRow,
  'business_date' | 'step' | 'last_id' | 'batches' | 'rows_done' | 'done'
>;

/** What a batch adds to its run's counters. */
export interface RunCounts {
  loansProcessed?: number;
  batches?: number;
  coveredProcessed?: number;
  callsRaised?: number;
  callsCleared?: number;
  snapshots?: number;
}

const COUNTERS: Record<keyof RunCounts, string> = {
  loansProcessed: 'loans_processed',
  batches: 'batches',
  coveredProcessed: 'covered_processed',
  callsRaised: 'calls_raised',
  callsCleared: 'calls_cleared',
  snapshots: 'snapshots',
};

export interface RunListFilter {
  status?: CobRunRow['status'];
  from?: string;
  to?: string;
}

/** A session-level advisory lock held on one dedicated connection until released. */
export interface HeldLock {
  release(): Promise<void>;
}

/** The close of business's own rows: its runs, their per-step checkpoints, and the run lock. */
@Injectable()
export class CobRunStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Takes the session advisory lock `key` on a connection of its own (batches use the pool); null when another
   * session holds it.
   */
  async tryLock(key: number): Promise<HeldLock | null> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = rowsOf<{ locked: boolean }>(
        await runner.query(`SELECT pg_try_advisory_lock($1) AS locked`, [key]),
      );
      if (!locked) {
        await runner.release();
        return null;
      }
    } catch (e) {
      await runner.release();
      throw e;
    }
    return {
      release: async () => {
        try {
          await runner.query(`SELECT pg_advisory_unlock($1)`, [key]);
        } finally {
          await runner.release();
        }
      },
    };
  }

  /** The latest COMPLETED business date, or null. */
  async latestClosed(m?: EntityManager): Promise<string | null> {
    const row = await queryOne<{ d: string | null }>(
      m ?? this.dataSource.manager,
      `SELECT max(business_date) AS d FROM cob_runs WHERE status = 'COMPLETED'`,
    );
    return row?.d ?? null;
  }

  async find(m: EntityManager | null, date: string): Promise<CobRunRow | undefined> {
    return queryOne<CobRunRow>(
      m ?? this.dataSource.manager,
      `SELECT * FROM cob_runs WHERE business_date = $1`,
      [date],
    );
  }

  async lock(m: EntityManager, date: string): Promise<CobRunRow | undefined> {
    return queryOne<CobRunRow>(m, `SELECT * FROM cob_runs WHERE business_date = $1 FOR UPDATE`, [date]);
  }

  async insertRunning(m: EntityManager, date: string, actor: string): Promise<void> {
    await m.query(`INSERT INTO cob_runs (business_date, status, triggered_by) VALUES ($1, 'RUNNING', $2)`, [
      date,
      actor,
    ]);
  }

  /** A deliberate re-run of a completed date walks the portfolio again from the start. */
  async resetForRerun(m: EntityManager, date: string): Promise<void> {
    await m.query(
      `UPDATE cob_checkpoints SET last_id = 0, batches = 0, rows_done = 0, done = false, updated_at = now() WHERE business_date = $1`,
      [date],
    );
    await m.query(
      `UPDATE cob_runs SET loans_processed = 0, batches = 0, covered_processed = 0, calls_raised = 0, calls_cleared = 0, snapshots = 0
        WHERE business_date = $1`,
      [date],
    );
  }

  async markRunning(m: EntityManager, date: string, actor: string): Promise<void> {
    await m.query(
      `UPDATE cob_runs SET status = 'RUNNING', attempts = attempts + 1, last_error = NULL, finished_at = NULL, triggered_by = $2
        WHERE business_date = $1`,
      [date, actor],
    );
  }

  /** Every step's checkpoint (also for a run begun before a step existed: it starts that step from the beginning). */
  async ensureCheckpoints(m: EntityManager, date: string, steps: readonly string[]): Promise<void> {
    await m.query(
      `INSERT INTO cob_checkpoints (business_date, step) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`,
      [date, steps],
    );
  }

  async markCompleted(m: EntityManager, date: string): Promise<void> {
    await m.query(`UPDATE cob_runs SET status = 'COMPLETED', finished_at = now() WHERE business_date = $1`, [
      date,
    ]);
  }

  async markFailed(date: string, message: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE cob_runs SET status = 'FAILED', last_error = $2 WHERE business_date = $1`,
      [date, message],
    );
  }

  async addCounts(m: EntityManager, date: string, counts: RunCounts): Promise<void> {
    const params: unknown[] = [date];
    const sets = Object.entries(counts)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => {
        const col = COUNTERS[k as keyof RunCounts];
        return `${col} = ${col} + $${params.push(v)}`;
      });
    if (sets.length) await m.query(`UPDATE cob_runs SET ${sets.join(', ')} WHERE business_date = $1`, params);
  }

  async checkpoint(date: string, step: string): Promise<CheckpointRow> {
    const row = await queryOne<CheckpointRow>(
      this.dataSource.manager,
      `SELECT business_date, step, last_id::text, batches, rows_done, done FROM cob_checkpoints WHERE business_date = $1 AND step = $2`,
      [date, step],
    );
    if (!row) throw new Error(`close of business ${date} has no checkpoint for step ${step}`);
    return row;
  }

  async advanceCheckpoint(
    m: EntityManager,
    date: string,
    step: string,
    lastId: string,
    rows: number,
  ): Promise<void> {
    await m.query(
      `UPDATE cob_checkpoints SET last_id = $3, batches = batches + 1, rows_done = rows_done + $4, updated_at = now()
        WHERE business_date = $1 AND step = $2`,
      [date, step, lastId, rows],
    );
  }

  async markStepDone(date: string, step: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE cob_checkpoints SET done = true, updated_at = now() WHERE business_date = $1 AND step = $2`,
      [date, step],
    );
  }

  /** The checkpoints of some dates, each date's in the order of `steps`. */
  async checkpoints(
    m: EntityManager | null,
    dates: readonly string[],
    steps: readonly string[],
  ): Promise<CheckpointRow[]> {
    return queryRows<CheckpointRow>(
      m ?? this.dataSource.manager,
      `SELECT business_date, step, last_id::text, batches, rows_done, done FROM cob_checkpoints WHERE business_date = ANY($1::date[])
        ORDER BY array_position($2::text[], step)`,
      [dates, steps],
    );
  }

  /** A page of runs, latest date first, and how many match. */
  async list(filter: RunListFilter, page: PageQuery): Promise<{ rows: CobRunRow[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.status) where.push(`status = $${params.push(filter.status)}`);
    if (filter.from) where.push(`business_date >= $${params.push(filter.from)}`);
    if (filter.to) where.push(`business_date <= $${params.push(filter.to)}`);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const m = this.dataSource.manager;
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM cob_runs ${clause}`,
      params,
    );
    const rows = await queryRows<CobRunRow>(
      m,
      `SELECT * FROM cob_runs ${clause} ORDER BY business_date DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { rows, total };
  }
}
