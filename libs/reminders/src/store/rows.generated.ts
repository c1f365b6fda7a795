// GENERATED FILE: do not edit. Regenerate with `npm run gen:rows` after a migration.
// Row types of the tables libs/reminders owns (src/store/owned-tables.ts), read from the migrated schema;
// columns as node-postgres returns them (bigint/numeric → string, date → string, timestamptz → Date).
// Naming and type rules: scripts/rows/rows.ts. Checked against the schema by test/architecture/rows.spec.ts.

/** A row of the table `reminder_endpoints`. */
export interface ReminderEndpointRow {
  id: string;
  scope: 'BANK' | 'FUND' | 'DEFAULT';
  bank_id: string | null;
  fund_id: string | null;
  channel: 'WEBHOOK' | 'SMS' | 'LOG';
  name: string;
  url: string | null;
  sign_name: string | null;
  secret_ciphertext: string | null;
  secret_rotated_at: Date | null;
  active: boolean;
  version: number;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

/** A row of the table `reminder_runs`. */
export interface ReminderRunRow {
  id: string;
  business_date: string;
  trigger: 'SCHEDULE' | 'BOOT' | 'MANUAL';
  requested_by: string;
  job_id: string | null;
  selected: number;
  enqueued: number;
  swept: number;
  started_at: Date;
  enqueued_at: Date | null;
}

/** A row of the table `reminder_outbox`. */
export interface ReminderOutboxRow {
  id: string;
  installment_id: string;
  offset_days: number;
  loan_id: string;
  household_id: string | null;
  due_date: string;
  remind_on: string;
  run_id: string;
  endpoint_id: string | null;
  channel: 'WEBHOOK' | 'SMS' | 'LOG';
  state: 'QUEUED' | 'SENDING' | 'SENT' | 'FAILED' | 'SKIPPED_PAID' | 'DEFERRED' | 'SUPERSEDED' | 'CANCELLED';
  attempts: number;
  last_error: string | null;
  amount_due_fen: string | null;
  message: string | null;
  payload: unknown | null;
  provider_ref: string | null;
  lease_until: Date | null;
  deferred_until: Date | null;
  created_at: Date;
  updated_at: Date;
  sent_at: Date | null;
}

/** A row of the table `reminder_delivery_attempts`. */
export interface ReminderDeliveryAttemptRow {
  id: string;
  outbox_id: string;
  attempt: number;
  endpoint_id: string | null;
  channel: string;
  outcome: 'SENT' | 'RETRY' | 'FAILED' | 'SKIPPED_PAID' | 'DEFERRED' | 'SUPERSEDED' | 'CANCELLED';
  http_status: number | null;
  error: string | null;
  worker: string;
  job_id: string | null;
  started_at: Date;
  finished_at: Date;
}
