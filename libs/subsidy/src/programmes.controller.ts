import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { IdempotencyKey, PageOf, Roles, OVERSIGHT_READERS } from '#libs/common';
import { parseYuan } from '#libs/money';
import { ClaimsService } from './claims.service.js';
import {
  BudgetDto,
  CreateProgrammeDto,
  GenerateClaimsDto,
  IdParam,
  PatchProgrammeDto,
  PeriodsQuery,
  ProgrammeContributionDto,
  ProgrammeListQuery,
} from './dto.js';
import { CLAIM_EXAMPLE, PROGRAMME_EXAMPLE, problem } from './examples.js';
import { ProgrammesService } from './programmes.service.js';
import {
  SubsidyBudgetResponse,
  SubsidyBudgetSetResponse,
  SubsidyContributionResponse,
  SubsidyGenerationResponse,
  SubsidyPeriodSummaryResponse,
  SubsidyProgrammeResponse,
} from './responses.js';

const fen = (yuan: string | undefined) =>
  yuan === undefined ? undefined : (parseYuan(yuan, { allowZero: true }) as { fen: bigint }).fen;

export const IDEMPOTENCY_HEADER = ApiHeader({
  name: 'Idempotency-Key',
  required: true,
  description:
    'Client-chosen key (8-128 of [A-Za-z0-9._:-]): a retry returns the first response; the same key with another body is 409',
  example: 'sub-2026-q1-0001',
});

@ApiTags('subsidy')
@ApiBearerAuth()
@Controller('api/v1/subsidy/programmes')
export class ProgrammesController {
  constructor(
    private readonly programmes: ProgrammesService,
    private readonly claims: ClaimsService,
  ) {}

