import type { FieldErrorCode } from '#libs/common';
/** The vocabulary of repayment schedules (SPEC §5 "Schedule preview"). Amounts are bigint fen. */

export const SCHEDULE_METHODS = [
  'EQUAL_INSTALLMENT',
  'EQUAL_PRINCIPAL',
  'INTEREST_ONLY',
  'BULLET',
  'FLAT',
] as const;
/** 等额本息, 等额本金, 按期付息到期还本, 利随本清 (one instalment at maturity), flat interest on the original principal. */
export type ScheduleMethod = (typeof SCHEDULE_METHODS)[number];

export const FREQUENCIES = ['MONTHLY', 'QUARTERLY', 'AT_MATURITY'] as const;
export type Frequency = (typeof FREQUENCIES)[number];

export const DAY_COUNTS = ['PERIOD', 'ACTUAL_360', 'ACTUAL_365'] as const;
/** PERIOD: rate / periods per year whatever the days; ACTUAL_*: rate × days / 360 or 365. */
export type DayCount = (typeof DAY_COUNTS)[number];

export const SCHEDULE_ROUNDINGS = ['HALF_UP', 'HALF_EVEN'] as const;
export type ScheduleRounding = (typeof SCHEDULE_ROUNDINGS)[number];

/** Limits of the contract: at most 360 instalments, rates from 0 to 36 % a year. */
export const MAX_INSTALLMENTS = 360;
export const MAX_TERM_MONTHS = 360;
export const MAX_RATE_PERCENT = '36';
/** Rates are stored as numeric(9,6): at most six decimals of a percent. */
export const MAX_RATE_DECIMALS = 6;

export interface ScheduleRequest {
  principalFen: bigint;
  /** Percent per year as an exact decimal string ("4.35"). */
  annualRatePercent: string;
  numberOfInstallments: number;
  frequency: Frequency;
  /** The term of an AT_MATURITY (BULLET) loan; for other frequencies optional and then numberOfInstallments × 1 or 3. */
  termMonths?: number;
  method: ScheduleMethod;
  dayCount: DayCount;
  /** YYYY-MM-DD; due dates fall on its day of month. */
  disbursementDate: string;
  rounding: ScheduleRounding;
  /** EQUAL_INSTALLMENT and FLAT instalments are rounded to this multiple (1n = to the fen). */
  installmentMultipleFen: bigint;
  /** The first N instalments pay interest only. */
  principalGraceInstallments: number;
}

export interface Installment {
  number: number;
  /** The day interest starts to run for this period: the disbursement date, then the previous due date. */
  periodStart: string;
  dueDate: string;
  /** Calendar days from periodStart to dueDate. */
  days: number;
  principalFen: bigint;
  interestFen: bigint;
  totalFen: bigint;
  /** Principal outstanding once this instalment is paid. */
  balanceAfterFen: bigint;
}

export interface ScheduleTotals {
  principalFen: bigint;
  interestFen: bigint;
  totalFen: bigint;
}

export interface Schedule {
  installments: Installment[];
  totals: ScheduleTotals;
  /** The rounding the schedule was built with: accrual and payoff round in the same mode. */
  rounding: ScheduleRounding;
}

/** A broken rule, named by the request field (the API's field names), so every caller can show it. */
export interface ScheduleFieldError {
  field: keyof ScheduleTermsFields;
  code: FieldErrorCode;
  message: string;
}

/** The API names of the schedule terms (principal and installmentMultiple are yuan strings there). */
export interface ScheduleTermsFields {
  principal: unknown;
  annualRatePercent: unknown;
  numberOfInstallments: unknown;
  frequency: unknown;
  termMonths: unknown;
  method: unknown;
  dayCount: unknown;
  disbursementDate: unknown;
  rounding: unknown;
  installmentMultiple: unknown;
  principalGraceInstallments: unknown;
}

/** Thrown by generateSchedule on terms that break a rule; carries every broken rule. */
export class ScheduleTermsError extends RangeError {
  constructor(readonly errors: ScheduleFieldError[]) {
    super(`invalid schedule terms: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`);
    this.name = 'ScheduleTermsError';
  }
}
