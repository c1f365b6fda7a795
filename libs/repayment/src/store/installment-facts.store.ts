import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { queryRows } from '#libs/common';
import type { InstallmentFact, InstallmentFactFilter } from '../installment-facts.service.js';

export interface InstallmentFactRow {
  loan_id: string;
  number: number;
  due_date: string;
  grace_days: number;
  last_on_time_date: string;
  principal_fen: string;
  interest_fen: string;
  paid_principal_fen: string;
  paid_interest_fen: string;
  penalty_fen: string;
  status: InstallmentFact['status'];
  paid_on: string | null;
  interest_paid_on: string | null;
  overdue_since: string | null;
  paid_on_time: boolean;
  interest_paid_on_time: boolean;
}

/** Reads of the view installment_payment_facts (this library's view over the loans library's instalments). */
@Injectable()
export class InstallmentFactsStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async facts(filter: InstallmentFactFilter, manager?: EntityManager): Promise<InstallmentFactRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.loanIds) where.push(`f.loan_id = ANY($${params.push(filter.loanIds)}::bigint[])`);
    if (filter.fundId) where.push(`l.fund_id = $${params.push(filter.fundId)}`);
    if (filter.dueFrom) where.push(`f.due_date >= $${params.push(filter.dueFrom)}`);
    if (filter.dueTo) where.push(`f.due_date <= $${params.push(filter.dueTo)}`);
    return queryRows<InstallmentFactRow>(
      manager ?? this.dataSource.manager,
      `SELECT f.loan_id::text, f.number, f.due_date, f.grace_days, f.last_on_time_date, f.principal_fen::text, f.interest_fen::text,
              f.paid_principal_fen::text, f.paid_interest_fen::text, f.penalty_fen::text, f.status, f.paid_on, f.interest_paid_on,
              f.overdue_since, f.paid_on_time, f.interest_paid_on_time
         FROM installment_payment_facts f JOIN loans l ON l.id = f.loan_id
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY f.loan_id, f.number`,
      params,
    );
  }
}
