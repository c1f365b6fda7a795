import { describe, expect, it } from 'vitest';
import { FIELD_ERROR_CODES, validatorCode } from './field-error-codes.js';

describe('field error codes', () => {
  it('lists each code once', () => {
    expect(new Set(FIELD_ERROR_CODES).size).toBe(FIELD_ERROR_CODES.length);
  });

  it('passes listed class-validator constraint names through unchanged', () => {
    expect(validatorCode('isString')).toBe('isString');
    expect(validatorCode('isCalendarDate')).toBe('isCalendarDate');
    expect(validatorCode('graceTooLong')).toBe('graceTooLong');
  });

  it('answers an undeclared field as UNKNOWN_FIELD and an unlisted constraint as INVALID', () => {
    expect(validatorCode('whitelistValidation')).toBe('UNKNOWN_FIELD');
    expect(validatorCode('someFutureConstraint')).toBe('INVALID');
  });
});
