import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  registerDecorator,
  type ValidationArguments,
} from 'class-validator';
import { PageQuery } from '#libs/common';
import { IsPercent, IsYuan } from '#libs/money';
import {
  CURRENCIES,
  DAY_COUNTS,
  FREQUENCIES,
  HOUSEHOLD_STATUSES,
  METHODS,
  PENALTY_BASES,
  PREPAYMENT_MODES,
  EARLY_REPAYMENT_FEES,
  PRODUCT_KINDS,
  RATE_SOURCES,
  ROUNDINGS,
  WATERFALL_COMPONENTS,
  type ProductKind,
} from './domain/enums.js';
import {
  MAX_BORROWER_AGE,
  MAX_GRACE_DAYS,
  MAX_PENALTY_SURCHARGE_PERCENT,
  MAX_RATE_PERCENT,
  MAX_TERM_MONTHS,
  MIN_BORROWER_AGE,
} from './domain/definition.js';
import { PURPOSES, PRODUCTIVE_PURPOSES } from './domain/purposes.js';
import { isBusinessDate } from './domain/rate-bands.js';

/** A calendar date written YYYY-MM-DD (a business date in Asia/Shanghai; no time, no zone). */
export function IsBusinessDate() {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isBusinessDate',
      target: object.constructor,
      propertyName,
      validator: {
        validate: (value: unknown) => isBusinessDate(value),
        defaultMessage: (args?: ValidationArguments) => `${args?.property} must be a calendar date written YYYY-MM-DD`,
      },
    });
}

/** This integer field may not be below another one of the same object (the upper end of a band). */
function NotBelow(other: string) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'notBelow',
      target: object.constructor,
      propertyName,
      validator: {
        validate: (value: unknown, args?: ValidationArguments) => {
          const low = (args?.object as Record<string, unknown>)[other];
          return typeof value !== 'number' || typeof low !== 'number' || value >= low;
        },
        defaultMessage: (args?: ValidationArguments) => `${args?.property} may not be below ${other}`,
      },
    });
}

const toBool = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

// ---------------------------------------------------------------------------------------------------------------
// Benchmark rates

export class CreateBenchmarkRateDto {
  @ApiProperty({ example: 1, minimum: 1, maximum: MAX_TERM_MONTHS, description: 'shortest term of the band, months' })
  @IsInt()
  @Min(1)
  @Max(MAX_TERM_MONTHS)
  termMinMonths: number;

  @ApiProperty({ example: 12, minimum: 1, maximum: MAX_TERM_MONTHS, description: 'longest term of the band, months (inclusive)' })
  @IsInt()
  @Min(1)
  @Max(MAX_TERM_MONTHS)
  @NotBelow('termMinMonths')
  termMaxMonths: number;

  @ApiProperty({ example: '4.35', description: 'percent per year, exact decimal, at most 6 decimals' })
  @IsPercent('0', MAX_RATE_PERCENT)
  ratePercent: string;

  @ApiProperty({ example: '2015-10-24', description: 'first business date the rate applies to' })
  @IsBusinessDate()
  effectiveFrom: string;

