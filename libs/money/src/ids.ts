/**
 * Row ids in URLs, query strings and bodies: a positive integer of at most 18 digits, as a decimal string (every id
 * column is bigint; 18 digits always fit, so a well-formed id never overflows into a database error). The one
 * definition every DTO, parameter, service check and domain rule uses: it lives here, beside the other exact decimal
 * strings, because domain code may import values from #libs/money; #libs/common re-exports it.
 */
export const ID_PATTERN = /^[1-9]\d{0,17}$/;

export const ID_MESSAGE = 'must be a positive integer id';

export const isId = (value: unknown): value is string => typeof value === 'string' && ID_PATTERN.test(value);
