/**
 * The tables this library owns: only its store (src/store) writes them (INSERT/UPDATE/DELETE/COPY/TRUNCATE);
 * every other library goes through its public surface (index.ts). Row types: rows.generated.ts (`npm run gen:rows`).
 *
 * The loan book: the loan, its instalments and its event history. Origination, repayment, covered loans
 * and the close of business go through this library to write them.
 */
export const OWNED_TABLES = ['loans', 'loan_installments', 'loan_events'] as const;
