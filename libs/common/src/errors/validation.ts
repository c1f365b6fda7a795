import { BadRequestException, ValidationPipe, type ValidationError } from '@nestjs/common';
import { ValidateIf } from 'class-validator';
import type { FieldError } from './domain-error.js';
import { validatorCode } from './field-error-codes.js';

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const field = parent ? `${parent}.${e.property}` : e.property;
    for (const [rule, message] of Object.entries(e.constraints ?? {})) {
      out.push({ field, code: validatorCode(rule), message });
    }
    if (e.children?.length) out.push(...flatten(e.children, field));
  }
  return out;
}

/** The global pipe: whitelist, forbid unknown fields, transform; errors name every offending field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => {
      const fieldErrors = flatten(errors);
      return new BadRequestException({
        code: 'VALIDATION_FAILED',
        message: `Invalid request: ${[...new Set(fieldErrors.map((e) => e.field))].join(', ')}`,
        errors: fieldErrors,
      });
    },
  });
}

/**
 * Like @IsOptional(), but only for a field left out: a field sent as null is validated (and refused) like any other
 * value. For patches whose fields are all NOT NULL columns, where null cannot mean "clear".
 */
export function IsOmittable(): PropertyDecorator {
  return ValidateIf((_object, value: unknown) => value !== undefined);
}
