import { ID_PATTERN, isId } from './ids.js';

describe('row ids', () => {
  it('are positive decimal integers of at most 18 digits', () => {
    expect(isId('1')).toBe(true);
    expect(isId('999999999999999999')).toBe(true);
    expect(isId('1000000000000000000')).toBe(false);
    expect(isId('0')).toBe(false);
    expect(isId('01')).toBe(false);
    expect(isId('-1')).toBe(false);
    expect(isId('1.0')).toBe(false);
    expect(isId(1)).toBe(false);
    expect(ID_PATTERN.test('42')).toBe(true);
  });
});
