import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  registerDecorator,
  type ValidationArguments,
} from 'class-validator';
import { PageQuery, ID_PATTERN as ID } from '#libs/common';
import { isBusinessDate } from '#libs/schedules';
import { CONTRIBUTION_SOURCES, CONTRIBUTION_TARGETS } from './funding.service.js';

const toInt = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : Number(value);

function IsDate() {
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

export class FundingContributionQuery extends PageQuery {
  @ApiPropertyOptional({ enum: CONTRIBUTION_TARGETS })
  @IsOptional()
  @IsIn(CONTRIBUTION_TARGETS)
  targetType?: (typeof CONTRIBUTION_TARGETS)[number];

  @ApiPropertyOptional({ example: '1' })
  @IsOptional()
  @Matches(ID)
  targetId?: string;

  @ApiPropertyOptional({ enum: CONTRIBUTION_SOURCES })
  @IsOptional()
  @IsIn(CONTRIBUTION_SOURCES)
  source?: (typeof CONTRIBUTION_SOURCES)[number];

  @ApiPropertyOptional({ example: 2026 })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(2000)
  @Max(2100)
  year?: number;

  @ApiPropertyOptional({ example: '3' })
  @IsOptional()
  @Matches(ID)
  districtId?: string;

  @ApiPropertyOptional({ example: '2026-01-01', description: 'Received on or after' })
  @IsOptional()
  @IsDate()
  from?: string;

  @ApiPropertyOptional({ example: '2026-12-31', description: 'Received on or before' })
  @IsOptional()
  @IsDate()
  to?: string;

  @ApiPropertyOptional({ example: '淄财农', description: 'Part of the document reference' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  documentRef?: string;

  @ApiPropertyOptional({ example: '矿业', description: 'Part of the SOE name' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  soeName?: string;
}

export class YearParam {
  @ApiProperty({ example: 2026 })
  @Transform(toInt)
  @IsInt()
  @Min(2000)
  @Max(2100)
  year: number;
}

export class MatchingRuleDto {
  @ApiProperty({
    example: '2.0',
    description: 'District yuan required per city yuan (0-100, at most 4 decimals)',
  })
  @IsString()
  ratio: string;

  @ApiPropertyOptional({
    example: '3',
    description: 'Share of its profit an SOE contributes, percent (default 3)',
  })
  @IsOptional()
  @IsString()
  soeProfitPercent?: string;

  @ApiPropertyOptional({ example: '淄政办〔2026〕5号' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  documentRef?: string;

  @ApiPropertyOptional({ example: 'ratio raised for heavy-task districts' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  note?: string;
}

export class ComplianceQuery {
  @ApiProperty({ example: 2026 })
  @Transform(toInt)
  @IsInt()
  @Min(2000)
  @Max(2100)
  year: number;

  @ApiPropertyOptional({ example: '3' })
  @IsOptional()
  @Matches(ID)
  districtId?: string;
}

export class ComplianceExportQuery extends ComplianceQuery {
  @ApiPropertyOptional({ enum: ['csv', 'xlsx'], default: 'csv' })
  @IsOptional()
  @IsIn(['csv', 'xlsx'])
  format: 'csv' | 'xlsx' = 'csv';
}
