/**
 * The tables this library owns: only its store (src/store) writes them (INSERT/UPDATE/DELETE/COPY/TRUNCATE);
 * every other library goes through its public surface (index.ts). Row types: rows.generated.ts (`npm run gen:rows`).
 *
 * `contributions` is owned here: funds, risk funds and subsidy programmes record their contributions
 * through this library.
 */
export const OWNED_TABLES = ['contributions', 'funding_matching_rules'] as const;
