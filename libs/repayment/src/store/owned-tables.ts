/** The tables the repayment library owns: only its stores write them; others call its services. */
export const OWNED_TABLES = [
  'repayments',
  'repayment_allocations',
  'repayment_adjustments',
  'write_offs',
  'fee_distributions',
  'group_liability_calls',
  'group_liability_call_members',
] as const;
