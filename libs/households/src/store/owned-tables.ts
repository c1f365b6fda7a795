/**
 * The tables this library owns: only its store (src/store) writes them (INSERT/UPDATE/DELETE/COPY/TRUNCATE);
 * every other library goes through its public surface (index.ts). Row types: rows.generated.ts (`npm run gen:rows`).
 *
 * The registry. `operating_entities` and `entity_linked_households` are owned here too: asset income
 * updates an entity through the households public surface.
 */
export const OWNED_TABLES = [
  'districts',
  'towns',
  'villages',
  'poverty_lines',
  'households',
  'liability_groups',
  'liability_group_members',
  'operating_entities',
  'entity_linked_households',
] as const;
