/** The tables the reconciliation library owns: only its stores write them. */
export const OWNED_TABLES = ['recon_runs', 'recon_lines'] as const;
