import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import {
  DomainError,
  offsetOf,
  queryOne,
  queryRows,
  type Actor,
  type Page,
  type PageQuery,
} from '#libs/common';
import { formatYuan } from '#libs/money';
import type { ChannelKind } from './channels/channel.js';
import type { OutboxState } from './delivery.service.js';
import { eventOf, offsetLabel, type ReminderEvent } from './domain/offsets.js';
import { phoneFor } from './personal-data.js';
import type { RunTrigger } from './selection.service.js';

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

interface Row {
  id: string;
  installment_id: string;
  number: number;
  loan_id: string;
  loan_no: string;
  household_id: string | null;
  borrower_name: string | null;
  phone: string | null;
  offset_days: number;
  due_date: string;
  remind_on: string;
  state: OutboxState;
  channel: ChannelKind;
  endpoint_id: string | null;
  attempts: number;
  last_error: string | null;
  amount_due_fen: string | null;
  message: string | null;
  payload: unknown;
  provider_ref: string | null;
  deferred_until: Date | null;
  created_at: Date;
  updated_at: Date;
  sent_at: Date | null;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

const SELECT = `SELECT o.id::text, o.installment_id::text, i.number, o.loan_id::text, l.loan_no, o.household_id::text,
       coalesce(h.head_name, e.name) AS borrower_name, h.phone, o.offset_days, o.due_date, o.remind_on, o.state, o.channel,
       o.endpoint_id::text, o.attempts, o.last_error, o.amount_due_fen::text, o.message, o.payload, o.provider_ref,
       o.deferred_until, o.created_at, o.updated_at, o.sent_at
  FROM reminder_outbox o
  JOIN loan_installments i ON i.id = o.installment_id
  JOIN loans l ON l.id = o.loan_id
  LEFT JOIN households h ON h.id = l.household_id
  LEFT JOIN operating_entities e ON e.id = l.entity_id`;

/** Read side of the outbox: every reminder with its state, per loan and per household; phones masked by role. */
@Injectable()
export class ReminderOutboxService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async list(
    viewer: Pick<Actor, 'role'>,
    filter: OutboxFilter,
    page: PageQuery,
  ): Promise<Page<ReminderView>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.loanId) where.push(`o.loan_id = $${params.push(filter.loanId)}`);
    if (filter.householdId) {
      where.push(
        `o.loan_id IN (SELECT id FROM loans WHERE household_id = $${params.push(filter.householdId)})`,
      );
    }
    if (filter.fundId)
      where.push(`o.loan_id IN (SELECT id FROM loans WHERE fund_id = $${params.push(filter.fundId)})`);
    if (filter.bankId)
      where.push(`o.loan_id IN (SELECT id FROM loans WHERE bank_id = $${params.push(filter.bankId)})`);
    if (filter.state) where.push(`o.state = $${params.push(filter.state)}`);
    if (filter.from) where.push(`o.remind_on >= $${params.push(filter.from)}::date`);
    if (filter.to) where.push(`o.remind_on <= $${params.push(filter.to)}::date`);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = await queryRows<{ total: number }>(
      this.dataSource.manager,
      `SELECT count(*)::int AS total FROM reminder_outbox o ${clause}`,
      params,
    );
    const rows = await queryRows<Row>(
      this.dataSource.manager,
      `${SELECT} ${clause} ORDER BY o.id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { items: rows.map((r) => this.view(viewer, r)), page: page.page, pageSize: page.pageSize, total };
  }

  async get(
    viewer: Pick<Actor, 'role'>,
    id: string,
  ): Promise<ReminderView & { deliveryAttempts: AttemptView[] }> {
    const row = await queryOne<Row>(this.dataSource.manager, `${SELECT} WHERE o.id = $1`, [id]);
    if (!row) throw new DomainError('NOT_FOUND', `reminder ${id} not found`);
    const attempts = await queryRows<{
      attempt: number;
      outcome: string;
      channel: string;
      endpoint_id: string | null;
      http_status: number | null;
      error: string | null;
      worker: string;
      job_id: string | null;
      started_at: Date;
      finished_at: Date;
    }>(
      this.dataSource.manager,
      `SELECT attempt, outcome, channel, endpoint_id::text, http_status, error, worker, job_id, started_at, finished_at
         FROM reminder_delivery_attempts WHERE outbox_id = $1 ORDER BY id`,
      [id],
    );
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
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.from) where.push(`business_date >= $${params.push(filter.from)}::date`);
    if (filter.to) where.push(`business_date <= $${params.push(filter.to)}::date`);
    if (filter.trigger) where.push(`trigger = $${params.push(filter.trigger)}`);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = await queryRows<{ total: number }>(
      this.dataSource.manager,
      `SELECT count(*)::int AS total FROM reminder_runs ${clause}`,
      params,
    );
    const rows = await queryRows<{
      id: string;
      business_date: string;
      trigger: RunTrigger;
      requested_by: string;
      job_id: string | null;
      selected: number;
      enqueued: number;
      swept: number;
      started_at: Date;
      enqueued_at: Date | null;
    }>(
      this.dataSource.manager,
      `SELECT id::text, business_date, trigger, requested_by, job_id, selected, enqueued, swept, started_at, enqueued_at
         FROM reminder_runs ${clause} ORDER BY id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
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

  private view(viewer: Pick<Actor, 'role'>, r: Row): ReminderView {
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
