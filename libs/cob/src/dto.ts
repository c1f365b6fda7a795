import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsNumberString, IsOptional, MaxLength } from 'class-validator';
import { PageQuery } from '#libs/common';
import { IsCalendarDate } from '#libs/repayment';

export class CobRunDto {
  @ApiProperty({
    example: '2026-05-31',
    description: 'the business date to close (today or earlier, never before the latest closed date)',
  })
  @IsCalendarDate()
  businessDate: string;

  @ApiPropertyOptional({
    example: false,
    description: 'run the latest closed date again (changes nothing: every step is idempotent)',
  })
  @IsOptional()
  @IsBoolean()
  rerun?: boolean;
}

export class BusinessDateParam {
  @ApiProperty({ example: '2026-05-31' }) @IsCalendarDate() businessDate: string;
}

const RUN_STATUSES = ['RUNNING', 'COMPLETED', 'FAILED'] as const;

export class CobRunListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: RUN_STATUSES })
  @IsOptional()
  @IsIn(RUN_STATUSES)
  status?: (typeof RUN_STATUSES)[number];
  @ApiPropertyOptional({ example: '2026-05-01' }) @IsOptional() @IsCalendarDate() from?: string;
  @ApiPropertyOptional({ example: '2026-05-31' }) @IsOptional() @IsCalendarDate() to?: string;
}

export class SnapshotListQuery extends PageQuery {
  @ApiPropertyOptional({ example: '1' })
  @IsOptional()
  @IsNumberString({ no_symbols: true })
  @MaxLength(18)
  fundId?: string;
  @ApiPropertyOptional({ example: '1' })
  @IsOptional()
  @IsNumberString({ no_symbols: true })
  @MaxLength(18)
  districtId?: string;
  @ApiPropertyOptional({ example: '2026-05-01' }) @IsOptional() @IsCalendarDate() from?: string;
  @ApiPropertyOptional({ example: '2026-05-31' }) @IsOptional() @IsCalendarDate() to?: string;
}

const CALL_STATUSES = ['OPEN', 'CLEARED'] as const;
const toUpper = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.toUpperCase() : value);

export class CallListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: CALL_STATUSES })
  @IsOptional()
  @Transform(toUpper)
  @IsIn(CALL_STATUSES)
  status?: (typeof CALL_STATUSES)[number];
  @ApiPropertyOptional({ example: '1' })
  @IsOptional()
  @IsNumberString({ no_symbols: true })
  @MaxLength(18)
  fundId?: string;
  @ApiPropertyOptional({ example: '3' })
  @IsOptional()
  @IsNumberString({ no_symbols: true })
  @MaxLength(18)
  groupId?: string;
  @ApiPropertyOptional({ example: '17' })
  @IsOptional()
  @IsNumberString({ no_symbols: true })
  @MaxLength(18)
  householdId?: string;
  @ApiPropertyOptional({ example: '42' })
  @IsOptional()
  @IsNumberString({ no_symbols: true })
  @MaxLength(18)
  loanId?: string;
}
