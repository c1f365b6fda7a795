import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
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
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { PageQuery, ID_PATTERN as ID } from '#libs/common';
import { IsPercent, IsYuan } from '#libs/money';
import { IsCalendarDate } from './dto.js';

/** A bank's own loan reference: letters, digits and - _ . / (it appears in statements and URLs). */
const REF = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/;

export class RegisterCoveredLoanDto {
  @ApiProperty({ example: 'ZB2026-000123', description: "The bank's own loan reference, unique per bank" })
  @IsString()
  @Matches(REF, { message: 'bankLoanRef must be 1-64 of letters, digits and . _ / -' })
  bankLoanRef: string;

  @ApiProperty({ enum: ['HOUSEHOLD', 'ENTITY'], example: 'HOUSEHOLD' })
  @IsIn(['HOUSEHOLD', 'ENTITY'])
  borrowerType: 'HOUSEHOLD' | 'ENTITY';

  @ApiPropertyOptional({ example: '17', description: 'Required when borrowerType is HOUSEHOLD' })
  @ValidateIf((o: RegisterCoveredLoanDto) => o.borrowerType === 'HOUSEHOLD' || o.householdId !== undefined)
  @Matches(ID, { message: 'householdId must be a positive integer id' })
  householdId?: string;

  @ApiPropertyOptional({ example: '4', description: 'Required when borrowerType is ENTITY' })
  @ValidateIf((o: RegisterCoveredLoanDto) => o.borrowerType === 'ENTITY' || o.entityId !== undefined)
  @Matches(ID, { message: 'entityId must be a positive integer id' })
  entityId?: string;

