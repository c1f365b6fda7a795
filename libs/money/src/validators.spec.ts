import { validateSync } from 'class-validator';
import { IsPercent, IsYuan } from './validators.js';

class Dto {
  @IsYuan() principal: unknown;
  @IsYuan({ allowZero: true }) fee: unknown = '0';
  @IsYuan({ allowNegative: true }) adjustment: unknown = '0';
  @IsPercent('0', '36') rate: unknown = '4.35';
}

const errorsOf = (values: Partial<Dto>) => {
  const dto = Object.assign(new Dto(), { principal: '1.00' }, values);
  return Object.fromEntries(
    validateSync(dto).map((e) => [e.property, Object.values(e.constraints ?? {}).join('; ')]),
  );
};

describe('@IsYuan and @IsPercent', () => {
  it('accept good values', () => {
    expect(errorsOf({ principal: '5000.00', fee: '0.00', adjustment: '-12.50', rate: '36' })).toEqual({});
  });

  it('name the field and say what is wrong', () => {
    expect(errorsOf({ principal: '0' })).toEqual({ principal: 'principal must be greater than zero' });
    expect(errorsOf({ principal: '1.234' })).toEqual({ principal: 'principal must have at most 2 decimals' });
    expect(errorsOf({ principal: 5000 })).toEqual({
      principal: expect.stringContaining('decimal string in yuan'),
    });
    expect(errorsOf({ principal: '1e3' })).toEqual({ principal: expect.stringContaining('no exponent') });
    expect(errorsOf({ fee: '-1.00' })).toEqual({ fee: 'fee must not be negative' });
    expect(errorsOf({ principal: '10000000000001' })).toEqual({
      principal: 'principal must not exceed 10^13 yuan',
    });
  });

  it('bound rates and their decimals, and refuse numbers', () => {
    for (const bad of ['36.000001', '-0.01', '4.1234567', 4.35, 'abc', '']) {
      expect(errorsOf({ rate: bad })).toEqual({ rate: expect.stringContaining('between 0 and 36') });
    }
  });
});
