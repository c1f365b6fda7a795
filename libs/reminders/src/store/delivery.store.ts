import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { queryOne, queryRows } from '#libs/common';
import type { ChannelKind } from '../channels/channel.js';

export const OUTBOX_STATES = [
  'QUEUED',
  'SENDING',
  'SENT',
  'FAILED',
  'SKIPPED_PAID',
  'DEFERRED',
  'SUPERSEDED',
  'CANCELLED',
] as const;
export type OutboxState = (typeof OUTBOX_STATES)[number];

/** A reminder with everything its delivery needs: instalment, loan, borrower and the endpoint that applies. */
export interface ContextRow {
  id: string;
  installment_id: string;
  offset_days: number;
  state: OutboxState;
  last_error: string | null;
  channel: ChannelKind;
  attempts: number;
  remind_on: string;
  due_date: string;
  lease_ms_left: number | null;
  number: number;
  installment_status: string;
  owed_fen: string;
  loan_id: string;
  loan_no: string;
  loan_status: string;
  loan_channel: string;
  fund_id: string | null;
  bank_id: string | null;
  bank_loan_ref: string | null;
  borrower_type: string;
  household_id: string | null;
  entity_id: string | null;
  head_name: string | null;
  phone: string | null;
  entity_name: string | null;
  ep_id: string | null;
  ep_channel: ChannelKind | null;
  ep_name: string | null;
  ep_url: string | null;
  ep_sign_name: string | null;
  ep_secret: string | null;
}

export interface AttemptRow {
  outboxId: string;
  attempt: number;
  endpointId: string | null;
  channel: string;
  outcome: string;
  httpStatus: number | null;
  error: string | null;
  worker: string;
  jobId: string | null;
  startedAt: Date;
}

