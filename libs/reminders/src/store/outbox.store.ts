import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { areaCondition, offsetOf, queryOne, queryRows, type PageQuery } from '#libs/common';
import type { ChannelKind } from '../channels/channel.js';
import type { OutboxFilter } from '../outbox.service.js';
import type { RunTrigger } from '../selection.service.js';
import type { OutboxState } from './delivery.store.js';
import type { ReminderDeliveryAttemptRow, ReminderRunRow } from './rows.generated.js';

/** A reminder as the outbox views read it: the row, its instalment's number, its loan and borrower. */
export interface OutboxRow {
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

export type AttemptRow = Pick<
  ReminderDeliveryAttemptRow,
  | 'attempt'
  | 'outcome'
  | 'channel'
  | 'endpoint_id'
  | 'http_status'
  | 'error'
  | 'worker'
  | 'job_id'
  | 'started_at'
  | 'finished_at'
>;

export type RunRow = Omit<ReminderRunRow, 'trigger'> & { trigger: RunTrigger };

const SELECT = `SELECT o.id::text, o.installment_id::text, i.number, o.loan_id::text, l.loan_no, o.household_id::text,
       coalesce(h.head_name, e.name) AS borrower_name, h.phone, o.offset_days, o.due_date, o.remind_on, o.state, o.channel,
       o.endpoint_id::text, o.attempts, o.last_error, o.amount_due_fen::text, o.message, o.payload, o.provider_ref,
       o.deferred_until, o.created_at, o.updated_at, o.sent_at
  FROM reminder_outbox o
  JOIN loan_installments i ON i.id = o.installment_id
  JOIN loans l ON l.id = o.loan_id
  LEFT JOIN households h ON h.id = l.household_id
  LEFT JOIN operating_entities e ON e.id = l.entity_id`;

/** The read side of reminder_outbox, reminder_delivery_attempts and reminder_runs. */
@Injectable()
export class OutboxStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async list(filter: OutboxFilter, page: PageQuery): Promise<{ rows: OutboxRow[]; total: number }> {
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
    where.push(
      areaCondition(params, {
        district: '(SELECT l.district_id FROM loans l WHERE l.id = o.loan_id)',
        village: '(SELECT l.village_id FROM loans l WHERE l.id = o.loan_id)',
      }),
    );
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = await queryRows<{ total: number }>(
      this.dataSource.manager,
      `SELECT count(*)::int AS total FROM reminder_outbox o ${clause}`,
      params,
    );
    const rows = await queryRows<OutboxRow>(
      this.dataSource.manager,
      `${SELECT} ${clause} ORDER BY o.id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { rows, total };
  }

  get(id: string): Promise<OutboxRow | undefined> {
    return queryOne<OutboxRow>(this.dataSource.manager, `${SELECT} WHERE o.id = $1`, [id]);
  }

  attemptsOf(outboxId: string): Promise<AttemptRow[]> {
    return queryRows<AttemptRow>(
      this.dataSource.manager,
      `SELECT attempt, outcome, channel, endpoint_id::text, http_status, error, worker, job_id, started_at, finished_at
         FROM reminder_delivery_attempts WHERE outbox_id = $1 ORDER BY id`,
      [outboxId],
    );
  }

  async runs(
    filter: { from?: string; to?: string; trigger?: RunTrigger },
    page: PageQuery,
  ): Promise<{ rows: RunRow[]; total: number }> {
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
    const rows = await queryRows<RunRow>(
      this.dataSource.manager,
      `SELECT id::text, business_date, trigger, requested_by, job_id, selected, enqueued, swept, started_at, enqueued_at
         FROM reminder_runs ${clause} ORDER BY id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { rows, total };
  }
}
