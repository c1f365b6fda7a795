import type { ErrorCode, FieldError } from '#libs/common';
import { formatYuan, maxFen, percentToRatio, roundDiv, type Fen } from '#libs/money';
import { lendingCapOf } from './position.js';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Adds calendar months to a YYYY-MM-DD date; a day that does not exist in the target month falls on its last
 * day (2024-01-31 + 1 month = 2024-02-29), the usual reading of "N months after".
 */
export function addMonths(date: string, months: number): string {
  const m = DATE.exec(date);
  if (!m) throw new RangeError(`not a date: ${date}`);
  const total = Number(m[1]) * 12 + (Number(m[2]) - 1) + months;
  const year = Math.floor(total / 12);
  const month = (total % 12) + 1;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const day = Math.min(Number(m[3]), last);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** A broken withdrawal rule; its code is an API error code. */
export interface WithdrawalFailure extends FieldError {
  code: ErrorCode;
}

/** The facts a share withdrawal is judged on, read under the fund and member locks. */
export interface WithdrawalFacts {
  amountFen: Fen;
  today: string;
  fundStatus: 'ACTIVE' | 'SUSPENDED' | 'CLOSED';
  member: null | {
    status: 'ACTIVE' | 'LEFT';
    joinedOn: string;
    paidShareFen: Fen;
    fiscalShareFen: Fen;
  };
  shareLockMonths: number;
  /** Loans of this household from this fund with principal still outstanding. */
  outstandingLoans: number;
  cashFen: Fen;
  loansFen: Fen;
  capitalFen: Fen;
  lendingCapPercent: string;
}

/**
 * Every rule a share withdrawal breaks, in a fixed order (the first one is the refusal's top-level code).
 * Only the member-paid share can be withdrawn: a fiscal-funded share (配股) is public money put into the fund for
 * the poor household's benefit (it entitles the household to membership and borrowing), not the household's own
 * savings, so paying it out would turn a grant to the fund into a cash handout.
 * The fund must still cover what it has lent out: cash may not go negative, and outstanding principal must stay
 * within the lending cap of the capital that remains.
 */
export function withdrawalRules(f: WithdrawalFacts): WithdrawalFailure[] {
  const errors: WithdrawalFailure[] = [];
  if (f.fundStatus === 'CLOSED') {
    errors.push({ field: 'fundId', code: 'FUND_CLOSED', message: 'the fund is closed' });
  }
  if (!f.member || f.member.status !== 'ACTIVE') {
    errors.push({
      field: 'householdId',
      code: 'FUND_NOT_A_MEMBER',
      message: 'the household is not a member of this fund',
    });
    return errors;
  }
  const m = f.member;
  if (f.amountFen > m.paidShareFen) {
    const fiscal =
      m.fiscalShareFen > 0n
        ? `; its fiscal-funded share of ${formatYuan(m.fiscalShareFen)} is not withdrawable`
        : '';
    errors.push({
      field: 'amount',
      code: 'SHARE_INSUFFICIENT',
      message: `the household's withdrawable (member-paid) share is ${formatYuan(m.paidShareFen)}${fiscal}`,
    });
  }
  const unlocksOn = addMonths(m.joinedOn, f.shareLockMonths);
  if (f.today < unlocksOn) {
    errors.push({
      field: 'householdId',
      code: 'SHARE_LOCKED',
      message: `the share is locked for ${f.shareLockMonths} months after joining on ${m.joinedOn}: withdrawable from ${unlocksOn}`,
    });
  }
  if (f.outstandingLoans > 0) {
    errors.push({
      field: 'householdId',
      code: 'FUND_MEMBER_HAS_LOAN',
      message: 'the household owes the fund principal: its share stays in until the loan is repaid',
    });
  }
  if (f.cashFen - f.amountFen < 0n) {
    errors.push({
      field: 'amount',
      code: 'FUND_INSUFFICIENT_CASH',
      message: `the fund has ${formatYuan(maxFen(0n, f.cashFen))} cash`,
    });
  }
  const capAfter = lendingCapOf(f.capitalFen - f.amountFen, f.lendingCapPercent);
  if (f.loansFen > capAfter) {
    errors.push({
      field: 'amount',
      code: 'FUND_CAP_EXCEEDED',
      message:
        `outstanding principal ${formatYuan(f.loansFen)} would exceed the lending cap of ${f.lendingCapPercent} % of the ` +
        `remaining capital (${formatYuan(capAfter)}); at most ${formatYuan(maxWithdrawableUnderCap(f.capitalFen, f.loansFen, f.lendingCapPercent))} can leave`,
    });
  }
  return errors;
}

/**
 * The largest amount of capital that can leave while outstanding ≤ cap % × capital still holds: the capital must
 * stay at least ceil(outstanding ÷ cap %), since floor(C × p) ≥ L ⇔ C × p ≥ L for an integer L.
 */
export function maxWithdrawableUnderCap(capitalFen: Fen, loansFen: Fen, lendingCapPercent: string): Fen {
  const r = percentToRatio(lendingCapPercent);
  const minCapital = roundDiv(maxFen(0n, loansFen) * r.den, r.num, 'UP');
  return maxFen(0n, capitalFen - minCapital);
}
