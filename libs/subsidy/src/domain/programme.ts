import type { FieldError } from '#libs/common';
import type { Fen } from '#libs/money';
import type { ProgrammeSource } from './accounts.js';
import { calendarErrors, type SettlementCalendar } from './calendar.js';

export const SETTLEMENT_MODES = ['PAY_BANK', 'REIMBURSE_BORROWER'] as const;
export type SettlementMode = (typeof SETTLEMENT_MODES)[number];

const CODE = /^[A-Z][A-Z0-9_-]{1,39}$/;
/** Grace days after a period's end during which a late interest payment still earns the subsidy. */
export const MAX_GRACE_DAYS = 90;

const nameError = (name: string): FieldError | null =>
  name.trim().length === 0 || name.length > 200
    ? { field: 'name', code: 'FORMAT', message: 'name must be 1-200 characters' }
    : null;

const graceError = (graceDays: number): FieldError | null =>
  !Number.isInteger(graceDays) || graceDays < 0 || graceDays > MAX_GRACE_DAYS
    ? { field: 'graceDays', code: 'RANGE', message: 'graceDays must be a whole number of days from 0 to 90' }
    : null;

/** Every rule a new programme's settings break (the district's existence is checked by the caller). */
export function programmeInputErrors(input: {
  code: unknown;
  name: unknown;
  settlementMode: unknown;
  calendar: SettlementCalendar;
  graceDays: number;
}): FieldError[] {
  const errors: FieldError[] = [];
  if (typeof input.code !== 'string' || !CODE.test(input.code)) {
    errors.push({
      field: 'code',
      code: 'FORMAT',
      message: 'code must be 2-40 characters of A-Z, 0-9, _ and -, starting with a letter',
    });
  }
  if (typeof input.name !== 'string') {
    errors.push({ field: 'name', code: 'FORMAT', message: 'name must be 1-200 characters' });
  } else {
    const e = nameError(input.name);
    if (e) errors.push(e);
  }
  if (!(SETTLEMENT_MODES as readonly unknown[]).includes(input.settlementMode)) {
    errors.push({
      field: 'settlementMode',
      code: 'INVALID',
      message: `settlementMode must be one of ${SETTLEMENT_MODES.join(', ')}`,
    });
  }
  for (const e of calendarErrors(input.calendar)) errors.push({ ...e, code: 'INVALID' });
  const g = graceError(input.graceDays);
  if (g) errors.push(g);
  return errors;
}

/** Every rule a change of name or grace days breaks. */
export function programmePatchErrors(patch: { name?: string; graceDays?: number }): FieldError[] {
  const errors: FieldError[] = [];
  const n = patch.name === undefined ? null : nameError(patch.name);
  if (n) errors.push(n);
  const g = patch.graceDays === undefined ? null : graceError(patch.graceDays);
  if (g) errors.push(g);
  return errors;
}

/** Period end months are stored ascending, whatever order they were given in. */
export const sortedMonths = (months: readonly number[]): number[] => [...months].sort((a, b) => a - b);

export interface ProgrammeContribution {
  source: ProgrammeSource;
  amountFen: Fen;
  year: number;
  receivedOn: string;
  documentRef: string | null;
  soeName: string | null;
  soeProfitBaseFen: Fen | null;
}

/**
 * Every rule money paid into a programme breaks: a positive amount, received by `today`, a budget year, the
 * document it arrived under (public money always has one, 拨款文件号), and for an SOE the enterprise and the
 * profit base its 3 % share is measured against (never more than that base); other sources carry neither.
 */
export function programmeContributionErrors(c: ProgrammeContribution, today: string): FieldError[] {
  const errors: FieldError[] = [];
  if (c.amountFen <= 0n)
    errors.push({ field: 'amount', code: 'RANGE', message: 'amount must be above zero' });
  if (c.receivedOn > today)
    errors.push({
      field: 'receivedOn',
      code: 'FUTURE',
      message: `receivedOn may not be after today (${today})`,
    });
  if (!Number.isInteger(c.year) || c.year < 2000 || c.year > 2100)
    errors.push({ field: 'year', code: 'RANGE', message: 'year must be 2000-2100' });
  if (!c.documentRef || !c.documentRef.trim()) {
    errors.push({
      field: 'documentRef',
      code: 'REQUIRED',
      message: `a ${c.source} contribution needs its document reference`,
    });
  }
  if (c.source === 'SOE') {
    if (!c.soeName)
      errors.push({
        field: 'soeName',
        code: 'REQUIRED',
        message: 'an SOE contribution names the enterprise',
      });
    if (c.soeProfitBaseFen === null) {
      errors.push({
        field: 'soeProfitBase',
        code: 'REQUIRED',
        message: 'an SOE contribution records the profit base the 3 % rule applies to',
      });
    } else if (c.amountFen > c.soeProfitBaseFen) {
      errors.push({
        field: 'amount',
        code: 'ABOVE_PROFIT_BASE',
        message: 'an SOE contributes a share of its profit: the amount cannot exceed the profit base',
      });
    }
  } else {
    if (c.soeName)
      errors.push({
        field: 'soeName',
        code: 'NOT_ALLOWED',
        message: 'soeName belongs to SOE contributions only',
      });
    if (c.soeProfitBaseFen !== null)
      errors.push({
        field: 'soeProfitBase',
        code: 'NOT_ALLOWED',
        message: 'soeProfitBase belongs to SOE contributions only',
      });
  }
  return errors;
}

/** Every rule a budget change breaks before the budget row is read: a year, a non-negative amount, a reason. */
export function budgetInputErrors(input: { year: number; budgetFen: Fen; reason: string }): FieldError[] {
  const errors: FieldError[] = [];
  if (!Number.isInteger(input.year) || input.year < 2000 || input.year > 2100)
    errors.push({ field: 'year', code: 'RANGE', message: 'year must be 2000-2100' });
  if (input.budgetFen < 0n)
    errors.push({ field: 'budget', code: 'RANGE', message: 'budget may not be negative' });
  if (!input.reason || !input.reason.trim())
    errors.push({ field: 'reason', code: 'REQUIRED', message: 'a budget change says why' });
  return errors;
}

/** A budget never goes below what approved claims already committed of it. */
export const budgetBelowCommitted = (budgetFen: Fen, committedFen: Fen): boolean => budgetFen < committedFen;

/** What a claim of a year can be paid now: the year's remaining budget, at most the programme's uncommitted cash. */
export function payableNow(budgetFen: Fen, committedFen: Fen, cashFen: Fen): Fen {
  const remaining = budgetFen - committedFen;
  return remaining < cashFen ? remaining : cashFen;
}
