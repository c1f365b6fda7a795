import { Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { DomainError, Roles, XLSX_CONTENT_TYPE, type Actor } from '#libs/common';
import { CurrentActor, IdPipe } from './http.js';
import { AssetIncomeResultImportResponse } from './responses.js';
import { AssetIncomeResultsService } from './results.service.js';

/** The most a results file may hold: 200 rows of a template fit in far less. */
const MAX_BYTES = 2 * 1024 * 1024;

/** The results file as uploaded (the filled-in template or a CSV saved from Excel), read by the one sheet reader. */
@ApiTags('asset-income')
@ApiBearerAuth()
@Controller('api/v1/asset-income')
export class AssetIncomeResultsImportController {
  constructor(private readonly results: AssetIncomeResultsService) {}

  @Post('projects/:id/results/import-file')
  @Roles('FUND_ADMIN')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Import results from the XLSX template or a CSV file (UTF-8 or GBK, Chinese or English headers): all recorded or none',
  })
  @ApiConsumes('text/csv', XLSX_CONTENT_TYPE)
  @ApiBody({
    schema: {
      type: 'string',
      example: '年度,营业收入,净利润,净资产,报送日期\n2023,2600000.00,420000.00,2420000.00,2024-01-18\n',
    },
  })
  @ApiOkResponse({ type: AssetIncomeResultImportResponse, description: 'every row recorded (or none: a bad row is a 400 naming it)' })
  async importResultsFile(
    @Param('id', new IdPipe('id')) id: string,
    @Req() req: Request,
    @CurrentActor() actor: Actor,
  ) {
    const type = String(req.headers['content-type'] ?? '')
      .split(';')[0]
      .trim()
      .toLowerCase();
    if (type !== 'text/csv' && type !== XLSX_CONTENT_TYPE)
      throw new DomainError(
        'VALIDATION_FAILED',
        'send the file as the request body with Content-Type: text/csv or the XLSX type',
        [
          {
            field: 'Content-Type',
            code: 'UNSUPPORTED_MEDIA_TYPE',
            message: `must be text/csv or ${XLSX_CONTENT_TYPE}`,
          },
        ],
      );
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      n += chunk.length;
      if (n > MAX_BYTES)
        throw new DomainError('PAYLOAD_TOO_LARGE', `a results file holds at most ${MAX_BYTES} bytes`);
      chunks.push(chunk);
    }
    return this.results.importCsv(id, Buffer.concat(chunks), actor);
  }
}
