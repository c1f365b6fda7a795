import { roundDiv } from '#libs/money';
import { compareDates, daysBetween, requireDate } from './dates.js';
import type { Installment, Schedule, ScheduleRounding } from './types.js';

/**
 * What a loan owes on a date, from its frozen schedule and what has been paid on each instalment. Pure: the
 * repayment and prepayment services load the instalment rows, call these, and post what they return.
 *
 * Accrual choice (one rule for every day count): the interest accrued in the current period is the period's
 * scheduled interest × elapsed days / period days, rounded once in the schedule's mode. For ACTUAL_* this equals
 * balance × rate × elapsed / basis up to that one rounding; for PERIOD it spreads the period's fixed interest
 * evenly over its days. Either way accrual reaches exactly the scheduled interest on the due date, so a payoff
 * never charges more interest than the schedule would have.
 */

export interface PaidComponents {
  principalFen: bigint;
  interestFen: bigint;
}

/** One instalment as scheduled, with what has been paid on it (the columns of loan_installments). */
export interface InstallmentPosition {
  number: number;
  periodStart: string;
  dueDate: string;
  days: number;
  principalFen: bigint;
  interestFen: bigint;
  paidPrincipalFen: bigint;
  paidInterestFen: bigint;
}

export interface LoanPosition {
  /** The schedule's rounding mode; accrual rounds in it too. */
  rounding: ScheduleRounding;
  /** In instalment order. */
  installments: readonly InstallmentPosition[];
}

/** Joins a schedule with the payments made per instalment number (missing = nothing paid). */
export function positionOf(
  schedule: Pick<Schedule, 'installments' | 'rounding'>,
  paid: ReadonlyMap<number, PaidComponents> = new Map(),
): LoanPosition {
  const installments = schedule.installments.map((i: Installment): InstallmentPosition => {
    const p = paid.get(i.number);
    return {
      number: i.number,
      periodStart: i.periodStart,
      dueDate: i.dueDate,
      days: i.days,
      principalFen: i.principalFen,
      interestFen: i.interestFen,
      paidPrincipalFen: p?.principalFen ?? 0n,
      paidInterestFen: p?.interestFen ?? 0n,
    };
  });
  const position = { rounding: schedule.rounding, installments };
  checkPosition(position);
  return position;
}

/** Refuses a position no payment could produce: paid beyond what was scheduled, negatives, unordered dates. */
export function checkPosition(position: LoanPosition): void {
  let previousDue = '';
  for (const i of position.installments) {
    if (i.paidPrincipalFen < 0n || i.paidPrincipalFen > i.principalFen) {
      throw new RangeError(
        `instalment ${i.number}: paid principal ${i.paidPrincipalFen} outside 0..${i.principalFen}`,
      );
    }
    if (i.paidInterestFen < 0n || i.paidInterestFen > i.interestFen) {
      throw new RangeError(
        `instalment ${i.number}: paid interest ${i.paidInterestFen} outside 0..${i.interestFen}`,
      );
    }
    if (compareDates(i.dueDate, previousDue) <= 0 || i.days <= 0) {
      throw new RangeError(`instalment ${i.number}: due dates must increase`);
    }
    previousDue = i.dueDate;
  }
}

export interface DueInstallment {
  number: number;
  dueDate: string;
  /** Unpaid amounts of this instalment. */
  principalFen: bigint;
  interestFen: bigint;
  totalFen: bigint;
}

export interface AmountDue {
  asOf: string;
  principalFen: bigint;
  interestFen: bigint;
  totalFen: bigint;
  /** Instalments due on or before asOf with something unpaid, oldest first. */
  installments: DueInstallment[];
  /** Due date of the oldest unpaid instalment (days overdue count from it); null when nothing is due. */
  oldestDueDate: string | null;
}

