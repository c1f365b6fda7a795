import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Storage for the daily close of business over a large portfolio:
 * - the unpaid instalments of a loan by due date (partial index): the COB finds the loans with something past due
 *   from the index alone, and reads only unpaid rows when it accrues and ages them;
 * - free space in the pages of loans and instalments (fillfactor 90), so the daily rewrite of penalties and ageing
 *   figures can stay on the same page (HOT updates) instead of touching every index of these wide tables;
 * - instalments by due date, for the snapshot's collection rate: what was due in the 30 days up to the business
 *   date against what of it has been paid (a cumulative rate since inception would read every instalment ever
 *   scheduled, every night); the snapshot columns are renamed to say so.
 */
export class CobStorage1764350000001 implements MigrationInterface {
  name = 'CobStorage1764350000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX loan_installments_unpaid ON loan_installments (loan_id, due_date) WHERE status IN ('OPEN','OVERDUE');
      CREATE INDEX loan_installments_due ON loan_installments (due_date);
      ALTER TABLE loans SET (fillfactor = 90);
      ALTER TABLE loan_installments SET (fillfactor = 90);
      ALTER TABLE portfolio_snapshots RENAME COLUMN due_to_date_fen TO due_30d_fen;
      ALTER TABLE portfolio_snapshots RENAME COLUMN paid_to_date_fen TO paid_30d_fen;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE portfolio_snapshots RENAME COLUMN paid_30d_fen TO paid_to_date_fen;
      ALTER TABLE portfolio_snapshots RENAME COLUMN due_30d_fen TO due_to_date_fen;
      ALTER TABLE loan_installments RESET (fillfactor);
      ALTER TABLE loans RESET (fillfactor);
      DROP INDEX loan_installments_due;
      DROP INDEX loan_installments_unpaid;
    `);
  }
}
