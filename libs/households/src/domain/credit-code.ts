/**
 * GB 32100-2015 unified social credit codes (统一社会信用代码): registration authority (1 char), organisation
 * category (1), administrative region (6 digits, GB/T 2260), organisation identifier (9) and a check character.
 * Every character comes from the 31-character set below (digits and capitals without I, O, Z, S, V).
 */

export const CREDIT_CODE_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
/** 3^i mod 31 for positions 1..17. */
export const CREDIT_CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;

export type CreditCodeError = 'CREDIT_CODE_FORMAT' | 'CREDIT_CODE_REGION' | 'CREDIT_CODE_CHECK_CHAR';

export const CREDIT_CODE_MESSAGES: Record<CreditCodeError, string> = {
  CREDIT_CODE_FORMAT: 'must be 18 characters from 0-9 and A-Y without I, O, Z, S, V',
  CREDIT_CODE_REGION: 'characters 3-8 must be the 6-digit region code',
  CREDIT_CODE_CHECK_CHAR: 'check character does not match (GB 32100)',
};

export type CreditCodeResult =
  | { ok: true; creditCode: string; regionCode: string }
  | { ok: false; error: CreditCodeError; message: string };

const SHAPE = new RegExp(`^[${CREDIT_CODE_CHARSET}]{18}$`);

/** Check character of the first 17 characters: 31 − (Σ value × weight mod 31), where 31 maps to 0. */
export function creditCodeCheckChar(first17: string): string {
  if (first17.length !== 17) throw new RangeError('creditCodeCheckChar needs exactly 17 characters');
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = CREDIT_CODE_CHARSET.indexOf(first17[i]);
    if (v < 0) throw new RangeError(`character ${first17[i]} is not in the GB 32100 set`);
    sum += v * CREDIT_CODE_WEIGHTS[i];
  }
  const c = 31 - (sum % 31);
  return CREDIT_CODE_CHARSET[c === 31 ? 0 : c];
}

export function normalizeCreditCode(value: string): string {
  return value.trim().toUpperCase();
}

export function validateCreditCode(value: unknown): CreditCodeResult {
  const fail = (error: CreditCodeError): CreditCodeResult => ({ ok: false, error, message: CREDIT_CODE_MESSAGES[error] });
  if (typeof value !== 'string') return fail('CREDIT_CODE_FORMAT');
  const code = normalizeCreditCode(value);
  if (!SHAPE.test(code)) return fail('CREDIT_CODE_FORMAT');
  if (!/^\d{6}$/.test(code.slice(2, 8))) return fail('CREDIT_CODE_REGION');
  if (creditCodeCheckChar(code.slice(0, 17)) !== code[17]) return fail('CREDIT_CODE_CHECK_CHAR');
  return { ok: true, creditCode: code, regionCode: code.slice(2, 8) };
}
