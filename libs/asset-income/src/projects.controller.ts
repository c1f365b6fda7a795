import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { IdempotencyKey, PageOf, Roles, type Actor } from '#libs/common';
import {
  AlertsQuery,
  CreateProjectDto,
  ImportResultsDto,
  InjectDto,
  MoveRightDto,
  ProjectListQuery,
  QuantifyDto,
  RecordResultDto,
  ResultsQuery,
  RightsQuery,
  UpdateProjectSettingsDto,
} from './dto.js';
import { ApiIdempotencyKey, CurrentActor, IdPipe } from './http.js';
import { AssetIncomeProjectsService } from './projects.service.js';
import { AssetIncomeResultsService } from './results.service.js';
import {
  AssetIncomeAlertResponse,
  AssetIncomePendingMovesResponse,
  AssetIncomeProjectDetailResponse,
  AssetIncomeProjectResponse,
  AssetIncomeQuantificationResponse,
  AssetIncomeQuantifiedResponse,
  AssetIncomeRecordedResultResponse,
  AssetIncomeResultImportResponse,
  AssetIncomeResultResponse,
  AssetIncomeRightMoveResponse,
  AssetIncomeRightResponse,
} from './responses.js';

const PROJECT_EXAMPLE = {
  id: '1',
  name: 'Shangxiaofeng rural tourism cooperative',
  villageId: '1',
  villageName: '上小峰村',
  districtId: '1',
  entityId: '3',
  entityName: '上小峰旅游专业合作社',
  businessType: 'RURAL_TOURISM',
  status: 'ACTIVE',
  specialFund: '1000000.00',
  collectivePercent: '30',
  householdWeighting: 'EQUAL',
  rightRule: 'TRANSFER',
  floorRatePercent: '10',
  floorRecipients: 'POOR_HOUSEHOLDS',
  payoutPercent: '100',
  liquidationThreshold: '1500000.00',
  alertMargin: '300000.00',
  capital: [{ kind: 'COLLECTIVE_ASSETS', amount: '500000.00', description: 'guesthouse' }],
  totalCapital: '1500000.00',
  injectedOn: '2023-03-01',
  quantifiedOn: '2023-03-15',
  liquidationFlaggedYear: null,
  liquidatedOn: null,
  createdBy: 'fund-admin',
  createdAt: '2023-02-20T08:00:00.000Z',
};

@ApiTags('asset-income')
@ApiBearerAuth()
@Controller('api/v1/asset-income')
export class AssetIncomeProjectsController {
  constructor(
    private readonly projects: AssetIncomeProjectsService,
    private readonly results: AssetIncomeResultsService,
  ) {}

