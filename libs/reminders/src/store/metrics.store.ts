import type { EntityManager } from 'typeorm';
import { queryOne, queryRows } from '#libs/common';

/** Outbox states of reminders not yet settled. */
export const PENDING_REMINDER_STATES = ['QUEUED', 'SENDING', 'DEFERRED'] as const;
export type PendingReminderState = (typeof PENDING_REMINDER_STATES)[number];

export interface ReminderBacklog {
  pending: Record<PendingReminderState, number>;
  failed24h: number;
  unfinishedRuns: number;
  lastRun: { businessDate: string; finishedAt: Date } | null;
}

/** The reminders' figures for the operations metrics (read in the caller's short read-only transaction). */
export const ReminderMetricsStore = {
  async backlog(m: EntityManager): Promise<ReminderBacklog> {
    // Both counts match the predicate of a partial index, so they read settled-out rows never.
    const pending = await queryRows<{ state: PendingReminderState; n: number }>(
      m,
      `SELECT state, count(*)::int AS n FROM reminder_outbox WHERE state IN ('QUEUED', 'SENDING', 'DEFERRED') GROUP BY state`,
    );
    const failed = await queryOne<{ failed: number }>(
      m,
      `SELECT count(*)::int AS failed FROM reminder_outbox WHERE state = 'FAILED' AND updated_at > now() - interval '24 hours'`,
    );
    const unfinished = await queryOne<{ unfinished: number }>(
      m,
      `SELECT count(*)::int AS unfinished FROM reminder_runs WHERE enqueued_at IS NULL`,
    );
    const last = await queryOne<{ business_date: string; enqueued_at: Date }>(
      m,
      `SELECT business_date, enqueued_at FROM reminder_runs WHERE enqueued_at IS NOT NULL
        ORDER BY business_date DESC, id DESC LIMIT 1`,
    );
    const counts = { QUEUED: 0, SENDING: 0, DEFERRED: 0 };
    for (const r of pending) counts[r.state] = r.n;
    return {
      pending: counts,
      failed24h: failed!.failed,
      unfinishedRuns: unfinished!.unfinished,
      lastRun: last ? { businessDate: last.business_date, finishedAt: new Date(last.enqueued_at) } : null,
    };
  },
};