  @Post()
  @Roles('ADMIN', 'FUND_ADMIN')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Create a subsidy programme',
    description: 'A subsidy programme (贴息项目); its ledger accounts SUB:{id}:* are opened with it.',
  })
  @ApiCreatedResponse({ type: SubsidyProgrammeResponse, example: PROGRAMME_EXAMPLE })
  @ApiConflictResponse(
    problem('SUBSIDY_PROGRAMME_CODE_TAKEN', 409, 'a subsidy programme with code ZIBO-CITY-2026 exists', [
      { field: 'code', code: 'TAKEN', message: 'code is already used by another programme' },
    ]),
  )
  @ApiUnprocessableEntityResponse(
    problem('SUBSIDY_PROGRAMME_INVALID', 422, 'invalid subsidy programme: districtId', [
      { field: 'districtId', code: 'NOT_FOUND', message: 'district 99 does not exist' },
    ]),
  )
  createSubsidyProgramme(@Body() dto: CreateProgrammeDto) {
    return this.programmes.create(dto);
  }

  @Get()
  @Roles(...OVERSIGHT_READERS)
  @ApiOperation({
    summary: 'List subsidy programmes',
    description:
      'Programmes by district, settlement mode, status or code/name, each with its ledger position.',
  })
  @ApiOkResponse({
    type: PageOf(SubsidyProgrammeResponse),
    example: { items: [PROGRAMME_EXAMPLE], page: 1, pageSize: 50, total: 1 },
  })
  listSubsidyProgrammes(@Query() q: ProgrammeListQuery) {
    return this.programmes.list(q, q);
  }

  @Get(':id')
  @Roles(...OVERSIGHT_READERS)
  @ApiOperation({ summary: 'Get a subsidy programme with its ledger position' })
  @ApiOkResponse({ type: SubsidyProgrammeResponse, example: PROGRAMME_EXAMPLE })
  @ApiNotFoundResponse(problem('NOT_FOUND', 404, 'subsidy programme 9 not found'))
  getSubsidyProgramme(@Param() p: IdParam) {
    return this.programmes.get(p.id);
  }

  @Patch(':id')
  @Roles('ADMIN', 'FUND_ADMIN')
  @ApiOperation({
    summary: 'Update a subsidy programme',
    description: 'Rename, change the grace days or close a programme (the calendar is fixed once set).',
  })
  @ApiOkResponse({ type: SubsidyProgrammeResponse, example: PROGRAMME_EXAMPLE })
  updateSubsidyProgramme(@Param() p: IdParam, @Body() dto: PatchProgrammeDto) {
    return this.programmes.update(p.id, dto);
  }

  @Post(':id/contributions')
  @Roles('FUND_ADMIN')
  @IDEMPOTENCY_HEADER
  @ApiOperation({
    summary: 'Fund a subsidy programme',
    description:
      'Funds the programme from a source: BUDGET ↑ / FUNDING:{source} ↑, a contributions register row, then queued claims are paid in order.',
  })
  @HttpCode(201)
  @ApiCreatedResponse({
    type: SubsidyContributionResponse,
    example: {
      id: '31',
      programmeId: '1',
      districtId: null,
      source: 'CITY',
      amount: '2000000.00',
      year: 2026,
      documentRef: '淄财农〔2026〕3号',
      receivedOn: '2026-01-15',
      soeName: null,
      soeProfitBase: null,
      entryId: '120',
      createdBy: 'fund.admin',
      queue: {
        approved: [{ claimId: '13', claimNo: 'SUB1-20260320-B2-V2', amount: '62.50', requeuedAs: null }],
        stillQueued: 0,
      },
    },
  })
  @ApiUnprocessableEntityResponse(
    problem('SUBSIDY_CONTRIBUTION_INVALID', 422, 'invalid contribution: soeName, soeProfitBase', [
      { field: 'soeName', code: 'REQUIRED', message: 'an SOE contribution names the enterprise' },
    ]),
  )
  fundSubsidyProgramme(
    @Param() p: IdParam,
    @Body() dto: ProgrammeContributionDto,
    @IdempotencyKey() key: string,
  ) {
    return this.programmes.contribute(
      p.id,
      { ...dto, amountFen: fen(dto.amount)!, soeProfitBaseFen: fen(dto.soeProfitBase) ?? null },
      key,
    );
  }

  @Post(':id/budgets')
  @Roles('FUND_ADMIN')
  @HttpCode(200)
  @IDEMPOTENCY_HEADER
  @ApiOperation({
    summary: "Set a subsidy programme's budget for a year",
    description:
      'Never below what approved claims committed; queued claims of that year are then paid in order.',
  })
  @ApiOkResponse({
    type: SubsidyBudgetSetResponse,
    example: {
      programmeId: '1',
      year: 2026,
      budget: '3000000.00',
      committed: '362.50',
      remaining: '2999637.50',
      queued: '0.00',
      queuedClaims: 0,
      queue: {
        approved: [{ claimId: '13', claimNo: 'SUB1-20260320-B2-V2', amount: '62.50', requeuedAs: null }],
        stillQueued: 0,
      },
    },
  })
  @ApiUnprocessableEntityResponse(
    problem(
      'SUBSIDY_BUDGET_INVALID',
      422,
      'the 2026 budget may not go below the 362.50 approved claims committed',
      [{ field: 'budget', code: 'BELOW_COMMITTED', message: 'must be at least 362.50' }],
    ),
  )
  setSubsidyBudget(@Param() p: IdParam, @Body() dto: BudgetDto, @IdempotencyKey() key: string) {
    return this.programmes.setBudget(
      p.id,
      {
        year: dto.year,
        budgetFen: fen(dto.budget)!,
        reason: dto.reason,
        documentRef: dto.documentRef ?? null,
      },
      key,
    );
  }

  @Get(':id/budgets')
  @Roles(...OVERSIGHT_READERS)
  @ApiOperation({
    summary: "List a subsidy programme's budgets",
    description: 'Budget per year: budget, committed by approved claims, remaining, and what is queued.',
  })
  @ApiOkResponse({
    type: [SubsidyBudgetResponse],
    example: [
      {
        programmeId: '1',
        year: 2026,
        budget: '3000000.00',
        committed: '362.50',
        remaining: '2999637.50',
        queued: '0.00',
        queuedClaims: 0,
      },
    ],
  })
  listSubsidyBudgets(@Param() p: IdParam) {
    return this.programmes.budgets(p.id);
  }

  @Get(':id/periods')
  @Roles(...OVERSIGHT_READERS)
  @ApiOperation({
    summary: "List a subsidy programme's settlement periods",
    description:
      'The settlement periods of a year (default: quarters ending on the 20th of Mar/Jun/Sep/Dec) and what was claimed in each.',
  })
  @ApiOkResponse({
    type: [SubsidyPeriodSummaryResponse],
    example: [
      {
        start: '2025-12-21',
        end: '2026-03-20',
        year: 2026,
        number: 1,
        label: '2026-P1',
        claims: 2,
        total: '362.50',
        approved: '300.00',
        queued: '62.50',
      },
    ],
  })
  listSubsidyPeriods(@Param() p: IdParam, @Query() q: PeriodsQuery) {
    return this.programmes.periods(p.id, q.year);
  }

  @Post(':id/claims/generate')
  @Roles('ADMIN', 'FUND_ADMIN')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Generate the subsidy claims of a settlement period',
    description:
      'One claim per bank or fund: reproducible (an unchanged draft is kept), a changed draft is versioned, after approval an ADJUSTMENT is created. ' +
      'Answers 200 with what was done per payee.',
  })
  @ApiOkResponse({
    type: SubsidyGenerationResponse,
    example: {
      programmeId: '1',
      period: { start: '2025-12-21', end: '2026-03-20', year: 2026, number: 1, label: '2026-P1' },
      asOf: '2026-03-25',
      claims: [
        {
          action: 'CREATED',
          payee: { type: 'BANK', id: '2' },
          claim: { ...CLAIM_EXAMPLE, status: 'DRAFT', approved: null, approvedBy: null },
        },
      ],
    },
  })
  @ApiUnprocessableEntityResponse(
    problem(
      'SUBSIDY_PERIOD_INVALID',
      422,
      'cannot generate claims: the period ending 2026-06-20 has not ended on 2026-04-01',
      [
        {
          field: 'periodEnd',
          code: 'NOT_ENDED',
          message: 'the period ending 2026-06-20 has not ended on 2026-04-01',
        },
      ],
    ),
  )
  @ApiForbiddenResponse({ description: 'not a FUND_ADMIN or ADMIN' })
  generateSubsidyClaims(@Param() p: IdParam, @Body() dto: GenerateClaimsDto) {
    return this.claims.generate(p.id, dto);
  }
}
