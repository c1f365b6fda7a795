import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Repayment reminders: where they go (one active endpoint per bank, per fund and one default), the outbox of every
 * reminder with its state, every delivery attempt, and every selection run.
 *
 * The outbox is the ledger of reminders: UNIQUE (installment_id, offset_days) is what makes "never twice for the same
 * instalment and offset" hold across re-runs, concurrent runs and several workers. Rows are written a million at a
 * time by the selection (npm run bench:reminders), and each per-row check is paid a million times: a foreign-key
 * check costs about a third of the insert. So the outbox carries no foreign keys; what stands in for them:
 * - installment_id, loan_id and household_id are read from loan_installments and loans by the very statement that
 *   inserts them (same snapshot), and instalments are never deleted (frozen at disbursement; corrections are new
 *   rows or status changes), so they cannot dangle; every reader joins them back (a missing one would surface as a
 *   FAILED delivery, never as a silent send);
 * - run_id and endpoint_id point at rows that triggers forbid deleting.
 */
export class Reminders1764390000000 implements MigrationInterface {
  name = 'Reminders1764390000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE reminder_endpoints (
        id                 bigserial   PRIMARY KEY,
        scope              text        NOT NULL CHECK (scope IN ('BANK','FUND','DEFAULT')),
        bank_id            bigint      REFERENCES banks (id),
        fund_id            bigint      REFERENCES mutual_aid_funds (id),
        channel            text        NOT NULL CHECK (channel IN ('WEBHOOK','SMS','LOG')),
        name               text        NOT NULL,
        url                text,
        -- SMS signature (短信签名) the gateway prints before the text
        sign_name          text,
        -- AES-256-GCM ciphertext of the signing secret; the secret itself is shown once, when created or rotated
        secret_ciphertext  text,
        secret_rotated_at  timestamptz,
        active             boolean     NOT NULL DEFAULT true,
        version            int         NOT NULL DEFAULT 1,
        created_by         text        NOT NULL,
        created_at         timestamptz NOT NULL DEFAULT now(),
        updated_at         timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT reminder_endpoints_bank_scope CHECK ((scope = 'BANK') = (bank_id IS NOT NULL)),
        CONSTRAINT reminder_endpoints_fund_scope CHECK ((scope = 'FUND') = (fund_id IS NOT NULL)),
        CONSTRAINT reminder_endpoints_remote CHECK (
          channel = 'LOG' OR (url IS NOT NULL AND secret_ciphertext IS NOT NULL))
      );
      -- one active endpoint per scope, so a loan's reminders have exactly one destination
      CREATE UNIQUE INDEX reminder_endpoints_one_active
        ON reminder_endpoints (scope, coalesce(bank_id, 0), coalesce(fund_id, 0)) WHERE active;
      -- deactivated, never deleted: the outbox and the delivery attempts refer to endpoints
      CREATE TRIGGER reminder_endpoints_no_delete BEFORE DELETE ON reminder_endpoints
        FOR EACH ROW EXECUTE FUNCTION refuse_change();

      CREATE TABLE reminder_runs (
        id             bigserial   PRIMARY KEY,
        business_date  date        NOT NULL,
        trigger        text        NOT NULL CHECK (trigger IN ('SCHEDULE','BOOT','MANUAL')),
        requested_by   text        NOT NULL,
        job_id         text,
        selected       int         NOT NULL DEFAULT 0,
        enqueued       int         NOT NULL DEFAULT 0,
        swept          int         NOT NULL DEFAULT 0,
        started_at     timestamptz NOT NULL DEFAULT now(),
        -- set once every reminder the run selected is in the delivery queue
        enqueued_at    timestamptz
      );
      CREATE INDEX reminder_runs_unfinished ON reminder_runs (id) WHERE enqueued_at IS NULL;
      CREATE INDEX reminder_runs_date ON reminder_runs (business_date, id);
      CREATE TRIGGER reminder_runs_no_delete BEFORE DELETE ON reminder_runs FOR EACH ROW EXECUTE FUNCTION refuse_change();

      CREATE TABLE reminder_outbox (
        id               bigserial   PRIMARY KEY,
        installment_id   bigint      NOT NULL,
        offset_days      smallint    NOT NULL CHECK (offset_days IN (-7, -1, 0, 1, 7, 30)),
        loan_id          bigint      NOT NULL,
        household_id     bigint,
        due_date         date        NOT NULL,
        -- due_date + offset_days: the business date the reminder is for
        remind_on        date        NOT NULL,
        -- the selection run that created it (its jobs are re-added when that run was cut off before enqueueing)
        run_id           bigint      NOT NULL,
        endpoint_id      bigint,
        channel          text        NOT NULL CHECK (channel IN ('WEBHOOK','SMS','LOG')),
        state            text        NOT NULL DEFAULT 'QUEUED' CHECK (state IN
                           ('QUEUED','SENDING','SENT','FAILED','SKIPPED_PAID','DEFERRED','SUPERSEDED','CANCELLED')),
        attempts         int         NOT NULL DEFAULT 0,
        last_error       text,
        -- the amount, message and body as sent (rendered at delivery from the amount then due)
        amount_due_fen   bigint,
        message          text,
        payload          jsonb,
        provider_ref     text,
        lease_until      timestamptz,
        deferred_until   timestamptz,
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now(),
        sent_at          timestamptz,
        CONSTRAINT reminder_outbox_once UNIQUE (installment_id, offset_days),
        CONSTRAINT reminder_outbox_sent CHECK ((state = 'SENT') = (sent_at IS NOT NULL)),
        CONSTRAINT reminder_outbox_lease CHECK (state <> 'SENDING' OR lease_until IS NOT NULL),
        CONSTRAINT reminder_outbox_deferred CHECK (state <> 'DEFERRED' OR deferred_until IS NOT NULL)
      );
      CREATE INDEX reminder_outbox_loan ON reminder_outbox (loan_id, id);
      -- Per household: through loans (loans_household) and this index. Lists page newest first on the primary key.
      -- No index on remind_on: every index is paid a million times per selection.
      -- Failed reminders, for the operators: rows only reach FAILED by an update, so this costs nothing at selection.
      CREATE INDEX reminder_outbox_failed ON reminder_outbox (id) WHERE state = 'FAILED';
      -- reminders not yet settled, by last change: the sweep re-adds the jobs of those untouched for long
      CREATE INDEX reminder_outbox_pending ON reminder_outbox (updated_at) WHERE state IN ('QUEUED','SENDING','DEFERRED');

      CREATE TABLE reminder_delivery_attempts (
        id           bigserial   PRIMARY KEY,
        outbox_id    bigint      NOT NULL REFERENCES reminder_outbox (id),
        attempt      int         NOT NULL,
        endpoint_id  bigint      REFERENCES reminder_endpoints (id),
        channel      text        NOT NULL,
        outcome      text        NOT NULL CHECK (outcome IN
                       ('SENT','RETRY','FAILED','SKIPPED_PAID','DEFERRED','SUPERSEDED','CANCELLED')),
        http_status  int,
        error        text,
        worker       text        NOT NULL,
        job_id       text,
        started_at   timestamptz NOT NULL,
        finished_at  timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX reminder_delivery_attempts_outbox ON reminder_delivery_attempts (outbox_id, id);
      CREATE TRIGGER reminder_delivery_attempts_append_only BEFORE UPDATE OR DELETE ON reminder_delivery_attempts
        FOR EACH ROW EXECUTE FUNCTION refuse_change();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE reminder_delivery_attempts; DROP TABLE reminder_outbox; DROP TABLE reminder_runs;
      DROP TABLE reminder_endpoints;
    `);
  }
}
