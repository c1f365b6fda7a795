import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumberString,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { IsCalendarDate } from '#libs/schedules';
import { IsOmittable, PageQuery } from '#libs/common';
import { IsPercent, IsYuan, parseYuan, type Fen } from '#libs/money';
import type { ContributeInput } from './contributions.service.js';
import { CAPITAL_SOURCES, type CapitalSource } from './domain/accounts.js';
import type { FundRules } from './domain/rules.js';
import { FUND_STATUSES, type FundStatus } from './funds.service.js';
import type { WithdrawInput } from './shares.service.js';

/** Query strings carry booleans as text. */
const toBool = ({ value }: { value: unknown }) =>
  value === 'true' ? true : value === 'false' ? false : value;
const fen = (text: string | undefined): Fen | undefined => {
  if (text === undefined) return undefined;
  const r = parseYuan(text);
  // The validators ran first; a failure here is a programming error, not bad input.
  if (!r.ok) throw new RangeError(`unvalidated amount ${text}`);
  return r.fen;
};

export class FundIdParam {
  @ApiProperty({ example: '1' }) @IsNumberString({ no_symbols: true }) @MaxLength(18) id: string;
}

/** Rule fields: each is checked for its type here and, with the others, for its business bounds by the service (422). */
export class FundRulesDto {
  @ApiPropertyOptional({
    example: '90',
    description: 'outstanding principal ≤ this percent of capital; (0, 100]',
  })
  @IsOmittable()
  @IsPercent('0', '100', 2)
  lendingCapPercent?: string;

  @ApiPropertyOptional({ example: '10000.00', description: 'largest loan' })
  @IsOmittable()
  @IsYuan()
  maxLoan?: string;

  @ApiPropertyOptional({ example: '5000.00', description: 'largest first loan of a household (≤ maxLoan)' })
  @IsOmittable()
  @IsYuan()
  firstLoanMax?: string;

  @ApiPropertyOptional({ example: 12 }) @IsOmittable() @IsInt() maxTermMonths?: number;

  @ApiPropertyOptional({ example: '6', description: 'usage fee (占用费) in percent per year' })
  @IsOmittable()
  @IsPercent('0', '36', 6)
  usageFeeRatePercent?: string;

  @ApiPropertyOptional({
    example: true,
    description: 'a joint-liability group (联保小组) must endorse each loan',
  })
  @IsOmittable()
  @IsBoolean()
  groupRequired?: boolean;

  @ApiPropertyOptional({ example: 3 }) @IsOmittable() @IsInt() groupMinSize?: number;
  @ApiPropertyOptional({ example: 5 }) @IsOmittable() @IsInt() groupMaxSize?: number;

  @ApiPropertyOptional({ example: 3, description: 'public notice (公示) days; 0 disables the notice' })
  @IsOmittable()
  @IsInt()
  publicNoticeDays?: number;

  @ApiPropertyOptional({ example: '8000.00', description: 'loans above this need a second approver' })
  @IsOmittable()
  @IsYuan()
  secondApprovalThreshold?: string;

  @ApiPropertyOptional({
    example: 12,
    description: 'months a member-paid share stays in before it may be withdrawn',
  })
  @IsOmittable()
  @IsInt()
  shareLockMonths?: number;

  @ApiPropertyOptional({
    example: '40',
    description: 'year-end fee income to capital; the five fee percentages sum to 100',
  })
  @IsOmittable()
  @IsPercent('0', '100', 2)
  feeCapitalPercent?: string;
  @ApiPropertyOptional({ example: '20' })
  @IsOmittable()
  @IsPercent('0', '100', 2)
  feeRiskReservePercent?: string;
  @ApiPropertyOptional({ example: '10' })
  @IsOmittable()
  @IsPercent('0', '100', 2)
  feePublicWelfarePercent?: string;
  @ApiPropertyOptional({ example: '30' })
  @IsOmittable()
  @IsPercent('0', '100', 2)
  feeAdministrationPercent?: string;
  @ApiPropertyOptional({ example: '0' }) @IsOmittable() @IsPercent('0', '100', 2) feeDividendPercent?: string;

  toRules(): Partial<FundRules> {
    return {
      lendingCapPercent: this.lendingCapPercent,
      maxLoanFen: fen(this.maxLoan),
      firstLoanMaxFen: fen(this.firstLoanMax),
      maxTermMonths: this.maxTermMonths,
      usageFeeRatePercent: this.usageFeeRatePercent,
      groupRequired: this.groupRequired,
      groupMinSize: this.groupMinSize,
      groupMaxSize: this.groupMaxSize,
      publicNoticeDays: this.publicNoticeDays,
      secondApprovalThresholdFen: fen(this.secondApprovalThreshold),
      shareLockMonths: this.shareLockMonths,
      feeCapitalPercent: this.feeCapitalPercent,
      feeRiskReservePercent: this.feeRiskReservePercent,
      feePublicWelfarePercent: this.feePublicWelfarePercent,
      feeAdministrationPercent: this.feeAdministrationPercent,
      feeDividendPercent: this.feeDividendPercent,
    };
  }
}

export class CreateFundDto extends FundRulesDto {
  @ApiProperty({ example: '1', description: 'the village the fund belongs to (one fund per village)' })
  @IsNumberString({ no_symbols: true })
  @MaxLength(18)
  villageId: string;

