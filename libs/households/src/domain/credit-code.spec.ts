import fc from 'fast-check';
import { CREDIT_CODE_CHARSET, CREDIT_CODE_WEIGHTS, creditCodeCheckChar, validateCreditCode } from './credit-code.js';

describe('GB 32100 unified social credit codes', () => {
  it('accepts published codes', () => {
    // the example code printed in GB 32100-2015
    expect(validateCreditCode('91350100M000100Y43')).toEqual({ ok: true, creditCode: '91350100M000100Y43', regionCode: '350100' });
    expect(validateCreditCode('91110000802100433B')).toMatchObject({ ok: true });
    expect(validateCreditCode('91350100m000100y43')).toMatchObject({ ok: true, creditCode: '91350100M000100Y43' });
  });

  it('uses 31 characters without I, O, Z, S, V and weights 3^i mod 31', () => {
    expect(CREDIT_CODE_CHARSET).toHaveLength(31);
    expect(CREDIT_CODE_CHARSET).not.toMatch(/[IOZSV]/);
    CREDIT_CODE_WEIGHTS.forEach((w, i) => expect(w).toBe(Number(3n ** BigInt(i) % 31n)));
  });

  it('maps a computed 31 to the check character 0', () => {
    // find a prefix whose Σ mod 31 is 0 and check the mapping to '0'
    const base = '91370302MA3C00000';
    let prefix = '';
    for (const c of CREDIT_CODE_CHARSET) {
      const candidate = base.slice(0, 16) + c;
      let s = 0;
      for (let i = 0; i < 17; i++) s += CREDIT_CODE_CHARSET.indexOf(candidate[i]) * CREDIT_CODE_WEIGHTS[i];
      if (s % 31 === 0) prefix = candidate;
    }
    expect(prefix).not.toBe('');
    expect(creditCodeCheckChar(prefix)).toBe('0');
    expect(validateCreditCode(prefix + '0')).toMatchObject({ ok: true });
  });

  it('refuses wrong check characters, forbidden letters, wrong lengths and a non-digit region', () => {
    expect(validateCreditCode('91350100M000100Y44')).toMatchObject({ ok: false, error: 'CREDIT_CODE_CHECK_CHAR' });
    expect(validateCreditCode('91350100M000100I43')).toMatchObject({ ok: false, error: 'CREDIT_CODE_FORMAT' });
    expect(validateCreditCode('91350100M000100Y4')).toMatchObject({ ok: false, error: 'CREDIT_CODE_FORMAT' });
    expect(validateCreditCode(null)).toMatchObject({ ok: false, error: 'CREDIT_CODE_FORMAT' });
    const nonDigitRegion = '9135A100M000100Y4';
    expect(validateCreditCode(nonDigitRegion + creditCodeCheckChar(nonDigitRegion))).toMatchObject({ ok: false, error: 'CREDIT_CODE_REGION' });
  });

  const ch = fc.constantFrom(...CREDIT_CODE_CHARSET);
  const validCode = fc
    .tuple(fc.constantFrom('1', '5', '9', 'Y'), ch, fc.stringMatching(/^\d{6}$/), fc.array(ch, { minLength: 9, maxLength: 9 }))
    .map(([a, b, region, org]) => {
      const first17 = a + b + region + org.join('');
      return first17 + creditCodeCheckChar(first17);
    });

  it('accepts any generated code and refuses every single-character substitution', () => {
    fc.assert(
      fc.property(validCode, fc.integer({ min: 0, max: 17 }), ch, (code, pos, c) => {
        expect(validateCreditCode(code).ok).toBe(true);
        fc.pre(c !== code[pos]);
        expect(validateCreditCode(code.slice(0, pos) + c + code.slice(pos + 1)).ok).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});
