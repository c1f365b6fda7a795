import { Body, Controller, Get, HttpCode, Param, Post, Query, StreamableFile } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  ApiUnprocessableEntityResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { ApiFile, Roles, OVERSIGHT_READERS } from '#libs/common';
import { leverageChartSvg } from './chart.js';
import { GenerateReportDto, MonthParam, ReportQuery, SnapshotListQuery, VersionParam, VersionQuery } from './dto.js';
import { reportCsv, reportXlsx } from './export.js';
import { ReportingService } from './reporting.service.js';
import {
  DistrictRankingResponse,
  GenerateReportResponse,
  ReportSnapshotResponse,
  ReportSnapshotSummaryPage,
  ReportVersionChangesResponse,
  ReportVersionResponse,
} from './responses.js';

const SNAPSHOT_EXAMPLE = {
  id: '7',
  kind: 'MONTHLY',
  month: '2026-01',
  version: 2,
  generatedAt: '2026-02-01T18:00:03.000Z',
  generatedBy: 'system',
  hash: '5f0c8e1d9a0b4c2e8d7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d',
  supersedes: '4',
  latest: true,
};
const DISTRICT_EXAMPLE = {
  districtId: '2', districtCode: '370302', districtName: '淄川区', heavyTask: true, riskFundId: '1', fundBalance: '5500000.00',
  requiredMinimum: '5000000.00', minimumShortfall: '0.00', belowMinimum: false, coveredOutstanding: '41250000.00', leverageRatio: '7.5000',
  leverageCap: '10', leverageUsePercent: '75.0000', capacityLeft: '13750000.00', newCoveredLoans: 120, newCoveredAmount: '4800000.00',
  nplOverdueDays: 90, nplPrincipal: '412500.00', nplRatioPercent: '1.0000', compensationPaid: '80000.00', recoveries: '12000.00',
  subsidyPaid: '96000.00', repaymentRatePercent: '98.5000', mutualAidCapital: '600000.00', mutualAidOutstanding: '450000.00',
  utilisationPercent: '75.0000',
  matching: { year: 2026, cityAllocation: '3000000.00', districtMatch: '6000000.00', requiredRatio: '2', actualRatio: '2.0000', requiredMatch: '6000000.00', shortfall: '0.00', compliant: true },
};
const RANK_EXAMPLE = {
  rank: 1, districtId: '2', districtCode: '370302', districtName: '淄川区', score: '84.4750',
  components: { repaymentRate: '0.98500000', npl: '0.90000000', utilisation: '0.83333333', leverageUse: '0.75000000' },
  previousRank: 2, previousScore: '80.1000', rankChange: 1, scoreChange: '4.3750',
};
const MONTH_PROBLEM = {
  schema: {
    example: {
      type: 'urn:problem:report_month_invalid', title: 'Unprocessable Entity', status: 422, code: 'REPORT_MONTH_INVALID',
      detail: 'the report of 2026-02 is made once the month has ended (current month 2026-02)',
      errors: [{ field: 'month', code: 'NOT_ENDED', message: 'month must be before 2026-02' }],
    },
  },
};
const CHANGES_EXAMPLE = {
  previousVersion: 1,
  changes: {
    rows: [],
    figures: [
      {
        section: 'districts', key: '2', row: { districtId: '2', districtCode: '370302', districtName: '淄川区' },
        field: 'compensationPaid', before: '80000.00', after: '82000.00', difference: '2000.00',
      },
      {
        section: 'banks', key: '5', row: { districtId: '2', districtCode: '370302', bankId: '3', bankCode: 'ZBRCB', agreementId: '5', agreementNo: 'GA-2025-001' },
        field: 'capacityLeft', before: '13750000.00', after: '13730000.00', difference: '-20000.00',
      },
      { section: 'totals', key: null, row: {}, field: 'compensationPaid', before: '80000.00', after: '82000.00', difference: '2000.00' },
    ],
  },
  lateEntries: [
    {
      id: '9120', code: 'RISK_FUND_COMPENSATION', valueDate: '2026-01-30', recordedAt: '2026-02-03T09:12:44.120Z', memo: 'claim CC-2026-0007',
      accounts: ['RF:1:BALANCE', 'RF:1:COMPENSATION_EXPENSE', 'RF:1:COVER:AVAILABLE', 'RF:1:COVER:LIMIT'],
    },
  ],
  lateEntriesTotal: 1,
  lateLoanFacts: [
    {
      kind: 'BANK_REPAYMENT_REPORT', id: '311', loanId: '88', loanNo: 'CL-2025-000088', bankId: '3', date: '2026-01-28',
      principal: '20000.00', interest: '145.00', entryId: '9121', recordedAt: '2026-02-03T10:01:02.000Z',
    },
  ],
};
const NOT_FOUND = { schema: { example: { type: 'urn:problem:not_found', title: 'Not Found', status: 404, code: 'NOT_FOUND', detail: 'no report stored for 2026-01: generate it first' } } };

