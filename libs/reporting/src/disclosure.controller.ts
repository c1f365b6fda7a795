import { Body, Controller, Get, Header, Param, Post, Query, Res, StreamableFile } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import type { Response } from 'express';
import {
  ApiDate,
  ApiDateTime,
  ApiId,
  ID_PATTERN,
  Public,
  Roles,
  tablesToCsv,
  CSV_CONTENT_TYPE,
} from '#libs/common';
import { DisclosureService } from './disclosure.service.js';
import { disclosureHtml, disclosureTables, type DisclosureScope } from './domain/disclosure.js';

const CODE = /^(\d{6}|\d{12})$/;
const SCOPES: Record<string, DisclosureScope> = { villages: 'VILLAGE', districts: 'DISTRICT' };

export class PublishDisclosureDto {
  @ApiProperty({ enum: ['VILLAGE', 'DISTRICT'], example: 'VILLAGE' })
  @IsIn(['VILLAGE', 'DISTRICT'])
  scope!: DisclosureScope;
  @ApiProperty({
    example: '370302106201',
    description: 'the village code (12 digits) or district code (6 digits)',
  })
  @Matches(CODE, { message: 'code must be a 6-digit district or 12-digit village code' })
  code!: string;
}

export class DisclosurePlaceParams {
  @ApiProperty({ enum: Object.keys(SCOPES) }) @IsIn(Object.keys(SCOPES)) scope!: string;
  @ApiProperty({ example: '370302106201' })
  @Matches(CODE, { message: 'code must be a 6-digit district or 12-digit village code' })
  code!: string;
}

export class DisclosureSnapshotParams extends DisclosurePlaceParams {
  @ApiProperty({ example: '1' })
  @Matches(ID_PATTERN, { message: 'id must be a positive integer' })
  id!: string;
}

export class DisclosureFormatQuery {
  @ApiPropertyOptional({ enum: ['json', 'csv', 'html'], description: 'html: the printable notice page (A4)' })
  @IsOptional()
  @IsIn(['json', 'csv', 'html'])
  format?: 'json' | 'csv' | 'html';
}

export class DisclosureSummaryResponse {
  @ApiId() id!: string;
  @ApiProperty({ enum: ['VILLAGE', 'DISTRICT'] }) scope!: DisclosureScope;
  @ApiProperty({ example: '370302106201' }) code!: string;
  @ApiDate() asOf!: string;
  @ApiDateTime() publishedAt!: string;
  @ApiProperty({ description: 'false when the same content was already published for that date' })
  created!: boolean;
}

export class DisclosureHistoryItem {
  @ApiId() id!: string;
  @ApiDate() asOf!: string;
  @ApiDateTime() publishedAt!: string;
}

export class DisclosureSnapshotResponse {
  @ApiId() id!: string;
  @ApiDate() asOf!: string;
  @ApiDateTime() publishedAt!: string;
  @ApiProperty({
    type: Object,
    description:
      'the posting: notices (with objection deadlines), disbursed loans, fee distributions, funds, subsidy, asset-income ' +
      'dividend runs paid in the last year with each household’s amount (absent from postings published before ' +
      'dividends were disclosed); names masked',
  })
  content!: object;
}

/** Staff publish a posting (a dated, immutable snapshot). */
@ApiTags('disclosure')
@ApiBearerAuth()
@Controller('api/v1/disclosures')
export class DisclosureAdminController {
  constructor(private readonly disclosures: DisclosureService) {}

  @Post()
  @Roles('FUND_ADMIN', 'ADMIN')
  @ApiOperation({
    summary:
      'Publish a village’s or district’s public disclosure as of the business date (a dated, immutable snapshot)',
  })
  @ApiCreatedResponse({ type: DisclosureSummaryResponse })
  publishDisclosure(@Body() dto: PublishDisclosureDto): Promise<DisclosureSummaryResponse> {
    return this.disclosures.publish(dto.scope, dto.code);
  }
}

/**
 * The public, read-only feed: no login, rate-limited by the API-wide limit, cacheable. It serves only what staff
 * published, per village or district code; there is no search and no household-level address, so it cannot be
 * used to enumerate households.
 */
@ApiTags('disclosure')
@Controller('api/v1/public/disclosures')
export class PublicDisclosureController {
  constructor(private readonly disclosures: DisclosureService) {}

  @Get(':scope/:code/history')
  @Public()
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({
    summary: 'The dates a village or district published its disclosure, newest first (public)',
  })
  @ApiOkResponse({ type: [DisclosureHistoryItem] })
  disclosureHistory(@Param() p: DisclosurePlaceParams): Promise<DisclosureHistoryItem[]> {
    return this.disclosures.history(SCOPES[p.scope], p.code);
  }

  @Get(':scope/:code')
  @Public()
  @ApiOperation({
    summary:
      'The latest public disclosure of a village or district as JSON, CSV or a printable page (public)',
  })
  @ApiProduces('application/json', 'text/csv', 'text/html')
  @ApiOkResponse({ type: DisclosureSnapshotResponse })
  async latestDisclosure(
    @Param() p: DisclosurePlaceParams,
    @Query() q: DisclosureFormatQuery,
    @Res({ passthrough: true }) res: Response,
  ) {
    const row = await this.disclosures.get(SCOPES[p.scope], p.code);
    res.setHeader('Cache-Control', 'public, max-age=300');
    return render(row, q.format, res);
  }

  @Get(':scope/:code/:id')
  @Public()
  @ApiOperation({ summary: 'One dated public disclosure, as it was posted (public; never changes)' })
  @ApiProduces('application/json', 'text/csv', 'text/html')
  @ApiOkResponse({ type: DisclosureSnapshotResponse })
  async disclosureSnapshot(
    @Param() p: DisclosureSnapshotParams,
    @Query() q: DisclosureFormatQuery,
    @Res({ passthrough: true }) res: Response,
  ) {
    const row = await this.disclosures.get(SCOPES[p.scope], p.code, p.id);
    res.setHeader('Cache-Control', 'public, max-age=86400, immutable');
    return render(row, q.format, res);
  }
}

type Row = Awaited<ReturnType<DisclosureService['get']>>;

function render(
  row: Row,
  format: 'json' | 'csv' | 'html' | undefined,
  res: Response,
): DisclosureSnapshotResponse | StreamableFile {
  const publishedAt = new Date(row.published_at).toISOString();
  res.setHeader('ETag', `"${row.content_hash.slice(0, 32)}"`);
  const name = `disclosure-${row.scope_code}-${row.as_of}-${row.id}`;
  if (format === 'csv') {
    const body = tablesToCsv(disclosureTables(row.content), {
      title: `${row.content.name}扶贫资金公示 (Public disclosure)`,
      meta: { asOfDate: row.as_of, version: row.id },
    });
    return new StreamableFile(body, {
      type: CSV_CONTENT_TYPE,
      disposition: `attachment; filename="${name}.csv"`,
      length: body.length,
    });
  }
  if (format === 'html') {
    const body = Buffer.from(disclosureHtml(row.content, { id: row.id, publishedAt }), 'utf8');
    return new StreamableFile(body, {
      type: 'text/html; charset=utf-8',
      disposition: `inline; filename="${name}.html"`,
      length: body.length,
    });
  }
  return { id: row.id, asOf: row.as_of, publishedAt, content: row.content };
}
