import { formatYuan, type Fen } from '#libs/money';
import { daysFrom } from './dates.js';
import {
  bucketOf,
  daysOverdueOf,
  payoffBreakdown,
  type BucketLimitsDays,
  type InstallmentState,
} from './replay.js';
import type { RepaymentTerms } from './terms.js';

/**
 * A loan statement and a payoff quote as pure functions of the loan's replayed (or, once written off, stored)
 * instalments, its terms and the facts around it. The service only loads the inputs.
 */

export interface PayoffQuote {
  loanId: string;
  valueDate: string;
  principal: string;
  interestDue: string;
  interestAccrued: string;
  penalty: string;
  total: string;
}

export interface StatementInstallment {
  number: number;
  periodStart: string;
  dueDate: string;
  status: string;
  scheduled: {
    principal: string;
    interest: string;
    originalInterest: string;
    penalty: string;
    total: string;
  };
  paid: { principal: string; interest: string; penalty: string; total: string };
  outstanding: { principal: string; interest: string; penalty: string; total: string };
  daysOverdue: number;
  overdueSince: string | null;
  paidOn: string | null;
  interestPaidOn: string | null;
  /** Paid in full on or before due date + grace days (null while unpaid and not yet late). */
  paidOnTime: boolean | null;
}

export interface StatementCorrection {
  id: string;
  cause: string;
  causeRepaymentId: string;
  entryId: string | null;
  businessDate: string;
  createdBy: string;
}

export interface StatementLoan {
  id: string;
  loanNo: string;
  channel: string;
  status: string;
  fundId: string | null;
  householdId: string | null;
  principal: string;
  annualRatePercent: string | null;
  penaltyRatePercent: string | null;
  method: string;
  disbursementDate: string | null;
  maturityDate: string | null;
  closedOn: string | null;
}

export interface StatementOf<T> {
  loan: StatementLoan;
  asOf: string;
  installments: StatementInstallment[];
  balances: {
    principalOutstanding: string;
    interestDue: string;
    penaltyDue: string;
    overdueTotal: string;
    paidPrincipal: string;
    paidInterest: string;
    paidPenalty: string;
    /** Principal, interest and penalty still scheduled or charged and not paid, due or not. */
    remainingScheduled: string;
  };
  daysOverdue: number;
  arrearsBucket: string;
  /** What closes the loan today (null once it is closed or written off). */
  payoffToday: PayoffQuote | null;
  transactions: T[];
  corrections: StatementCorrection[];
  disbursementEntryId: string | null;
  writeOff: { writtenOffOn: string; principal: string; recovered: string; reason: string } | null;
}

const y = (v: Fen) => formatYuan(v);

/**
 * What would close the loan on `date`: the replay's payoff by part. interestAccrued is the current period's fee the
 * payoff charges (accrued to the date, or the whole period's under the product's PERIOD rule).
 */
export function payoffQuote(
  loanId: string,
  state: readonly InstallmentState[],
  terms: RepaymentTerms,
  date: string,
): PayoffQuote {
  const p = payoffBreakdown(state, terms, date);
  return {
    loanId,
    valueDate: date,
    principal: y(p.principalFen),
    interestDue: y(p.dueInterestFen),
    interestAccrued: y(p.currentInterestFen),
    penalty: y(p.penaltyFen),
    total: y(p.totalFen),
  };
}

/** The facts of the loan a statement shows besides its instalments. */
export interface StatementLoanFacts {
  id: string;
  loanNo: string;
  channel: string;
  status: string;
  fundId: string | null;
  householdId: string | null;
  principalFen: Fen;
  annualRatePercent: string | null;
  penaltyRatePercent: string | null;
  method: string;
  disbursementDate: string | null;
  maturityDate: string | null;
  closedOn: string | null;
  /** The stored ageing (what a written-off loan keeps). */
  daysOverdue: number;
  arrearsBucket: string;
  disbursementEntryId: string | null;
}

export interface StatementInput<T> {
  loan: StatementLoanFacts;
  asOf: string;
  state: readonly InstallmentState[];
  /** Per instalment (same order as `state`): the stored status and the interest frozen at disbursement. */
  stored: readonly { status: string; originalInterestFen: Fen }[];
  terms: RepaymentTerms | null;
  graceDays: number;
  /** The ageing buckets the loan's arrears bucket is read in (libs/loans' standard limits). */
  bucketLimitsDays: BucketLimitsDays;
  transactions: T[];
  corrections: StatementCorrection[];
  writeOff: { writtenOffOn: string; principalFen: Fen; recoveredFen: Fen; reason: string } | null;
}

