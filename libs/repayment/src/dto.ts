import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
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
import { PageQuery } from '#libs/common';
import { IsYuan, parseYuan } from '#libs/money';
import { IsCalendarDate } from '#libs/schedules';
import type { RecordRepaymentInput } from './repayment.service.js';
import {
  REPAYMENT_CHANNELS,
  REPAYMENT_KINDS,
  REPAYMENT_STATUSES,
  type RepaymentChannel,
  type RepaymentKind,
  type RepaymentStatus,
} from './views.js';

/** The one calendar-date validator lives with the dates (libs/schedules); re-exported for this library's users. */
export { IsCalendarDate };

const ID_EXAMPLE = '42';

export class LoanIdParam {
  @ApiProperty({ example: ID_EXAMPLE }) @IsNumberString({ no_symbols: true }) @MaxLength(18) id: string;
}

export class RepaymentIdParam {
  @ApiProperty({ example: '7' }) @IsNumberString({ no_symbols: true }) @MaxLength(18) id: string;
}

export class FundIdParam {
  @ApiProperty({ example: '1' }) @IsNumberString({ no_symbols: true }) @MaxLength(18) id: string;
}

export class CreateRepaymentDto {
  @ApiProperty({
    example: '1060.00',
    description: 'amount received, in yuan; never more than the payoff on the value date',
  })
  @IsYuan()
  amount: string;

  @ApiProperty({
    example: '2026-05-20',
    description: 'the day the money was received; today or up to REPAYMENT_BACKDATE_DAYS (default 30) back',
  })
  @IsCalendarDate()
  valueDate: string;

  @ApiProperty({ enum: REPAYMENT_CHANNELS, example: 'CASH' })
  @IsIn(REPAYMENT_CHANNELS)
  channel: RepaymentChannel;

  @ApiPropertyOptional({ example: '收据 2026-0113', description: 'receipt or bank reference' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  reference?: string;

  @ApiPropertyOptional({
    example: '18',
    description: 'the household that paid, when not the borrower (a group co-obligor)',
  })
  @IsOptional()
  @IsNumberString({ no_symbols: true })
  @MaxLength(18)
  payerHouseholdId?: string;

  toInput(): RecordRepaymentInput {
    const r = parseYuan(this.amount);
    // The validators ran first; a failure here is a programming error, not bad input.
    if (!r.ok) throw new RangeError(`unvalidated amount ${this.amount}`);
    return {
      amountFen: r.fen,
      valueDate: this.valueDate,
      channel: this.channel,
      reference: this.reference,
      payerHouseholdId: this.payerHouseholdId,
    };
  }
}

export class ReasonDto {
  @ApiProperty({ example: 'receipt entered twice by mistake', minLength: 3, maxLength: 500 })
  @IsString()
  @MinLength(3)
  @MaxLength(500)
  reason: string;
}

export class RepaymentListQuery extends PageQuery {
  @ApiPropertyOptional({ example: ID_EXAMPLE })
  @IsOptional()
  @IsNumberString({ no_symbols: true })
  @MaxLength(18)
  loanId?: string;
  @ApiPropertyOptional({ example: '1' })
  @IsOptional()
  @IsNumberString({ no_symbols: true })
  @MaxLength(18)
  fundId?: string;
  @ApiPropertyOptional({ enum: REPAYMENT_KINDS }) @IsOptional() @IsIn(REPAYMENT_KINDS) kind?: RepaymentKind;
  @ApiPropertyOptional({ enum: REPAYMENT_STATUSES })
  @IsOptional()
  @IsIn(REPAYMENT_STATUSES)
  status?: RepaymentStatus;
  @ApiPropertyOptional({ enum: REPAYMENT_CHANNELS })
  @IsOptional()
  @IsIn(REPAYMENT_CHANNELS)
  channel?: RepaymentChannel;
  @ApiPropertyOptional({ example: '2026-01-01', description: 'value date from (inclusive)' })
  @IsOptional()
  @IsCalendarDate()
  from?: string;
  @ApiPropertyOptional({ example: '2026-12-31', description: 'value date to (inclusive)' })
  @IsOptional()
  @IsCalendarDate()
  to?: string;
}

export class LoanRepaymentListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: REPAYMENT_STATUSES })
  @IsOptional()
  @IsIn(REPAYMENT_STATUSES)
  status?: RepaymentStatus;
  @ApiPropertyOptional({ example: '2026-01-01' }) @IsOptional() @IsCalendarDate() from?: string;
  @ApiPropertyOptional({ example: '2026-12-31' }) @IsOptional() @IsCalendarDate() to?: string;
}

export class PayoffQuery {
  @ApiPropertyOptional({
    example: '2026-06-15',
    description: 'default today; never before the loan’s last accrual or payment',
  })
  @IsOptional()
  @IsCalendarDate()
  valueDate?: string;
}

export class WriteOffListQuery extends PageQuery {
  @ApiPropertyOptional({ example: '1' })
  @IsOptional()
  @IsNumberString({ no_symbols: true })
  @MaxLength(18)
  fundId?: string;
  @ApiPropertyOptional({ example: '2026-01-01' }) @IsOptional() @IsCalendarDate() from?: string;
  @ApiPropertyOptional({ example: '2026-12-31' }) @IsOptional() @IsCalendarDate() to?: string;
}

export class FeeDistributionDto {
  @ApiProperty({ example: 2025, description: 'the ended year whose income is distributed' })
  @IsInt()
  @Min(2000)
  @Max(2100)
  year: number;
}

export class FeeDistributionListQuery extends PageQuery {
  @ApiPropertyOptional({ example: 2024 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(2000)
  @Max(2100)
  fromYear?: number;
  @ApiPropertyOptional({ example: 2026 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(2000)
  @Max(2100)
  toYear?: number;
}
