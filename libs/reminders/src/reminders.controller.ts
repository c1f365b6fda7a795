import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { type Actor, problemExample as problem, Roles, STAFF_READERS } from '#libs/common';
import {
  CreateEndpointDto,
  EndpointListQuery,
  IdParam,
  OutboxQuery,
  RunDto,
  RunListQuery,
  UpdateEndpointDto,
} from './dto.js';
import { ReminderEndpointsService } from './endpoints.service.js';
import { ReminderOutboxService } from './outbox.service.js';
import {
  ReminderDetailResponse,
  ReminderEndpointPage,
  ReminderEndpointResponse,
  ReminderEndpointWithSecretResponse,
  ReminderPage,
  ReminderRunPage,
  ReminderRunResultResponse,
} from './responses.js';
import { ReminderSelectionService } from './selection.service.js';

type WithActor = Request & { actor: Actor };

const REMINDER_EXAMPLE = {
  id: '1207',
  installmentId: '5531',
  installmentNumber: 3,
  loanId: '42',
  loanNo: 'MA-2026-000042',
  householdId: '17',
  borrowerName: '王建国',
  phone: '138****5678',
  offset: 'T-7',
  offsetDays: -7,
  event: 'DUE_T7',
  dueDate: '2026-03-22',
  remindOn: '2026-03-15',
  state: 'SENT',
  channel: 'WEBHOOK',
  endpointId: '3',
  attempts: 1,
  lastError: null,
  amountDue: '861.17',
  message: '您的贷款(第3期)将于2026年3月22日到期,应还¥861.17,请提前准备资金。',
  payload: {
    id: '1207',
    event: 'DUE_T7',
    offset: 'T-7',
    loan: { id: '42', loanNo: 'MA-2026-000042' },
    installment: { number: 3, dueDate: '2026-03-22', amountDue: '861.17' },
  },
  providerRef: null,
  deferredUntil: null,
  createdAt: '2026-03-15T00:00:02.000Z',
  updatedAt: '2026-03-15T00:00:03.000Z',
  sentAt: '2026-03-15T00:00:03.000Z',
};
const RUN_RESULT_EXAMPLE = {
  runId: '31',
  businessDate: '2026-03-15',
  today: '2026-03-15',
  selected: 1840,
  enqueued: 1840,
  resumed: 0,
  swept: 0,
  selectMs: 180,
  enqueueMs: 210,
  durationMs: 412,
};
const ENDPOINT_EXAMPLE = {
  id: '3',
  scope: 'BANK',
  bankId: '2',
  fundId: null,
  channel: 'WEBHOOK',
  name: '淄博农商银行 催收系统',
  url: 'https://reminders.bank.example/hooks/mae',
  signName: null,
  active: true,
  hasSecret: true,
  secretRotatedAt: '2026-03-01T02:00:00.000Z',
  version: 1,
  createdBy: 'admin',
  createdAt: '2026-03-01T02:00:00.000Z',
  updatedAt: '2026-03-01T02:00:00.000Z',
};
const SECRET_EXAMPLE = { ...ENDPOINT_EXAMPLE, secret: 'rsec_Jx0d3w7pQ2mZk9v1bH6sT4yLr8eN5cA0uG2iO7fW3qE' };

@ApiTags('reminders')
@ApiBearerAuth()
@ApiForbiddenResponse(problem('FORBIDDEN', 403, 'role BANK_OFFICER may not GET /api/v1/reminders'))
@Controller('api/v1/reminders')
export class RemindersController {
  constructor(
    private readonly outbox: ReminderOutboxService,
    private readonly selection: ReminderSelectionService,
  ) {}

