/**
 * The tables this library owns: only its store (src/store) writes them (INSERT/UPDATE/DELETE/COPY/TRUNCATE);
 * every other library goes through its public surface (index.ts). Row types: rows.generated.ts (`npm run gen:rows`).
 *
 * `business_days`: what the clock ran for each business date it passed through. The date itself is the
 * `business_clock` row of libs/common, moved through its `BusinessClock`.
 */
export const OWNED_TABLES = ['business_days'] as const;
