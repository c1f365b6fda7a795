import type { ErrorCode, FieldError } from '#libs/common';
import { formatYuan, type Fen } from '#libs/money';
import { addDays, maxDate } from './dates.js';
import {
  payoffOf,
  replay,
  type FrozenInstallment,
  type InstallmentState,
  type OverpaymentError,
  type ReplayPayment,
} from './replay.js';
import type { RepaymentTerms } from './terms.js';

/**
 * The rules a repayment, a recovery and a reversal are checked against, as pure functions: every failed rule is
 * returned at once (the caller refuses with all of them), and nothing here reads the clock or the database.
 */

/** A failed rule: the field, its code and a message. */
export type Refusal = FieldError & { code: ErrorCode };

/** What a refused operation is told: the first failure's code, every message in the detail, every failure. */
export interface Refused {
  code: ErrorCode;
  detail: string;
  errors: FieldError[];
  extra?: Record<string, unknown>;
}

export function refused(
  what: string,
  failures: readonly Refusal[],
  extra?: Record<string, unknown>,
): Refused {
  return {
    code: failures[0].code,
    detail: `${what}: ${failures.map((f) => f.message).join('; ')}`,
    errors: [...failures],
    ...(extra ? { extra } : {}),
  };
}

/** The loan statuses a payment is accepted on (a WRITTEN_OFF loan takes recoveries). */
export const REPAYABLE_STATUSES: readonly string[] = ['DISBURSED', 'CLOSED', 'WRITTEN_OFF'];

/** The facts of a loan the repayment rules look at. */
export interface LoanFacts {
  loanNo: string;
  channel: string;
  status: string;
  fundId: string | null;
  householdId: string | null;
  disbursementDate: string | null;
}

/** Only a mutual-aid loan of a fund is repaid here: a bank-held loan's repayments are recorded by its bank. */
export function channelRefusal(loan: Pick<LoanFacts, 'loanNo' | 'channel' | 'fundId'>): Refusal | null {
  if (loan.channel === 'MUTUAL_AID' && loan.fundId !== null) return null;
  return {
    field: 'loanId',
    code: 'LOAN_NOT_REPAYABLE',
    message: `loan ${loan.loanNo} is a ${loan.channel} loan: its repayments are recorded by the bank, not here`,
  };
}

/** A value date is not after today, not before the disbursement, and within the backdating window. */
export function valueDateRefusals(
  valueDate: string,
  today: string,
  disbursedOn: string | null,
  backdateDays: number,
): Refusal[] {
  const out: Refusal[] = [];
  const code = 'REPAYMENT_VALUE_DATE_INVALID' as const;
  if (valueDate > today)
    out.push({ field: 'valueDate', code, message: `the value date ${valueDate} is after today (${today})` });
  const earliest = addDays(today, -backdateDays);
  if (valueDate < earliest) {
    out.push({
      field: 'valueDate',
      code,
      message: `the value date ${valueDate} is more than ${backdateDays} days back (earliest ${earliest})`,
    });
  }
  if (disbursedOn && valueDate < disbursedOn) {
    out.push({
      field: 'valueDate',
      code,
      message: `the value date ${valueDate} is before the disbursement on ${disbursedOn}`,
    });
  }
  return out;
}

export interface PaymentRequest {
  valueDate: string;
  channel: string;
  payerHouseholdId?: string | null;
}

/**
 * Every rule a payment is checked against under the loan's lock: the loan is repayable, the value date is valid, a
 * GROUP_LIABILITY payment names its payer, a named payer is the borrower or a member of the loan's group, and a
 * loan that is not written off has instalments.
 */
