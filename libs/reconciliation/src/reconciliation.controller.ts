import { Controller, Get, HttpCode, Param, Post, Query, Req, Res, StreamableFile } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiFile, DomainError, noteIdempotentReplay, problemExample, RequestContext, Roles, XLSX_CONTENT_TYPE } from '#libs/common';
import { LineQuery, RunListQuery, RunParam, UploadQuery } from './dto.js';
import { ReconciliationService } from './reconciliation.service.js';
import { ReconLinePage, ReconRunPage, ReconRunResponse } from './responses.js';
import { statementEncoding, type StatementFormat } from './statement-reader.js';

const RUN_EXAMPLE = {
  id: '12',
  bankId: '1',
  bankCode: 'ZBRCB',
  asOfDate: '2026-03-31',
  format: 'CSV',
  contentHash: '9f2c5d0e4b8a1f3c7d6e5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706',
  byteSize: 6281044,
  status: 'COMPLETED',
  rows: { total: 100000, valid: 99990, malformed: 10 },
  summary: {
    matched: { count: 99800, outstanding: '2495000000.00', overduePrincipal: '120000.00' },
    amountDifferences: {
      count: 120,
      bankOutstanding: '3000600.00',
      engineOutstanding: '3000000.00',
      outstandingDifference: '600.00',
      bankOverduePrincipal: '0.00',
      engineOverduePrincipal: '0.00',
      overduePrincipalDifference: '0.00',
    },
    statusDifferences: { count: 40, bankOutstanding: '1000000.00', engineOutstanding: '1000000.00' },
    onlyInBank: { count: 30, bankOutstanding: '750000.00', bankOverduePrincipal: '0.00' },
    onlyInEngine: { count: 5, engineOutstanding: '125000.00', engineOverduePrincipal: '0.00' },
    malformed: { count: 10 },
  },
  createdBy: 'bank-key:k7m2p9x4c3vq',
  createdAt: '2026-04-01T01:00:00.000Z',
  completedAt: '2026-04-01T01:00:06.000Z',
  durationMs: 5900,
};
const LINE_EXAMPLE = {
  id: '901',
  lineNo: 57,
  category: 'DIFFERENT',
  amountDiffers: true,
  statusDiffers: false,
  bankLoanRef: 'ZB2026000123',
  loanId: '4211',
  bank: { outstandingPrincipal: '25005.00', overduePrincipal: '0.00', overdueDays: 0, status: 'NORMAL' },
  engine: { outstandingPrincipal: '25000.00', overduePrincipal: '0.00', overdueDays: 0, status: 'NORMAL' },
  difference: { outstandingPrincipal: '5.00', overduePrincipal: '0.00', overdueDays: 0 },
  errors: null,
  raw: null,
};

