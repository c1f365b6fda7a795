import { Body, Controller, Get, HttpCode, Post, Put } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { EVERY_ROLE_READERS, problemExample as problem, Roles } from '#libs/common';
import { BusinessDateService } from './business-date.service.js';
import { AdvanceBusinessDateDto, StartBusinessDateDto } from './dto.js';
import { BusinessDateAdvanceResponse, BusinessDateResponse } from './responses.js';

const DAY_EXAMPLE = {
  businessDate: '2027-01-01',
  status: 'DONE',
  steps: {
    COB: { businessDate: '2026-12-31', status: 'COMPLETED', loansProcessed: 42, callsRaised: 0 },
    REMINDERS: { runId: '118', selected: 6, sent: 6, settled: 0, failed: 0 },
    SUBSIDY: [],
    REPORT: { month: '2026-12', action: 'CREATED', version: 1 },
  },
  advancedBy: 'admin',
  startedAt: '2026-12-06T08:00:01.120Z',
  finishedAt: '2026-12-06T08:00:01.870Z',
};
const VIEW_EXAMPLE = {
  businessDate: '2027-01-01',
  calendarDate: '2026-12-06',
  timeZone: 'Asia/Shanghai',
  movable: true,
  moved: true,
  movedBy: 'admin',
  movedAt: '2026-12-06T08:00:01.100Z',
  recentDays: [DAY_EXAMPLE],
};

@ApiTags('business-date')
@ApiBearerAuth()
@Controller('api/v1/business-date')
export class BusinessDateController {
  constructor(private readonly service: BusinessDateService) {}

  @Get()
  @Roles(...EVERY_ROLE_READERS)
  @ApiOperation({
    summary: 'Get the business date',
    description: 'The business date every decision reads, whether it can be moved here, and the latest days run.',
  })
  @ApiOkResponse({ type: BusinessDateResponse, example: VIEW_EXAMPLE })
  getBusinessDate() {
    return this.service.current();
  }

  @Post('advance')
  @Roles('ADMIN')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Move the business date forward (development, test, training sandbox only)',
    description:
      'Moves the date to `to` (or by `days`, default 1), day by day. Each day passed runs what that night would have run: the close of ' +
      'business of the day before, the reminder selection, claim generation of subsidy periods that ended, and on the 1st the monthly ' +
      'report of the month just ended. Idempotent: a day already run is not run again; a day cut off half-way is finished by the next ' +
      'advance. Refused in production (BUSINESS_DATE_MOVABLE off), backwards, or more than 366 days at once.',
  })
  @ApiOkResponse({ type: BusinessDateAdvanceResponse, example: { from: '2026-12-31', to: '2027-01-01', days: [DAY_EXAMPLE] } })
  @ApiConflictResponse(
    problem(
      'BUSINESS_DATE_NOT_MOVABLE',
      409,
      'the business date of this deployment is the calendar date and cannot be moved (BUSINESS_DATE_MOVABLE is off)',
    ),
  )
  @ApiUnprocessableEntityResponse(
    problem('BUSINESS_DATE_INVALID', 422, 'cannot advance the business date from 2027-01-01 to 2026-12-31'),
  )
  advanceBusinessDate(@Body() dto: AdvanceBusinessDateDto) {
    return this.service.advance(dto);
  }

  @Put()
  @Roles('ADMIN')
  @ApiOperation({
    summary: 'Start the clock of a fresh sandbox at a chosen date',
    description:
      'Only while the books hold no journal entry. For a rehearsal of a past or coming year on an empty training database; ' +
      'afterwards the date only advances.',
  })
  @ApiOkResponse({ type: BusinessDateResponse, example: { ...VIEW_EXAMPLE, businessDate: '2026-01-01', recentDays: [] } })
  @ApiConflictResponse(
    problem(
      'BUSINESS_DATE_NOT_MOVABLE',
      409,
      'the business date of this deployment is the calendar date and cannot be moved (BUSINESS_DATE_MOVABLE is off)',
    ),
  )
  startBusinessDate(@Body() dto: StartBusinessDateDto) {
    return this.service.start(dto.businessDate);
  }
}