export function paymentRefusals(
  loan: LoanFacts,
  input: PaymentRequest,
  facts: { today: string; backdateDays: number; hasInstallments: boolean; payerIsGroupMember: boolean },
): Refusal[] {
  const failures: Refusal[] = [];
  if (!REPAYABLE_STATUSES.includes(loan.status)) {
    failures.push({
      field: 'loanId',
      code: 'LOAN_NOT_REPAYABLE',
      message: `loan ${loan.loanNo} is ${loan.status}, not disbursed`,
    });
  }
  failures.push(
    ...valueDateRefusals(input.valueDate, facts.today, loan.disbursementDate, facts.backdateDays),
  );
  if (input.channel === 'GROUP_LIABILITY' && !input.payerHouseholdId) {
    failures.push({
      field: 'payerHouseholdId',
      code: 'REPAYMENT_PAYER_INVALID',
      message: 'a GROUP_LIABILITY payment names the co-obligor who paid',
    });
  }
  if (input.payerHouseholdId && !facts.payerIsGroupMember && input.payerHouseholdId !== loan.householdId) {
    failures.push({
      field: 'payerHouseholdId',
      code: 'REPAYMENT_PAYER_INVALID',
      message: `household ${input.payerHouseholdId} is neither the borrower nor a member of the loan's joint-liability group`,
    });
  }
  if (!facts.hasInstallments && loan.status !== 'WRITTEN_OFF') {
    failures.push({
      field: 'loanId',
      code: 'LOAN_NOT_REPAYABLE',
      message: `loan ${loan.loanNo} has no instalments`,
    });
  }
  return failures;
}

/**
 * The date a loan is replayed to: today, or the later date its last close of business reached, or the latest value
 * date among its payments. Its penalties and ageing are then current whatever the value date of the operation.
 */
export function replayDate(
  today: string,
  agedAsOf: string | null,
  payments: readonly ReplayPayment[],
): string {
  return payments.reduce((d, p) => maxDate(d, p.valueDate), maxDate(today, agedAsOf ?? today));
}

/** Backdated: valued before the day it is entered, or before a repayment already entered. */
export function isBackdated(valueDate: string, today: string, existing: readonly ReplayPayment[]): boolean {
  return valueDate < today || existing.some((p) => p.valueDate > valueDate);
}

/** The loan event a repayment records. */
export function repaymentEvent(payoff: boolean, backdated: boolean): string {
  return payoff ? 'PAID_OFF' : backdated ? 'BACKDATED_REPAYMENT_RECEIVED' : 'REPAYMENT_RECEIVED';
}

/**
 * The answer to a payment the replay found above a payoff: either this payment exceeds the payoff on its value
 * date, or (backdated) it leaves a later repayment paying more than the loan then owes; the payoff quoted is then
 * the one on this payment's value date before it.
 */
export function overpaymentRefusal(
  loanNo: string,
  terms: RepaymentTerms,
  schedule: readonly FrozenInstallment[],
  existing: readonly ReplayPayment[],
  payment: ReplayPayment,
  e: Pick<OverpaymentError, 'paymentId' | 'valueDate' | 'amountFen' | 'payoffFen'>,
): Refused {
  if (e.paymentId === payment.id) {
    const message = `the payment of ${formatYuan(payment.amountFen)} exceeds the payoff of ${formatYuan(e.payoffFen)} on ${payment.valueDate}`;
    return {
      code: 'OVERPAYMENT',
      detail: `${message}: loan ${loanNo} is closed by paying ${formatYuan(e.payoffFen)}; nothing is kept as credit`,
      errors: [{ field: 'amount', code: 'OVERPAYMENT', message }],
      extra: { payoff: formatYuan(e.payoffFen), valueDate: payment.valueDate },
    };
  }
  const before = existing.filter((p) => p.valueDate <= payment.valueDate);
  const state = replay(terms, schedule, before, payment.valueDate).installments;
  const payoffFen = payoffOf(state, terms, payment.valueDate);
  const message =
    `with this payment on ${payment.valueDate} the later repayment ${e.paymentId} of ${formatYuan(e.amountFen)} on ${e.valueDate} ` +
    `would exceed that day's payoff of ${formatYuan(e.payoffFen)}; the payoff on ${payment.valueDate} before this payment is ${formatYuan(payoffFen)}`;
  return {
    code: 'OVERPAYMENT',
    detail: message,
    errors: [{ field: 'amount', code: 'OVERPAYMENT', message }],
    extra: { payoff: formatYuan(payoffFen), valueDate: payment.valueDate },
  };
}

