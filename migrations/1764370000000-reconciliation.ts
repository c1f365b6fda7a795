import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bank reconciliation: one run per (bank, statement date, file content) and one line per loan compared (or per
 * malformed statement row). A run is written in one transaction, so it exists complete or not at all.
 */
export class Reconciliation1764370000000 implements MigrationInterface {
  name = 'Reconciliation1764370000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE recon_runs (
        id              bigserial   PRIMARY KEY,
        bank_id         bigint      NOT NULL REFERENCES banks (id),
        as_of_date      date        NOT NULL,
        -- sha256 of the uploaded bytes: the same file for the same bank and date is the same run
        content_hash    char(64)    NOT NULL,
        format          text        NOT NULL CHECK (format IN ('CSV','JSONL')),
        byte_size       bigint      NOT NULL CHECK (byte_size >= 0),
        status          text        NOT NULL DEFAULT 'COMPLETED' CHECK (status IN ('COMPLETED')),
        total_rows      int         NOT NULL DEFAULT 0,
        valid_rows      int         NOT NULL DEFAULT 0,
        malformed_rows  int         NOT NULL DEFAULT 0,
        matched         int         NOT NULL DEFAULT 0,
        amount_diffs    int         NOT NULL DEFAULT 0,
        status_diffs    int         NOT NULL DEFAULT 0,
        only_in_bank    int         NOT NULL DEFAULT 0,
        only_in_engine  int         NOT NULL DEFAULT 0,
        -- per-category sums in fen (strings), see ReconciliationService.summarise
        totals          jsonb       NOT NULL DEFAULT '{}',
        created_by      text        NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now(),
        completed_at    timestamptz,
        duration_ms     int,
        UNIQUE (bank_id, as_of_date, content_hash)
      );
      CREATE INDEX recon_runs_bank_date ON recon_runs (bank_id, as_of_date DESC, id DESC);

      CREATE TABLE recon_lines (
        id                            bigserial PRIMARY KEY,
        run_id                        bigint    NOT NULL REFERENCES recon_runs (id),
        -- line of the uploaded file (1 = header for CSV); NULL for a loan only the engine has
        line_no                       int,
        category                      text      NOT NULL CHECK (category IN ('MATCHED','DIFFERENT','ONLY_IN_BANK','ONLY_IN_ENGINE','MALFORMED')),
        amount_differs                boolean   NOT NULL DEFAULT false,
        status_differs                boolean   NOT NULL DEFAULT false,
        bank_loan_ref                 text,
        loan_id                       bigint,
        bank_outstanding_fen          bigint,
        engine_outstanding_fen        bigint,
        bank_overdue_principal_fen    bigint,
        engine_overdue_principal_fen  bigint,
        bank_overdue_days             int,
        engine_overdue_days           int,
        bank_status                   text,
        engine_status                 text,
        errors                        jsonb,
        raw                           text,
        CHECK ((category = 'DIFFERENT') = (amount_differs OR status_differs))
      );
      CREATE INDEX recon_lines_run ON recon_lines (run_id, id);
      CREATE INDEX recon_lines_run_category ON recon_lines (run_id, category, id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE recon_lines; DROP TABLE recon_runs;`);
  }
}
