/**
 * The tables this library owns: only its store (src/store) writes them (INSERT/UPDATE/DELETE/COPY/TRUNCATE);
 * every other library goes through its public surface (index.ts). Row types: rows.generated.ts (`npm run gen:rows`).
 *
 * The shared idempotency mechanism (libs/common/src/idempotency) keeps its keys here; the business clock
 * (clock.ts) keeps the date an ADMIN moved it to.
 */
export const OWNED_TABLES = ['idempotency_keys', 'business_clock'] as const;
