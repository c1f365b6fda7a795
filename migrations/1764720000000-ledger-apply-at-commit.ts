import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `ledger_retry`: aborts the caller's transaction with serialization_failure (SQLSTATE 40001) and the constraint name
 * `ledger_apply_at_commit`. An entry applied in the same write as its transaction's COMMIT (LedgerService's
 * `postingAtCommit`) cannot answer "applied nothing, check first" as the ordinary posting statement does, because
 * COMMIT runs before the caller sees any answer. When its accounts' kept attributes are stale, or a bounded account it
 * takes down has a later posting, the statement calls this instead: COMMIT then ends the transaction as a rollback,
 * and the caller runs it again with the ordinary posting. The detail says which of the two it was.
 */
export class LedgerApplyAtCommit1764720000000 implements MigrationInterface {
  name = 'LedgerApplyAtCommit1764720000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION ledger_retry(detail text) RETURNS boolean LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION USING ERRCODE = 'serialization_failure', CONSTRAINT = 'ledger_apply_at_commit', MESSAGE = detail;
      END $$;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION ledger_retry(text);`);
  }
}
