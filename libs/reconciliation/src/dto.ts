import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageQuery, ID_PATTERN as ID } from '#libs/common';
import { IsCalendarDate } from '#libs/guarantee';
import { LINE_CATEGORIES, type LineCategory } from './reconciliation.service.js';
import { ENCODING_NAMES } from './statement-reader.js';

export class UploadQuery {
  @ApiProperty({ example: '2026-03-31', description: 'The statement date; rows may repeat it in as_of_date' })
  @IsCalendarDate()
  asOfDate: string;

  @ApiPropertyOptional({
    enum: ['csv', 'jsonl'],
    description: 'Overrides the Content-Type (text/csv, application/x-ndjson)',
  })
  @IsOptional()
  @IsIn(['csv', 'jsonl'])
  format?: 'csv' | 'jsonl';

  @ApiPropertyOptional({
    enum: ENCODING_NAMES,
    example: 'gbk',
    description:
      'The file’s character encoding; without it a UTF-8 BOM means UTF-8, otherwise UTF-8 if the bytes are valid ' +
      'UTF-8, else GB18030 (GBK and GB2312 are read as GB18030, their superset). The Content-Type charset is ignored: ' +
      'clients add charset=utf-8 by habit.',
  })
  @IsOptional()
  @Matches(new RegExp(`^(${ENCODING_NAMES.join('|')})$`, 'i'), {
    message: `encoding must be one of ${ENCODING_NAMES.join(', ')} (any case)`,
  })
  encoding?: string;

  @ApiPropertyOptional({
    example: '1',
    description: 'Required for ADMIN/FUND_ADMIN; a bank always uploads for itself',
  })
  @IsOptional()
  @Matches(ID, { message: 'bankId must be a positive integer id' })
  bankId?: string;
}

export class RunListQuery extends PageQuery {
  @ApiPropertyOptional({ example: '1' }) @IsOptional() @Matches(ID) bankId?: string;
  @ApiPropertyOptional({ example: '2026-01-01', description: 'statement date from' })
  @IsOptional()
  @IsCalendarDate()
  from?: string;
  @ApiPropertyOptional({ example: '2026-12-31', description: 'statement date to' })
  @IsOptional()
  @IsCalendarDate()
  to?: string;
}

export class LineQuery extends PageQuery {
  @ApiPropertyOptional({
    enum: LINE_CATEGORIES,
    description: 'AMOUNT_DIFF and STATUS_DIFF may both hold the same line',
  })
  @IsOptional()
  @IsIn(LINE_CATEGORIES)
  category?: LineCategory;

  @ApiPropertyOptional({ example: 'ZB2026000123' }) @IsOptional() @IsString() @MaxLength(64) ref?: string;
}

export class RunParam {
  @ApiProperty({ example: '1' })
  @IsString()
  @Matches(ID, { message: 'id must be a positive integer id' })
  id: string;
}
