/** The tables only this library's stores write; every other library goes through `#libs/loans`. */
export const OWNED_TABLES = ['loans', 'loan_installments', 'loan_events'] as const;
