/**
 * The tables this library owns: only its store (src/store) writes them (INSERT/UPDATE/DELETE/COPY/TRUNCATE);
 * every other library goes through its public surface (index.ts). Row types: rows.generated.ts (`npm run gen:rows`).
 */
export const OWNED_TABLES = ['recon_runs', 'recon_lines', 'recon_matched_chunks'] as const;