/** text/csv → CSV; application/x-ndjson, application/jsonl, application/json-lines → JSONL. */
function formatOf(req: Request, override?: 'csv' | 'jsonl'): StatementFormat {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  // The API parses application/json bodies whole before any handler runs, so one can never be streamed here.
  if (type === 'application/json')
    throw new DomainError(
      'RECON_FORMAT_UNSUPPORTED',
      'send a JSON statement as application/x-ndjson: one object per line, or one array of objects, read as it streams',
      [{ field: 'Content-Type', code: 'UNSUPPORTED', message: 'text/csv or application/x-ndjson' }],
    );
  if (override) return override === 'csv' ? 'CSV' : 'JSONL';
  // an XLSX workbook is read as the CSV of its first sheet (the reader tells it by its bytes)
  if (type === 'text/csv' || type === 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
    return 'CSV';
  if (
    [
      'application/x-ndjson',
      'application/jsonl',
      'application/json-lines',
      'application/x-jsonlines',
    ].includes(type)
  )
    return 'JSONL';
  throw new DomainError(
    'RECON_FORMAT_UNSUPPORTED',
    `send the statement as text/csv or application/x-ndjson (one JSON object per line), not ${type || 'an untyped body'}`,
    [{ field: 'Content-Type', code: 'UNSUPPORTED', message: 'text/csv or application/x-ndjson' }],
  );
}

@ApiTags('reconciliation')
@ApiBearerAuth()
@ApiSecurity('bank-api-key')
@Controller('api/v1/reconciliation/runs')
export class ReconciliationController {
  constructor(private readonly recon: ReconciliationService) {}

  @Post()
  @Roles('BANK_OFFICER', 'ADMIN', 'FUND_ADMIN')
  @ApiOperation({
    summary: 'Upload a bank statement for reconciliation',
    description:
      'Upload a statement of the bank’s covered loans (streamed); the same file for the same bank and date returns the same run. ' +
      'Body: the file itself. CSV with a header `bank_loan_ref,outstanding_principal,overdue_principal,overdue_days,status,as_of_date` ' +
      '(amounts in yuan, status NORMAL|OVERDUE|CLOSED|WRITTEN_OFF; RFC 4180 quoting, quoted fields may hold commas, ' +
      'quotes and line breaks), or JSON Lines with the same keys (amounts as strings), or one JSON array of such objects. ' +
      'UTF-8 (with or without BOM) or GBK/GB18030, detected or named by `encoding`. ' +
      'Malformed rows are reported with the line they start on; they never stop the run. The existing run is answered ' +
      '(201, header Idempotent-Replayed: true) when the same file was already uploaded for the bank and date.',
  })
  @ApiConsumes('text/csv', 'application/x-ndjson')
  @ApiBody({
    schema: {
      type: 'string',
      example:
        'bank_loan_ref,outstanding_principal,overdue_principal,overdue_days,status,as_of_date\nZB2026000123,25000.00,0.00,0,NORMAL,2026-03-31\n',
    },
  })
  @HttpCode(201)
  @ApiCreatedResponse({
    type: ReconRunResponse,
    description:
      'The new run, or the existing run of the same file, bank and date (Idempotent-Replayed: true)',
    example: RUN_EXAMPLE,
  })
  @ApiUnsupportedMediaTypeResponse(
    problemExample(
      'RECON_FORMAT_UNSUPPORTED',
      415,
      'send the statement as text/csv or application/x-ndjson (one JSON object per line), not application/xml',
      [{ field: 'Content-Type', code: 'UNSUPPORTED', message: 'text/csv or application/x-ndjson' }],
    ),
  )
  async uploadReconciliationStatement(@Query() q: UploadQuery, @Req() req: Request) {
    const { run, replayed } = await this.recon.upload({
      bankId: this.recon.resolveBank(q.bankId),
      asOfDate: q.asOfDate,
      format: formatOf(req, q.format),
      encoding: q.encoding ? statementEncoding(q.encoding) : undefined,
      body: req,
    });
    if (replayed) noteIdempotentReplay();
    return run;
  }

  @Get()
  @Roles('BANK_OFFICER', 'ADMIN', 'FUND_ADMIN', 'AUDITOR')
  @ApiOkResponse({ type: ReconRunPage, example: { items: [RUN_EXAMPLE], page: 1, pageSize: 50, total: 1 } })
  @ApiOperation({ summary: 'List reconciliation runs' })
  listReconciliationRuns(@Query() q: RunListQuery) {
    return this.recon.list(q, q);
  }

  @Get(':id')
  @Roles('BANK_OFFICER', 'ADMIN', 'FUND_ADMIN', 'AUDITOR')
  @ApiOkResponse({ type: ReconRunResponse, example: RUN_EXAMPLE })
  @ApiOperation({ summary: 'Get a reconciliation run' })
  getReconciliationRun(@Param() p: RunParam) {
    return this.recon.get(p.id);
  }

  @Get(':id/lines')
  @Roles('BANK_OFFICER', 'ADMIN', 'FUND_ADMIN', 'AUDITOR')
  @ApiOperation({
    summary: "List a reconciliation run's lines",
    description: 'The run’s lines, by category, in file order (engine-only loans last)',
  })
  @ApiOkResponse({
    type: ReconLinePage,
    example: { items: [LINE_EXAMPLE], page: 1, pageSize: 50, total: 120 },
  })
  listReconciliationLines(@Param() p: RunParam, @Query() q: LineQuery) {
    return this.recon.lines(p.id, q, q);
  }

  @Get(':id/report.csv')
  @Roles('BANK_OFFICER', 'ADMIN', 'FUND_ADMIN', 'AUDITOR')
  @ApiOperation({
    summary: 'Download a reconciliation report as CSV',
    description:
      'The whole report as CSV (streamed): Chinese headers and labels by default; with Accept-Language: en the ' +
      'snake_case columns and codes it always had.',
  })
  @ApiFile('csv')
  async downloadReconciliationReport(@Param() p: RunParam, @Res() res: Response) {
    const run = await this.recon.get(p.id);
    res
      .status(200)
      .type('text/csv; charset=utf-8')
      .setHeader(
        'Content-Disposition',
        `attachment; filename="${ReconciliationService.reportFileName(run)}"`,
      );
    await this.recon.writeReport(run.id, res, RequestContext.exportLang());
    res.end();
  }

  @Get(':id/report.xlsx')
  @Roles('BANK_OFFICER', 'ADMIN', 'FUND_ADMIN', 'AUDITOR')
  @ApiOperation({
    summary: 'Download a reconciliation report as XLSX',
    description: 'The report as a workbook: Chinese headers and labels (English with Accept-Language: en), money as number cells, filters.',
  })
  @ApiFile('xlsx')
  async downloadReconciliationReportXlsx(@Param() p: RunParam): Promise<StreamableFile> {
    const run = await this.recon.get(p.id);
    const body = await this.recon.reportXlsx(run.id, RequestContext.exportLang());
    return new StreamableFile(body, {
      type: XLSX_CONTENT_TYPE,
      disposition: `attachment; filename="${ReconciliationService.reportFileName(run).replace(/\.csv$/, '.xlsx')}"`,
      length: body.length,
    });
  }
}
