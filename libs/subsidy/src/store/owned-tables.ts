/**
 * The tables this library owns: only its store (src/store) writes them (INSERT/UPDATE/DELETE/COPY/TRUNCATE);
 * every other library goes through its public surface (index.ts). Row types: rows.generated.ts (`npm run gen:rows`).
 */
export const OWNED_TABLES = [
  'subsidy_programmes',
  'subsidy_budgets',
  'subsidy_budget_changes',
  'subsidy_loan_terms',
  'subsidy_claims',
  'subsidy_claim_lines',
] as const;
