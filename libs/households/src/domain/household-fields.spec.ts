import {
  birthDateOf,
  householdFieldErrors,
  PHONE_PATTERN,
  sexOf,
  type HouseholdFields,
} from './household-fields.js';

const ok: HouseholdFields = {
  headName: '张三',
  idNumber: '11010519491231002X',
  phone: '13905331234',
  memberCount: 4,
  perCapitaIncomeFen: 350000n,
  incomeYear: 2025,
};
const TODAY = '2026-03-15';

describe('householdFieldErrors', () => {
  it('accepts a complete registration', () => {
    expect(householdFieldErrors(ok, TODAY)).toEqual([]);
    expect(householdFieldErrors({ ...ok, phone: null }, TODAY)).toEqual([]);
    expect(householdFieldErrors({ ...ok, phone: '0533-1234567' }, TODAY)).toEqual([]);
  });

  it('names every bad field', () => {
    const errors = householdFieldErrors(
      {
        headName: ' ',
        idNumber: '110105194912310021',
        phone: '12345',
        memberCount: 0,
        perCapitaIncomeFen: -1n,
        incomeYear: 2027,
      },
      TODAY,
    );
    expect(errors.map((e) => [e.field, e.code])).toEqual([
      ['idNumber', 'isResidentId'],
      ['headName', 'isLength'],
      ['phone', 'matches'],
      ['memberCount', 'min'],
      ['perCapitaIncome', 'isYuan'],
      ['incomeYear', 'INCOME_YEAR_INVALID'],
    ]);
    expect(errors.at(-1)!.message).toBe('incomeYear must be a year from 2000 to 2026');
  });

  it('bounds the head name, member count and income year', () => {
    expect(householdFieldErrors({ ...ok, headName: 'x'.repeat(51) }, TODAY).map((e) => e.field)).toEqual([
      'headName',
    ]);
    expect(householdFieldErrors({ ...ok, memberCount: 51 }, TODAY).map((e) => e.field)).toEqual([
      'memberCount',
    ]);
    expect(householdFieldErrors({ ...ok, memberCount: 2.5 }, TODAY).map((e) => e.field)).toEqual([
      'memberCount',
    ]);
    expect(householdFieldErrors({ ...ok, incomeYear: 1999 }, TODAY).map((e) => e.field)).toEqual([
      'incomeYear',
    ]);
    expect(householdFieldErrors({ ...ok, incomeYear: 2026 }, TODAY)).toEqual([]);
  });
});

describe('the ID number', () => {
  it('carries the birth date and the sex', () => {
    expect(birthDateOf('11010519491231002X')).toBe('1949-12-31');
    expect(sexOf('11010519491231002X')).toBe('F');
    expect(sexOf('440524188001010014')).toBe('M');
  });
});

describe('PHONE_PATTERN', () => {
  it('matches mobiles and landlines only', () => {
    expect(PHONE_PATTERN.test('13905331234')).toBe(true);
    expect(PHONE_PATTERN.test('010-12345678')).toBe(true);
    expect(PHONE_PATTERN.test('1390533123')).toBe(false);
  });
});
