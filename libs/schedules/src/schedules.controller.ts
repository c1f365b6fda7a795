import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { PublicWhen, Roles, ROLES } from '#libs/common';
import { SchedulePreviewDto } from './dto.js';
import { SchedulePreviewResponse } from './responses.js';
import { SchedulesService } from './schedules.service.js';

const PREVIEW_EXAMPLE = {
  principal: '5000.00',
  annualRatePercent: '12',
  numberOfInstallments: 18,
  frequency: 'MONTHLY',
  method: 'EQUAL_INSTALLMENT',
  dayCount: 'PERIOD',
  disbursementDate: '2022-11-01',
  rounding: 'HALF_UP',
  installmentMultiple: '0.01',
  principalGraceInstallments: 0,
};

const BULLET_EXAMPLE = {
  principal: '4000.00',
  annualRatePercent: '6',
  numberOfInstallments: 1,
  frequency: 'AT_MATURITY',
  termMonths: 10,
  method: 'BULLET',
  dayCount: 'PERIOD',
  disbursementDate: '2016-05-05',
};

@ApiTags('schedules')
@ApiBearerAuth()
@Controller('api/v1/schedules')
export class SchedulesController {
  constructor(private readonly schedules: SchedulesService) {}

  @Post('preview')
  @HttpCode(200)
  // Any signed-in role; without a token too when PREVIEW_PUBLIC is on (the default outside production).
  @Roles(...ROLES)
  @PublicWhen('previewPublic')
  @ApiOperation({
    summary: 'Preview the repayment schedule of a set of loan terms',
    description:
      'A calculator: nothing is stored. Exact to the fen: every component is rounded once in the requested mode, principal sums to the loan and the ' +
      'last instalment closes the balance. Due dates fall on the disbursement day of month, or the month end.',
  })
  @ApiBody({
    type: SchedulePreviewDto,
    examples: {
      equalInstallment: { summary: '等额本息, 18 months', value: PREVIEW_EXAMPLE },
      bullet: { summary: '利随本清, 10 months', value: BULLET_EXAMPLE },
    },
  })
  @ApiOkResponse({
    type: SchedulePreviewResponse,
    description: 'The instalments and their totals, money in yuan with two decimals',
    example: {
      installments: [
        {
          number: 1,
          dueDate: '2022-12-01',
          days: 30,
          principal: '255.00',
          interest: '50.00',
          total: '305.00',
          balanceAfter: '4745.00',
        },
      ],
      totals: { principal: '5000.00', interest: '488.22', total: '5488.22' },
    },
  })
  @ApiBadRequestResponse({
    description: 'application/problem+json naming every offending field',
    example: {
      type: 'urn:problem:validation_failed',
      title: 'Bad Request',
      status: 400,
      code: 'VALIDATION_FAILED',
      detail: 'Invalid request: principal, numberOfInstallments',
      errors: [
        { field: 'principal', code: 'isYuan', message: 'principal must be greater than zero' },
        {
          field: 'numberOfInstallments',
          code: 'max',
          message: 'numberOfInstallments must not be greater than 360',
        },
      ],
    },
  })
  @ApiUnauthorizedResponse({ description: 'No valid token while PREVIEW_PUBLIC is off' })
  previewSchedule(@Body() dto: SchedulePreviewDto) {
    return this.schedules.preview(dto);
  }
}