  @ApiPropertyOptional({ example: '上小峰村互助资金', description: 'defaults to "<village name>互助资金"' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name?: string;
}

export class UpdateFundStatusDto {
  @ApiProperty({ enum: FUND_STATUSES, example: 'SUSPENDED' }) @IsIn(FUND_STATUSES) status: FundStatus;
  @ApiProperty({ example: 'committee re-election under way' })
  @IsString()
  @MinLength(3)
  @MaxLength(500)
  reason: string;
}

export class FundListQuery extends PageQuery {
  @ApiPropertyOptional({ example: '1' })
  @IsOptional()
  @IsNumberString({ no_symbols: true })
  @MaxLength(18)
  districtId?: string;
  @ApiPropertyOptional({ example: '1' })
  @IsOptional()
  @IsNumberString({ no_symbols: true })
  @MaxLength(18)
  villageId?: string;
  @ApiPropertyOptional({ enum: FUND_STATUSES }) @IsOptional() @IsIn(FUND_STATUSES) status?: FundStatus;
}

export class ContributionDto {
  @ApiProperty({ enum: CAPITAL_SOURCES, example: 'DISTRICT' }) @IsIn(CAPITAL_SOURCES) source: CapitalSource;

  @ApiProperty({ example: '300000.00' }) @IsYuan() amount: string;

  @ApiPropertyOptional({ example: 2026, description: 'budget year; defaults to the year of receivedOn' })
  @IsOptional()
  @IsInt()
  @Min(2000)
  @Max(2100)
  year?: number;

  @ApiPropertyOptional({
    example: '2026-03-01',
    description: 'date received; defaults to today, never after it',
  })
  @IsOptional()
  @IsCalendarDate()
  receivedOn?: string;

  @ApiPropertyOptional({ example: '博财预〔2026〕12号', description: 'required for every source but MEMBER' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  documentRef?: string;

  @ApiPropertyOptional({
    example: '17',
    description: 'the household paying its share (MEMBER) or receiving a fiscal-funded share',
  })
  @IsOptional()
  @IsNumberString({ no_symbols: true })
  @MaxLength(18)
  householdId?: string;

  @ApiPropertyOptional({
    example: false,
    description: "fiscal money (CENTRAL/CITY/DISTRICT) paying a poor household's base share (配股)",
  })
  @IsOptional()
  @IsBoolean()
  fiscalFunded?: boolean;

  @ApiPropertyOptional({ example: '淄博矿业集团', description: 'SOE only: the enterprise' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  soeName?: string;

  @ApiPropertyOptional({
    example: '1000000.00',
    description: 'SOE only: the profit the contribution is a share of',
  })
  @IsOmittable()
  @IsYuan()
  soeProfitBase?: string;

  toInput(): ContributeInput {
    return {
      source: this.source,
      amountFen: fen(this.amount)!,
      year: this.year,
      receivedOn: this.receivedOn,
      documentRef: this.documentRef,
      householdId: this.householdId,
      fiscalFunded: this.fiscalFunded,
      soeName: this.soeName,
      soeProfitBaseFen: fen(this.soeProfitBase),
    };
  }
}

export class ContributionListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: CAPITAL_SOURCES }) @IsOptional() @IsIn(CAPITAL_SOURCES) source?: CapitalSource;
  @ApiPropertyOptional({ example: 2026 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(2000)
  @Max(2100)
  year?: number;
  @ApiPropertyOptional({ example: '17' })
  @IsOptional()
  @IsNumberString({ no_symbols: true })
  @MaxLength(18)
  householdId?: string;
  @ApiPropertyOptional({ example: true })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  fiscalFunded?: boolean;
  @ApiPropertyOptional({ example: '2026-01-01' }) @IsOptional() @IsCalendarDate() from?: string;
  @ApiPropertyOptional({ example: '2026-12-31' }) @IsOptional() @IsCalendarDate() to?: string;
}

export class MemberListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['ACTIVE', 'LEFT'] }) @IsOptional() @IsIn(['ACTIVE', 'LEFT']) status?:
    'ACTIVE' | 'LEFT';
  @ApiPropertyOptional({ example: true, description: 'only households currently POOR (true) or not (false)' })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  poor?: boolean;
  @ApiPropertyOptional({
    example: true,
    description: 'only members with a fiscal-funded share (true) or without (false)',
  })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  fiscalFunded?: boolean;
  @ApiPropertyOptional({ example: '17' })
  @IsOptional()
  @IsNumberString({ no_symbols: true })
  @MaxLength(18)
  householdId?: string;
}

export class ShareWithdrawalDto {
  @ApiProperty({ example: '17' }) @IsNumberString({ no_symbols: true }) @MaxLength(18) householdId: string;
  @ApiProperty({ example: '1000.00', description: 'part or all of the member-paid share' })
  @IsYuan()
  amount: string;
  @ApiPropertyOptional({ example: 'moving to the city' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
  @ApiPropertyOptional({
    example: '2026-03-01',
    description: 'the day the share was paid back (its value date); defaults to today, never after it',
  })
  @IsOptional()
  @IsCalendarDate()
  withdrawnOn?: string;

  toInput(): WithdrawInput {
    return { householdId: this.householdId, amountFen: fen(this.amount)!, reason: this.reason, withdrawnOn: this.withdrawnOn };
  }
}

export class WithdrawalListQuery extends PageQuery {
  @ApiPropertyOptional({ example: '17' })
  @IsOptional()
  @IsNumberString({ no_symbols: true })
  @MaxLength(18)
  householdId?: string;
  @ApiPropertyOptional({ example: '2026-01-01' }) @IsOptional() @IsCalendarDate() from?: string;
  @ApiPropertyOptional({ example: '2026-12-31' }) @IsOptional() @IsCalendarDate() to?: string;
}
