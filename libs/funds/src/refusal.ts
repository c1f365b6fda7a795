import { DomainError } from '#libs/common';
import type { RuleFailure } from './domain/fund.js';

export type { RuleFailure };

/**
 * One refusal carrying every failed rule: the first rule (the rules are checked in a fixed order) gives the
 * top-level code and HTTP status, `errors[]` lists them all.
 */
export function refusal(what: string, failures: RuleFailure[]): DomainError {
  return new DomainError(failures[0].code, `${what}: ${failures.map((f) => f.message).join('; ')}`, failures);
}
