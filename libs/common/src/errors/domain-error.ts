import { type ErrorCode } from './error-codes.js';
import { type FieldErrorCode } from './field-error-codes.js';

export interface FieldError {
  field: string;
  code?: FieldErrorCode;
  message: string;
  /**
   * The figures of the message (a maximum length, a date, an amount) for its translation by code; read by the
   * problem filter and never sent.
   */
  params?: Record<string, string | number>;
}

/**
 * A refusal the engine means to give: carries a stable code, a human detail and, for rule checks, every failed
 * rule at once. Mapped to problem+json by the one exception filter.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly errors: FieldError[] = [],
    readonly extra: Record<string, unknown> = {},
  ) {
    super(`${code}: ${detail}`);
    this.name = 'DomainError';
  }
}

export const notFound = (what: string, id: string | number) => new DomainError('NOT_FOUND', `${what} ${id} not found`);
