import pg from 'pg';

/**
 * Business dates are calendar dates: keep DATE columns as 'YYYY-MM-DD' strings instead of letting pg turn them
 * into a Date at local midnight (which shifts by a day across time zones). bigint/numeric stay strings.
 */
let installed = false;
export function installPgTypeParsers(): void {
  if (installed) return;
  installed = true;
  pg.types.setTypeParser(1082, (value: string) => value); // date
}
