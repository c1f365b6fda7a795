import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { hostname } from 'node:os';
import type { DataSource, EntityManager } from 'typeorm';
import { AppConfig, Clock } from '#libs/common';
import {
  DeliveryError,
  REMINDER_CHANNELS,
  type ChannelKind,
  type OutboundReminder,
  type ReminderChannel,
} from './channels/channel.js';
import { claimDecision, sendFailure } from './domain/delivery.js';
import { ReminderEndpointsService } from './endpoints.service.js';
import { maskPhone } from './personal-data.js';
import { ReminderSettings } from './settings.js';
import { DeliveryStore, type ContextRow, type OutboxState } from './store/delivery.store.js';
import { skipPaidReminders } from './store/skip-paid.store.js';

export { OUTBOX_STATES, type OutboxState } from './store/delivery.store.js';

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
    private readonly store: DeliveryStore,
  ) {
    this.channels = new Map(channels.map((c) => [c.kind, c]));
  }

  /**
   * `at`: the instant the attempt is decided at (quiet hours, the day's window); the wall clock unless the business
   * date was moved and a day is being run (libs/calendar delivers each passed day's reminders at that day's 10:00).
   */
  async deliver(outboxId: string, opts: { jobId?: string | null; at?: Date } = {}): Promise<DeliveryOutcome> {
    const startedAt = new Date();
    const claim = await this.dataSource.transaction((m) =>
      this.claim(m, outboxId, startedAt, opts.jobId ?? null, opts.at),
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
      outcome = sendFailure(err, claim.attempt, this.settings.deliveryAttempts);
    }
    return this.record(claim, outcome, httpStatus, startedAt, opts.jobId ?? null);
  }

  /**
   * Delivers, one by one in id order, every reminder still waiting (queued or deferred) whose day has come by `day`,
   * deciding each at the instant `at`: what a day's delivery round does when the business date is moved over a day
   * (a worker's job for the same reminder finds it settled; a reminder is never sent twice).
   */
  async deliverWaiting(day: string, at: Date): Promise<{ sent: number; settled: number; failed: number }> {
    const result = { sent: 0, settled: 0, failed: 0 };
    for (const id of await this.store.waitingIds(day)) {
      const outcome = await this.deliver(id, { at, jobId: null });
      if (outcome.kind === 'SENT') result.sent++;
      else if (outcome.kind === 'FAILED' || outcome.kind === 'RETRY') result.failed++;
      else result.settled++;
    }
    return result;
  }

  /**
   * Settles a reminder whose job BullMQ gave up on outside a delivery attempt (e.g. the database was unreachable on
   * every try), so the outbox never shows QUEUED for a job that is in the failed set.
   */
  async markAbandoned(outboxId: string, reason: string): Promise<boolean> {
    return this.store.markAbandoned(outboxId, `job abandoned: ${reason}`);
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
    at?: Date,
  ): Promise<Claim> {
    const row = await this.store.lockContext(m, outboxId);
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

    const now = at ?? this.clock.now();
    const owed = BigInt(row.owed_fen);
    const decision = claimDecision(
      {
        id: row.id,
        installmentId: row.installment_id,
        offsetDays: row.offset_days,
        remindOn: row.remind_on,
        dueDate: row.due_date,
        number: row.number,
        installmentStatus: row.installment_status,
        owedFen: owed,
        loan: {
          id: row.loan_id,
          loanNo: row.loan_no,
          status: row.loan_status,
          channel: row.loan_channel,
          fundId: row.fund_id,
          bankId: row.bank_id,
          bankLoanRef: row.bank_loan_ref,
        },
        borrower: {
          type: row.borrower_type,
          householdId: row.household_id,
          entityId: row.entity_id,
          name: row.head_name ?? row.entity_name,
          phone: row.phone,
        },
        endpoint: {
          id: row.ep_id,
          channel: row.ep_channel,
          hasSecret: row.ep_secret !== null,
          secretReadable: row.ep_secret === null || this.endpoints.openSecret(row.ep_secret) !== null,
        },
      },
      {
        now,
        today: this.clock.today(this.config.BUSINESS_TIMEZONE),
        quietHours: {
          startHour: this.settings.quietStartHour,
          endHour: this.settings.quietEndHour,
          timeZone: this.config.BUSINESS_TIMEZONE,
        },
      },
    );

    if (decision.kind === 'settle') {
      const { state, reason, deferredUntil } = decision;
      await this.store.settle(m, row.id, state, reason, deferredUntil ?? null);
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
      const outcome: DeliveryOutcome =
        state === 'DEFERRED'
          ? { kind: 'DEFERRED', until: deferredUntil!, delayMs: deferredUntil!.getTime() - now.getTime() }
          : state === 'FAILED'
            ? { kind: 'FAILED', reason }
            : { kind: state, reason };
      return { kind: 'settled', outcome };
    }

    const { rendered, payload } = decision;
    // The outbox keeps the body as sent, except the phone number, which stays in the registry only.
    const stored = {
      ...payload,
      borrower: { ...payload.borrower, phone: maskPhone(payload.borrower.phone) },
    };
    const attempt = row.attempts + 1;
    await this.store.markSending(m, row.id, {
      attempt,
      leaseSeconds: this.settings.leaseMs / 1000,
      endpointId: row.ep_id!,
      channel: row.ep_channel!,
      amountDueFen: owed,
      message: rendered.text,
      payload: stored,
    });
    return {
      kind: 'send',
      attempt,
      endpointId: row.ep_id!,
      channel: row.ep_channel!,
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
      let updated: boolean;
      let attemptOutcome: string;
      let error: string | null = null;
      if (outcome.kind === 'SENT') {
        attemptOutcome = 'SENT';
        updated = await this.store.markSent(m, id, claim.attempt, outcome.providerRef);
      } else if (outcome.kind === 'RETRY' || outcome.kind === 'FAILED') {
        attemptOutcome = outcome.kind;
        error = outcome.reason;
        updated = await this.store.markUnsent(
          m,
          id,
          claim.attempt,
          outcome.kind === 'RETRY' ? 'QUEUED' : 'FAILED',
          outcome.reason,
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
      if (!updated) {
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
    await this.store.insertAttempt(m, {
      outboxId,
      attempt,
      endpointId,
      channel,
      outcome,
      httpStatus,
      error,
      worker: this.worker,
      jobId,
      startedAt,
    });
  }
}