@ApiTags('reports')
@ApiBearerAuth()
@Controller('api/v1/reports')
export class ReportingController {
  constructor(private readonly reports: ReportingService) {}

  @Post('monthly')
  @HttpCode(201)
  @Roles('ADMIN', 'FUND_ADMIN')
  @ApiOperation({
    summary: 'Generate a monthly report',
    description:
      'Generate (or regenerate) the monthly leverage-ratio report of a past month. ' +
      'Stores a new version only when the month\'s data changed since the stored one (content hash); otherwise answers UNCHANGED with the stored version.',
  })
  @ApiBody({ type: GenerateReportDto, examples: { january: { value: { month: '2026-01' } } } })
  @ApiCreatedResponse({ type: GenerateReportResponse, example: { action: 'VERSIONED', snapshot: { ...SNAPSHOT_EXAMPLE, data: { kind: 'MONTHLY', month: '2026-01', districts: [DISTRICT_EXAMPLE], banks: [], funds: [], ranking: [RANK_EXAMPLE] } } } })
  @ApiUnprocessableEntityResponse(MONTH_PROBLEM)
  generateMonthlyReport(@Body() dto: GenerateReportDto) {
    return this.reports.generate(dto.month);
  }

  @Get('monthly')
  @Roles(...OVERSIGHT_READERS)
  @ApiOperation({
    summary: 'List stored monthly reports',
    description: 'Stored monthly reports (every version), newest first; filter by month range or latest versions only',
  })
  @ApiOkResponse({ type: ReportSnapshotSummaryPage, example: { items: [SNAPSHOT_EXAMPLE], page: 1, pageSize: 50, total: 1 } })
  listMonthlyReports(@Query() q: SnapshotListQuery) {
    return this.reports.list(q, q);
  }

  @Get('monthly/:month/versions')
  @Roles(...OVERSIGHT_READERS, 'BANK_OFFICER')
  @ApiOperation({
    summary: "List a month's report versions",
    description:
      'Every stored version of a month, newest first, each with what changed against the version before it. ' +
      'A corrected month keeps its earlier versions. Each version after the first carries `changes` (every figure that differs from the ' +
      'previous version: section, row key and labels, field, before, after, exact difference; rows added or removed), `lateEntries` ' +
      '(journal entries with a value date on or before the month end recorded after the previous version was generated and by this one) ' +
      'and `lateLoanFacts` (covered loans\' repayment reports and registrations recorded in the same window, dated on or before the month end). ' +
      'A BANK_OFFICER sees the changes of its own bank rows and the entries that touched its agreements.',
  })
  @ApiOkResponse({
    type: [ReportVersionResponse],
    example: [
      { ...SNAPSHOT_EXAMPLE, ...CHANGES_EXAMPLE },
      { ...SNAPSHOT_EXAMPLE, id: '4', version: 1, supersedes: null, latest: false, previousVersion: null, changes: null, lateEntries: [], lateEntriesTotal: 0, lateLoanFacts: [] },
    ],
  })
  listMonthlyReportVersions(@Param() p: MonthParam) {
    return this.reports.versions(p.month);
  }

