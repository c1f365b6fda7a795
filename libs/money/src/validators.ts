import { registerDecorator, type ValidationArguments, type ValidationOptions } from 'class-validator';
import { parseDecimal, compareDecimal } from './decimal.js';
import { parseYuan, type ParseOptions } from './money.js';

const MESSAGES: Record<string, string> = {
  EMPTY: 'must be a decimal string in yuan, e.g. "5000.00"',
  FORMAT:
    'must be a decimal string in yuan with at most 2 decimals, e.g. "5000.00" (no exponent, sign or spaces)',
  TOO_MANY_DECIMALS: 'must have at most 2 decimals',
  NEGATIVE: 'must not be negative',
  TOO_LARGE: 'must not exceed 10^13 yuan',
  ZERO: 'must be greater than zero',
};

/** A money field: decimal string in yuan, at most two decimals; positive unless told otherwise. */
export function IsYuan(opts: ParseOptions = { allowZero: false }, validationOptions?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isYuan',
      target: object.constructor,
      propertyName,
      options: validationOptions,
      validator: {
        validate: (value: unknown) => parseYuan(value, opts).ok,
        defaultMessage: (args?: ValidationArguments) => {
          const r = parseYuan(args?.value, opts);
          return `${args?.property} ${r.ok ? 'is invalid' : MESSAGES[r.error]}`;
        },
      },
    });
}

/** A rate in percent per year as a decimal string ("4.35"), within [min, max], at most `maxDecimals` decimals. */
export function IsPercent(min: string, max: string, maxDecimals = 6, validationOptions?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isPercent',
      target: object.constructor,
      propertyName,
      options: validationOptions,
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string') return false;
          const d = parseDecimal(value);
          if (!d || d.scale > maxDecimals) return false;
          return compareDecimal(value, min) >= 0 && compareDecimal(value, max) <= 0;
        },
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property} must be a decimal string of percent per year between ${min} and ${max} with at most ${maxDecimals} decimals`,
      },
    });
}
