// GENERATED FILE: do not edit. Regenerate with `npm run gen:rows` after a migration.
// Row types of the tables libs/ledger owns (src/store/owned-tables.ts), read from the migrated schema;
// columns as node-postgres returns them (bigint/numeric → string, date → string, timestamptz → Date).
// Naming and type rules: scripts/rows/rows.ts. Checked against the schema by test/architecture/rows.spec.ts.

/** A row of the table `ledger_accounts`. */
export interface LedgerAccountRow {
  id: string;
  code: string;
  name: string;
  type: 'ASSET' | 'LIABILITY' | 'EQUITY' | 'INCOME' | 'EXPENSE';
  normal_side: 'DEBIT' | 'CREDIT';
  currency: string;
  ledger: 'MONEY' | 'EXPOSURE';
  owner_type: string | null;
  owner_id: string | null;
  no_negative: boolean;
  debits_fen: string;
  credits_fen: string;
  balance_fen: string;
  created_at: Date;
  last_value_date: string | null;
}

/** A row of the table `journal_entries`. */
export interface JournalEntryRow {
  id: string;
  idempotency_key: string;
  content_hash: string;
  code: string;
  business_date: string;
  actor: string;
  memo: string | null;
  reversal_of: string | null;
  request_id: string | null;
  created_at: Date;
}

/** A row of the table `ledger_postings`. */
export interface LedgerPostingRow {
  id: string;
  entry_id: string;
  account_id: string;
  side: 'DEBIT' | 'CREDIT';
  amount_fen: string;
  currency: string;
  ledger: string;
  balance_after_fen: string;
}
