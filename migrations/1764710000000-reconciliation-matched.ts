import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Matched reconciliation lines stored compactly. Writing 100,000 durable recon_lines rows cost 0.4-0.6 s of a
 * statement's upload, more than reading and validating the file; almost all of them are matched lines, which say
 * nothing beyond the loan, its line and the figures both sides agree on. So:
 * - a run's matched lines are kept a chunk at a time: one row of recon_matched_chunks per 4,096 consecutive lines
 *   of the run (by line id) holding the matched ones among them as text, a line each (position in the chunk, line
 *   number, the figures both sides agree on, loan and reference): the comparison writes them as it goes without
 *   building a value per field, and the database stores them without parsing any; differences, malformed lines
 *   and engine-only loans stay rows of recon_lines;
 * - recon_runs.first_line_id: a run's lines (both kinds) take consecutive ids from first_line_id, in the order
 *   the API and the report list them, so a matched line's id is first_line_id + 4,096 × chunk_no + its position,
 *   and a page of a run's lines is a range of ids. NULL for a run stored before (every line a row of recon_lines)
 *   and for a run without lines.
 * Like recon_lines, the chunks are written only by the transaction that creates their run, so no foreign key.
 * The text compresses with lz4: the 4.6 MB of a 100,000-line run's chunks compress to 2.2 MB in about 40 ms, where
 * the default pglz takes about 140 ms for 1.8 MB. A server built without lz4 keeps its default method (slower
 * uploads, the same answers) instead of failing the migration.
 */
export class ReconciliationMatched1764710000000 implements MigrationInterface {
  name = 'ReconciliationMatched1764710000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE recon_runs ADD COLUMN first_line_id bigint;

      CREATE TABLE recon_matched_chunks (
        run_id    bigint NOT NULL,
        -- lines first_line_id + 4096 × chunk_no … + 4095 of the run
        chunk_no  int    NOT NULL CHECK (chunk_no >= 0),
        matched   int    NOT NULL CHECK (matched > 0),
        -- the matched ones among them in line order, one a line:
        -- <position in the chunk>,<line_no>,<outstanding fen>,<overdue principal fen>,<days overdue>,<status>;<loan id>;<bank loan ref>
        lines     text   NOT NULL,
        PRIMARY KEY (run_id, chunk_no)
      );
      DO $$
      BEGIN
        ALTER TABLE recon_matched_chunks ALTER COLUMN lines SET COMPRESSION lz4;
      EXCEPTION WHEN feature_not_supported THEN
        RAISE NOTICE 'lz4 is not available: recon_matched_chunks.lines keeps the default compression';
      END $$;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE recon_matched_chunks; ALTER TABLE recon_runs DROP COLUMN first_line_id;`);
  }
}
