/**
 * Every domain error code the engine can answer with, and its HTTP status. A `Record` over the union means a
 * code added without a status does not compile: the mapping lives in this one place.
 */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  IDEMPOTENCY_KEY_REQUIRED: 400,
  IDEMPOTENCY_KEY_REUSED: 409,
  IDEMPOTENCY_IN_PROGRESS: 409,
  LEDGER_UNBALANCED: 422,
  LEDGER_ACCOUNT_NOT_FOUND: 422,
  LEDGER_CURRENCY_MISMATCH: 422,
  LEDGER_LIMIT_EXCEEDED: 422,
  LEDGER_ENTRY_CONFLICT: 409,
  LEDGER_ALREADY_REVERSED: 409,
  // village mutual-aid funds
  FUND_VILLAGE_HAS_FUND: 409,
  FUND_UNKNOWN_VILLAGE: 422,
  FUND_RULES_INVALID: 422,
  FUND_CLOSED: 422,
  FUND_NOT_EMPTY: 422,
  FUND_HOUSEHOLD_NOT_FOUND: 422,
  FUND_MEMBER_NOT_OF_VILLAGE: 422,
  FUND_FISCAL_SHARE_NOT_POOR: 422,
  FUND_NOT_A_MEMBER: 422,
  FUND_MEMBER_HAS_LOAN: 422,
  FUND_INSUFFICIENT_CASH: 422,
  FUND_CAP_EXCEEDED: 422,
  SHARE_LOCKED: 422,
  SHARE_INSUFFICIENT: 422,
  // repayment schedules: terms (from a product or a loan) that no schedule can be built from
  SCHEDULE_TERMS_INVALID: 422,
  // poverty registry: households, operating entities, joint-liability groups
  POVERTY_LINE_MISSING: 422,
  REGISTRY_RULES_VIOLATED: 422,
  GROUP_RULES_VIOLATED: 422,
  GROUP_HAS_ACTIVE_LOANS: 422,
  HOUSEHOLD_IN_GROUP: 409,
  ENTITY_LINK_RULES_VIOLATED: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export function statusOf(code: ErrorCode): number {
  return ERROR_STATUS[code];
}
