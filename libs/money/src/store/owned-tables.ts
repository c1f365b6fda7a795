/**
 * The tables this library owns: only its store (src/store) writes them (INSERT/UPDATE/DELETE/COPY/TRUNCATE);
 * every other library goes through its public surface (index.ts). Row types: rows.generated.ts (`npm run gen:rows`).
 *
 * Pure money arithmetic: owns no table.
 */
export const OWNED_TABLES = [] as const;
