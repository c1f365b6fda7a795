/** Tables only this library's stores write; other libraries go through its public surface. */
export const OWNED_TABLES = [
  'subsidy_programmes',
  'subsidy_budgets',
  'subsidy_budget_changes',
  'subsidy_claims',
  'subsidy_claim_lines',
  'subsidy_loan_terms',
] as const;
