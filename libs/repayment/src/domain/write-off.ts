import type { FieldErrorCode } from '#libs/common';
import { formatYuan, type Fen } from '#libs/money';
import type { Line } from './postings.js';
import {
  bucketOf,
  daysOverdueOf,
  type ArrearsBucket,
  type BucketLimitsDays,
  type InstallmentState,
} from './replay.js';
import type { Refused } from './repayment-rules.js';

/**
 * Write-off rules (SPEC §2.1): a mutual-aid loan that is outstanding and at least the configured number of days
 * overdue (as of the date it is replayed to) is written off. Its principal still outstanding leaves LOANS for
 * WRITE_OFF_EXPENSE; the unpaid usage fee and penalty were never income (cash basis), so they are only recorded as
 * the claim a later recovery may bring in.
 */

function notAllowed(detail: string, code: FieldErrorCode, message: string): Refused {
  return { code: 'WRITE_OFF_NOT_ALLOWED', detail, errors: [{ field: 'loanId', code, message }] };
}

/** Only a mutual-aid loan of a fund is written off here. */
export function writeOffChannelRefusal(loan: {
  loanNo: string;
  channel: string;
  fundId: string | null;
}): Refused | null {
  if (loan.channel === 'MUTUAL_AID' && loan.fundId !== null) return null;
  return notAllowed(
    `loan ${loan.loanNo} is not a mutual-aid loan`,
    'WRITE_OFF_NOT_ALLOWED',
    'only mutual-aid loans are written off here',
  );
}

/** Only an outstanding (DISBURSED) loan is written off. */
export function writeOffStatusRefusal(loan: { loanNo: string; status: string }): Refused | null {
  if (loan.status === 'DISBURSED') return null;
  return notAllowed(
    `loan ${loan.loanNo} is ${loan.status}: only an outstanding loan is written off`,
    'WRITE_OFF_NOT_ALLOWED',
    `the loan is ${loan.status}`,
  );
}

/** What a write-off books and records: the claim by component, and the loan's ageing at the date. */
export interface WriteOffAmounts {
  daysOverdue: number;
  bucket: ArrearsBucket;
  principalFen: Fen;
  /** Interest of instalments due by the date, unpaid. */
  interestFen: Fen;
  penaltyFen: Fen;
}

/** The amounts of a write-off of a loan in the replayed state `state` on `asOf`, aged with `bucketLimitsDays`. */
export function writeOffAmounts(
  state: readonly InstallmentState[],
  asOf: string,
  bucketLimitsDays: BucketLimitsDays,
): WriteOffAmounts {
  let principal = 0n;
  let interest = 0n;
  let penalty = 0n;
  for (const i of state) {
    principal += i.principalFen - i.paidPrincipalFen;
    if (i.dueDate <= asOf) interest += i.interestFen - i.paidInterestFen;
    penalty += i.penaltyFen - i.paidPenaltyFen;
  }
  const days = daysOverdueOf(state, asOf);
  return {
    daysOverdue: days,
    bucket: bucketOf(days, bucketLimitsDays),
    principalFen: principal,
    interestFen: interest,
    penaltyFen: penalty,
  };
}

/** Too early (fewer days overdue than the minimum), or nothing to write off (no principal outstanding). */
export function writeOffAmountRefusal(
  loanNo: string,
  amounts: WriteOffAmounts,
  minDaysOverdue: number,
): Refused | null {
  const days = amounts.daysOverdue;
  if (days < minDaysOverdue) {
    return notAllowed(
      `loan ${loanNo} is ${days} days overdue; a write-off needs ${minDaysOverdue}`,
      'WRITE_OFF_TOO_EARLY',
      `${days} days overdue, at least ${minDaysOverdue} needed`,
    );
  }
  if (amounts.principalFen === 0n) {
    return notAllowed(
      `loan ${loanNo} has no principal outstanding: collect the usage fee instead`,
      'WRITE_OFF_NOTHING',
      'no principal outstanding',
    );
  }
  return null;
}

/** LOANS ↓ / WRITE_OFF_EXPENSE ↑ by the principal outstanding. */
export function writeOffLines(
  accounts: { loans: string; writeOffExpense: string },
  principalFen: Fen,
): Line[] {
  return [
    { account: accounts.writeOffExpense, side: 'DEBIT', amountFen: principalFen },
    { account: accounts.loans, side: 'CREDIT', amountFen: principalFen },
  ];
}

/** The loan event data of a write-off. */
export function writeOffEventData(writeOffId: string, amounts: WriteOffAmounts): Record<string, unknown> {
  return { writeOffId, principal: formatYuan(amounts.principalFen), daysOverdue: amounts.daysOverdue };
}