/** What is due and unpaid on or before `asOf` (an instalment is due on its due date), per component. */
export function dueAsOf(position: LoanPosition, asOf: string): AmountDue {
  requireDate(asOf, 'asOf');
  const installments: DueInstallment[] = [];
  let principal = 0n;
  let interest = 0n;
  for (const i of position.installments) {
    if (compareDates(i.dueDate, asOf) > 0) break;
    const p = i.principalFen - i.paidPrincipalFen;
    const r = i.interestFen - i.paidInterestFen;
    if (p === 0n && r === 0n) continue;
    installments.push({
      number: i.number,
      dueDate: i.dueDate,
      principalFen: p,
      interestFen: r,
      totalFen: p + r,
    });
    principal += p;
    interest += r;
  }
  return {
    asOf,
    principalFen: principal,
    interestFen: interest,
    totalFen: principal + interest,
    installments,
    oldestDueDate: installments[0]?.dueDate ?? null,
  };
}

export interface Accrual {
  /** The instalment whose period contains asOf (periodStart ≤ asOf < dueDate). */
  number: number;
  periodStart: string;
  dueDate: string;
  elapsedDays: number;
  periodDays: number;
  /** The period's scheduled interest × elapsed / period days, rounded once in the schedule's mode. */
  accruedFen: bigint;
  /** Accrued less what was already paid on this instalment's interest, never below zero. */
  unpaidFen: bigint;
}

/**
 * Interest accrued in the current period up to `asOf`. Null before disbursement and from the last due date on:
 * then there is no running period (on a due date that instalment's interest is due in full, see dueAsOf).
 */
export function accruedInterest(position: LoanPosition, asOf: string): Accrual | null {
  const date = requireDate(asOf, 'asOf');
  for (const i of position.installments) {
    if (compareDates(i.dueDate, asOf) <= 0) continue;
    if (compareDates(i.periodStart, asOf) > 0) return null;
    const elapsed = daysBetween(requireDate(i.periodStart, 'periodStart'), date);
    const accrued = roundDiv(i.interestFen * BigInt(elapsed), BigInt(i.days), position.rounding);
    const unpaid = accrued > i.paidInterestFen ? accrued - i.paidInterestFen : 0n;
    return {
      number: i.number,
      periodStart: i.periodStart,
      dueDate: i.dueDate,
      elapsedDays: elapsed,
      periodDays: i.days,
      accruedFen: accrued,
      unpaidFen: unpaid,
    };
  }
  return null;
}

export interface Payoff {
  valueDate: string;
  /** Every unpaid principal, due or not. */
  principalFen: bigint;
  /** Unpaid interest of instalments due on or before the value date. */
  dueInterestFen: bigint;
  /** Unpaid interest accrued in the current period to the value date. */
  accruedInterestFen: bigint;
  totalFen: bigint;
  /**
   * Interest already paid for time after the value date (on future instalments, or beyond the current period's
   * accrual). Not deducted here: the prepayment service decides whether it reduces principal or is refunded.
   */
  interestPaidInAdvanceFen: bigint;
}

/**
 * The amount that closes the loan on `valueDate`: unpaid principal + unpaid due interest + interest accrued on the
 * current period. Interest of periods after the value date is not charged (penalties are the repayment
 * service's, not the schedule's).
 */
export function payoffAmount(position: LoanPosition, valueDate: string): Payoff {
  const due = dueAsOf(position, valueDate);
  const accrual = accruedInterest(position, valueDate);
  let principal = 0n;
  let advance = 0n;
  for (const i of position.installments) {
    principal += i.principalFen - i.paidPrincipalFen;
    if (compareDates(i.dueDate, valueDate) <= 0) continue;
    if (accrual && i.number === accrual.number) {
      if (i.paidInterestFen > accrual.accruedFen) advance += i.paidInterestFen - accrual.accruedFen;
    } else {
      advance += i.paidInterestFen;
    }
  }
  const accrued = accrual?.unpaidFen ?? 0n;
  return {
    valueDate,
    principalFen: principal,
    dueInterestFen: due.interestFen,
    accruedInterestFen: accrued,
    totalFen: principal + due.interestFen + accrued,
    interestPaidInAdvanceFen: advance,
  };
}
