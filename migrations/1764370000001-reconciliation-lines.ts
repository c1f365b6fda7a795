import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Cheaper reconciliation lines, measured on a 100,000-row statement (EXPLAIN ANALYZE of the comparison INSERT):
 * - the per-row foreign-key check on recon_lines.run_id took about 30 % of the insert. Lines are written only by
 *   the statement that compares the run, in the transaction that creates the run (its id comes from that
 *   INSERT … RETURNING), and runs are never deleted, so the check guards nothing the code can break;
 * - the (run_id, category, id) index held every matched line although only differences are looked up by
 *   category; a partial index over the other categories serves those lookups at a fraction of the writes, and
 *   (run_id, id) still serves the run's lines in order and the MATCHED filter.
 */
export class ReconciliationLines1764370000001 implements MigrationInterface {
  name = 'ReconciliationLines1764370000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE recon_lines DROP CONSTRAINT recon_lines_run_id_fkey;
      DROP INDEX recon_lines_run_category;
      CREATE INDEX recon_lines_run_exceptions ON recon_lines (run_id, category, id) WHERE category <> 'MATCHED';
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX recon_lines_run_exceptions;
      CREATE INDEX recon_lines_run_category ON recon_lines (run_id, category, id);
      ALTER TABLE recon_lines ADD CONSTRAINT recon_lines_run_id_fkey FOREIGN KEY (run_id) REFERENCES recon_runs (id);
    `);
  }
}
