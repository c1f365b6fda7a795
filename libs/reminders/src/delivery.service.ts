import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { hostname } from 'node:os';
import type { DataSource, EntityManager } from 'typeorm';
import { AppConfig, businessDate, Clock, queryOne, queryRows } from '#libs/common';
import { formatYuan } from '#libs/money';
import {
  DeliveryError,
  REMINDER_CHANNELS,
  type ChannelKind,
  type OutboundReminder,
  type ReminderChannel,
  type ReminderPayload,
} from './channels/channel.js';
import { offsetLabel, stillRelevant } from './domain/offsets.js';
import { quietUntil } from './domain/quiet-hours.js';
import { renderReminder } from './domain/templates.js';
import { ReminderEndpointsService } from './endpoints.service.js';
import { maskPhone } from './personal-data.js';
import { ReminderSettings } from './settings.js';
import { skipPaidReminders } from './skip-paid.js';

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
const SETTLED: ReadonlySet<OutboxState> = new Set([
  'SENT',
  'FAILED',
  'SKIPPED_PAID',
  'SUPERSEDED',
  'CANCELLED',
]);

/**
 * What one delivery attempt came to, for the processor to act on: settle the job (SENT, SKIPPED_PAID, SUPERSEDED,
 * CANCELLED, DONE), delay it (DEFERRED for quiet hours, BUSY while another worker's lease runs), let BullMQ retry it
 * with backoff (RETRY), or fail it for good (FAILED).
 */
export type DeliveryOutcome =
  | { kind: 'SENT'; providerRef: string | null }
  | { kind: 'SKIPPED_PAID' | 'SUPERSEDED' | 'CANCELLED'; reason: string }
  | { kind: 'DEFERRED'; until: Date; delayMs: number }
  | { kind: 'BUSY'; delayMs: number }
  | { kind: 'RETRY'; reason: string }
  | { kind: 'FAILED'; reason: string }
  | { kind: 'DONE'; state: OutboxState; reason?: string };

interface ContextRow {
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

type Claim =
  | { kind: 'settled'; outcome: DeliveryOutcome }
  | {
      kind: 'send';
      attempt: number;
      reminder: OutboundReminder;
      endpointId: string;
      channel: ChannelKind;
      row: ContextRow;
    };

/**
 * Delivers one outbox reminder. Exactly-once in the outbox, with several workers and redelivered jobs:
 * 1. Claim, in a short transaction holding the outbox row lock: re-check the instalment (paid → SKIPPED_PAID,
 *    written off → CANCELLED), the window (closed → SUPERSEDED), quiet hours for SMS (→ DEFERRED), then move the row
 *    to SENDING with attempts + 1 and a lease. Only QUEUED, DEFERRED or SENDING-with-an-expired-lease rows are
 *    claimable, so a second worker finds the row busy or settled and sends nothing.
 * 2. Send outside any transaction (no HTTP call holds a database lock).
 * 3. Record the result with an update guarded by `state = 'SENDING' AND attempts = <our attempt>`: a worker whose lease
 *    ran out and was taken over cannot overwrite the newer attempt.
 * Receivers see at-least-once with a stable X-Reminder-Id: only a crash between 2 and 3 makes a second send, and that
 * one carries the same id.
 */
@Injectable()
export class ReminderDeliveryService {
  private readonly logger = new Logger(ReminderDeliveryService.name);
  private readonly worker = `${hostname()}:${process.pid}`;
  private readonly channels: Map<ChannelKind, ReminderChannel>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(REMINDER_CHANNELS) channels: ReminderChannel[],
    private readonly endpoints: ReminderEndpointsService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly settings: ReminderSettings,
  ) {
    this.channels = new Map(channels.map((c) => [c.kind, c]));
  }

  async deliver(outboxId: string, opts: { jobId?: string | null } = {}): Promise<DeliveryOutcome> {
    const startedAt = new Date();
    const claim = await this.dataSource.transaction((m) =>
      this.claim(m, outboxId, startedAt, opts.jobId ?? null),
    );
    if (claim.kind === 'settled') return claim.outcome;

    const channel = this.channels.get(claim.channel);
    let outcome: DeliveryOutcome;
    let httpStatus: number | null;
    try {
      if (!channel) throw new DeliveryError(`no ${claim.channel} channel is installed`, false);
      const receipt = await channel.send(
        claim.reminder,
        this.endpoints.toResolved({
          id: claim.endpointId,
          channel: claim.channel,
          name: claim.row.ep_name ?? '',
          url: claim.row.ep_url,
          sign_name: claim.row.ep_sign_name,
          secret_ciphertext: claim.row.ep_secret,
        }),
      );
      httpStatus = receipt.httpStatus;
      outcome = { kind: 'SENT', providerRef: receipt.providerRef };
    } catch (e) {
      const err =
        e instanceof DeliveryError ? e : new DeliveryError(`channel error: ${(e as Error).message}`, true);
      httpStatus = err.httpStatus;
      const final = !err.retryable || claim.attempt >= this.settings.deliveryAttempts;
      const reason =
        final && err.retryable ? `${err.reason} (gave up after ${claim.attempt} attempts)` : err.reason;
      outcome = final ? { kind: 'FAILED', reason } : { kind: 'RETRY', reason };
    }
    return this.record(claim, outcome, httpStatus, startedAt, opts.jobId ?? null);
  }

