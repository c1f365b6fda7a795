import { Body, Controller, Get, Param, Put, Query, StreamableFile } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ApiFile, PageOf, PageQuery, RequestContext, Roles, OVERSIGHT_READERS, XLSX_CONTENT_TYPE } from '#libs/common';
import { complianceCsv, complianceXlsx } from './csv.js';
import { ComplianceExportQuery, ComplianceQuery, FundingContributionQuery, MatchingRuleDto, YearParam } from './dto.js';
import { FundingService } from './funding.service.js';
import { ComplianceReportResponse, FundingContributionsResponse, MatchingRuleResponse } from './responses.js';

const RULE_EXAMPLE = {
  year: 2026,
  ratio: '2',
  soeProfitPercent: '3',
  isDefault: false,
  documentRef: '淄政办〔2026〕5号',
  note: null,
  updatedBy: 'fund.admin',
  updatedAt: '2026-01-05T02:00:00.000Z',
};

@ApiTags('funding')
@ApiBearerAuth()
@Controller('api/v1/funding')
export class FundingController {
  constructor(private readonly funding: FundingService) {}

  @Get('contributions')
  @Roles(...OVERSIGHT_READERS)
  @ApiOperation({
    summary: 'List contributions to every fund',
    description:
      'Contributions to mutual-aid funds, risk funds and subsidy programmes by source, year, district, document and date, ' +
      'with the total and the sum per source of every matching contribution.',
  })
  @ApiOkResponse({
    type: FundingContributionsResponse,
    example: {
      items: [
        {
          id: '31',
          targetType: 'SUBSIDY_PROGRAMME',
          targetId: '1',
          targetName: '淄博市扶贫小额信贷贴息',
          districtId: null,
          districtName: null,
          source: 'CITY',
          amount: '2000000.00',
          year: 2026,
          documentRef: '淄财农〔2026〕1号',
          receivedOn: '2026-01-15',
          householdId: null,
          fiscalFunded: false,
          soeName: null,
          soeProfitBase: null,
          entryId: '120',
          createdBy: 'fund.admin',
          createdAt: '2026-01-15T02:00:00.000Z',
        },
      ],
      page: 1,
      pageSize: 50,
      total: 1,
      totalAmount: '2000000.00',
      bySource: { CITY: '2000000.00' },
    },
  })
  listFundingContributions(@Query() q: FundingContributionQuery) {
    return this.funding.contributions(q, q);
  }

  @Get('matching-rules')
  @Roles(...OVERSIGHT_READERS)
  @ApiOperation({ summary: 'List the matching rules set, by year' })
  @ApiOkResponse({ type: PageOf(MatchingRuleResponse), example: { items: [RULE_EXAMPLE], page: 1, pageSize: 50, total: 1 } })
  listMatchingRules(@Query() q: PageQuery) {
    return this.funding.rules(q);
  }

  @Get('matching-rules/:year')
  @Roles(...OVERSIGHT_READERS)
  @ApiOperation({ summary: "Get a year's matching rule", description: 'The defaults (ratio 2, SOE 3 %) when none was set.' })
  @ApiOkResponse({ type: MatchingRuleResponse, example: RULE_EXAMPLE })
  getMatchingRule(@Param() p: YearParam) {
    return this.funding.rule(p.year);
  }

  @Put('matching-rules/:year')
  @Roles('ADMIN', 'FUND_ADMIN')
  @ApiOperation({ summary: "Set a year's district-to-city matching ratio and SOE profit share" })
  @ApiOkResponse({ type: MatchingRuleResponse, example: RULE_EXAMPLE })
  @ApiUnprocessableEntityResponse({
    schema: {
      example: {
        type: 'urn:problem:funding_matching_rule_invalid',
        title: 'Unprocessable Entity',
        status: 422,
        detail: 'invalid matching rule: ratio',
        code: 'FUNDING_MATCHING_RULE_INVALID',
        errors: [
          {
            field: 'ratio',
            code: 'INVALID',
            message: 'ratio must be a decimal string from 0 to 100 with at most 4 decimals',
          },
        ],
      },
    },
  })
  setMatchingRule(@Param() p: YearParam, @Body() dto: MatchingRuleDto) {
    return this.funding.setRule(p.year, dto);
  }

  @Get('compliance')
  @Roles(...OVERSIGHT_READERS)
  @ApiOperation({
    summary: 'Report the matching compliance of a year',
    description:
      'Per district: city allocation, district match, ratio, shortfall, SOE contributions; per SOE: 3 % expected vs actual.',
  })
  @ApiOkResponse({
    type: ComplianceReportResponse,
    example: {
      year: 2026,
      rule: RULE_EXAMPLE,
      districts: [
        {
          districtId: '1',
          districtCode: '370303',
          districtName: '张店区',
          cityAllocation: '1000000.00',
          districtMatch: '1500000.00',
          requiredRatio: '2',
          actualRatio: '1.5000',
          requiredMatch: '2000000.00',
          shortfall: '500000.00',
          compliant: false,
          soeContributions: '30000.00',
          soe: [{ name: '淄博矿业集团', amount: '30000.00' }],
        },
      ],
      soe: [
        {
          name: '淄博矿业集团',
          profitBase: '1000000.00',
          expected: '30000.00',
          actual: '30000.00',
          shortfall: '0.00',
          compliant: true,
        },
      ],
      totals: {
        cityAllocation: '1000000.00',
        districtMatch: '1500000.00',
        requiredMatch: '2000000.00',
        shortfall: '500000.00',
        compliantDistricts: 0,
        districts: 1,
      },
    },
  })
  getMatchingCompliance(@Query() q: ComplianceQuery) {
    return this.funding.compliance(q.year, q.districtId);
  }

  @Get('compliance/export')
  @Roles(...OVERSIGHT_READERS)
  @ApiOperation({
    summary: 'Export the compliance report as CSV or XLSX',
    description: 'Chinese headers by default (English with Accept-Language: en); money and ratios as number cells in XLSX.',
  })
  @ApiFile('csv', 'xlsx')
  async exportMatchingCompliance(@Query() q: ComplianceExportQuery): Promise<StreamableFile> {
    const report = await this.funding.compliance(q.year, q.districtId);
    const lang = RequestContext.exportLang();
    const xlsx = q.format === 'xlsx';
    const body = xlsx ? await complianceXlsx(report, lang) : complianceCsv(report, lang);
    return new StreamableFile(body, {
      type: xlsx ? XLSX_CONTENT_TYPE : 'text/csv; charset=utf-8',
      disposition: `attachment; filename="matching-compliance-${q.year}.${xlsx ? 'xlsx' : 'csv'}"`,
      length: body.length,
    });
  }
}