/** A write-off as a recovery sees it. */
export interface WriteOffClaim {
  principalFen: Fen;
  interestFen: Fen;
  penaltyFen: Fen;
  recoveredFen: Fen;
  writtenOffOn: string;
}

/** Still owed on a written-off loan: what was written off (principal, interest, penalty) less what was recovered. */
export function claimOf(w: Omit<WriteOffClaim, 'writtenOffOn'>): Fen {
  return w.principalFen + w.interestFen + w.penaltyFen - w.recoveredFen;
}

/** A recovery is valued on or after the write-off and brings in at most what is still owed. */
export function recoveryRefusal(
  loanNo: string,
  writeOff: WriteOffClaim,
  amountFen: Fen,
  valueDate: string,
): Refused | null {
  const claim = claimOf(writeOff);
  const failures: Refusal[] = [];
  if (valueDate < writeOff.writtenOffOn) {
    failures.push({
      field: 'valueDate',
      code: 'REPAYMENT_VALUE_DATE_INVALID',
      message: `loan ${loanNo} was written off on ${writeOff.writtenOffOn}: a recovery cannot be valued before that`,
    });
  }
  if (amountFen > claim) {
    failures.push({
      field: 'amount',
      code: 'OVERPAYMENT',
      message: `the recovery of ${formatYuan(amountFen)} exceeds the ${formatYuan(claim)} still owed on written-off loan ${loanNo}`,
    });
  }
  if (!failures.length) return null;
  return refused('recovery refused', failures, { payoff: formatYuan(claim < 0n ? 0n : claim) });
}

/** The state of a repayment a reversal looks at. */
export interface ReversalFacts {
  kind: 'REPAYMENT' | 'RECOVERY';
  status: 'POSTED' | 'REVERSED';
  reversalEntryId: string | null;
}

/**
 * A repayment reverses once; a repayment (not a recovery) of a loan written off since is not reversed, since the
 * write-off booked the balance as it stood.
 */
export function reversalRefusal(
  repaymentId: string,
  rep: ReversalFacts,
  loan: Pick<LoanFacts, 'loanNo' | 'status'>,
): Refused | null {
  if (rep.status === 'REVERSED') {
    return {
      code: 'REPAYMENT_ALREADY_REVERSED',
      detail: `repayment ${repaymentId} was already reversed (entry ${rep.reversalEntryId})`,
      errors: [
        { field: 'repaymentId', code: 'REPAYMENT_ALREADY_REVERSED', message: 'a repayment reverses once' },
      ],
    };
  }
  if (rep.kind === 'REPAYMENT' && loan.status === 'WRITTEN_OFF') {
    return refused('reversal refused', [
      {
        field: 'repaymentId',
        code: 'REPAYMENT_NOT_REVERSIBLE',
        message: `loan ${loan.loanNo} was written off after this repayment: the write-off booked the balance as it stood`,
      },
    ]);
  }
  return null;
}

/** Reopening a closed loan must not give the household two active loans (origination's one-active-loan rule). */
export function reopenRefusal(loanNo: string, otherActiveLoanNo: string): Refused {
  return refused('reversal refused', [
    {
      field: 'repaymentId',
      code: 'REPAYMENT_NOT_REVERSIBLE',
      message: `reversing it would reopen loan ${loanNo} while the household has active loan ${otherActiveLoanNo}`,
    },
  ]);
}

/** Principal still outstanding in a replayed state. */
export function outstandingPrincipalOf(state: readonly InstallmentState[]): Fen {
  return state.reduce((s, i) => s + (i.principalFen - i.paidPrincipalFen), 0n);
}

/** The instalments an operation paid off: unpaid before (stored status), PAID after (replayed status). */
export function newlyPaid<T extends { number: number; status: string }>(
  before: readonly T[],
  after: readonly Pick<InstallmentState, 'number' | 'status'>[],
): T[] {
  const paidNow = new Set(after.filter((i) => i.status === 'PAID').map((i) => i.number));
  return before.filter((r) => r.status !== 'PAID' && paidNow.has(r.number));
}
