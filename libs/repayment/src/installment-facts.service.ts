import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { queryRows } from '#libs/common';
import type { Fen } from '#libs/money';

/**
 * Paid-on-time facts per instalment, for the subsidy (a period's subsidy is earned only when its interest was paid
 * on time) and the reminders (none once paid). Read from the view installment_payment_facts, which other
 * libraries may also query in SQL. "On time" = paid in full on or before due date + the product's grace days; a
 * caller with its own grace (the subsidy's default 0) compares `paidOn` / `interestPaidOn` with `dueDate` itself.
 */
export interface InstallmentFact {
  loanId: string;
  number: number;
  dueDate: string;
  graceDays: number;
  lastOnTimeDate: string;
  principalFen: Fen;
  interestFen: Fen;
  paidPrincipalFen: Fen;
  paidInterestFen: Fen;
  penaltyFen: Fen;
  status: 'OPEN' | 'OVERDUE' | 'PAID' | 'WRITTEN_OFF';
  /** When the instalment (principal, interest and any penalty) was paid in full; null while not. */
  paidOn: string | null;
  /** When its interest was paid in full; null while not. */
  interestPaidOn: string | null;
  overdueSince: string | null;
  paidOnTime: boolean;
  interestPaidOnTime: boolean;
}

export interface InstallmentFactFilter {
  loanIds?: string[];
  fundId?: string;
  /** Due dates within [dueFrom, dueTo]. */
  dueFrom?: string;
  dueTo?: string;
}

interface Row {
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

@Injectable()
export class InstallmentFactsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Facts of the matching instalments in (loan, number) order; joins the caller's transaction when given one. */
  async facts(filter: InstallmentFactFilter, manager?: EntityManager): Promise<InstallmentFact[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.loanIds) where.push(`f.loan_id = ANY($${params.push(filter.loanIds)}::bigint[])`);
    if (filter.fundId) where.push(`l.fund_id = $${params.push(filter.fundId)}`);
    if (filter.dueFrom) where.push(`f.due_date >= $${params.push(filter.dueFrom)}`);
    if (filter.dueTo) where.push(`f.due_date <= $${params.push(filter.dueTo)}`);
    const rows = await queryRows<Row>(
      manager ?? this.dataSource.manager,
      `SELECT f.loan_id::text, f.number, f.due_date, f.grace_days, f.last_on_time_date, f.principal_fen::text, f.interest_fen::text,
              f.paid_principal_fen::text, f.paid_interest_fen::text, f.penalty_fen::text, f.status, f.paid_on, f.interest_paid_on,
              f.overdue_since, f.paid_on_time, f.interest_paid_on_time
         FROM installment_payment_facts f JOIN loans l ON l.id = f.loan_id
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY f.loan_id, f.number`,
      params,
    );
    return rows.map((r) => ({
      loanId: r.loan_id,
      number: r.number,
      dueDate: r.due_date,
      graceDays: r.grace_days,
      lastOnTimeDate: r.last_on_time_date,
      principalFen: BigInt(r.principal_fen),
      interestFen: BigInt(r.interest_fen),
      paidPrincipalFen: BigInt(r.paid_principal_fen),
      paidInterestFen: BigInt(r.paid_interest_fen),
      penaltyFen: BigInt(r.penalty_fen),
      status: r.status,
      paidOn: r.paid_on,
      interestPaidOn: r.interest_paid_on,
      overdueSince: r.overdue_since,
      paidOnTime: r.paid_on_time,
      interestPaidOnTime: r.interest_paid_on_time,
    }));
  }
}
