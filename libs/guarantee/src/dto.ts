import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsBoolean,
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
  ValidateIf,
  type ValidationArguments,
} from 'class-validator';
import { IsOmittable, PageQuery, ID_PATTERN as ID } from '#libs/common';
import { IsYuan } from '#libs/money';
import { isCalendarDate, isDecimalBetween, queryFlag } from './domain/input-rules.js';
import { RISK_FUND_SOURCES, type RiskFundSource } from './domain/accounts.js';

export { isCalendarDate };

export function IsCalendarDate() {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isCalendarDate',
      target: object.constructor,
      propertyName,
      validator: {
        validate: (value: unknown) => isCalendarDate(value),
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property} must be a calendar date YYYY-MM-DD`,
      },
    });
}

/** An exact decimal string within [min, max] with at most `maxDecimals` decimals (multiples, shares, thresholds). */
export function IsDecimalBetween(min: string, max: string, maxDecimals: number, what: string) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isDecimalBetween',
      target: object.constructor,
      propertyName,
      validator: {
        validate: (value: unknown) => isDecimalBetween(value, min, max, maxDecimals),
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property} must be ${what}: a decimal string between ${min} and ${max} with at most ${maxDecimals} decimals`,
      },
    });
}

const toBool = ({ value }: { value: unknown }) => queryFlag(value);

// ─── banks and API keys ─────────────────────────────────────────────────────────────────────────────────────────

export class CreateBankDto {
  @ApiProperty({ example: 'ZBRCB', description: 'Short code, upper-case letters, digits and _' })
  @IsString()
  @Matches(/^[A-Z][A-Z0-9_]{1,19}$/, {
    message: 'code must be 2-20 upper-case letters, digits or _, starting with a letter',
  })
  code: string;

  @ApiProperty({ example: 'Zibo Rural Commercial Bank' })
  @IsString()
  @MinLength(2)
  @MaxLength(200)
  name: string;
}

