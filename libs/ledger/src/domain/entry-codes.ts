/**
 * Why money moved: the `code` of every journal entry, one closed list. A new kind of movement adds its code here
 * (reports and reconciliations group by it), so a misspelt code is a compile error rather than a new category.
 * Reversals by `reverse()` carry `REVERSAL_OF_<code>`.
 */
export const JOURNAL_ENTRY_CODES = [
  // mutual-aid funds
  'FUND_CONTRIBUTION',
  'MEMBER_SHARE_WITHDRAWAL',
  // loans
  'LOAN_DISBURSEMENT',
  'LOAN_REPAYMENT',
  'LOAN_RECOVERY',
  'REPAYMENT_REALLOCATION',
  'REVERSAL_OF_LOAN_REPAYMENT',
  'REVERSAL_OF_LOAN_RECOVERY',
  'LOAN_WRITE_OFF',
  'FEE_DISTRIBUTION',
  // guarantee pool
  'RISK_FUND_DEPOSIT',
  'RISK_FUND_INTEREST',
  'RISK_FUND_WITHDRAWAL',
  'RISK_FUND_COMPENSATION',
  'RISK_FUND_RECOVERY',
  'COVER_RESERVED',
  'COVER_CONSUMED',
  'COVER_RELEASED',
  'COVER_VOIDED',
  'COVER_COMPENSATION',
  'COVER_RECOVERY',
  // interest subsidy
  'SUBSIDY_FUNDING',
  'SUBSIDY_CLAIM_APPROVAL',
  'SUBSIDY_CLAIM_SETTLEMENT',
  // asset income
  'AIP_CAPITAL_INJECTION',
  'AIP_QUANTIFICATION',
  'AIP_DIVIDEND_PAYMENT',
  'AIP_OPERATOR_SETTLEMENT',
  'AIP_RIGHT_RETURNED',
  'AIP_LIQUIDATION',
  // synthetic load of the ledger benchmark (bench/ledger.bench.ts); never posted by the engine
  'BENCH_TRANSFER',
] as const;

/** A movement's own code. */
export type MovementCode = (typeof JOURNAL_ENTRY_CODES)[number];
/** The code of an entry made by `reverse()` (unless the caller names another). */
export type ReversalCode = `REVERSAL_OF_${string}`;
export type JournalEntryCode = MovementCode | ReversalCode;
