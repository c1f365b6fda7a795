/**
 * The tables libs/guarantee owns: only its stores write them. Loans and their instalments and events belong to
 * libs/loans, contributions to libs/funding; guarantee goes through their public surface for those.
 */
export const OWNED_TABLES = [
  'banks',
  'bank_api_keys',
  'risk_funds',
  'risk_fund_movements',
  'guarantee_agreements',
  'guarantee_covers',
  'guarantee_cover_events',
  'district_breakers',
  'district_breaker_events',
  'compensation_claims',
  'compensation_recoveries',
  'covered_loan_reports',
] as const;
export type GuaranteeTable = (typeof OWNED_TABLES)[number];