export class BankListQuery extends PageQuery {
  @ApiPropertyOptional({ example: 'ZBRCB' }) @IsOptional() @IsString() code?: string;
  @ApiPropertyOptional({ example: 'Rural', description: 'part of the name' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  q?: string;
}

export class CreateApiKeyDto {
  @ApiProperty({ example: 'core banking nightly statement upload' })
  @IsString()
  @MinLength(2)
  @MaxLength(100)
  label: string;
}

export class ApiKeyListQuery extends PageQuery {
  @ApiPropertyOptional({ example: true, description: 'only keys not revoked (true) or only revoked (false)' })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  active?: boolean;
}

// ─── risk funds ─────────────────────────────────────────────────────────────────────────────────────────────────

export class CreateRiskFundDto {
  @ApiProperty({ example: '3', description: 'The district (one risk fund per district)' })
  @IsString()
  @Matches(ID, { message: 'districtId must be a positive integer id' })
  districtId: string;

  @ApiPropertyOptional({
    example: 'Yiyuan County poverty-alleviation risk compensation fund',
    description: 'defaults to the district name + "risk fund"',
  })
  @IsOptional()
  @IsString()
  @MinLength(2)
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({
    example: '5000000.00',
    description: 'Minimum balance of a heavy-task district (default 5,000,000.00)',
  })
  @IsOptional()
  @IsYuan({ allowZero: true })
  minimumFund?: string;

  @ApiPropertyOptional({
    example: 90,
    description: 'A covered loan more than this many days overdue is non-performing (circuit breaker)',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3650)
  nplOverdueDays?: number;
}

export class UpdateRiskFundDto {
  @ApiPropertyOptional({ example: 'Yiyuan County risk compensation fund' })
  @IsOptional()
  @IsString()
  @MinLength(2)
  @MaxLength(200)
  name?: string;
  @ApiPropertyOptional({ example: '6000000.00' })
  @IsOptional()
  @IsYuan({ allowZero: true })
  minimumFund?: string;
  @ApiPropertyOptional({ example: 90 }) @IsOptional() @IsInt() @Min(1) @Max(3650) nplOverdueDays?: number;
  @ApiPropertyOptional({
    enum: ['CLOSED'],
    description: 'Close an empty fund (zero balance, no open covers)',
  })
  @IsOptional()
  @IsIn(['CLOSED'])
  status?: 'CLOSED';
}

export class RiskFundListQuery extends PageQuery {
  @ApiPropertyOptional({ example: '3' }) @IsOptional() @Matches(ID) districtId?: string;
  @ApiPropertyOptional({ enum: ['ACTIVE', 'CLOSED'] }) @IsOptional() @IsIn(['ACTIVE', 'CLOSED']) status?:
    'ACTIVE' | 'CLOSED';
  @ApiPropertyOptional({ example: true }) @IsOptional() @Transform(toBool) @IsBoolean() heavyTask?: boolean;
}

export class DepositDto {
  @ApiProperty({ enum: RISK_FUND_SOURCES, example: 'CITY' })
  @IsIn(RISK_FUND_SOURCES)
  source: RiskFundSource;

  @ApiProperty({ example: '3000000.00' })
  @IsYuan()
  amount: string;

  @ApiProperty({ example: '2026-01-15', description: 'Value date of the deposit at the bank' })
  @IsCalendarDate()
  receivedOn: string;

  @ApiPropertyOptional({ example: 'ZCZ[2026]12', description: 'Budget or transfer document' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  documentRef?: string;

  @ApiPropertyOptional({ example: 'Zibo Urban Investment Group', description: 'Required when source is SOE' })
  @ValidateIf((o: DepositDto) => o.source === 'SOE' || o.soeName !== undefined)
  @IsString()
  @MinLength(2)
  @MaxLength(200)
  soeName?: string;

  @ApiPropertyOptional({
    example: '100000000.00',
    description: 'SOE: the profit the 3 % contribution was computed on',
  })
  @IsOmittable()
  @IsYuan()
  soeProfitBase?: string;

  @ApiPropertyOptional({ example: 'first tranche 2026' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  memo?: string;
}

export class RiskFundWithdrawalDto {
  @ApiProperty({
    enum: RISK_FUND_SOURCES,
    example: 'DISTRICT',
    description: 'The source the money returns to',
  })
  @IsIn(RISK_FUND_SOURCES)
  source: RiskFundSource;

  @ApiProperty({ example: '200000.00' })
  @IsYuan()
  amount: string;

  @ApiProperty({ example: '2026-06-30' })
  @IsCalendarDate()
  date: string;

  @ApiProperty({ example: 'returned to the district treasury after the 2026 review' })
  @IsString()
  @MinLength(3)
  @MaxLength(500)
  reason: string;

  @ApiPropertyOptional({ example: 'ZCZ[2026]40' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  documentRef?: string;
}

export class InterestDto {
  @ApiProperty({ example: '13750.00', description: 'Deposit interest the bank credited to the fund account' })
  @IsYuan()
  amount: string;

  @ApiProperty({ example: '2026-03-21' })
  @IsCalendarDate()
  date: string;

  @ApiPropertyOptional({ example: 'Q1 2026 deposit interest' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  memo?: string;
}

export class MovementQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['DEPOSIT', 'WITHDRAWAL', 'INTEREST', 'COMPENSATION', 'RECOVERY'] })
  @IsOptional()
  @IsIn(['DEPOSIT', 'WITHDRAWAL', 'INTEREST', 'COMPENSATION', 'RECOVERY'])
  kind?: string;
  @ApiPropertyOptional({ enum: RISK_FUND_SOURCES })
  @IsOptional()
  @IsIn(RISK_FUND_SOURCES)
  source?: RiskFundSource;
  @ApiPropertyOptional({ example: '2026-01-01' }) @IsOptional() @IsCalendarDate() from?: string;
  @ApiPropertyOptional({ example: '2026-12-31' }) @IsOptional() @IsCalendarDate() to?: string;
}

// ─── cooperation agreements ─────────────────────────────────────────────────────────────────────────────────────

export const COMPENSATION_MODES = ['ADVANCE', 'FINAL_LOSS'] as const;
export type CompensationMode = (typeof COMPENSATION_MODES)[number];

export class AgreementTermsDto {
  @ApiPropertyOptional({
    example: '10',
    description: 'Covered outstanding ≤ multiple × fund balance (default 10)',
  })
  @IsOptional()
  @IsDecimalBetween('0.0001', '100', 4, 'a leverage multiple')
  leverageMultiple?: string;

  @ApiPropertyOptional({
    type: String,
    example: '5',
    nullable: true,
    description: 'Optional lower multiple for operating-entity loans; null removes it',
  })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsDecimalBetween('0.0001', '100', 4, 'a leverage multiple')
  entityLeverageMultiple?: string | null;

  @ApiPropertyOptional({ example: '80', description: "The fund's share of a loss (default 80)" })
  @IsOptional()
  @IsDecimalBetween('0', '100', 2, 'a percentage')
  fundSharePercent?: string;

  @ApiPropertyOptional({
    example: '20',
    description: "The bank's share of a loss (default 20); the two sum to 100",
  })
  @IsOptional()
  @IsDecimalBetween('0', '100', 2, 'a percentage')
  bankSharePercent?: string;

  @ApiPropertyOptional({
    enum: COMPENSATION_MODES,
    example: 'ADVANCE',
    description: 'ADVANCE: claim at triggerDays overdue; FINAL_LOSS: after recovery efforts',
  })
  @IsOptional()
  @IsIn(COMPENSATION_MODES)
  compensationMode?: CompensationMode;

  @ApiPropertyOptional({
    example: 90,
    description:
      'Days overdue before a claim (default 90): ADVANCE claims then, FINAL_LOSS once recovery is also exhausted',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3650)
  triggerDays?: number;

  @ApiPropertyOptional({
    example: '5',
    description: 'District NPL ratio (percent) at which new covered lending stops (default 5)',
  })
  @IsOptional()
  @IsDecimalBetween('0.0001', '100', 4, 'a percentage')
  nplThresholdPercent?: string;

  @ApiPropertyOptional({
    type: String,
    example: '2028-12-31',
    nullable: true,
    description: 'Last day of validity; null for open-ended',
  })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsCalendarDate()
  validTo?: string | null;
}

export class CreateAgreementDto extends AgreementTermsDto {
  @ApiProperty({ example: 'ZB-YY-2026-001' })
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._/-]{1,63}$/, {
    message: 'agreementNo must be 2-64 letters, digits or ._/-',
  })
  agreementNo: string;

  @ApiProperty({ example: '1' })
  @IsString()
  @Matches(ID, { message: 'riskFundId must be a positive integer id' })
  riskFundId: string;
  @ApiProperty({ example: '1' })
  @IsString()
  @Matches(ID, { message: 'bankId must be a positive integer id' })
  bankId: string;

  @ApiProperty({ example: '2026-01-01' })
  @IsCalendarDate()
  validFrom: string;
}

export class UpdateAgreementDto extends AgreementTermsDto {
  @ApiPropertyOptional({ example: '2026-01-01' }) @IsOptional() @IsCalendarDate() validFrom?: string;
}

export class TerminateAgreementDto {
  @ApiPropertyOptional({
    example: '2026-12-31',
    description: 'Defaults to today; no new loans are covered after it',
  })
  @IsOptional()
  @IsCalendarDate()
  terminatedOn?: string;
}

export class AgreementListQuery extends PageQuery {
  @ApiPropertyOptional({ example: '1' }) @IsOptional() @Matches(ID) riskFundId?: string;
  @ApiPropertyOptional({ example: '1' }) @IsOptional() @Matches(ID) bankId?: string;
  @ApiPropertyOptional({ example: '3' }) @IsOptional() @Matches(ID) districtId?: string;
  @ApiPropertyOptional({ enum: ['ACTIVE', 'TERMINATED'] })
  @IsOptional()
  @IsIn(['ACTIVE', 'TERMINATED'])
  status?: 'ACTIVE' | 'TERMINATED';
  @ApiPropertyOptional({ example: '2026-06-30', description: 'only agreements in force on this date' })
  @IsOptional()
  @IsCalendarDate()
  activeOn?: string;
}

export class CoverListQuery extends PageQuery {
  @ApiPropertyOptional({ example: '1' }) @IsOptional() @Matches(ID) riskFundId?: string;
  @ApiPropertyOptional({ example: '1' }) @IsOptional() @Matches(ID) agreementId?: string;
  @ApiPropertyOptional({ example: '1' }) @IsOptional() @Matches(ID) bankId?: string;
  @ApiPropertyOptional({ enum: ['PENDING', 'ACTIVE', 'CLOSED', 'VOIDED'] })
  @IsOptional()
  @IsIn(['PENDING', 'ACTIVE', 'CLOSED', 'VOIDED'])
  status?: string;
}

/** Path ids are validated like body ids, so `/risk-funds/abc` is a 400 naming the parameter, not a 500. */
export class IdParam {
  @ApiProperty({ example: '1' })
  @IsString()
  @Matches(ID, { message: 'id must be a positive integer id' })
  id: string;
}

export class BankKeyParam {
  @ApiProperty({ example: '1' })
  @IsString()
  @Matches(ID, { message: 'id must be a positive integer id' })
  id: string;
  @ApiProperty({ example: '1' })
  @IsString()
  @Matches(ID, { message: 'keyId must be a positive integer id' })
  keyId: string;
}
