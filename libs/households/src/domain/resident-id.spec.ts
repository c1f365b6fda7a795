import fc from 'fast-check';
import {
  ageOn,
  PROVINCE_CODES,
  RESIDENT_ID_CHECK_CHARS,
  residentIdCheckChar,
  validateResidentId,
} from './resident-id.js';

/** Builds a number the way the standard does: address + birth date + sequence + computed check character. */
const makeId = (region: string, birth: string, seq: string) => {
  const first17 = `${region}${birth.replace(/-/g, '')}${seq}`;
  return first17 + residentIdCheckChar(first17);
};

describe('GB 11643 resident ID numbers', () => {
  it('accepts the examples published in the standard', () => {
    const a = validateResidentId('11010519491231002X');
    expect(a).toEqual({ ok: true, idNumber: '11010519491231002X', regionCode: '110105', birthDate: '1949-12-31', sex: 'F' });
    const b = validateResidentId('440524188001010014');
    expect(b).toMatchObject({ ok: true, birthDate: '1880-01-01', sex: 'M' });
  });

  it('computes the check character with weights 7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2', () => {
    // Σ for 11010519491231002: 1·7+1·9+0+1·5+0+5·4+1·2+9·1+4·6+9·3+1·7+2·9+3·10+1·5+0+0+2·2 = 167; 167 mod 11 = 2 → X
    expect(residentIdCheckChar('11010519491231002')).toBe('X');
    expect(RESIDENT_ID_CHECK_CHARS).toBe('10X98765432');
  });

  it('normalises a lower-case x and surrounding blanks', () => {
    expect(validateResidentId(' 11010519491231002x ')).toMatchObject({ ok: true, idNumber: '11010519491231002X' });
  });

  it('refuses a wrong check character, naming the reason', () => {
    expect(validateResidentId('110105194912310021')).toMatchObject({ ok: false, error: 'ID_CHECK_CHAR' });
    expect(validateResidentId('440524188001010015')).toMatchObject({ ok: false, error: 'ID_CHECK_CHAR' });
  });

  it('refuses bad shapes', () => {
    for (const bad of ['', '1101051949123100', '11010519491231002XX', '1101051949123100AX', 'X10105194912310021', 12345, null]) {
      expect(validateResidentId(bad)).toMatchObject({ ok: false, error: 'ID_FORMAT' });
    }
  });

  it('refuses an unknown province code even with a correct check character', () => {
    expect(validateResidentId(makeId('990105', '1980-05-06', '123'))).toMatchObject({ ok: false, error: 'ID_REGION' });
    expect(validateResidentId(makeId('000000', '1980-05-06', '123'))).toMatchObject({ ok: false, error: 'ID_REGION' });
  });

  it('refuses impossible and future birth dates even with a correct check character', () => {
    expect(validateResidentId(makeId('370302', '1990-02-30', '123'))).toMatchObject({ ok: false, error: 'ID_BIRTH_DATE' });
    expect(validateResidentId(makeId('370302', '1900-02-29', '123'))).toMatchObject({ ok: false, error: 'ID_BIRTH_DATE' });
    expect(validateResidentId(makeId('370302', '1990-13-01', '123'))).toMatchObject({ ok: false, error: 'ID_BIRTH_DATE' });
    expect(validateResidentId(makeId('370302', '1790-01-01', '123'))).toMatchObject({ ok: false, error: 'ID_BIRTH_DATE' });
    // 2000 is a leap year (divisible by 400)
    expect(validateResidentId(makeId('370302', '2000-02-29', '123'))).toMatchObject({ ok: true, birthDate: '2000-02-29' });
    const tomorrow = makeId('370302', '2026-03-02', '123');
    expect(validateResidentId(tomorrow, '2026-03-01')).toMatchObject({ ok: false, error: 'ID_BIRTH_DATE' });
    expect(validateResidentId(tomorrow, '2026-03-02')).toMatchObject({ ok: true });
  });

  const province = fc.constantFrom(...PROVINCE_CODES);
  const day = fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2024-12-31T00:00:00Z'), noInvalidDate: true });
  const validId = fc
    .tuple(province, fc.stringMatching(/^\d{4}$/), day, fc.stringMatching(/^\d{3}$/))
    .map(([p, rest, d, seq]) => makeId(p + rest, d.toISOString().slice(0, 10), seq));

  it('accepts any generated valid number, and reads its birth date and sex back', () => {
    fc.assert(
      fc.property(validId, (id) => {
        const r = validateResidentId(id, '2025-01-01');
        expect(r.ok).toBe(true);
        if (r.ok) {
          expect(r.birthDate.replace(/-/g, '')).toBe(id.slice(6, 14));
          expect(r.sex).toBe(Number(id[16]) % 2 ? 'M' : 'F');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('refuses every single-digit mutation of a valid number', () => {
    fc.assert(
      fc.property(validId, fc.integer({ min: 0, max: 16 }), fc.integer({ min: 1, max: 9 }), (id, pos, delta) => {
        const digit = (Number(id[pos]) + delta) % 10;
        const mutated = id.slice(0, pos) + digit + id.slice(pos + 1);
        expect(validateResidentId(mutated, '2025-01-01').ok).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses any other check character', () => {
    fc.assert(
      fc.property(validId, fc.constantFrom(...RESIDENT_ID_CHECK_CHARS), (id, c) => {
        fc.pre(c !== id[17]);
        expect(validateResidentId(id.slice(0, 17) + c)).toMatchObject({ ok: false, error: 'ID_CHECK_CHAR' });
      }),
    );
  });
});

describe('ageOn', () => {
  it('counts completed years', () => {
    expect(ageOn('1990-06-15', '2026-06-14')).toBe(35);
    expect(ageOn('1990-06-15', '2026-06-15')).toBe(36);
    expect(ageOn('1990-06-15', '2026-12-31')).toBe(36);
    expect(ageOn('2026-01-01', '2026-01-01')).toBe(0);
  });

  it('lets a 29 February birthday complete its year on 1 March of a common year', () => {
    expect(ageOn('2008-02-29', '2026-02-28')).toBe(17);
    expect(ageOn('2008-02-29', '2026-03-01')).toBe(18);
    expect(ageOn('2008-02-29', '2028-02-28')).toBe(19);
    expect(ageOn('2008-02-29', '2028-02-29')).toBe(20);
  });

  it('refuses dates that are not calendar dates or precede the birth', () => {
    expect(() => ageOn('2001-02-29', '2026-01-01')).toThrow(RangeError);
    expect(() => ageOn('2000-01-02', '2000-01-01')).toThrow(RangeError);
  });

  it('never decreases as the date moves forward, and agrees with a year-by-year count', () => {
    const d = fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2100-12-31T00:00:00Z'), noInvalidDate: true });
    fc.assert(
      fc.property(d, d, (a, b) => {
        const [birth, on] = [a, b].map((x) => x.toISOString().slice(0, 10)).sort();
        const age = ageOn(birth, on);
        // the anniversary of `age` is on or before `on`, that of age+1 after it (29 Feb → 1 Mar in common years)
        const anniversary = (years: number) => {
          const y = Number(birth.slice(0, 4)) + years;
          const md = birth.slice(5);
          const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
          return `${String(y).padStart(4, '0')}-${md === '02-29' && !leap ? '03-01' : md}`;
        };
        expect(anniversary(age) <= on).toBe(true);
        expect(anniversary(age + 1) > on).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
