import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Fen } from '#libs/money';
import { InstallmentFactsStore } from './store/installment-facts.store.js';

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

@Injectable()
export class InstallmentFactsService {
  constructor(private readonly store: InstallmentFactsStore) {}

  /** Facts of the matching instalments in (loan, number) order; joins the caller's transaction when given one. */
  async facts(filter: InstallmentFactFilter, manager?: EntityManager): Promise<InstallmentFact[]> {
    const rows = await this.store.facts(filter, manager);
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
