/** Row ids (a positive integer of at most 18 digits, as a decimal string): defined in #libs/money, which domain code may import. */
export { ID_MESSAGE, ID_PATTERN, isId } from '#libs/money';
