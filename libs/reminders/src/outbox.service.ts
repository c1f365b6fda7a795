import { Injectable } from '@nestjs/common';
import { DomainError, type Actor, type Page, type PageQuery } from '#libs/common';
import { formatYuan } from '#libs/money';
import type { ChannelKind } from './channels/channel.js';
import type { OutboxState } from './delivery.service.js';
import { eventOf, offsetLabel, type ReminderEvent } from './domain/offsets.js';
import { phoneFor } from './personal-data.js';
import type { RunTrigger } from './selection.service.js';
import { OutboxStore, type OutboxRow } from './store/outbox.store.js';

export interface OutboxFilter {
  loanId?: string;
  householdId?: string;
  fundId?: string;
  bankId?: string;
  state?: OutboxState;
  /** Reminder date (due date + offset) from, inclusive. */
  from?: string;
  /** Reminder date to, inclusive. */
  to?: string;
}

export interface ReminderView {
  id: string;
  installmentId: string;
  installmentNumber: number;
  loanId: string;
  loanNo: string;
  householdId: string | null;
  borrowerName: string | null;
  /** Full for ADMIN, FUND_ADMIN and LOAN_OFFICER; masked (138****5678) for everyone else. */
  phone: string | null;
  offset: string;
  offsetDays: number;
  event: ReminderEvent;
  dueDate: string;
  remindOn: string;
  state: OutboxState;
  channel: ChannelKind;
  endpointId: string | null;
  attempts: number;
  lastError: string | null;
  amountDue: string | null;
  message: string | null;
  payload: unknown;
  providerRef: string | null;
  deferredUntil: string | null;
  createdAt: string;
  updatedAt: string;
  sentAt: string | null;
}

export interface AttemptView {
  attempt: number;
  outcome: string;
  channel: string;
  endpointId: string | null;
  httpStatus: number | null;
  error: string | null;
  worker: string;
  jobId: string | null;
  startedAt: string;
  finishedAt: string;
}

export interface RunView {
  id: string;
  businessDate: string;
  trigger: RunTrigger;
  requestedBy: string;
  jobId: string | null;
  selected: number;
  enqueued: number;
  swept: number;
  startedAt: string;
  enqueuedAt: string | null;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** Read side of the outbox: every reminder with its state, per loan and per household; phones masked by role. */
@Injectable()
export class ReminderOutboxService {
  constructor(private readonly store: OutboxStore) {}

  async list(
    viewer: Pick<Actor, 'role'>,
    filter: OutboxFilter,
    page: PageQuery,
  ): Promise<Page<ReminderView>> {
    const { rows, total } = await this.store.list(filter, page);
    return { items: rows.map((r) => this.view(viewer, r)), page: page.page, pageSize: page.pageSize, total };
  }

  async get(
    viewer: Pick<Actor, 'role'>,
    id: string,
  ): Promise<ReminderView & { deliveryAttempts: AttemptView[] }> {
    const row = await this.store.get(id);
    if (!row) throw new DomainError('NOT_FOUND', `reminder ${id} not found`);
    const attempts = await this.store.attemptsOf(id);
    return {
      ...this.view(viewer, row),
      deliveryAttempts: attempts.map((a) => ({
        attempt: a.attempt,
        outcome: a.outcome,
        channel: a.channel,
        endpointId: a.endpoint_id,
        httpStatus: a.http_status,
        error: a.error,
        worker: a.worker,
        jobId: a.job_id,
        startedAt: new Date(a.started_at).toISOString(),
        finishedAt: new Date(a.finished_at).toISOString(),
      })),
    };
  }

  async runs(
    filter: { from?: string; to?: string; trigger?: RunTrigger },
    page: PageQuery,
  ): Promise<Page<RunView>> {
    const { rows, total } = await this.store.runs(filter, page);
    return {
      items: rows.map((r) => ({
        id: r.id,
        businessDate: r.business_date,
        trigger: r.trigger,
        requestedBy: r.requested_by,
        jobId: r.job_id,
        selected: r.selected,
        enqueued: r.enqueued,
        swept: r.swept,
        startedAt: new Date(r.started_at).toISOString(),
        enqueuedAt: iso(r.enqueued_at),
      })),
      page: page.page,
      pageSize: page.pageSize,
      total,
    };
  }

  private view(viewer: Pick<Actor, 'role'>, r: OutboxRow): ReminderView {
    return {
      id: r.id,
      installmentId: r.installment_id,
      installmentNumber: r.number,
      loanId: r.loan_id,
      loanNo: r.loan_no,
      householdId: r.household_id,
      borrowerName: r.borrower_name,
      phone: phoneFor(viewer, r.phone),
      offset: offsetLabel(r.offset_days),
      offsetDays: r.offset_days,
      event: eventOf(r.offset_days),
      dueDate: r.due_date,
      remindOn: r.remind_on,
      state: r.state,
      channel: r.channel,
      endpointId: r.endpoint_id,
      attempts: r.attempts,
      lastError: r.last_error,
      amountDue: r.amount_due_fen === null ? null : formatYuan(BigInt(r.amount_due_fen)),
      message: r.message,
      payload: r.payload,
      providerRef: r.provider_ref,
      deferredUntil: iso(r.deferred_until),
      createdAt: new Date(r.created_at).toISOString(),
      updatedAt: new Date(r.updated_at).toISOString(),
      sentAt: iso(r.sent_at),
    };
  }
}