/** The outbox as a delivery attempt reads and changes it, and the attempts log. */
@Injectable()
export class DeliveryStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The reminder locked (FOR UPDATE OF the outbox row), with its instalment, loan and borrower, and the endpoint
   * that applies: the loan's bank's, else its fund's, else the default one.
   */
  lockContext(m: EntityManager, outboxId: string): Promise<ContextRow | undefined> {
    return queryOne<ContextRow>(
      m,
      `SELECT o.id::text, o.installment_id::text, o.offset_days, o.state, o.last_error, o.channel, o.attempts, o.remind_on, o.due_date,
              CASE WHEN o.lease_until > now() THEN ceil(extract(epoch FROM o.lease_until - now()) * 1000)::int END AS lease_ms_left,
              i.number, i.status AS installment_status,
              (i.principal_fen + i.interest_fen + i.penalty_fen
               - i.paid_principal_fen - i.paid_interest_fen - i.paid_penalty_fen)::text AS owed_fen,
              l.id::text AS loan_id, l.loan_no, l.status AS loan_status, l.channel AS loan_channel, l.fund_id::text,
              l.bank_id::text, l.bank_loan_ref, l.borrower_type, l.household_id::text, l.entity_id::text,
              h.head_name, h.phone, e.name AS entity_name,
              ep.id::text AS ep_id, ep.channel AS ep_channel, ep.name AS ep_name, ep.url AS ep_url,
              ep.sign_name AS ep_sign_name, ep.secret_ciphertext AS ep_secret
         FROM reminder_outbox o
         JOIN loan_installments i ON i.id = o.installment_id
         JOIN loans l ON l.id = i.loan_id
         LEFT JOIN households h ON h.id = l.household_id
         LEFT JOIN operating_entities e ON e.id = l.entity_id
         LEFT JOIN LATERAL (
           SELECT r.* FROM reminder_endpoints r
            WHERE r.active AND ((r.scope = 'BANK' AND r.bank_id = l.bank_id) OR (r.scope = 'FUND' AND r.fund_id = l.fund_id)
                                OR r.scope = 'DEFAULT')
            ORDER BY CASE r.scope WHEN 'BANK' THEN 0 WHEN 'FUND' THEN 1 ELSE 2 END LIMIT 1) ep ON true
        WHERE o.id = $1
          -- the instalment named by its id too: otherwise the plan hinges on the statistics of the outbox's
          -- instalment ids, and outbox rows added since the last ANALYZE made PostgreSQL merge-join through the whole
          -- instalment index (about 300 ms a reminder on a book of 300,000 instalments, against 1.6 ms)
          AND i.id = (SELECT x.installment_id FROM reminder_outbox x WHERE x.id = $1)
        FOR UPDATE OF o`,
      [outboxId],
    );
  }

  /** Reminders still waiting (queued or deferred) whose day has come by `day`, in id order. */
  async waitingIds(day: string): Promise<string[]> {
    const rows = await queryRows<{ id: string }>(
      this.dataSource.manager,
      `SELECT id::text FROM reminder_outbox WHERE state IN ('QUEUED','DEFERRED') AND remind_on <= $1 ORDER BY id`,
      [day],
    );
    return rows.map((r) => r.id);
  }

  /** Settles (or defers) a reminder without sending it. */
  async settle(
    m: EntityManager,
    outboxId: string,
    state: OutboxState,
    reason: string | null,
    deferredUntil: Date | null,
  ): Promise<void> {
    await m.query(
      `UPDATE reminder_outbox SET state = $2, last_error = $3, lease_until = NULL, deferred_until = $4, updated_at = now()
        WHERE id = $1`,
      [outboxId, state, reason, deferredUntil],
    );
  }

  /** Claims a reminder for sending: SENDING, one more attempt, a lease, and the body as it goes out. */
  async markSending(
    m: EntityManager,
    outboxId: string,
    s: {
      attempt: number;
      leaseSeconds: number;
      endpointId: string;
      channel: string;
      amountDueFen: bigint;
      message: string;
      payload: unknown;
    },
  ): Promise<void> {
    await m.query(
      `UPDATE reminder_outbox
          SET state = 'SENDING', attempts = $2, lease_until = now() + make_interval(secs => $3), deferred_until = NULL,
              endpoint_id = $4, channel = $5, amount_due_fen = $6, message = $7, payload = $8::jsonb, updated_at = now()
        WHERE id = $1`,
      [
        outboxId,
        s.attempt,
        s.leaseSeconds,
        s.endpointId,
        s.channel,
        s.amountDueFen.toString(),
        s.message,
        JSON.stringify(s.payload),
      ],
    );
  }

  /** Records a send, only if this attempt still holds the reminder. Returns whether it did. */
  async markSent(
    m: EntityManager,
    outboxId: string,
    attempt: number,
    providerRef: string | null,
  ): Promise<boolean> {
    const rows = await queryRows(
      m,
      `UPDATE reminder_outbox SET state = 'SENT', sent_at = now(), provider_ref = $3, last_error = NULL, lease_until = NULL,
              updated_at = now()
        WHERE id = $1 AND state = 'SENDING' AND attempts = $2 RETURNING id`,
      [outboxId, attempt, providerRef],
    );
    return rows.length > 0;
  }

  /** Records a failed send (QUEUED again for a retry, or FAILED), only if this attempt still holds the reminder. */
  async markUnsent(
    m: EntityManager,
    outboxId: string,
    attempt: number,
    state: 'QUEUED' | 'FAILED',
    reason: string,
  ): Promise<boolean> {
    const rows = await queryRows(
      m,
      `UPDATE reminder_outbox SET state = $3, last_error = $4, lease_until = NULL, updated_at = now()
        WHERE id = $1 AND state = 'SENDING' AND attempts = $2 RETURNING id`,
      [outboxId, attempt, state, reason.slice(0, 1000)],
    );
    return rows.length > 0;
  }

  /** Fails a reminder whose job was abandoned, unless it is already settled. Returns whether it did. */
  async markAbandoned(outboxId: string, reason: string): Promise<boolean> {
    const rows = await queryRows(
      this.dataSource.manager,
      `UPDATE reminder_outbox SET state = 'FAILED', last_error = $2, lease_until = NULL, deferred_until = NULL, updated_at = now()
        WHERE id = $1 AND state IN ('QUEUED', 'SENDING', 'DEFERRED') RETURNING id`,
      [outboxId, reason.slice(0, 1000)],
    );
    return rows.length > 0;
  }

  async insertAttempt(m: EntityManager, a: AttemptRow): Promise<void> {
    await m.query(
      `INSERT INTO reminder_delivery_attempts (outbox_id, attempt, endpoint_id, channel, outcome, http_status, error, worker, job_id, started_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        a.outboxId,
        a.attempt,
        a.endpointId,
        a.channel,
        a.outcome,
        a.httpStatus,
        a.error?.slice(0, 1000) ?? null,
        a.worker,
        a.jobId,
        a.startedAt,
      ],
    );
  }
}