  @Get('monthly/:month/versions/:version/changes')
  @Roles(...OVERSIGHT_READERS, 'BANK_OFFICER')
  @ApiOperation({
    summary: 'Get what a report version changed',
    description:
      'What one stored version changed against the previous one, and the late entries that caused it. ' +
      'As one item of the versions list, without the summary. Version 1 has `changes: null` and no late facts.',
  })
  @ApiOkResponse({ type: ReportVersionChangesResponse, example: { version: 2, ...CHANGES_EXAMPLE } })
  @ApiNotFoundResponse({ schema: { example: { type: 'urn:problem:not_found', title: 'Not Found', status: 404, code: 'NOT_FOUND', detail: 'report 2026-01 version 3 not found' } } })
  getMonthlyReportVersionChanges(@Param() p: VersionParam) {
    return this.reports.versionChanges(p.month, p.version);
  }

  @Get('monthly/:month/chart.svg')
  @Roles(...OVERSIGHT_READERS)
  @ApiOperation({
    summary: 'Get the leverage-ratio chart',
    description: 'SVG chart of the leverage ratio per district over the 12 months ending with this one, with the cap line',
  })
  @ApiFile('svg')
  async getLeverageChart(@Param() p: MonthParam): Promise<StreamableFile> {
    const svg = Buffer.from(leverageChartSvg(await this.reports.leverageSeries(p.month, 12), `放大倍数 (Leverage ratio) — 截至 ${p.month}`), 'utf8');
    return new StreamableFile(svg, { type: 'image/svg+xml; charset=utf-8', disposition: `inline; filename="leverage-${p.month}.svg"`, length: svg.length });
  }

  @Get('monthly/:month')
  @Roles(...OVERSIGHT_READERS, 'BANK_OFFICER')
  @ApiOperation({
    summary: 'Get a stored monthly report',
    description:
      'A stored monthly report as JSON, CSV or XLSX (one sheet per section). ' +
      'A BANK_OFFICER sees only its own bank\'s rows (district, fund and ranking sections mix every bank and are left out).',
  })
  @ApiProduces('application/json', 'text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
  @ApiExtraModels(ReportSnapshotResponse)
  @ApiOkResponse({
    description: 'The report as JSON (default), or a CSV or XLSX file (`format`)',
    content: {
      'application/json': {
        schema: { $ref: getSchemaPath(ReportSnapshotResponse) },
        example: { ...SNAPSHOT_EXAMPLE, data: { kind: 'MONTHLY', month: '2026-01', periodStart: '2026-01-01', periodEnd: '2026-01-31', districts: [DISTRICT_EXAMPLE], banks: [], funds: [], ranking: [RANK_EXAMPLE] } },
      },
      'text/csv': { schema: { type: 'string' } },
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': { schema: { type: 'string', format: 'binary' } },
    },
  })
  @ApiNotFoundResponse(NOT_FOUND)
  async getMonthlyReport(@Param() p: MonthParam, @Query() q: ReportQuery) {
    const s = await this.reports.get(p.month, q.version);
    const name = `leverage-report-${p.month}-v${s.version}`;
    if (q.format === 'csv') {
      const body = reportCsv(s.data);
      return new StreamableFile(body, { type: 'text/csv; charset=utf-8', disposition: `attachment; filename="${name}.csv"`, length: body.length });
    }
    if (q.format === 'xlsx') {
      const body = await reportXlsx(s.data);
      return new StreamableFile(body, {
        type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        disposition: `attachment; filename="${name}.xlsx"`,
        length: body.length,
      });
    }
    return s;
  }

  @Get('rankings/:month')
  @Roles(...OVERSIGHT_READERS)
  @ApiOperation({
    summary: 'Get the district ranking of a month',
    description:
      'District ranking (月排名) of a stored month with the month-on-month change. ' +
      'Score 0–100 = 35 × repayment rate + 30 × (1 − NPL ÷ 10 %) + 15 × utilisation ÷ 90 % + 20 × leverage use, each component in [0, 1]; ties by NPL ratio, then district code.',
  })
  @ApiOkResponse({ type: DistrictRankingResponse, example: { month: '2026-01', version: 2, ranking: [RANK_EXAMPLE] } })
  @ApiNotFoundResponse(NOT_FOUND)
  getDistrictRanking(@Param() p: MonthParam, @Query() q: VersionQuery) {
    return this.reports.ranking(p.month, q.version);
  }
}
