import { registerDecorator, type ValidationOptions } from 'class-validator';
import { isBusinessDate } from './domain/dates.js';

/**
 * A real calendar date written YYYY-MM-DD, within the years the engine computes with (not 2026-02-30, not
 * 0000-01-01): the one date validator of every DTO.
 */
export function IsCalendarDate(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isCalendarDate',
      target: object.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) => isBusinessDate(value),
        defaultMessage: () => `${propertyName} must be a calendar date written YYYY-MM-DD`,
      },
    });
}
