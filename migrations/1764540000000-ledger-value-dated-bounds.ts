import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Value-dated bounds. A bounded account (`no_negative`) may not go below zero at any value date, so a back-dated
 * entry that takes it down must be checked against the balance of every later date. `last_value_date` is the latest
 * business date of the account's postings, kept by the ledger's posting statement: an entry dated on or after it
 * cannot change an earlier date's balance and needs no more than today's CHECK; only a back-dated one reads the
 * later postings (by the journal entries' business date, indexed since the foundation). `ledger_refuse` aborts the
 * caller's transaction with the refusal, so an entry refused after it was inserted can never be committed half-way.
 */
export class LedgerValueDatedBounds1764540000000 implements MigrationInterface {
  name = 'LedgerValueDatedBounds1764540000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE ledger_accounts ADD COLUMN last_value_date date;
      UPDATE ledger_accounts a SET last_value_date = x.d
        FROM (SELECT p.account_id, max(e.business_date) AS d
                FROM ledger_postings p JOIN journal_entries e ON e.id = p.entry_id GROUP BY p.account_id) x
       WHERE x.account_id = a.id;
      CREATE FUNCTION ledger_refuse(detail text) RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_value_dated_bound', MESSAGE = detail;
      END $$;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP FUNCTION ledger_refuse(text);
      ALTER TABLE ledger_accounts DROP COLUMN last_value_date;
    `);
  }
}
