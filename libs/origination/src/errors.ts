import { DomainError } from '#libs/common';
import type { FailedRule } from './domain/eligibility.js';

export function notEligible(failures: FailedRule[], when: string): DomainError {
  return new DomainError(
    'LOAN_NOT_ELIGIBLE',
    `the application is not eligible ${when}: ${failures.map((f) => f.code).join(', ')}`,
    failures,
  );
}

export function refusalError(r: {
  code: 'LOAN_INVALID_TRANSITION' | 'LOAN_MAKER_CHECKER' | 'LOAN_NOTICE_NOT_ENDED';
  message: string;
}) {
  return new DomainError(r.code, r.message, [{ field: 'status', code: r.code, message: r.message }]);
}

/** A trimmed, non-empty text the step needs (a reason, a note). */
export function required(value: string | undefined, field: string, message: string): string {
  const v = value?.trim();
  if (!v) throw new DomainError('VALIDATION_FAILED', message, [{ field, code: 'isNotEmpty', message }]);
  return v;
}
