import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A monthly report's versions list the facts recorded between two versions (journal entries and banks' repayment
 * reports by their recording time, `created_at`, dated in or before the month): indexes so that window is read
 * without scanning the whole journal. Both tables are append-only, so the index grows at its right edge only.
 */
export class LateFactsIndex1764530000000 implements MigrationInterface {
  name = 'LateFactsIndex1764530000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX journal_entries_created_at ON journal_entries (created_at);
      CREATE INDEX covered_loan_reports_created_at ON covered_loan_reports (created_at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX covered_loan_reports_created_at; DROP INDEX journal_entries_created_at;`);
  }
}
