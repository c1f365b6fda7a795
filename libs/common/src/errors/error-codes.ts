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
  RATE_LIMITED: 429,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export function statusOf(code: ErrorCode): number {
  return ERROR_STATUS[code];
}
