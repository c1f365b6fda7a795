import type { FieldErrorCode } from '#libs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsInt,
  IsOptional,
  Max,
  Min,
  registerDecorator,
  type ValidationArguments,
} from 'class-validator';
import { IsPercent, IsYuan } from '#libs/money';
import { isBusinessDate } from './domain/dates.js';
import { consistencyErrors } from './domain/rules.js';
import {
  DAY_COUNTS,
  FREQUENCIES,
  MAX_INSTALLMENTS,
  MAX_RATE_DECIMALS,
  MAX_RATE_PERCENT,
  MAX_TERM_MONTHS,
  SCHEDULE_METHODS,
  SCHEDULE_ROUNDINGS,
  type DayCount,
  type Frequency,
  type ScheduleMethod,
  type ScheduleRounding,
} from './domain/types.js';

/**
 * A rule between fields (domain/rules.ts), reported on the field it names. Registered under the rule's code so
 * the problem's errors[] carry it, and run in the same validation pass as the single-field rules: one answer
 * lists every broken rule.
 */
function ConsistencyRule(code: FieldErrorCode) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: code,
      target: object.constructor,
      propertyName,
      validator: {
        validate: (_value: unknown, args: ValidationArguments) =>
          !consistencyErrors(args.object as Record<string, unknown>).some(
            (e) => e.code === code && e.field === propertyName,
          ),
        defaultMessage: (args?: ValidationArguments) =>
          consistencyErrors((args?.object ?? {}) as Record<string, unknown>).find((e) => e.code === code)
            ?.message ?? `${propertyName} is inconsistent with the other terms`,
      },
    });
}

/** A YYYY-MM-DD calendar day (no 2023-02-29), years 1900-2199. */
function IsCalendarDate() {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isCalendarDate',
      target: object.constructor,
      propertyName,
      validator: {
        validate: (value: unknown) => isBusinessDate(value),
        defaultMessage: () => `${propertyName} must be a calendar date YYYY-MM-DD (1900-2199)`,
      },
    });
}

/** An optional integer in [min, max]; unlike @IsOptional it leaves the property's other rules running when absent. */
function OptionalIntBetween(min: number, max: number) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isInt',
      target: object.constructor,
      propertyName,
      validator: {
        validate: (value: unknown) =>
          value === undefined ||
          value === null ||
          (Number.isInteger(value) && (value as number) >= min && (value as number) <= max),
        defaultMessage: () => `${propertyName} must be an integer from ${min} to ${max}`,
      },
    });
}

/** SPEC §5 "Schedule preview" request. */
export class SchedulePreviewDto {
  @ApiProperty({ example: '5000.00', description: 'Loan amount in yuan, positive, at most 2 decimals' })
  @IsYuan()
  principal: string;

  @ApiProperty({
    example: '12',
    description: `Percent per year, 0 to ${MAX_RATE_PERCENT}, at most ${MAX_RATE_DECIMALS} decimals`,
  })
  @IsPercent('0', MAX_RATE_PERCENT, MAX_RATE_DECIMALS)
  annualRatePercent: string;

  @ApiProperty({ example: 18, minimum: 1, maximum: MAX_INSTALLMENTS, description: '1 with AT_MATURITY' })
  @IsInt()
  @Min(1)
  @Max(MAX_INSTALLMENTS)
  @ConsistencyRule('atMaturitySingleInstallment')
  numberOfInstallments: number;

  @ApiProperty({ enum: FREQUENCIES, example: 'MONTHLY', description: 'AT_MATURITY only with method BULLET' })
  @IsIn(FREQUENCIES)
  @ConsistencyRule('atMaturityOnlyBullet')
  frequency: Frequency;

  @ApiPropertyOptional({
    example: 10,
    minimum: 1,
    maximum: MAX_TERM_MONTHS,
    description:
      'Term of an AT_MATURITY loan (required then); otherwise optional and must equal the instalments × 1 or 3',
  })
  @OptionalIntBetween(1, MAX_TERM_MONTHS)
  @ConsistencyRule('termMonthsRequired')
  @ConsistencyRule('termMonthsMismatch')
  termMonths?: number;

  @ApiProperty({ enum: SCHEDULE_METHODS, example: 'EQUAL_INSTALLMENT' })
  @IsIn(SCHEDULE_METHODS)
  method: ScheduleMethod;

  @ApiPropertyOptional({ enum: DAY_COUNTS, default: 'PERIOD', example: 'PERIOD' })
  @IsOptional()
  @IsIn(DAY_COUNTS)
  dayCount?: DayCount = 'PERIOD';

  @ApiProperty({
    example: '2022-11-01',
    description: 'Due dates fall on this day of the month (or the month end)',
  })
  @IsCalendarDate()
  disbursementDate: string;

  @ApiPropertyOptional({ enum: SCHEDULE_ROUNDINGS, default: 'HALF_UP', example: 'HALF_UP' })
  @IsOptional()
  @IsIn(SCHEDULE_ROUNDINGS)
  rounding?: ScheduleRounding = 'HALF_UP';

  @ApiPropertyOptional({
    example: '0.01',
    default: '0.01',
    description: 'EQUAL_INSTALLMENT and FLAT instalments are rounded to this multiple of yuan',
  })
  @IsOptional()
  @IsYuan()
  installmentMultiple?: string = '0.01';

  @ApiPropertyOptional({
    example: 0,
    default: 0,
    minimum: 0,
    description: 'The first N instalments pay interest only',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @ConsistencyRule('graceTooLong')
  @ConsistencyRule('graceNotForBullet')
  principalGraceInstallments?: number = 0;
}
