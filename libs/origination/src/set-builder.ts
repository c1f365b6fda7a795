import { NOW, type LoanColumn, type LoanPatch, type LoanValue } from '#libs/loans';
import type { LoanStatus } from './domain/workflow.js';

/** Collects the columns of one update of a loan row (the status always; the store moves version and updated_at). */
export class SetBuilder {
  readonly patch: LoanPatch;

  constructor(_loanId: string, status: LoanStatus) {
    this.patch = { status };
  }

  set<K extends LoanColumn>(column: K, value: LoanValue<K>): void {
    (this.patch as Record<string, unknown>)[column] = value;
  }

  /** The database's transaction time, so queue order follows commit order rather than a caller's clock. */
  stamp(column: 'submitted_at' | 'endorsed_at' | 'approved_at' | 'second_approved_at'): void {
    (this.patch as Record<string, unknown>)[column] = NOW;
  }
}
