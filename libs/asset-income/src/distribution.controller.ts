import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { IdempotencyKey, PageOf, Roles, type Actor } from '#libs/common';
import { AssetIncomeDistributionService } from './distribution.service.js';
import {
  LinesQuery,
  PayDto,
  PreviewDistributionDto,
  RunsQuery,
  SettlementDto,
  StatementQuery,
} from './dto.js';
import { ApiIdempotencyKey, CurrentActor, IdPipe, YearPipe } from './http.js';
import {
  AssetIncomeDividendStatementResponse,
  AssetIncomeOperatorSettlementResponse,
  AssetIncomeRunLinesResponse,
  AssetIncomeRunResponse,
} from './responses.js';

const RUN_EXAMPLE = {
  id: '7',
  projectId: '1',
  year: 2024,
  status: 'PAID',
  recordDate: '2024-12-31',
  resultVersion: 1,
  netProfit: '-80000.00',
  distributable: '0.00',
  payoutPercent: '100',
  floorRatePercent: '10',
  floorRecipients: 'POOR_HOUSEHOLDS',
  specialProRata: '0.00',
  floorShortfall: '100000.00',
  borneByOtherClasses: '0.00',
  operatorTopUpAvailable: '40000.00',
  operatorTopUp: '40000.00',
  operatorOwes: '60000.00',
  entitled: '100000.00',
  paidNow: '40000.00',
  householdsBenefited: 137,
  peopleBenefited: 402,
  byClass: [
    {
      classKind: 'SPECIAL_COLLECTIVE',
      holders: 1,
      basis: '300000.00',
      proRata: '0.00',
      floor: '30000.00',
      entitled: '30000.00',
      paid: '12000.00',
    },
    {
      classKind: 'SPECIAL_HOUSEHOLDS',
      holders: 137,
      basis: '700000.00',
      proRata: '0.00',
      floor: '70000.13',
      entitled: '70000.13',
      paid: '28000.05',
    },
  ],
  preparedBy: 'fund-admin',
  preparedAt: '2025-01-21T08:00:00.000Z',
  approvedBy: 'fund-admin-2',
  approvedAt: '2025-01-22T08:00:00.000Z',
  paidBy: 'fund-admin',
  paidAt: '2025-01-25T08:00:00.000Z',
  paidOn: '2025-01-25',
  entryId: '415',
};

@ApiTags('asset-income')
@ApiBearerAuth()
@Controller('api/v1/asset-income')
export class AssetIncomeDistributionController {
  constructor(private readonly distributions: AssetIncomeDistributionService) {}

  @Post('projects/:id/distributions/:year/preview')
  @Roles('FUND_ADMIN')
  @HttpCode(200)
  @ApiOperation({
    summary: "Preview a year's dividend run",
    description:
      'Works out (or works out again) the year’s dividends: pro rata by capital, the floor for the special-fund classes.',
  })
  @ApiOkResponse({
    type: AssetIncomeRunResponse,
    example: {
      ...RUN_EXAMPLE,
      status: 'PREPARED',
      approvedBy: null,
      approvedAt: null,
      paidBy: null,
      paidAt: null,
      paidOn: null,
      entryId: null,
    },
  })
  previewDividendRun(
    @Param('id', new IdPipe('id')) id: string,
    @Param('year', YearPipe) year: number,
    @Body() dto: PreviewDistributionDto,
    @CurrentActor() actor: Actor,
  ) {
    return this.distributions.preview(id, year, dto, actor);
  }

