import type { ValueTransformer } from 'typeorm';

/** Postgres bigint <-> JS bigint. pg hands bigint columns back as strings; money never becomes a JS number. */
export const bigintTransformer: ValueTransformer = {
  to: (value: bigint | null | undefined) => (value === null || value === undefined ? value : value.toString()),
  from: (value: string | null) => (value === null || value === undefined ? value : BigInt(value)),
};

/** Postgres numeric <-> decimal string (rates are exact decimals, never floats). */
export const decimalStringTransformer: ValueTransformer = {
  to: (value: string | null | undefined) => value,
  from: (value: string | null) => value,
};

/** Postgres date stays a 'YYYY-MM-DD' string: business dates have no time zone. */
export const dateStringTransformer: ValueTransformer = {
  to: (value: string | null | undefined) => value,
  from: (value: string | Date | null) =>
    value instanceof Date ? value.toISOString().slice(0, 10) : value,
};
