/**
 * The tables this library owns: only its store (src/store) writes them (INSERT/UPDATE/DELETE/COPY/TRUNCATE);
 * every other library goes through its public surface (index.ts). Row types: rows.generated.ts (`npm run gen:rows`).
 */
export const OWNED_TABLES = [
  'aip_alerts',
  'aip_annual_results',
  'aip_capital_classes',
  'aip_distribution_lines',
  'aip_distribution_runs',
  'aip_liquidation_lines',
  'aip_liquidations',
  'aip_operator_settlements',
  'aip_projects',
  'aip_share_rights',
] as const;
