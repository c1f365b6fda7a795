import { registerDecorator, type ValidationArguments, type ValidationOptions } from 'class-validator';
import { validateCreditCode } from './domain/credit-code.js';
import { validateResidentId } from './domain/resident-id.js';

/**
 * class-validator decorators over the pure GB validators, so the HTTP API and the CSV import name the same field
 * with the same code. The message names the reason, never the value (it is personal data).
 */
export function IsResidentId(validationOptions?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isResidentId',
      target: object.constructor,
      propertyName,
      options: validationOptions,
      validator: {
        validate: (value: unknown) => validateResidentId(value).ok,
        defaultMessage: (args?: ValidationArguments) => {
          const r = validateResidentId(args?.value);
          return `${args?.property} ${r.ok ? 'is invalid' : r.message}`;
        },
      },
    });
}

export function IsCreditCode(validationOptions?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isCreditCode',
      target: object.constructor,
      propertyName,
      options: validationOptions,
      validator: {
        validate: (value: unknown) => validateCreditCode(value).ok,
        defaultMessage: (args?: ValidationArguments) => {
          const r = validateCreditCode(args?.value);
          return `${args?.property} ${r.ok ? 'is invalid' : r.message}`;
        },
      },
    });
}

/** Mainland mobile (11 digits starting 13-19) or a landline with area code (010-12345678). */
export { PHONE_PATTERN } from './domain/household-fields.js';
