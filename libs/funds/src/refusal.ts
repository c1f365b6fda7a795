import { DomainError, type ErrorCode, type FieldError } from '#libs/common';

/** A failed business rule whose code is also an API error code. */
export interface RuleFailure extends FieldError {
  code: ErrorCode;
}

/**
 * One refusal carrying every failed rule: the first rule (the rules are checked in a fixed order) gives the
 * top-level code and HTTP status, `errors[]` lists them all.
 */
export function refusal(what: string, failures: RuleFailure[]): DomainError {
  return new DomainError(failures[0].code, `${what}: ${failures.map((f) => f.message).join('; ')}`, failures);
}