  @Post('projects')
  @Roles('FUND_ADMIN')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Create an asset-income project',
    description: 'A project in a pilot village; puts its operating entity under the insurance lock.',
  })
  @ApiCreatedResponse({
    type: AssetIncomeProjectResponse,
    example: { ...PROJECT_EXAMPLE, status: 'DRAFT', injectedOn: null, quantifiedOn: null },
  })
  createAssetIncomeProject(@Body() dto: CreateProjectDto, @CurrentActor() actor: Actor) {
    return this.projects.create(dto, actor);
  }

  @Get('projects')
  @Roles('ADMIN', 'FUND_ADMIN', 'AUDITOR')
  @ApiOperation({ summary: 'List asset-income projects' })
  @ApiOkResponse({
    type: PageOf(AssetIncomeProjectResponse),
    example: { items: [PROJECT_EXAMPLE], page: 1, pageSize: 50, total: 1 },
  })
  listAssetIncomeProjects(@Query() q: ProjectListQuery) {
    return this.projects.list(q, q);
  }

  @Get('projects/:id')
  @Roles('ADMIN', 'FUND_ADMIN', 'AUDITOR')
  @ApiOperation({
    summary: 'Get an asset-income project',
    description: 'The project, its current register totals and its ledger balances.',
  })
  @ApiOkResponse({
    description: 'The project, its current register totals and its ledger balances',
    type: AssetIncomeProjectDetailResponse,
    example: {
      ...PROJECT_EXAMPLE,
      register: { collective: '300000.00', households: '700000.00', householdHolders: 137 },
      ledger: {
        operatorCapital: '1500000.00',
        specialFundUnquantified: '0.00',
        specialFundCollective: '300000.00',
        specialFundHouseholds: '700000.00',
        operatorOwes: '0.00',
        dividendsPayable: '0.00',
      },
    },
  })
  getAssetIncomeProject(@Param('id', new IdPipe('id')) id: string) {
    return this.projects.get(id);
  }

  @Patch('projects/:id')
  @Roles('FUND_ADMIN')
  @ApiOperation({
    summary: 'Update the settings of an asset-income project',
    description:
      'Changes who the floor is paid to (floorRecipients); dividend runs previewed from now on use it, a prepared run must be previewed again.',
  })
  @ApiOkResponse({
    type: AssetIncomeProjectResponse,
    example: { ...PROJECT_EXAMPLE, floorRecipients: 'ALL_SHARES' },
  })
  updateAssetIncomeProjectSettings(
    @Param('id', new IdPipe('id')) id: string,
    @Body() dto: UpdateProjectSettingsDto,
    @CurrentActor() actor: Actor,
  ) {
    return this.projects.updateSettings(id, dto, actor);
  }

  @Post('projects/:id/injection')
  @Roles('FUND_ADMIN')
  @HttpCode(200)
  @ApiIdempotencyKey()
  @ApiOperation({
    summary: 'Inject the capital of an asset-income project',
    description:
      'Posts the special fund and the other capital into the project accounts (AIP_CAPITAL_INJECTION).',
  })
  @ApiOkResponse({
    type: AssetIncomeProjectResponse,
    example: { ...PROJECT_EXAMPLE, status: 'INJECTED', quantifiedOn: null },
  })
  injectAssetIncomeCapital(
    @Param('id', new IdPipe('id')) id: string,
    @Body() dto: InjectDto,
    @IdempotencyKey() key: string,
    @CurrentActor() actor: Actor,
  ) {
    return this.projects.inject(id, dto, key, actor);
  }

  @Get('projects/:id/quantification/preview')
  @Roles('FUND_ADMIN', 'AUDITOR')
  @ApiOperation({
    summary: 'Preview the quantification of a project',
    description:
      '折股量化 preview: the split among the collective and the village’s poor households, without writing.',
  })
  @ApiOkResponse({
    type: AssetIncomeQuantificationResponse,
    example: {
      projectId: '1',
      asOf: '2023-03-15',
      specialFund: '1000000.00',
      collectivePercent: '30',
      weighting: 'EQUAL',
      collective: '300000.00',
      households: '700000.00',
      householdCount: 137,
      people: 402,
      rights: [
        {
          householdId: '12',
          headName: '张三',
          memberCount: 3,
          weight: 1,
          amount: '5109.49',
          sharePercent: '0.5109',
        },
      ],
    },
  })
  previewAssetIncomeQuantification(@Param('id', new IdPipe('id')) id: string, @Query() q: QuantifyDto) {
    return this.projects.previewQuantification(id, q.asOf);
  }

  @Post('projects/:id/quantification')
  @Roles('FUND_ADMIN')
  @HttpCode(200)
  @ApiIdempotencyKey()
  @ApiOperation({
    summary: 'Quantify the special fund of a project',
    description:
      '折股量化: writes the share register and moves the special fund to the collective and households accounts.',
  })
  @ApiOkResponse({
    description: 'As the preview, plus status ACTIVE and the journal entry id',
    type: AssetIncomeQuantifiedResponse,
  })
  quantifyAssetIncomeProject(
    @Param('id', new IdPipe('id')) id: string,
    @Body() dto: QuantifyDto,
    @IdempotencyKey() key: string,
    @CurrentActor() actor: Actor,
  ) {
    return this.projects.quantify(id, dto, key, actor);
  }

  @Get('projects/:id/rights')
  @Roles('ADMIN', 'FUND_ADMIN', 'LOAN_OFFICER', 'AUDITOR')
  @ApiOperation({
    summary: "List a project's share rights",
    description: 'The share register: current rights, the register on a date (asOf), or the whole history.',
  })
  @ApiOkResponse({
    type: PageOf(AssetIncomeRightResponse),
    example: {
      items: [
        {
          id: '2',
          holderType: 'HOUSEHOLD',
          householdId: '12',
          headName: '张三',
          memberCount: 3,
          householdStatus: 'POOR',
          amount: '5109.49',
          sharePercent: '0.5109',
          weight: 1,
          validFrom: '2023-03-15',
          validTo: null,
          origin: 'QUANTIFICATION',
          predecessorId: null,
          reason: null,
        },
      ],
      page: 1,
      pageSize: 50,
      total: 138,
    },
  })
  listAssetIncomeRights(@Param('id', new IdPipe('id')) id: string, @Query() q: RightsQuery) {
    return this.projects.rights(id, q, q);
  }

  @Get('projects/:id/rights/pending-moves')
  @Roles('ADMIN', 'FUND_ADMIN', 'AUDITOR')
  @ApiOperation({
    summary: 'List the rights pending a move',
    description:
      'Current holders no longer poor whose rights the project rule moves (TRANSFER or RETURN_TO_COLLECTIVE).',
  })
  @ApiOkResponse({
    type: AssetIncomePendingMovesResponse,
    example: {
      projectId: '1',
      rightRule: 'TRANSFER',
      items: [
        { id: '9', householdId: '20', householdStatus: 'GRADUATED', graduatedYear: 2024, amount: '5109.49' },
      ],
    },
  })
  listAssetIncomePendingMoves(@Param('id', new IdPipe('id')) id: string) {
    return this.projects.pendingMoves(id);
  }

  @Post('projects/:id/rights/:rightId/move')
  @Roles('FUND_ADMIN')
  @HttpCode(200)
  @ApiIdempotencyKey()
  @ApiOperation({
    summary: 'Move a share right',
    description:
      'Moves the right of a household that is no longer poor, by the project rule; the register keeps both rows.',
  })
  @ApiOkResponse({
    type: AssetIncomeRightMoveResponse,
    example: {
      closed: {
        id: '9',
        holderType: 'HOUSEHOLD',
        householdId: '20',
        amount: '5109.49',
        validFrom: '2023-03-15',
        validTo: '2024-07-01',
        origin: 'QUANTIFICATION',
      },
      opened: {
        id: '140',
        holderType: 'HOUSEHOLD',
        householdId: '57',
        amount: '5109.49',
        validFrom: '2024-07-01',
        validTo: null,
        origin: 'TRANSFER',
        predecessorId: '9',
      },
    },
  })
  moveAssetIncomeRight(
    @Param('id', new IdPipe('id')) id: string,
    @Param('rightId', new IdPipe('rightId')) rightId: string,
    @Body() dto: MoveRightDto,
    @IdempotencyKey() key: string,
    @CurrentActor() actor: Actor,
  ) {
    return this.projects.moveRight(id, rightId, dto, key, actor);
  }

  @Post('projects/:id/results')
  @Roles('FUND_ADMIN')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Record the results of a year',
    description: 'Records (or corrects) a year’s results; applies the liquidation lock and raises alerts.',
  })
  @ApiOkResponse({
    type: AssetIncomeRecordedResultResponse,
    example: {
      projectId: '1',
      year: 2024,
      revenue: '2100000.00',
      netProfit: '-80000.00',
      netAssets: '1650000.00',
      reportedOn: '2025-01-20',
      version: 1,
      source: 'MANUAL',
      enteredBy: 'fund-admin',
      updatedAt: '2025-01-20T08:00:00.000Z',
      assessment: 'NEAR_THRESHOLD',
      projectStatus: 'ACTIVE',
    },
  })
  recordAssetIncomeResult(
    @Param('id', new IdPipe('id')) id: string,
    @Body() dto: RecordResultDto,
    @CurrentActor() actor: Actor,
  ) {
    return this.results.record(id, dto, actor);
  }

  @Post('projects/:id/results/import')
  @Roles('FUND_ADMIN')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Import results from CSV',
    description: 'Every row checked, all recorded or none.',
  })
  @ApiOkResponse({
    type: AssetIncomeResultImportResponse,
    example: { imported: 2, results: [{ year: 2023, netAssets: '2420000.00', assessment: 'OK' }] },
  })
  importAssetIncomeResults(
    @Param('id', new IdPipe('id')) id: string,
    @Body() dto: ImportResultsDto,
    @CurrentActor() actor: Actor,
  ) {
    return this.results.importCsv(id, dto.csv, actor);
  }

  @Get('projects/:id/results')
  @Roles('ADMIN', 'FUND_ADMIN', 'AUDITOR')
  @ApiOperation({ summary: "List a project's yearly results" })
  @ApiOkResponse({
    type: PageOf(AssetIncomeResultResponse),
    example: {
      items: [
        {
          projectId: '1',
          year: 2023,
          revenue: '2600000.00',
          netProfit: '420000.00',
          netAssets: '2420000.00',
          reportedOn: '2024-01-18',
          version: 1,
          source: 'CSV',
        },
      ],
      page: 1,
      pageSize: 50,
      total: 1,
    },
  })
  listAssetIncomeResults(@Param('id', new IdPipe('id')) id: string, @Query() q: ResultsQuery) {
    return this.results.list(id, q, q);
  }

  @Get('alerts')
  @Roles('ADMIN', 'FUND_ADMIN', 'AUDITOR')
  @ApiOperation({
    summary: 'List net-asset alerts',
    description: 'Net assets near or at the liquidation threshold, newest first.',
  })
  @ApiOkResponse({
    type: PageOf(AssetIncomeAlertResponse),
    example: {
      items: [
        {
          id: '3',
          projectId: '1',
          projectName: 'Shangxiaofeng',
          districtId: '1',
          villageId: '1',
          year: 2024,
          kind: 'NEAR_THRESHOLD',
          netAssets: '1650000.00',
          threshold: '1500000.00',
          margin: '300000.00',
          headroom: '150000.00',
        },
      ],
      page: 1,
      pageSize: 50,
      total: 1,
    },
  })
  listAssetIncomeAlerts(@Query() q: AlertsQuery) {
    return this.results.alerts(q, q);
  }
}