  @Post('runs')
  @Roles('ADMIN')
  @ApiOperation({
    summary: "Select and enqueue a day's reminders",
    description:
      'Select the reminders of a business date now and enqueue their delivery. ' +
      'Idempotent: a reminder is created once per instalment and offset, so re-running a date selects 0. A run for a ' +
      'past date only adds reminders whose window is still open today (the catch-up rule).',
  })
  @HttpCode(201)
  @ApiCreatedResponse({ type: ReminderRunResultResponse, example: RUN_RESULT_EXAMPLE })
  @ApiBadRequestResponse(
    problem('VALIDATION_FAILED', 400, 'Invalid request: businessDate', [
      {
        field: 'businessDate',
        code: 'isBusinessDate',
        message: 'businessDate must be a calendar date YYYY-MM-DD',
      },
    ]),
  )
  @ApiUnprocessableEntityResponse(
    problem(
      'REMINDER_RUN_DATE_INVALID',
      422,
      'businessDate must be between 2026-01-30 and today (2026-03-15)',
      [
        {
          field: 'businessDate',
          code: 'FUTURE_DATE',
          message: 'reminders are selected for today or a past day, never ahead',
        },
      ],
    ),
  )
  runReminderSelection(@Body() dto: RunDto) {
    return this.selection.run({ businessDate: dto.businessDate, trigger: 'MANUAL' });
  }

  @Get('runs')
  @Roles(...STAFF_READERS)
  @ApiOperation({
    summary: 'List reminder selection runs',
    description: 'Selection runs (scheduled, at worker start and on demand), newest first',
  })
  @ApiOkResponse({
    type: ReminderRunPage,
    example: {
      items: [
        {
          id: '31',
          businessDate: '2026-03-15',
          trigger: 'SCHEDULE',
          requestedBy: 'system',
          jobId: 'reminders.select.2026-03-15',
          selected: 1840,
          enqueued: 1840,
          swept: 0,
          startedAt: '2026-03-15T00:00:01.000Z',
          enqueuedAt: '2026-03-15T00:00:02.000Z',
        },
      ],
      page: 1,
      pageSize: 50,
      total: 1,
    },
  })
  listReminderRuns(@Query() q: RunListQuery) {
    return this.outbox.runs(q, q);
  }

  @Get()
  @Roles(...STAFF_READERS)
  @ApiOperation({
    summary: 'List reminders',
    description:
      'The reminder outbox by loan, household, fund, bank, state and reminder date, newest first. ' +
      'Phones are shown in full to ADMIN, FUND_ADMIN and LOAN_OFFICER, masked for AUDITOR.',
  })
  @ApiOkResponse({
    type: ReminderPage,
    example: { items: [REMINDER_EXAMPLE], page: 1, pageSize: 50, total: 1 },
  })
  listReminders(@Query() q: OutboxQuery, @Req() req: WithActor) {
    return this.outbox.list(req.actor, q, q);
  }

  @Get(':id')
  @Roles(...STAFF_READERS)
  @ApiOperation({
    summary: 'Get a reminder',
    description: 'One reminder with every delivery attempt',
  })
  @ApiOkResponse({
    type: ReminderDetailResponse,
    example: {
      ...REMINDER_EXAMPLE,
      deliveryAttempts: [
        {
          attempt: 1,
          outcome: 'SENT',
          channel: 'WEBHOOK',
          endpointId: '3',
          httpStatus: 200,
          error: null,
          worker: 'worker-1:4242',
          jobId: 'reminder.1207',
          startedAt: '2026-03-15T00:00:02.900Z',
          finishedAt: '2026-03-15T00:00:03.000Z',
        },
      ],
    },
  })
  @ApiNotFoundResponse(problem('NOT_FOUND', 404, 'reminder 1207 not found'))
  getReminder(@Param() p: IdParam, @Req() req: WithActor) {
    return this.outbox.get(req.actor, p.id);
  }
}

const ENDPOINT_INVALID = problem(
  'REMINDER_ENDPOINT_INVALID',
  422,
  'the reminder endpoint is invalid: bankId, url',
  [
    { field: 'bankId', code: 'REQUIRED', message: 'a BANK endpoint names its bank' },
    { field: 'url', code: 'REQUIRED', message: 'a WEBHOOK endpoint needs the URL it posts to' },
  ],
);