  @Post('projects/:id/distributions/:year/approve')
  @Roles('FUND_ADMIN')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Approve a dividend run',
    description: 'The previewed run, not by its preparer; refused when the facts changed since the preview.',
  })
  @ApiOkResponse({
    type: AssetIncomeRunResponse,
    example: { ...RUN_EXAMPLE, status: 'APPROVED', paidBy: null, paidAt: null, paidOn: null, entryId: null },
  })
  approveDividendRun(
    @Param('id', new IdPipe('id')) id: string,
    @Param('year', YearPipe) year: number,
    @CurrentActor() actor: Actor,
  ) {
    return this.distributions.approve(id, year, actor);
  }

  @Post('projects/:id/distributions/:year/pay')
  @Roles('FUND_ADMIN')
  @HttpCode(200)
  @ApiIdempotencyKey()
  @ApiOperation({
    summary: 'Pay a dividend run',
    description: 'The approved run: one ledger entry (AIP_DIVIDEND_PAYMENT); a year is paid once.',
  })
  @ApiOkResponse({ type: AssetIncomeRunResponse, example: RUN_EXAMPLE })
  payDividendRun(
    @Param('id', new IdPipe('id')) id: string,
    @Param('year', YearPipe) year: number,
    @Body() dto: PayDto,
    @IdempotencyKey() key: string,
    @CurrentActor() actor: Actor,
  ) {
    return this.distributions.pay(id, year, dto, key, actor);
  }

  @Get('projects/:id/distributions/:year')
  @Roles('ADMIN', 'FUND_ADMIN', 'AUDITOR')
  @ApiOperation({ summary: "Get a year's dividend run" })
  @ApiOkResponse({ type: AssetIncomeRunResponse, example: RUN_EXAMPLE })
  getDividendRun(@Param('id', new IdPipe('id')) id: string, @Param('year', YearPipe) year: number) {
    return this.distributions.get(id, year);
  }

  @Get('projects/:id/distributions/:year/lines')
  @Roles('ADMIN', 'FUND_ADMIN', 'AUDITOR')
  @ApiOperation({
    summary: "List a dividend run's lines",
    description:
      'Per holder: basis, share, pro-rata share, floor, entitlement, paid, outstanding. ' +
      'Before the run is PAID, `paid` is what the payment will pay; afterwards what was paid, including later operator settlements.',
  })
  @ApiOkResponse({
    type: AssetIncomeRunLinesResponse,
    example: {
      runStatus: 'PAID',
      items: [
        {
          id: '88',
          holderType: 'HOUSEHOLD',
          classKind: 'SPECIAL_HOUSEHOLDS',
          householdId: '12',
          headName: '张三',
          rightId: '2',
          memberCount: 3,
          basis: '5109.49',
          sharePercent: '0.5109',
          proRata: '0.00',
          floor: '510.95',
          entitled: '510.95',
          paid: '204.38',
          outstanding: '306.57',
        },
      ],
      page: 1,
      pageSize: 50,
      total: 138,
    },
  })
  listDividendRunLines(
    @Param('id', new IdPipe('id')) id: string,
    @Param('year', YearPipe) year: number,
    @Query() q: LinesQuery,
  ) {
    return this.distributions.runLines(id, year, q, q);
  }

  @Get('distributions')
  @Roles('ADMIN', 'FUND_ADMIN', 'AUDITOR')
  @ApiOperation({ summary: 'List dividend runs' })
  @ApiOkResponse({
    type: PageOf(AssetIncomeRunResponse),
    example: { items: [RUN_EXAMPLE], page: 1, pageSize: 50, total: 1 },
  })
  listDividendRuns(@Query() q: RunsQuery) {
    return this.distributions.list(q, q);
  }

  @Get('households/:householdId/dividends')
  @Roles('ADMIN', 'FUND_ADMIN', 'LOAN_OFFICER', 'AUDITOR')
  @ApiOperation({
    summary: "Get a household's dividend statement",
    description: 'Amount, share and year of every paid run.',
  })
  @ApiOkResponse({
    type: AssetIncomeDividendStatementResponse,
    example: {
      household: { id: '12', headName: '张三', villageId: '1', memberCount: 3, status: 'POOR' },
      totals: { entitled: '1532.85', paid: '1226.28', outstanding: '306.57' },
      items: [
        {
          projectId: '1',
          projectName: 'Shangxiaofeng',
          year: 2024,
          recordDate: '2024-12-31',
          paidOn: '2025-01-25',
          quantifiedAmount: '5109.49',
          sharePercent: '0.5109',
          memberCount: 3,
          proRata: '0.00',
          floor: '510.95',
          amount: '510.95',
          paid: '204.38',
          outstanding: '306.57',
        },
      ],
      page: 1,
      pageSize: 50,
      total: 3,
    },
  })
  getHouseholdDividendStatement(
    @Param('householdId', new IdPipe('householdId')) householdId: string,
    @Query() q: StatementQuery,
  ) {
    return this.distributions.householdStatement(householdId, q, q);
  }

  @Post('projects/:id/operator-settlements')
  @Roles('FUND_ADMIN')
  @HttpCode(201)
  @ApiIdempotencyKey()
  @ApiOperation({
    summary: 'Record an operator settlement',
    description:
      'The operator pays (part of) the floor it owed; oldest year first (AIP_OPERATOR_SETTLEMENT).',
  })
  @ApiCreatedResponse({
    type: AssetIncomeOperatorSettlementResponse,
    example: {
      id: '1',
      projectId: '1',
      amount: '20000.00',
      settledOn: '2025-06-30',
      entryId: '430',
      holdersPaid: 138,
      operatorOwes: '40000.00',
    },
  })
  recordOperatorSettlement(
    @Param('id', new IdPipe('id')) id: string,
    @Body() dto: SettlementDto,
    @IdempotencyKey() key: string,
    @CurrentActor() actor: Actor,
  ) {
    return this.distributions.settle(id, dto, key, actor);
  }
}
