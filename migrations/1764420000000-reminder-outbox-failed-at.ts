import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Failed reminders by when they failed, for the API's `mae_reminder_outbox_failed_24h` gauge (GET /metrics, read at
 * every Prometheus scrape). FAILED is terminal and is reached only by an update that sets `updated_at = now()`, so
 * `updated_at` of a FAILED row is the moment it failed. The existing `reminder_outbox_failed` index has only `id`:
 * counting the last 24 hours through it would read the heap row of every reminder that ever failed (a number that
 * only grows), on every scrape. This index answers the count with an index range scan over the last day's failures.
 * Like `reminder_outbox_failed` it holds FAILED rows only, so the million-row selection inserts (state QUEUED) never
 * pay for it.
 */
export class ReminderOutboxFailedAt1764420000000 implements MigrationInterface {
  name = 'ReminderOutboxFailedAt1764420000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX reminder_outbox_failed_at ON reminder_outbox (updated_at) WHERE state = 'FAILED';`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX reminder_outbox_failed_at;`);
  }
}
