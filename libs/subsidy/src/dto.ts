import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
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
import { IsOmittable, PageQuery, ID_PATTERN as ID } from '#libs/common';
import { IsPercent, IsYuan } from '#libs/money';
import { isBusinessDate } from '#libs/schedules';
import { PROGRAMME_SOURCES, type ProgrammeSource } from './domain/accounts.js';
import { CLAIM_KINDS, CLAIM_STATUSES, type ClaimKind, type ClaimStatus } from './domain/claims.js';
import { FORFEIT_REASONS } from './domain/earning.js';
import { POLICY_TYPES } from './domain/policy.js';
import { SETTLEMENT_MODES, type SettlementMode } from './domain/programme.js';

export function IsDate() {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isDate',
      target: object.constructor,
      propertyName,
      validator: {
        validate: (value: unknown) => isBusinessDate(value),
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property} must be a calendar date YYYY-MM-DD`,
      },
    });
}

const toInt = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : Number(value);

export class IdParam {
  @ApiProperty({ example: '1' })
  @IsString()
  @Matches(ID, { message: 'id must be a positive integer id' })
  id: string;
}

// ─── programmes ────────────────────────────────────────────────────────────────────────────────────────────────

export class CreateProgrammeDto {
  @ApiProperty({
    example: 'ZIBO-CITY-2026',
    description: 'Unique code: 2-40 of A-Z, 0-9, _ and -, starting with a letter',
  })
  @IsString()
  @Matches(/^[A-Z][A-Z0-9_-]{1,39}$/, {
    message: 'code must be 2-40 of A-Z, 0-9, _ and -, starting with a letter',
  })
  code: string;

  @ApiProperty({ example: '淄博市扶贫小额信贷贴息 (Zibo city poverty microcredit interest subsidy)' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiPropertyOptional({
    example: null,
    nullable: true,
    description: 'The district that runs and funds it; absent or null: city-wide',
  })
  @IsOptional()
  @IsString()
  @Matches(ID, { message: 'districtId must be a positive integer id' })
  districtId?: string | null;

  @ApiProperty({
    enum: SETTLEMENT_MODES,
    example: 'PAY_BANK',
    description:
      'PAY_BANK: the lender is paid and the borrower pays only the rest; REIMBURSE_BORROWER: the borrower pays in full and is refunded',
  })
  @IsIn(SETTLEMENT_MODES)
  settlementMode: SettlementMode;

  @ApiPropertyOptional({
    example: [3, 6, 9, 12],
    description: 'Months whose periodEndDay ends a settlement period (default quarterly)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(12)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(12, { each: true })
  periodEndMonths?: number[];

  @ApiPropertyOptional({
    example: 20,
    minimum: 1,
    maximum: 28,
    description: 'Day of month periods end on (default 20, the banks’ 结息日)',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(28)
  periodEndDay?: number;

  @ApiPropertyOptional({
    example: 0,
    minimum: 0,
    maximum: 90,
    description: 'Days after a due date the interest may still be paid and earn the subsidy (default 0)',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(90)
  graceDays?: number;
}

export class PatchProgrammeDto {
  @ApiPropertyOptional({ example: '淄博市贴息项目' })
  @IsOmittable()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ example: 3 })
  @IsOmittable()
  @IsInt()
  @Min(0)
  @Max(90)
  graceDays?: number;

  @ApiPropertyOptional({ enum: ['ACTIVE', 'CLOSED'], example: 'ACTIVE' })
  @IsOmittable()
  @IsIn(['ACTIVE', 'CLOSED'])
  status?: 'ACTIVE' | 'CLOSED';
}

export class ProgrammeListQuery extends PageQuery {
  @ApiPropertyOptional({ example: '1' })
  @IsOptional()
  @Matches(ID)
  districtId?: string;

  @ApiPropertyOptional({ enum: SETTLEMENT_MODES })
  @IsOptional()
  @IsIn(SETTLEMENT_MODES)
  settlementMode?: SettlementMode;

  @ApiPropertyOptional({ enum: ['ACTIVE', 'CLOSED'] })
  @IsOptional()
  @IsIn(['ACTIVE', 'CLOSED'])
  status?: 'ACTIVE' | 'CLOSED';

  @ApiPropertyOptional({ example: 'ZIBO', description: 'Part of the code or name' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  q?: string;
}

export class ProgrammeContributionDto {
  @ApiProperty({ enum: PROGRAMME_SOURCES, example: 'CITY' })
  @IsIn(PROGRAMME_SOURCES)
  source: ProgrammeSource;

  @ApiProperty({ example: '2000000.00', description: 'Yuan, at most 2 decimals' })
  @IsYuan()
  amount: string;

  @ApiPropertyOptional({
    example: 2026,
    description: 'Budget year of the money (default: the year received)',
  })
  @IsOptional()
  @IsInt()
  @Min(2000)
  @Max(2100)
  year?: number;

  @ApiPropertyOptional({ example: '2026-01-15', description: 'Default today; never after today' })
  @IsOptional()
  @IsDate()
  receivedOn?: string;

  @ApiPropertyOptional({
    example: '淄财农〔2026〕3号',
    description: 'The fiscal document allocating the money',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  documentRef?: string;

  @ApiPropertyOptional({ example: '淄博矿业集团', description: 'SOE contributions: the enterprise' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  soeName?: string;

  @ApiPropertyOptional({
    example: '50000000.00',
    description: 'SOE contributions: the profit the 3 % rule applies to',
  })
  @IsOptional()
  @IsYuan()
  soeProfitBase?: string;
}

export class BudgetDto {
  @ApiProperty({ example: 2026 })
  @IsInt()
  @Min(2000)
  @Max(2100)
  year: number;

  @ApiProperty({
    example: '3000000.00',
    description: "The year's budget (absolute, yuan); not below what approved claims committed",
  })
  @IsYuan({ allowZero: true })
  budget: string;

  @ApiProperty({ example: '2026 city budget for poverty microcredit interest subsidy' })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  reason: string;

  @ApiPropertyOptional({ example: '淄财预〔2026〕1号' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  documentRef?: string;
}

export class PeriodsQuery {
  @ApiProperty({ example: 2026 })
  @Transform(toInt)
  @IsInt()
  @Min(2000)
  @Max(2100)
  year: number;
}

export class GenerateClaimsDto {
  @ApiProperty({
    example: '2026-03-20',
    description: 'End date of the settlement period (a calendar end date of the programme)',
  })
  @IsDate()
  periodEnd: string;

  @ApiPropertyOptional({
    example: '2026-03-25',
    description: 'The facts are taken as of this date (default today); after the period end',
  })
  @IsOptional()
  @IsDate()
  asOf?: string;
}

// ─── claims ────────────────────────────────────────────────────────────────────────────────────────────────────

export class ClaimListQuery extends PageQuery {
  @ApiPropertyOptional({ example: '1' })
  @IsOptional()
  @Matches(ID)
  programmeId?: string;

  @ApiPropertyOptional({ example: '2026-03-20' })
  @IsOptional()
  @IsDate()
  periodEnd?: string;

  @ApiPropertyOptional({ example: 2026 })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(2000)
  @Max(2100)
  budgetYear?: number;

  @ApiPropertyOptional({ enum: CLAIM_STATUSES })
  @IsOptional()
  @IsIn(CLAIM_STATUSES)
  status?: ClaimStatus;

  @ApiPropertyOptional({ enum: CLAIM_KINDS })
  @IsOptional()
  @IsIn(CLAIM_KINDS)
  kind?: ClaimKind;

  @ApiPropertyOptional({ enum: ['BANK', 'FUND'] })
  @IsOptional()
  @IsIn(['BANK', 'FUND'])
  payeeType?: 'BANK' | 'FUND';

  @ApiPropertyOptional({ example: '2' })
  @IsOptional()
  @Matches(ID)
  bankId?: string;

  @ApiPropertyOptional({ example: '5' })
  @IsOptional()
  @Matches(ID)
  fundId?: string;

  @ApiPropertyOptional({ example: '2026-01-01', description: 'Periods ending on or after' })
  @IsOptional()
  @IsDate()
  from?: string;

  @ApiPropertyOptional({ example: '2026-12-31', description: 'Periods ending on or before' })
  @IsOptional()
  @IsDate()
  to?: string;
}

export class LineListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['EARNED', 'FORFEITED'] })
  @IsOptional()
  @IsIn(['EARNED', 'FORFEITED'])
  outcome?: 'EARNED' | 'FORFEITED';

  @ApiPropertyOptional({ enum: FORFEIT_REASONS })
  @IsOptional()
  @IsIn(FORFEIT_REASONS)
  forfeitReason?: string;

  @ApiPropertyOptional({ example: '42' })
  @IsOptional()
  @Matches(ID)
  loanId?: string;
}

export class SettleClaimDto {
  @ApiPropertyOptional({ example: '2026-03-30', description: 'Value date of the payment (default today)' })
  @IsOptional()
  @IsDate()
  paidOn?: string;

  @ApiProperty({ example: 'TRF-2026-03-30-0012', description: 'Treasury or bank transfer reference' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  paymentRef: string;
}

export class ExportQuery {
  @ApiPropertyOptional({ enum: ['csv', 'xlsx'], default: 'csv' })
  @IsOptional()
  @IsIn(['csv', 'xlsx'])
  format: 'csv' | 'xlsx' = 'csv';

  @ApiPropertyOptional({
    enum: ['BANK', 'BUREAU'],
    default: 'BUREAU',
    description: 'BANK: the lines a bank reconciles; BUREAU: every figure for the finance bureau',
  })
  @IsOptional()
  @IsIn(['BANK', 'BUREAU'])
  audience: 'BANK' | 'BUREAU' = 'BUREAU';
}

// ─── policies ──────────────────────────────────────────────────────────────────────────────────────────────────

export class ProductPolicyDto {
  @ApiProperty({ enum: POLICY_TYPES, example: 'FULL_BENCHMARK' })
  @IsString()
  type: string;

  @ApiProperty({ example: '1', description: 'The programme that pays this product’s subsidy' })
  @IsString()
  programmeId: string;

  @ApiPropertyOptional({ example: '2', description: 'FIXED_RATE: percent per year' })
  @IsOptional()
  @IsPercent('0.000001', '36')
  ratePercent?: string;

  @ApiPropertyOptional({ example: '5', description: 'CAPPED: the highest rate subsidised, percent per year' })
  @IsOptional()
  @IsPercent('0.000001', '36')
  capPercent?: string;

  @ApiPropertyOptional({
    example: '50000.00',
    description: 'Household loans: principal subsidised at most (default 50,000)',
  })
  @IsOptional()
  @IsYuan()
  principalCap?: string;

  @ApiPropertyOptional({
    example: '50000.00',
    description: 'Entity loans: principal subsidised per linked poor household (default 50,000)',
  })
  @IsOptional()
  @IsYuan()
  perLinkedHouseholdCap?: string;

  @ApiPropertyOptional({
    example: 1,
    description: 'The product version this edit is based on (409 when another edit came first)',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  baseVersion?: number;
}

export class ProductParam {
  @ApiProperty({ example: 'HH_MICRO_STD', description: 'Product id or code' })
  @IsString()
  @Matches(/^([1-9]\d{0,17}|[A-Z][A-Z0-9_]{1,39})$/, { message: 'product must be a product id or code' })
  product: string;
}

export class AsOfQuery {
  @ApiPropertyOptional({ example: '2026-04-01', description: 'Default today' })
  @IsOptional()
  @IsDate()
  asOf?: string;
}
