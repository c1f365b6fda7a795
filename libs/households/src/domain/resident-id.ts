/**
 * GB 11643-1999 citizen identification numbers (公民身份号码): 6-digit address code (GB/T 2260 region), 8-digit
 * birth date YYYYMMDD, 3-digit sequence (odd for men, even for women) and an ISO 7064 MOD 11-2 check character.
 * Pure: no clock is read here; the caller passes the business date when the birth date must not be in the future.
 */

export const RESIDENT_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
/** Check character for Σ(digit × weight) mod 11 = 0, 1, …, 10. */
export const RESIDENT_ID_CHECK_CHARS = '10X98765432';

/**
 * Province-level codes of GB/T 2260 (the first two digits of the address code), plus 71/81/82/83 used for
 * Taiwan, Hong Kong and Macao residents' numbers.
 */
export const PROVINCE_CODES: ReadonlySet<string> = new Set([
  '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37', '41', '42', '43', '44',
  '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65', '71', '81', '82', '83',
]);

/** The oldest birth date we accept: the standard's own example (440524188001010014) is born in 1880. */
export const MIN_BIRTH_DATE = '1800-01-01';

export type ResidentIdError = 'ID_FORMAT' | 'ID_REGION' | 'ID_BIRTH_DATE' | 'ID_CHECK_CHAR';

export const RESIDENT_ID_MESSAGES: Record<ResidentIdError, string> = {
  ID_FORMAT: 'must be 18 characters: 17 digits and a check character (0-9 or X)',
  ID_REGION: 'starts with an unknown province code (GB/T 2260)',
  ID_BIRTH_DATE: 'contains an impossible or future birth date',
  ID_CHECK_CHAR: 'check character does not match (GB 11643)',
};

export interface ResidentIdInfo {
  /** The normalised number (upper-case X). */
  idNumber: string;
  regionCode: string;
  birthDate: string;
  sex: 'M' | 'F';
}

export type ResidentIdResult = ({ ok: true } & ResidentIdInfo) | { ok: false; error: ResidentIdError; message: string };

/** Check character for the first 17 digits. */
export function residentIdCheckChar(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new RangeError('residentIdCheckChar needs exactly 17 digits');
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * RESIDENT_ID_WEIGHTS[i];
  return RESIDENT_ID_CHECK_CHARS[sum % 11];
}

/** Trims and upper-cases (a lower-case x is a common way of typing the check character). */
export function normalizeResidentId(value: string): string {
  return value.trim().toUpperCase();
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real Gregorian calendar date written YYYY-MM-DD. */
export function isCalendarDate(value: string): boolean {
  const m = DATE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  return d <= daysInMonth(y, mo);
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  return [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}

/**
 * Validates a resident ID number. `asOf` (YYYY-MM-DD, the business date) bounds the birth date from above; without
 * it only the calendar and the lower bound are checked.
 */
export function validateResidentId(value: unknown, asOf?: string): ResidentIdResult {
  const fail = (error: ResidentIdError): ResidentIdResult => ({ ok: false, error, message: RESIDENT_ID_MESSAGES[error] });
  if (typeof value !== 'string') return fail('ID_FORMAT');
  const id = normalizeResidentId(value);
  if (!/^\d{17}[\dX]$/.test(id)) return fail('ID_FORMAT');
  if (!PROVINCE_CODES.has(id.slice(0, 2))) return fail('ID_REGION');
  const birthDate = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
  if (!isCalendarDate(birthDate) || birthDate < MIN_BIRTH_DATE || (asOf !== undefined && birthDate > asOf)) {
    return fail('ID_BIRTH_DATE');
  }
  if (residentIdCheckChar(id.slice(0, 17)) !== id[17]) return fail('ID_CHECK_CHAR');
  return { ok: true, idNumber: id, regionCode: id.slice(0, 6), birthDate, sex: Number(id[16]) % 2 === 1 ? 'M' : 'F' };
}

/**
 * Age in completed years on `date` (both YYYY-MM-DD). Someone born on 29 February completes a year on 1 March
 * in common years: the anniversary has not been reached while (month, day) is still before (2, 29).
 */
export function ageOn(birthDate: string, date: string): number {
  if (!isCalendarDate(birthDate) || !isCalendarDate(date)) throw new RangeError('ageOn needs two YYYY-MM-DD dates');
  if (date < birthDate) throw new RangeError('ageOn: the date is before the birth date');
  const [by, bm, bd] = birthDate.split('-').map(Number);
  const [y, m, d] = date.split('-').map(Number);
  const beforeAnniversary = m < bm || (m === bm && d < bd);
  return y - by - (beforeAnniversary ? 1 : 0);
}