@ApiTags('reminders')
@ApiBearerAuth()
@ApiForbiddenResponse(problem('FORBIDDEN', 403, 'role FUND_ADMIN may not POST /api/v1/reminder-endpoints'))
@Controller('api/v1/reminder-endpoints')
export class ReminderEndpointsController {
  constructor(private readonly endpoints: ReminderEndpointsService) {}

  @Post()
  @Roles('ADMIN')
  @ApiOperation({
    summary: 'Create a reminder endpoint',
    description:
      'Configure where the reminders of a bank, a fund or every other loan go. ' +
      'WEBHOOK and SMS endpoints get a signing secret, returned in this answer only (stored encrypted).',
  })
  @HttpCode(201)
  @ApiCreatedResponse({ type: ReminderEndpointWithSecretResponse, example: SECRET_EXAMPLE })
  @ApiUnprocessableEntityResponse(ENDPOINT_INVALID)
  @ApiConflictResponse(
    problem(
      'REMINDER_ENDPOINT_SCOPE_TAKEN',
      409,
      'bank 2 already has an active reminder endpoint; deactivate it first',
    ),
  )
  createReminderEndpoint(@Body() dto: CreateEndpointDto) {
    return this.endpoints.create(dto);
  }

  @Get()
  @Roles('ADMIN', 'AUDITOR')
  @ApiOperation({
    summary: 'List reminder endpoints',
    description: 'Endpoints by scope, bank, fund, channel and whether active (never with their secret)',
  })
  @ApiOkResponse({
    type: ReminderEndpointPage,
    example: { items: [ENDPOINT_EXAMPLE], page: 1, pageSize: 50, total: 1 },
  })
  listReminderEndpoints(@Query() q: EndpointListQuery) {
    return this.endpoints.list(q, q);
  }

  @Get(':id')
  @Roles('ADMIN', 'AUDITOR')
  @ApiOkResponse({ type: ReminderEndpointResponse, example: ENDPOINT_EXAMPLE })
  @ApiNotFoundResponse(problem('NOT_FOUND', 404, 'reminder endpoint 3 not found'))
  @ApiOperation({ summary: 'Get a reminder endpoint' })
  getReminderEndpoint(@Param() p: IdParam) {
    return this.endpoints.get(p.id);
  }

  @Patch(':id')
  @Roles('ADMIN')
  @ApiOperation({
    summary: 'Update a reminder endpoint',
    description: 'Rename, re-point, (de)activate an endpoint; reminders still waiting use the new settings',
  })
  @ApiOkResponse({ type: ReminderEndpointResponse, example: { ...ENDPOINT_EXAMPLE, version: 2 } })
  @ApiUnprocessableEntityResponse(ENDPOINT_INVALID)
  @ApiConflictResponse(
    problem(
      'REMINDER_ENDPOINT_SCOPE_TAKEN',
      409,
      'bank 2 already has an active reminder endpoint; deactivate it first',
    ),
  )
  updateReminderEndpoint(@Param() p: IdParam, @Body() dto: UpdateEndpointDto) {
    return this.endpoints.update(p.id, dto);
  }

  @Post(':id/rotate-secret')
  @Roles('ADMIN')
  @HttpCode(200)
  @ApiOperation({
    summary: "Rotate a reminder endpoint's secret",
    description:
      'Replace the signing secret (the old one stops verifying at once); the new one is shown once',
  })
  @ApiOkResponse({ type: ReminderEndpointWithSecretResponse, example: { ...SECRET_EXAMPLE, version: 2 } })
  rotateReminderEndpointSecret(@Param() p: IdParam) {
    return this.endpoints.rotateSecret(p.id);
  }

  @Delete(':id')
  @Roles('ADMIN')
  @ApiOperation({
    summary: 'Deactivate a reminder endpoint',
    description: 'Deactivate (endpoints are kept: the outbox refers to them)',
  })
  @ApiOkResponse({
    type: ReminderEndpointResponse,
    example: { ...ENDPOINT_EXAMPLE, active: false, version: 2 },
  })
  deactivateReminderEndpoint(@Param() p: IdParam) {
    return this.endpoints.deactivate(p.id);
  }
}
