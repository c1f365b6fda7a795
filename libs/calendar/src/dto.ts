import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { IsCalendarDate } from '#libs/repayment';
import { MAX_ADVANCE_DAYS } from './domain/days.js';

export class AdvanceBusinessDateDto {
  @ApiPropertyOptional({
    example: '2027-01-31',
    description: 'the business date to move to (after the current one, at most 366 days later); or give `days`',
  })
  @IsOptional()
  @IsCalendarDate()
  to?: string;

  @ApiPropertyOptional({ example: 1, minimum: 1, maximum: MAX_ADVANCE_DAYS, description: 'days to move forward (default 1 when `to` is absent)' })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value))
  @IsInt()
  @Min(1)
  @Max(MAX_ADVANCE_DAYS)
  days?: number;
}

export class StartBusinessDateDto {
  @ApiProperty({ example: '2026-01-01', description: 'the date a fresh sandbox (no journal entry yet) starts at' })
  @IsCalendarDate()
  businessDate: string;
}
