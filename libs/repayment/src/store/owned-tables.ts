/**
 * The tables this library owns: only its store (src/store) writes them (INSERT/UPDATE/DELETE/COPY/TRUNCATE);
 * every other library goes through its public surface (index.ts). Row types: rows.generated.ts (`npm run gen:rows`).
 *
 * `installment_payment_facts` is a view (defined with the repayments); nothing writes it.
 */
export const OWNED_TABLES = [
  'repayments',
  'repayment_allocations',
  'repayment_adjustments',
  'write_offs',
  'fee_distributions',
  'group_liability_calls',
  'group_liability_call_members',
  'installment_payment_facts',
] as const;
