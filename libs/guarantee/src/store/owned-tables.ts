/**
 * The tables this library owns: only its store (src/store) writes them (INSERT/UPDATE/DELETE/COPY/TRUNCATE);
 * every other library goes through its public surface (index.ts). Row types: rows.generated.ts (`npm run gen:rows`).
 */
export const OWNED_TABLES = [
  'banks',
  'bank_api_keys',
  'risk_funds',
  'risk_fund_movements',
  'guarantee_agreements',
  'guarantee_covers',
  'guarantee_cover_events',
  'covered_loan_reports',
  'compensation_claims',
  'compensation_recoveries',
  'district_breakers',
  'district_breaker_events',
] as const;
