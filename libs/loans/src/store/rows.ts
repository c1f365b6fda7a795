import type { LoanInstallmentRow, LoanRow } from './rows.generated.js';

export type { LoanEventRow, LoanInstallmentRow, LoanRow } from './rows.generated.js';

/** Names of the enumerated columns, from the generated row types. */
export type LoanChannel = LoanRow['channel'];
export type LoanStatusValue = LoanRow['status'];
export type InstallmentStatusValue = LoanInstallmentRow['status'];
