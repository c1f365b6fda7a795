import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { PageQuery } from '#libs/common';
import { MONTH } from './domain/month.js';

const MONTH_MESSAGE = 'month must be a calendar month YYYY-MM';

export class MonthParam {
  @ApiProperty({ example: '2026-01', description: 'Report month YYYY-MM (business time zone)' })
  @Matches(MONTH, { message: MONTH_MESSAGE })
  month!: string;
}

export class VersionParam extends MonthParam {
  @ApiProperty({ example: 2, description: 'A stored version of the month' })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  version!: number;
}

export class GenerateReportDto {
  @ApiProperty({ example: '2026-01', description: 'A month that has ended' })
  @Matches(MONTH, { message: MONTH_MESSAGE })
  month!: string;
}

export const REPORT_FORMATS = ['json', 'csv', 'xlsx'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export class ReportQuery {
  @ApiPropertyOptional({ example: 2, description: 'A stored version (default: the latest)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  version?: number;

  @ApiPropertyOptional({ enum: REPORT_FORMATS, default: 'json' })
  @IsOptional()
  @IsIn(REPORT_FORMATS)
  format?: ReportFormat;
}

export class VersionQuery {
  @ApiPropertyOptional({ example: 1, description: 'A stored version (default: the latest)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  version?: number;
}

export class SnapshotListQuery extends PageQuery {
  @ApiPropertyOptional({ example: '2025-07', description: 'First month (inclusive)' })
  @IsOptional()
  @Matches(MONTH, { message: 'from must be a calendar month YYYY-MM' })
  from?: string;

  @ApiPropertyOptional({ example: '2026-01', description: 'Last month (inclusive)' })
  @IsOptional()
  @Matches(MONTH, { message: 'to must be a calendar month YYYY-MM' })
  to?: string;

  @ApiPropertyOptional({ example: true, description: 'Only the newest version of each month' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' || value === true ? true : value === 'false' || value === false ? false : value))
  @IsBoolean()
  latestOnly?: boolean;
}
