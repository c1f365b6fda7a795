/** Idempotency scopes (the Idempotency-Key header is unique within each). */
export const REPAYMENT_SCOPE = 'loan:repayment';
export const REVERSAL_SCOPE = 'loan:repayment-reversal';

/** Journal entry codes (why money moved). */
export const ENTRY_CODES = {
  REPAYMENT: 'LOAN_REPAYMENT',
  RECOVERY: 'LOAN_RECOVERY',
  REALLOCATION: 'REPAYMENT_REALLOCATION',
  REVERSAL: 'REVERSAL_OF_LOAN_REPAYMENT',
  RECOVERY_REVERSAL: 'REVERSAL_OF_LOAN_RECOVERY',
} as const;
