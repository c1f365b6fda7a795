import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { queryOne, queryRows } from '#libs/common';

/** Selection runs are serialized across processes by this session advisory lock. */
const RUN_LOCK = `hashtext('mae.reminders.selection')`;

/**
 * The reminders of one due date ($2) at one offset ($3), for run $1. Which offset a due date gets on a run date is
 * decided once per date by domain/offsets.ts (offsetFor), the one home of the window rule, so the statement itself
 * only filters instalments by due date and joins their loan (the loans library's tables, read).
 */
const SELECT_DUE_DATE = `
  WITH due AS (
    SELECT * FROM unnest($2::date[], $3::smallint[]) AS d(due_date, offset_days)
  ), ins AS (
    INSERT INTO reminder_outbox (installment_id, offset_days, loan_id, household_id, due_date, remind_on, run_id,
                                 endpoint_id, channel)
    SELECT i.id, due.offset_days, l.id, l.household_id, i.due_date, i.due_date + due.offset_days::int, $1::bigint,
           coalesce(eb.id, ef.id, ed.id),
           CASE WHEN eb.id IS NOT NULL THEN eb.channel WHEN ef.id IS NOT NULL THEN ef.channel ELSE ed.channel END
      FROM due
      JOIN loan_installments i ON i.due_date = due.due_date
      JOIN loans l ON l.id = i.loan_id AND l.status = 'DISBURSED'
      LEFT JOIN reminder_endpoints eb ON eb.active AND eb.scope = 'BANK' AND eb.bank_id = l.bank_id
      LEFT JOIN reminder_endpoints ef ON ef.active AND ef.scope = 'FUND' AND ef.fund_id = l.fund_id
      LEFT JOIN reminder_endpoints ed ON ed.active AND ed.scope = 'DEFAULT'
     WHERE i.status IN ('OPEN', 'OVERDUE')
       AND i.principal_fen + i.interest_fen + i.penalty_fen > i.paid_principal_fen + i.paid_interest_fen + i.paid_penalty_fen
       AND coalesce(eb.id, ef.id, ed.id) IS NOT NULL
    ON CONFLICT (installment_id, offset_days) DO NOTHING
    RETURNING id
  )
  SELECT count(*)::int AS n, coalesce(string_agg(id::text, ','), '') AS ids FROM ins`;

/**
 * reminder_runs and the selection into reminder_outbox. Every method takes the EntityManager of the run's own
 * connection (a QueryRunner's manager): the advisory lock is a session lock, held on that connection.
 */
@Injectable()
export class SelectionStore {
  async lockRuns(m: EntityManager): Promise<void> {
    await m.query(`SELECT pg_advisory_lock(${RUN_LOCK})`);
  }

  async unlockRuns(m: EntityManager): Promise<void> {
    await m.query(`SELECT pg_advisory_unlock(${RUN_LOCK})`);
  }

  async insertRun(
    m: EntityManager,
    r: { businessDate: string; trigger: string; requestedBy: string; jobId: string | null },
  ): Promise<string> {
    const run = await queryOne<{ id: string }>(
      m,
      `INSERT INTO reminder_runs (business_date, trigger, requested_by, job_id) VALUES ($1, $2, $3, $4) RETURNING id::text`,
      [r.businessDate, r.trigger, r.requestedBy, r.jobId],
    );
    return run!.id;
  }

  /** Selects the reminders of one due date at one offset; returns how many, and their ids. */
  /** Selects the reminders of several due dates (each with its offset) in one statement. */
  async selectDueDates(
    m: EntityManager,
    runId: string,
    dates: readonly { dueDate: string; offset: number }[],
  ): Promise<{ n: number; ids: string[] }> {
    const [res] = await queryRows<{ n: number; ids: string }>(m, SELECT_DUE_DATE, [
      runId,
      dates.map((d) => d.dueDate),
      dates.map((d) => d.offset),
    ]);
    return { n: res.n, ids: res.n ? res.ids.split(',') : [] };
  }

  async finishRun(m: EntityManager, runId: string, selected: number, enqueued: number): Promise<void> {
    await m.query(
      `UPDATE reminder_runs SET selected = $2, enqueued = $3, enqueued_at = now() WHERE id = $1`,
      [runId, selected, enqueued],
    );
  }

  async setSwept(m: EntityManager, runId: string, swept: number): Promise<void> {
    await m.query(`UPDATE reminder_runs SET swept = $2 WHERE id = $1`, [runId, swept]);
  }

  /** Earlier runs whose enqueue never finished, oldest first. */
  async unfinishedRuns(m: EntityManager, currentRunId: string): Promise<string[]> {
    const runs = await queryRows<{ id: string }>(
      m,
      `SELECT id::text FROM reminder_runs WHERE enqueued_at IS NULL AND id <> $1 ORDER BY id`,
      [currentRunId],
    );
    return runs.map((r) => r.id);
  }

  /** The still-queued reminders of a run. */
  async queuedOf(m: EntityManager, runId: string): Promise<string[]> {
    const rows = await queryRows<{ id: string }>(
      m,
      `SELECT id::text FROM reminder_outbox WHERE run_id = $1 AND state = 'QUEUED' ORDER BY id`,
      [runId],
    );
    return rows.map((r) => r.id);
  }

  async markResumed(m: EntityManager, runId: string, jobs: number): Promise<void> {
    await m.query(`UPDATE reminder_runs SET enqueued = enqueued + $2, enqueued_at = now() WHERE id = $1`, [
      runId,
      jobs,
    ]);
  }

  /** Pending reminders untouched for `seconds`, least recently touched first. */
  async stalePending(m: EntityManager, seconds: number): Promise<string[]> {
    const rows = await queryRows<{ id: string }>(
      m,
      `SELECT id::text FROM reminder_outbox
        WHERE state IN ('QUEUED', 'SENDING', 'DEFERRED') AND updated_at < now() - make_interval(secs => $1)
        ORDER BY updated_at`,
      [seconds],
    );
    return rows.map((r) => r.id);
  }
}
