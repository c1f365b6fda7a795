import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { PageOf, problemExample as problem, RequestContext, Roles, STAFF_READERS } from '#libs/common';
import { cobJobId, CobQueue, cobRerunJobId } from './cob.queue.js';
import { CobService } from './cob.service.js';
import { BusinessDateParam, CallListQuery, CobRunDto, CobRunListQuery, SnapshotListQuery } from './dto.js';
import { PortfolioService } from './portfolio.service.js';
import { CobRunResponse, CobRunStartResponse, GroupLiabilityCallResponse, PortfolioSnapshotResponse } from './responses.js';

const RUN_EXAMPLE = {
  businessDate: '2026-05-31',
  status: 'COMPLETED',
  attempts: 1,
  loansProcessed: 1250,
  batches: 1,
  coveredProcessed: 320,
  callsRaised: 2,
  callsCleared: 1,
  snapshots: 3,
  triggeredBy: 'scheduler',
  lastError: null,
  startedAt: '2026-05-31T16:30:00.120Z',
  finishedAt: '2026-05-31T16:30:01.870Z',
  checkpoints: [
    { step: 'LOANS', lastId: '1250', batches: 1, rowsDone: 1250, done: true },
    { step: 'COVERED', lastId: '1570', batches: 1, rowsDone: 320, done: true },
    { step: 'SNAPSHOTS', lastId: '3', batches: 1, rowsDone: 3, done: true },
  ],
};
const SNAPSHOT_EXAMPLE = {
  fundId: '1',
  businessDate: '2026-05-31',
  activeLoans: 41,
  outstanding: '162000.00',
  byBucket: {
    current: '150000.00',
    dpd1To30: '7000.00',
    dpd31To60: '5000.00',
    dpd61To90: '0.00',
    dpd90Plus: '0.00',
  },
  overdueLoans: 3,
  overduePrincipal: '9000.00',
  overdueInterest: '410.00',
  penaltyOutstanding: '35.12',
  nonPerformingLoans: 0,
  par30: '5000.00',
  par30Percent: '3.09',
  dueLast30Days: '12100.00',
  paidLast30Days: '11159.00',
  repaymentRatePercent: '92.22',
  writtenOff: '0.00',
  openLiabilityCalls: 1,
};

@ApiTags('close-of-business')
@ApiBearerAuth()
@Controller('api/v1')
export class CobController {
  constructor(
    private readonly cob: CobService,
    private readonly queue: CobQueue,
    private readonly portfolio: PortfolioService,
  ) {}

  @Post('cob/runs')
  @Roles('ADMIN')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Start the close of business for a date',
    description:
      'Runs as a worker job with the id cob.<date>. Checked at once (a calendar date, not after today, not before the latest closed date); then the worker runs it. A date already ' +
      'closed is not run again unless `rerun` (the latest closed date only; it changes nothing). Poll GET /api/v1/cob/runs/{date}.',
  })
  @ApiOkResponse({
    description: 'The job the worker runs (or, for a closed date without rerun, no job and the run)',
    type: CobRunStartResponse,
    example: { businessDate: '2026-05-31', jobId: 'cob.2026-05-31', jobState: 'waiting', run: null },
  })
  @ApiUnprocessableEntityResponse(
    problem(
      'COB_DATE_INVALID',
      422,
      'business date 2026-05-31 is already closed: a close of business never goes back to 2026-05-30',
    ),
  )
  async startCobRun(@Body() dto: CobRunDto) {
    await this.cob.assertRunnable(dto.businessDate);
    const run = await this.cob.find(dto.businessDate);
    const triggeredBy = RequestContext.actor()?.username ?? 'api';
    const closed = run?.status === 'COMPLETED';
    if (closed && !dto.rerun)
      return { businessDate: dto.businessDate, jobId: null, jobState: 'completed', run };
    const id = closed ? cobRerunJobId(dto.businessDate, run.attempts + 1) : cobJobId(dto.businessDate);
    const job = await this.queue.enqueue({ businessDate: dto.businessDate, triggeredBy, rerun: closed }, id);
    return { businessDate: dto.businessDate, jobId: job.jobId, jobState: job.state, run };
  }

  @Get('cob/runs')
  @Roles('ADMIN', 'FUND_ADMIN', 'AUDITOR')
  @ApiOperation({ summary: 'List close-of-business runs', description: 'Newest first, by status and date.' })
  @ApiOkResponse({ type: PageOf(CobRunResponse), example: { items: [RUN_EXAMPLE], page: 1, pageSize: 50, total: 1 } })
  listCobRuns(@Query() q: CobRunListQuery) {
    return this.cob.list(q, q);
  }

  @Get('cob/runs/:businessDate')
  @Roles('ADMIN', 'FUND_ADMIN', 'AUDITOR')
  @ApiOperation({ summary: 'Get the close-of-business run of a date' })
  @ApiOkResponse({ type: CobRunResponse, example: RUN_EXAMPLE })
  @ApiNotFoundResponse({ description: 'no run for that date' })
  @ApiConflictResponse(
    problem(
      'COB_ALREADY_RUNNING',
      409,
      'a close of business is already running; try again when it has finished',
    ),
  )
  getCobRun(@Param() p: BusinessDateParam) {
    return this.cob.get(p.businessDate);
  }

  @Get('portfolio-snapshots')
  @Roles(...STAFF_READERS)
  @ApiOperation({
    summary: 'List daily portfolio snapshots',
    description: 'Per fund: outstanding, overdue by bucket, PAR30, 30-day repayment (collection) rate.',
  })
  @ApiOkResponse({ type: PageOf(PortfolioSnapshotResponse), example: { items: [SNAPSHOT_EXAMPLE], page: 1, pageSize: 50, total: 1 } })
  listPortfolioSnapshots(@Query() q: SnapshotListQuery) {
    return this.portfolio.snapshots(q, q);
  }

  @Get('group-liability-calls')
  @Roles(...STAFF_READERS)
  @ApiOperation({
    summary: 'List group-liability calls',
    description: 'Group-liability calls (联保责任) by status, fund, group, loan and household (borrower or co-obligor).',
  })
  @ApiOkResponse({
    type: PageOf(GroupLiabilityCallResponse),
    example: {
      items: [
        {
          id: '5',
          loanId: '42',
          loanNo: 'MA-2026-000042',
          fundId: '1',
          groupId: '3',
          borrowerHouseholdId: '17',
          raisedOn: '2026-05-31',
          amountDue: '5115.62',
          status: 'OPEN',
          clearedOn: null,
          coObligors: ['18', '19'],
        },
      ],
      page: 1,
      pageSize: 50,
      total: 1,
    },
  })
  listGroupLiabilityCalls(@Query() q: CallListQuery) {
    return this.portfolio.calls(q, q);
  }
}
