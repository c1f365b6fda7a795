import {
  applyDecorators,
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  type Type,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { IdempotencyKey, PageOf, Roles, type Actor } from '#libs/common';
import { DistrictReportQuery, LinesQuery, LiquidationPreviewDto, PayDto, ReportQuery } from './dto.js';
import { ApiIdempotencyKey, CurrentActor, fileResponse, IdPipe } from './http.js';
import { AssetIncomeLiquidationService } from './liquidation.service.js';
import { AssetIncomeReportsService } from './reports.service.js';
import {
  AssetIncomeDistrictReportResponse,
  AssetIncomeDistrictsReportResponse,
  AssetIncomeLiquidationLineResponse,
  AssetIncomeLiquidationResponse,
  AssetIncomeProjectReportResponse,
} from './responses.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** A report: JSON (`type`) by default, or the same tables as CSV or XLSX with `format`. */
const ApiReport = (type: Type<unknown>, example: unknown) =>
  applyDecorators(
    ApiExtraModels(type),
    ApiProduces('application/json', 'text/csv', XLSX),
    ApiOkResponse({
      description: 'The report as JSON, or with `format` as a CSV or XLSX download',
      content: {
        'application/json': { schema: { $ref: getSchemaPath(type) }, example },
        'text/csv': { schema: { type: 'string' } },
        [XLSX]: { schema: { type: 'string', format: 'binary' } },
      },
    }),
  );

const LIQUIDATION_EXAMPLE = {
  id: '1',
  projectId: '1',
  status: 'PAID',
  liquidationDate: '2026-03-31',
  proceeds: '1320000.00',
  specialFund: '1000000.00',
  specialRepaid: '1000000.00',
  others: '320000.00',
  capital: '1500000.00',
  byClass: [
    { classKind: 'SPECIAL_COLLECTIVE', holders: 1, basis: '300000.00', amount: '300000.00' },
    { classKind: 'SPECIAL_HOUSEHOLDS', holders: 137, basis: '700000.00', amount: '700000.00' },
    { classKind: 'COLLECTIVE_ASSETS', holders: 1, basis: '500000.00', amount: '320000.00' },
  ],
  preparedBy: 'fund-admin',
  approvedBy: 'fund-admin-2',
  paidBy: 'fund-admin',
  entryId: '512',
};

@ApiTags('asset-income')
@ApiBearerAuth()
@Controller('api/v1/asset-income')
export class AssetIncomeLiquidationController {
  constructor(
    private readonly liquidation: AssetIncomeLiquidationService,
    private readonly reports: AssetIncomeReportsService,
  ) {}

  @Post('projects/:id/liquidation/preview')
  @Roles('FUND_ADMIN')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Preview the liquidation of a project',
    description:
      'Forced liquidation preview: the special fund repaid first, then the other classes pro rata.',
  })
  @ApiOkResponse({
    type: AssetIncomeLiquidationResponse,
    example: { ...LIQUIDATION_EXAMPLE, status: 'PREPARED', approvedBy: null, paidBy: null, entryId: null },
  })
  previewLiquidation(
    @Param('id', new IdPipe('id')) id: string,
    @Body() dto: LiquidationPreviewDto,
    @CurrentActor() actor: Actor,
  ) {
    return this.liquidation.preview(id, dto, actor);
  }

  @Post('projects/:id/liquidation/approve')
  @Roles('FUND_ADMIN')
  @HttpCode(200)
  @ApiOperation({ summary: 'Approve the liquidation of a project', description: 'Not by its preparer.' })
  @ApiOkResponse({
    type: AssetIncomeLiquidationResponse,
    example: { ...LIQUIDATION_EXAMPLE, status: 'APPROVED', paidBy: null, entryId: null },
  })
  approveLiquidation(@Param('id', new IdPipe('id')) id: string, @CurrentActor() actor: Actor) {
    return this.liquidation.approve(id, actor);
  }

  @Post('projects/:id/liquidation/pay')
  @Roles('FUND_ADMIN')
  @HttpCode(200)
  @ApiIdempotencyKey()
  @ApiOperation({
    summary: 'Pay the liquidation of a project',
    description: 'One entry (AIP_LIQUIDATION) closes the capital accounts; the project ends LIQUIDATED.',
  })
  @ApiOkResponse({ type: AssetIncomeLiquidationResponse, example: LIQUIDATION_EXAMPLE })
  payLiquidation(
    @Param('id', new IdPipe('id')) id: string,
    @Body() dto: PayDto,
    @IdempotencyKey() key: string,
    @CurrentActor() actor: Actor,
  ) {
    return this.liquidation.pay(id, dto, key, actor);
  }

  @Get('projects/:id/liquidation')
  @Roles('ADMIN', 'FUND_ADMIN', 'AUDITOR')
  @ApiOperation({ summary: 'Get the liquidation of a project' })
  @ApiOkResponse({ type: AssetIncomeLiquidationResponse, example: LIQUIDATION_EXAMPLE })
  getLiquidation(@Param('id', new IdPipe('id')) id: string) {
    return this.liquidation.get(id);
  }

  @Get('projects/:id/liquidation/lines')
  @Roles('ADMIN', 'FUND_ADMIN', 'AUDITOR')
  @ApiOperation({ summary: "List a liquidation's lines", description: 'What each holder receives.' })
  @ApiOkResponse({
    type: PageOf(AssetIncomeLiquidationLineResponse),
    example: {
      items: [
        {
          id: '1',
          holderType: 'COLLECTIVE',
          classKind: 'SPECIAL_COLLECTIVE',
          householdId: null,
          headName: null,
          rightId: '1',
          basis: '300000.00',
          sharePercent: '30.0000',
          amount: '300000.00',
        },
      ],
      page: 1,
      pageSize: 50,
      total: 139,
    },
  })
  listLiquidationLines(@Param('id', new IdPipe('id')) id: string, @Query() q: LinesQuery) {
    return this.liquidation.lineList(id, q, q);
  }

  @Get('projects/:id/report')
  @Roles('ADMIN', 'FUND_ADMIN', 'AUDITOR')
  @ApiOperation({
    summary: 'Get the report of an asset-income project',
    description:
      'Capital, income, dividends by year, households and people benefited, net assets vs threshold.',
  })
  @ApiReport(AssetIncomeProjectReportResponse, {
    project: {
      id: '1',
      name: 'Shangxiaofeng',
      district: '博山区',
      village: '上小峰村',
      status: 'ACTIVE',
      liquidationThreshold: '1500000.00',
    },
    capital: {
      classes: [{ classKind: 'SPECIAL_COLLECTIVE', amount: '300000.00' }],
      specialFund: '1000000.00',
      total: '1500000.00',
      householdHolders: 137,
      people: 402,
    },
    results: [
      {
        year: 2023,
        revenue: '2600000.00',
        netProfit: '420000.00',
        netAssets: '2420000.00',
        threshold: '1500000.00',
        alertLine: '1800000.00',
        headroom: '920000.00',
        assessment: 'OK',
      },
    ],
    dividends: [
      {
        year: 2023,
        distributable: '420000.00',
        entitled: '420000.00',
        paidToDate: '420000.00',
        outstanding: '0.00',
        householdsBenefited: 137,
        peopleBenefited: 402,
      },
    ],
    totals: {
      revenue: '2600000.00',
      dividendsPaid: '420000.00',
      householdsBenefited: 137,
      peopleBenefited: 402,
      operatorOwes: '0.00',
    },
    liquidation: null,
  })
  async getAssetIncomeProjectReport(@Param('id', new IdPipe('id')) id: string, @Query() q: ReportQuery) {
    return q.format && q.format !== 'json'
      ? fileResponse(await this.reports.projectExport(id, q.format))
      : this.reports.project(id);
  }

  @Get('reports/districts')
  @Roles('ADMIN', 'FUND_ADMIN', 'AUDITOR')
  @ApiOperation({
    summary: 'Get the asset-income report of every district',
    description: 'One row per district with projects.',
  })
  @ApiReport(AssetIncomeDistrictsReportResponse, {
    items: [
      {
        districtId: '1',
        code: '370304',
        name: '博山区',
        projects: 7,
        flaggedForLiquidation: 0,
        specialFund: '7000000.00',
        capital: '9800000.00',
        revenue: '18000000.00',
        dividendsPaid: '2900000.00',
        householdsBenefited: 610,
        peopleBenefited: 1832,
      },
    ],
  })
  async getAssetIncomeDistrictsReport(@Query() q: ReportQuery) {
    return q.format && q.format !== 'json'
      ? fileResponse(await this.reports.districtsExport(q.format))
      : this.reports.districts();
  }

  @Get('reports/districts/:districtId')
  @Roles('ADMIN', 'FUND_ADMIN', 'AUDITOR')
  @ApiOperation({
    summary: 'Get the asset-income report of a district',
    description: 'Projects, figures by year, net-asset history against the threshold.',
  })
  @ApiReport(AssetIncomeDistrictReportResponse, {
    district: { id: '1', code: '370304', name: '博山区' },
    projects: [
      {
        id: '1',
        name: 'Shangxiaofeng',
        status: 'ACTIVE',
        capital: '1500000.00',
        dividendsPaid: '420000.00',
        householdsBenefited: 137,
        peopleBenefited: 402,
      },
    ],
    byYear: [
      {
        year: 2023,
        projectsReporting: 1,
        revenue: '2600000.00',
        netProfit: '420000.00',
        dividendsEntitled: '420000.00',
        dividendsPaid: '420000.00',
        householdsBenefited: 137,
        peopleBenefited: 402,
      },
    ],
    netAssetHistory: [
      {
        projectId: '1',
        year: 2023,
        netAssets: '2420000.00',
        threshold: '1500000.00',
        headroom: '920000.00',
        assessment: 'OK',
      },
    ],
    totals: {
      projects: 1,
      capital: '1500000.00',
      dividendsPaid: '420000.00',
      householdsBenefited: 137,
      peopleBenefited: 402,
      flaggedForLiquidation: 0,
    },
  })
  async getAssetIncomeDistrictReport(
    @Param('districtId', new IdPipe('districtId')) districtId: string,
    @Query() q: DistrictReportQuery,
  ) {
    return q.format && q.format !== 'json'
      ? fileResponse(await this.reports.districtExport(districtId, q.format, q.fromYear, q.toYear))
      : this.reports.district(districtId, q.fromYear, q.toYear);
  }
}
