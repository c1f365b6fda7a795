import { DomainError } from '#libs/common';
import type { Refused } from './domain/repayment-rules.js';

/** The DomainError of a refusal the rules returned. */
export function refusal(r: Refused): DomainError {
  return new DomainError(r.code, r.detail, r.errors, r.extra);
}