  @ApiPropertyOptional({
    example: 'PBOC benchmark lending rate, notice of 2015-10-23',
    description: 'source or reason; required when effectiveFrom is before today (a back-dated row)',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  note?: string;
}

export class WithdrawBenchmarkRateDto {
  @ApiProperty({ example: 'announced by mistake; the central bank kept the rate', minLength: 1, maxLength: 500 })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  reason: string;
}

export class BenchmarkRateQuery extends PageQuery {
  @ApiPropertyOptional({ example: 12, description: 'only bands holding this term' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_TERM_MONTHS)
  termMonths?: number;

  @ApiPropertyOptional({ example: '2015-01-01', description: 'effective on or after' })
  @IsOptional()
  @IsBusinessDate()
  from?: string;

  @ApiPropertyOptional({ example: '2026-12-31', description: 'effective on or before' })
  @IsOptional()
  @IsBusinessDate()
  to?: string;

  @ApiPropertyOptional({ example: false, default: false, description: 'include withdrawn rows' })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  includeWithdrawn?: boolean;
}

export class InForceQuery {
  @ApiProperty({ example: 12, minimum: 1, maximum: MAX_TERM_MONTHS })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_TERM_MONTHS)
  termMonths: number;

  @ApiPropertyOptional({ example: '2020-06-01', description: 'business date; default today' })
  @IsOptional()
  @IsBusinessDate()
  date?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Products

/** The terms of a product version (PUT body; POST adds code and kind; PATCH sends any subset). */
export class ProductTermsDto {
  @ApiProperty({ example: 'Household poverty microcredit', maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiPropertyOptional({ enum: CURRENCIES, default: 'CNY' })
  @IsOptional()
  @IsIn(CURRENCIES)
  currency?: string;

  @ApiProperty({ example: '1000.00', description: 'yuan' })
  @IsYuan()
  minPrincipal: string;

  @ApiProperty({ example: '50000.00', description: 'yuan; not below minPrincipal' })
  @IsYuan()
  maxPrincipal: string;

  @ApiPropertyOptional({ type: String, example: null, nullable: true, description: "yuan; cap on a borrower's first loan (mutual aid: 5000.00)" })
  @IsOptional()
  @IsYuan()
  firstLoanMax?: string | null;

  @ApiProperty({ example: 1, minimum: 1, maximum: MAX_TERM_MONTHS })
  @IsInt()
  @Min(1)
  @Max(MAX_TERM_MONTHS)
  minTermMonths: number;

  @ApiProperty({ example: 36, minimum: 1, maximum: MAX_TERM_MONTHS, description: 'not below minTermMonths' })
  @IsInt()
  @Min(1)
  @Max(MAX_TERM_MONTHS)
  maxTermMonths: number;

  @ApiProperty({ enum: METHODS, example: 'EQUAL_INSTALLMENT', description: 'BULLET if and only if frequency is AT_MATURITY' })
  @IsIn(METHODS)
  method: string;

  @ApiProperty({ enum: FREQUENCIES, example: 'MONTHLY' })
  @IsIn(FREQUENCIES)
  frequency: string;

  @ApiProperty({ enum: DAY_COUNTS, example: 'PERIOD' })
  @IsIn(DAY_COUNTS)
  dayCount: string;

  @ApiPropertyOptional({ enum: ROUNDINGS, default: 'HALF_UP' })
  @IsOptional()
  @IsIn(ROUNDINGS)
  rounding?: string;

  @ApiPropertyOptional({ example: '0.01', default: '0.01', description: 'yuan; instalments are rounded to this multiple' })
  @IsOptional()
  @IsYuan()
  installmentMultiple?: string;

  @ApiProperty({ enum: RATE_SOURCES, example: 'BENCHMARK', description: 'BENCHMARK: benchmark in force on the contract date + markup' })
  @IsIn(RATE_SOURCES)
  rateSource: string;

  @ApiPropertyOptional({ type: String, example: null, nullable: true, description: 'percent per year; required for FIXED, null for BENCHMARK' })
  @IsOptional()
  @IsPercent('0', MAX_RATE_PERCENT)
  fixedRatePercent?: string | null;

  @ApiPropertyOptional({ example: '0', default: '0', description: 'percent per year added to the benchmark; "0" for FIXED' })
  @IsOptional()
  @IsPercent('0', MAX_RATE_PERCENT)
  markupPercent?: string;

  @ApiPropertyOptional({
    example: '50',
    default: '0',
    description: `percent; read per penaltyBasis (ANNUAL_RATE: the penalty rate a year, ≤ ${MAX_RATE_PERCENT}; SURCHARGE_ON_CONTRACT: surcharge on the contract rate, ≤ ${MAX_PENALTY_SURCHARGE_PERCENT})`,
  })
  @IsOptional()
  @IsPercent('0', MAX_PENALTY_SURCHARGE_PERCENT)
  penaltyRatePercent?: string;

  @ApiPropertyOptional({ enum: PENALTY_BASES, example: 'SURCHARGE_ON_CONTRACT', default: 'ANNUAL_RATE' })
  @IsOptional()
  @IsIn(PENALTY_BASES)
  penaltyBasis?: string;

  @ApiPropertyOptional({ example: 0, default: 0, minimum: 0, maximum: MAX_GRACE_DAYS, description: 'days after a due date before a payment is late' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_GRACE_DAYS)
  graceDays?: number;

  @ApiProperty({ enum: PURPOSES, isArray: true, example: [...PRODUCTIVE_PURPOSES] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(PURPOSES, { each: true })
  allowedPurposes: string[];

  @ApiPropertyOptional({ enum: HOUSEHOLD_STATUSES, isArray: true, example: ['POOR', 'GRADUATED'], default: [] })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(HOUSEHOLD_STATUSES, { each: true })
  eligibleStatuses?: string[];

  @ApiPropertyOptional({ type: Number, example: 18, nullable: true, minimum: MIN_BORROWER_AGE, maximum: MAX_BORROWER_AGE })
  @IsOptional()
  @IsInt()
  @Min(MIN_BORROWER_AGE)
  @Max(MAX_BORROWER_AGE)
  minAge?: number | null;

  @ApiPropertyOptional({ type: Number, example: 65, nullable: true, minimum: MIN_BORROWER_AGE, maximum: MAX_BORROWER_AGE })
  @IsOptional()
  @IsInt()
  @Min(MIN_BORROWER_AGE)
  @Max(MAX_BORROWER_AGE)
  maxAge?: number | null;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: null, nullable: true, description: 'interest-subsidy policy (JSON object, set by the subsidy programme)' })
  @IsOptional()
  @IsObject()
  subsidyPolicy?: Record<string, unknown> | null;

  @ApiPropertyOptional({ example: true, default: false })
  @IsOptional()
  @IsBoolean()
  requiresGuaranteeFund?: boolean;

  @ApiPropertyOptional({ example: false, default: false })
  @IsOptional()
  @IsBoolean()
  requiresGroup?: boolean;

  @ApiPropertyOptional({ enum: PREPAYMENT_MODES, default: 'SHORTEN_TERM' })
  @IsOptional()
  @IsIn(PREPAYMENT_MODES)
  prepaymentMode?: string;

  @ApiPropertyOptional({
    enum: EARLY_REPAYMENT_FEES,
    default: 'ACCRUED',
    example: 'ACCRUED',
    description:
      'usage fee of an instalment paid before its due date: ACCRUED = the fee accrued to the value date (principal paid early bears no fee for the rest of the period; an instalment paid on the disbursement day charges none, like a payoff that day); PERIOD = the scheduled period fee whenever the instalment is paid (a payoff charges the current period in full too)',
  })
  @IsOptional()
  @IsIn(EARLY_REPAYMENT_FEES)
  earlyRepaymentFee?: string;

  @ApiPropertyOptional({ enum: WATERFALL_COMPONENTS, isArray: true, example: [...WATERFALL_COMPONENTS], description: 'all six, each once' })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(WATERFALL_COMPONENTS, { each: true })
  waterfall?: string[];

  @ApiPropertyOptional({ type: String, example: null, nullable: true, description: 'yuan; ENTITY_LOAN only: credit ≤ this × linked poor households' })
  @IsOptional()
  @IsYuan()
  maxPerLinkedHousehold?: string | null;
}

export class CreateProductDto extends ProductTermsDto {
  @ApiProperty({ example: 'HH_MICRO_STD', description: 'unique, 2-40 of A-Z, 0-9 and _, starting with a letter; never changes' })
  @Matches(/^[A-Z][A-Z0-9_]{1,39}$/, { message: 'code must be 2-40 characters of A-Z, 0-9 and _, starting with a letter' })
  code: string;

  @ApiProperty({ enum: PRODUCT_KINDS, example: 'HOUSEHOLD_MICROCREDIT', description: 'never changes' })
  @IsIn(PRODUCT_KINDS)
  kind: ProductKind;
}

/** PUT: the whole definition; absent optional fields take their defaults. */
export class ReplaceProductDto extends ProductTermsDto {
  @ApiPropertyOptional({ example: 1, description: 'the version this edit is based on; a different current version is a 409' })
  @IsOptional()
  @IsInt()
  @Min(1)
  baseVersion?: number;
}

/** PATCH: any subset of the terms; absent fields keep their current value, null clears a nullable one. */
export class PatchProductDto extends PartialType(OmitType(ReplaceProductDto, ['baseVersion'] as const)) {
  @ApiPropertyOptional({ example: 1, description: 'the version this edit is based on; a different current version is a 409' })
  @IsOptional()
  @IsInt()
  @Min(1)
  baseVersion?: number;
}

export class ActivationDto {
  @ApiProperty({ example: 'replaced by HH_MICRO_2027', minLength: 1, maxLength: 500 })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  reason: string;
}

export class ProductQuery extends PageQuery {
  @ApiPropertyOptional({ enum: PRODUCT_KINDS }) @IsOptional() @IsIn(PRODUCT_KINDS) kind?: ProductKind;

  @ApiPropertyOptional({ example: true }) @IsOptional() @Transform(toBool) @IsBoolean() active?: boolean;

  @ApiPropertyOptional({ enum: RATE_SOURCES }) @IsOptional() @IsIn(RATE_SOURCES) rateSource?: string;

  @ApiPropertyOptional({ example: true }) @IsOptional() @Transform(toBool) @IsBoolean() requiresGuaranteeFund?: boolean;

  @ApiPropertyOptional({ example: 'PLANTING', enum: PURPOSES, description: 'products allowing this purpose' })
  @IsOptional()
  @IsIn(PURPOSES)
  purpose?: string;

  @ApiPropertyOptional({ example: 'micro', description: 'code or name contains (case-insensitive)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  q?: string;
}

export class ContractRateQuery extends InForceQuery {}

export class VersionsQuery extends PageQuery {}