  @ApiProperty({
    example: 'HH_MICRO_STD',
    description: 'Product code (a HOUSEHOLD_MICROCREDIT or ENTITY_LOAN product); its current version applies',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(40)
  productCode: string;

  @ApiProperty({ example: '30000.00' })
  @IsYuan()
  amount: string;

  @ApiProperty({ example: 12 })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(360)
  termMonths: number;

  @ApiPropertyOptional({
    example: '4.35',
    description:
      'Contract rate, percent a year. Must equal the product rate in force on the disbursement (contract) date for the term (benchmark + markup, or the fixed rate), compared exactly; refused with RATE_NOT_IN_FORCE otherwise. Default: that rate',
  })
  @IsOptional()
  @IsPercent('0', '36')
  annualRatePercent?: string;

  @ApiProperty({ example: 'BREEDING', description: 'A productive purpose allowed by the product' })
  @IsString()
  @MaxLength(40)
  purpose: string;

  @ApiProperty({
    example: '2026-03-01',
    description: 'On or before today: registered as DISBURSED; later (≤ 60 days): APPROVED until confirmed',
  })
  @IsCalendarDate()
  disbursementDate: string;
}

export class CancelCoveredLoanDto {
  @ApiProperty({ example: 'borrower withdrew the application' })
  @IsString()
  @MinLength(3)
  @MaxLength(500)
  reason: string;
}

export class RepaymentReportDto {
  @ApiProperty({ example: '2026-04-01' })
  @IsCalendarDate()
  paidOn: string;

  @ApiProperty({
    example: '2500.00',
    description: 'Principal repaid (0.00 when the payment was interest only)',
  })
  @IsYuan({ allowZero: true })
  principal: string;

  @ApiPropertyOptional({ example: '108.75', default: '0.00' })
  @IsOptional()
  @IsYuan({ allowZero: true })
  interest?: string;
}

export class StatusReportDto {
  @ApiProperty({ example: '2026-06-30' })
  @IsCalendarDate()
  asOf: string;

  @ApiProperty({ example: 95, description: 'Days the oldest unpaid instalment is overdue (0 = current)' })
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(36500)
  daysOverdue: number;

  @ApiPropertyOptional({
    example: false,
    description: "The bank's recovery efforts are exhausted (opens a FINAL_LOSS claim)",
  })
  @IsOptional()
  @IsBoolean()
  recoveryExhausted?: boolean;
}

export class BulkReportRowDto {
  @ApiProperty({ example: 'ZB2026-000123' })
  @IsString()
  @Matches(REF, { message: 'bankLoanRef must be 1-64 of letters, digits and . _ / -' })
  bankLoanRef: string;

  @ApiProperty({ enum: ['REPAYMENT', 'STATUS'], example: 'REPAYMENT' })
  @IsIn(['REPAYMENT', 'STATUS'])
  kind: 'REPAYMENT' | 'STATUS';

  @ApiPropertyOptional({ example: '2026-04-01', description: 'REPAYMENT rows' })
  @ValidateIf((o: BulkReportRowDto) => o.kind === 'REPAYMENT')
  @IsCalendarDate()
  paidOn?: string;

  @ApiPropertyOptional({ example: '2500.00', description: 'REPAYMENT rows' })
  @ValidateIf((o: BulkReportRowDto) => o.kind === 'REPAYMENT')
  @IsYuan({ allowZero: true })
  principal?: string;

  @ApiPropertyOptional({ example: '108.75' })
  @IsOptional()
  @IsYuan({ allowZero: true })
  interest?: string;

  @ApiPropertyOptional({ example: '2026-06-30', description: 'STATUS rows' })
  @ValidateIf((o: BulkReportRowDto) => o.kind === 'STATUS')
  @IsCalendarDate()
  asOf?: string;

  @ApiPropertyOptional({ example: 95, description: 'STATUS rows' })
  @ValidateIf((o: BulkReportRowDto) => o.kind === 'STATUS')
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(36500)
  daysOverdue?: number;

  @ApiPropertyOptional({ example: false })
  @IsOptional()
  @IsBoolean()
  recoveryExhausted?: boolean;
}

export class BulkReportDto {
  @ApiProperty({
    type: [BulkReportRowDto],
    description: '1-1000 rows; each row commits (or fails) on its own',
  })
  @IsArray()
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => BulkReportRowDto)
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  items: BulkReportRowDto[];
}

export class CoveredLoanListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['APPROVED', 'DISBURSED', 'CLOSED', 'CANCELLED', 'WRITTEN_OFF'] })
  @IsOptional()
  @IsIn(['APPROVED', 'DISBURSED', 'CLOSED', 'CANCELLED', 'WRITTEN_OFF'])
  status?: string;
  @ApiPropertyOptional({ example: '1' }) @IsOptional() @Matches(ID) bankId?: string;
  @ApiPropertyOptional({ example: '3' }) @IsOptional() @Matches(ID) districtId?: string;
  @ApiPropertyOptional({ example: '1' }) @IsOptional() @Matches(ID) agreementId?: string;
  @ApiPropertyOptional({ example: 'ZB2026-000123' }) @IsOptional() @Matches(REF) bankLoanRef?: string;
  @ApiPropertyOptional({ example: true })
  @IsOptional()
  @IsIn(['true', 'false'])
  nonPerforming?: 'true' | 'false';
}

export class FileClaimDto {
  @ApiPropertyOptional({ example: 'ADVANCE at 95 days overdue; borrower unreachable since May' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  memo?: string;
}

export class PayClaimDto {
  @ApiPropertyOptional({
    example: '2026-09-15',
    description: "the day the fund paid (the payment's value date); defaults to today, never after it nor before filing",
  })
  @IsOptional()
  @IsCalendarDate()
  paidOn?: string;
}

export class RejectClaimDto {
  @ApiProperty({ example: 'loan was restructured; refile if it defaults again' })
  @IsString()
  @MinLength(3)
  @MaxLength(500)
  reason: string;
}

export class RecoveryDto {
  @ApiProperty({ example: '5000.00', description: 'Recovered from the borrower after compensation' })
  @IsYuan()
  amount: string;

  @ApiProperty({ example: '2026-09-15' })
  @IsCalendarDate()
  recoveredOn: string;

  @ApiPropertyOptional({ example: 'collateral-free settlement with the borrower' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  memo?: string;
}

export class ClaimListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['FILED', 'PAID', 'REJECTED'] })
  @IsOptional()
  @IsIn(['FILED', 'PAID', 'REJECTED'])
  status?: string;
  @ApiPropertyOptional({ example: '1' }) @IsOptional() @Matches(ID) bankId?: string;
  @ApiPropertyOptional({ example: '1' }) @IsOptional() @Matches(ID) riskFundId?: string;
  @ApiPropertyOptional({ example: '42' }) @IsOptional() @Matches(ID) loanId?: string;
}