  /**
   * Settles a reminder whose job BullMQ gave up on outside a delivery attempt (e.g. the database was unreachable on
   * every try), so the outbox never shows QUEUED for a job that is in the failed set.
   */
  async markAbandoned(outboxId: string, reason: string): Promise<boolean> {
    const rows = await queryRows(
      this.dataSource.manager,
      `UPDATE reminder_outbox SET state = 'FAILED', last_error = $2, lease_until = NULL, deferred_until = NULL, updated_at = now()
        WHERE id = $1 AND state IN ('QUEUED', 'SENDING', 'DEFERRED') RETURNING id`,
      [outboxId, `job abandoned: ${reason}`.slice(0, 1000)],
    );
    return rows.length > 0;
  }

  /**
   * For the repayment path, inside its transaction: reminders of instalments just paid will not be sent. Delivery
   * re-checks anyway; this makes the outbox say so at once. Returns how many reminders were skipped.
   */
  async skipPaid(manager: EntityManager, installmentIds: readonly (string | bigint)[]): Promise<number> {
    return skipPaidReminders(manager, installmentIds);
  }

  private async claim(
    m: EntityManager,
    outboxId: string,
    startedAt: Date,
    jobId: string | null,
  ): Promise<Claim> {
    const row = await queryOne<ContextRow>(
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
        FOR UPDATE OF o`,
      [outboxId],
    );
    if (!row)
      return { kind: 'settled', outcome: { kind: 'FAILED', reason: `reminder ${outboxId} does not exist` } };
    if (SETTLED.has(row.state)) {
      // A failed reminder says why, so a job that finds it failed can fail with the reason.
      const outcome: DeliveryOutcome =
        row.state === 'FAILED'
          ? { kind: 'DONE', state: row.state, reason: row.last_error ?? 'failed' }
          : { kind: 'DONE', state: row.state };
      return { kind: 'settled', outcome };
    }
    if (row.state === 'SENDING' && row.lease_ms_left !== null) {
      return { kind: 'settled', outcome: { kind: 'BUSY', delayMs: row.lease_ms_left } };
    }

    const now = this.clock.now();
    const today = businessDate(now, this.config.BUSINESS_TIMEZONE);
    const owed = BigInt(row.owed_fen);
    const settle = async (
      state: OutboxState,
      outcome: DeliveryOutcome,
      reason: string | null,
      extra: { deferredUntil?: Date } = {},
    ) => {
      await m.query(
        `UPDATE reminder_outbox SET state = $2, last_error = $3, lease_until = NULL, deferred_until = $4, updated_at = now()
          WHERE id = $1`,
        [row.id, state, reason, extra.deferredUntil ?? null],
      );
      await this.attempt(
        m,
        row.id,
        row.attempts,
        row.ep_id,
        row.ep_channel ?? row.channel,
        state,
        null,
        reason,
        startedAt,
        jobId,
      );
      return { kind: 'settled' as const, outcome };
    };

    if (row.installment_status === 'PAID' || owed <= 0n || row.loan_status === 'CLOSED') {
      const reason = 'the instalment was paid before the reminder went out';
      return settle('SKIPPED_PAID', { kind: 'SKIPPED_PAID', reason }, reason);
    }
    if (row.installment_status === 'WRITTEN_OFF' || row.loan_status !== 'DISBURSED') {
      const reason = `the loan is ${row.loan_status} and the instalment ${row.installment_status}: no longer reminded`;
      return settle('CANCELLED', { kind: 'CANCELLED', reason }, reason);
    }
    if (!stillRelevant(row.offset_days, row.due_date, today)) {
      const reason = `the ${offsetLabel(row.offset_days)} window closed before delivery (today ${today}); a later reminder takes over`;
      return settle('SUPERSEDED', { kind: 'SUPERSEDED', reason }, reason);
    }
    if (!row.ep_id || !row.ep_channel) {
      const reason = 'no active reminder endpoint for this loan (bank, fund or default)';
      return settle('FAILED', { kind: 'FAILED', reason }, reason);
    }
    if (row.ep_channel === 'SMS') {
      const until = quietUntil(now, {
        startHour: this.settings.quietStartHour,
        endHour: this.settings.quietEndHour,
        timeZone: this.config.BUSINESS_TIMEZONE,
      });
      if (until) {
        const reason = `SMS quiet hours: deferred to ${until.toISOString()}`;
        return settle(
          'DEFERRED',
          { kind: 'DEFERRED', until, delayMs: until.getTime() - now.getTime() },
          reason,
          { deferredUntil: until },
        );
      }
    }
    if (row.ep_secret !== null && this.endpoints.openSecret(row.ep_secret) === null) {
      const reason = `the secret of endpoint ${row.ep_id} cannot be read (server key changed?): rotate the endpoint secret`;
      return settle('FAILED', { kind: 'FAILED', reason }, reason);
    }

    const rendered = renderReminder({
      offsetDays: row.offset_days,
      installmentNumber: row.number,
      dueDate: row.due_date,
      amountDueFen: owed,
      sendDate: today,
    });
    const payload: ReminderPayload = {
      id: row.id,
      event: rendered.event,
      offset: offsetLabel(row.offset_days),
      offsetDays: row.offset_days,
      remindOn: row.remind_on,
      sentOn: today,
      loan: {
        id: row.loan_id,
        loanNo: row.loan_no,
        channel: row.loan_channel,
        fundId: row.fund_id,
        bankId: row.bank_id,
        bankLoanRef: row.bank_loan_ref,
      },
      installment: {
        id: row.installment_id,
        number: row.number,
        dueDate: row.due_date,
        amountDue: formatYuan(owed),
      },
      borrower: {
        type: row.borrower_type,
        householdId: row.household_id,
        entityId: row.entity_id,
        name: row.head_name ?? row.entity_name,
        phone: row.phone,
      },
      message: rendered.text,
      template: { code: rendered.templateCode, params: rendered.params },
    };
    // The outbox keeps the body as sent, except the phone number, which stays in the registry only.
    const stored = {
      ...payload,
      borrower: { ...payload.borrower, phone: maskPhone(payload.borrower.phone) },
    };
    const attempt = row.attempts + 1;
    await m.query(
      `UPDATE reminder_outbox
          SET state = 'SENDING', attempts = $2, lease_until = now() + make_interval(secs => $3), deferred_until = NULL,
              endpoint_id = $4, channel = $5, amount_due_fen = $6, message = $7, payload = $8::jsonb, updated_at = now()
        WHERE id = $1`,
      [
        row.id,
        attempt,
        this.settings.leaseMs / 1000,
        row.ep_id,
        row.ep_channel,
        owed.toString(),
        rendered.text,
        JSON.stringify(stored),
      ],
    );
    return {
      kind: 'send',
      attempt,
      endpointId: row.ep_id,
      channel: row.ep_channel,
      row,
      reminder: { outboxId: row.id, rendered, payload, phone: row.phone },
    };
  }

  private async record(
    claim: Extract<Claim, { kind: 'send' }>,
    outcome: DeliveryOutcome,
    httpStatus: number | null,
    startedAt: Date,
    jobId: string | null,
  ): Promise<DeliveryOutcome> {
    const id = claim.reminder.outboxId;
    return this.dataSource.transaction(async (m) => {
      let updated: unknown[];
      let attemptOutcome: string;
      let error: string | null = null;
      if (outcome.kind === 'SENT') {
        attemptOutcome = 'SENT';
        updated = await queryRows(
          m,
          `UPDATE reminder_outbox SET state = 'SENT', sent_at = now(), provider_ref = $3, last_error = NULL, lease_until = NULL,
                  updated_at = now()
            WHERE id = $1 AND state = 'SENDING' AND attempts = $2 RETURNING id`,
          [id, claim.attempt, outcome.providerRef],
        );
      } else if (outcome.kind === 'RETRY' || outcome.kind === 'FAILED') {
        attemptOutcome = outcome.kind;
        error = outcome.reason;
        updated = await queryRows(
          m,
          `UPDATE reminder_outbox SET state = $3, last_error = $4, lease_until = NULL, updated_at = now()
            WHERE id = $1 AND state = 'SENDING' AND attempts = $2 RETURNING id`,
          [id, claim.attempt, outcome.kind === 'RETRY' ? 'QUEUED' : 'FAILED', outcome.reason.slice(0, 1000)],
        );
      } else {
        throw new Error(`unexpected outcome ${outcome.kind} after a send`);
      }
      await this.attempt(
        m,
        id,
        claim.attempt,
        claim.endpointId,
        claim.channel,
        attemptOutcome,
        httpStatus,
        error,
        startedAt,
        jobId,
      );
      if (!updated.length) {
        // Our lease ran out and another worker took the reminder over: its attempt is the one the outbox keeps.
        this.logger.warn(
          { reminderId: id, attempt: claim.attempt, outcome: outcome.kind },
          'reminder taken over while sending',
        );
        return { kind: 'DONE', state: 'SENDING' };
      }
      return outcome;
    });
  }

  private async attempt(
    m: EntityManager,
    outboxId: string,
    attempt: number,
    endpointId: string | null,
    channel: string,
    outcome: string,
    httpStatus: number | null,
    error: string | null,
    startedAt: Date,
    jobId: string | null,
  ): Promise<void> {
    await m.query(
      `INSERT INTO reminder_delivery_attempts (outbox_id, attempt, endpoint_id, channel, outcome, http_status, error, worker, job_id, started_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        outboxId,
        attempt,
        endpointId,
        channel,
        outcome,
        httpStatus,
        error?.slice(0, 1000) ?? null,
        this.worker,
        jobId,
        startedAt,
      ],
    );
  }
}