/** One statement line per instalment, as of `asOf`. */
export function statementInstallments(
  state: readonly InstallmentState[],
  stored: StatementInput<unknown>['stored'],
  asOf: string,
  graceDays: number,
  writtenOff: boolean,
): StatementInstallment[] {
  return state.map((i, k): StatementInstallment => {
    const unpaidP = i.principalFen - i.paidPrincipalFen;
    const unpaidI = i.interestFen - i.paidInterestFen;
    const unpaidPen = i.penaltyFen - i.paidPenaltyFen;
    const lateNow = daysFrom(i.dueDate, asOf) > graceDays;
    return {
      number: i.number,
      periodStart: i.periodStart,
      dueDate: i.dueDate,
      status: writtenOff ? stored[k].status : i.status,
      scheduled: {
        principal: y(i.principalFen),
        interest: y(i.interestFen),
        originalInterest: y(stored[k].originalInterestFen),
        penalty: y(i.penaltyFen),
        total: y(i.principalFen + i.interestFen + i.penaltyFen),
      },
      paid: {
        principal: y(i.paidPrincipalFen),
        interest: y(i.paidInterestFen),
        penalty: y(i.paidPenaltyFen),
        total: y(i.paidPrincipalFen + i.paidInterestFen + i.paidPenaltyFen),
      },
      outstanding: {
        principal: y(unpaidP),
        interest: y(unpaidI),
        penalty: y(unpaidPen),
        total: y(unpaidP + unpaidI + unpaidPen),
      },
      daysOverdue: i.status === 'OVERDUE' && !writtenOff ? daysFrom(i.dueDate, asOf) : 0,
      overdueSince: i.overdueSince,
      paidOn: i.paidOn,
      interestPaidOn: i.interestPaidOn,
      paidOnTime: i.paidOn !== null ? daysFrom(i.dueDate, i.paidOn) <= graceDays : lateNow ? false : null,
    };
  });
}

/**
 * The balances of a statement: principal outstanding (none once written off: it left the books), interest of
 * instalments due by `asOf`, penalty charged, what is overdue, what was paid, and what remains scheduled.
 */
export function statementBalances(
  state: readonly InstallmentState[],
  asOf: string,
  writtenOff: boolean,
): StatementOf<unknown>['balances'] {
  let principal = 0n;
  let interestDue = 0n;
  let penaltyDue = 0n;
  let overdue = 0n;
  let remaining = 0n;
  const paid = { p: 0n, i: 0n, pen: 0n };
  for (const i of state) {
    const up = i.principalFen - i.paidPrincipalFen;
    const ui = i.interestFen - i.paidInterestFen;
    const upen = i.penaltyFen - i.paidPenaltyFen;
    if (!writtenOff) principal += up;
    if (i.dueDate <= asOf) interestDue += ui;
    penaltyDue += upen;
    if (i.status === 'OVERDUE') overdue += up + ui + upen;
    remaining += up + ui + upen;
    paid.p += i.paidPrincipalFen;
    paid.i += i.paidInterestFen;
    paid.pen += i.paidPenaltyFen;
  }
  return {
    principalOutstanding: y(principal),
    interestDue: y(interestDue),
    penaltyDue: y(penaltyDue),
    overdueTotal: y(overdue),
    paidPrincipal: y(paid.p),
    paidInterest: y(paid.i),
    paidPenalty: y(paid.pen),
    remainingScheduled: y(remaining),
  };
}

/**
 * The statement: the loan, its instalments and balances, its ageing (recomputed from the state, except for a
 * written-off loan, whose ageing froze at the write-off), today's payoff for an outstanding loan, its transactions
 * and corrections, and the write-off if any.
 */
export function assembleStatement<T>(input: StatementInput<T>): StatementOf<T> {
  const { loan, asOf, state, terms } = input;
  const writtenOff = loan.status === 'WRITTEN_OFF';
  const days = writtenOff ? loan.daysOverdue : daysOverdueOf(state, asOf);
  const wo = input.writeOff;
  return {
    loan: {
      id: loan.id,
      loanNo: loan.loanNo,
      channel: loan.channel,
      status: loan.status,
      fundId: loan.fundId,
      householdId: loan.householdId,
      principal: y(loan.principalFen),
      annualRatePercent: loan.annualRatePercent,
      penaltyRatePercent: terms?.penaltyRatePercent ?? loan.penaltyRatePercent,
      method: loan.method,
      disbursementDate: loan.disbursementDate,
      maturityDate: loan.maturityDate,
      closedOn: loan.closedOn,
    },
    asOf,
    installments: statementInstallments(state, input.stored, asOf, input.graceDays, writtenOff),
    balances: statementBalances(state, asOf, writtenOff),
    daysOverdue: days,
    arrearsBucket: writtenOff ? loan.arrearsBucket : bucketOf(days, input.bucketLimitsDays),
    payoffToday: loan.status === 'DISBURSED' && terms ? payoffQuote(loan.id, state, terms, asOf) : null,
    transactions: input.transactions,
    corrections: input.corrections,
    disbursementEntryId: loan.disbursementEntryId,
    writeOff: wo
      ? {
          writtenOffOn: wo.writtenOffOn,
          principal: y(wo.principalFen),
          recovered: y(wo.recoveredFen),
          reason: wo.reason,
        }
      : null,
  };
}
