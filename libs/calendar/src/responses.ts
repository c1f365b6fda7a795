import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ApiDate, ApiDateTime, ApiId } from '#libs/common';

/** The response bodies of the business date: the date, and the days the clock ran with what each one did. */

export class BusinessDayCobStepResponse {
  @ApiDate({ example: '2026-12-31', description: 'The day closed (the day before the business day)' }) businessDate!: string;
  @ApiProperty({ enum: ['RUNNING', 'COMPLETED', 'FAILED'], example: 'COMPLETED' }) status!: string;
  @ApiProperty({ example: 42 }) loansProcessed!: number;
  @ApiProperty({ example: 0 }) callsRaised!: number;
}

export class BusinessDayRemindersStepResponse {
  @ApiId({ example: '118' }) runId!: string;
  @ApiProperty({ example: 6, description: 'Reminders newly selected' }) selected!: number;
  @ApiProperty({ example: 6 }) sent!: number;
  @ApiProperty({ example: 0 }) settled!: number;
  @ApiProperty({ example: 0 }) failed!: number;
}

export class BusinessDaySubsidyStepResponse {
  @ApiId() programmeId!: string;
  @ApiProperty({ example: '2026-12', description: 'The settlement period that ended' }) period!: string;
  @ApiDate({ optional: true }) asOf?: string;
  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: 'Per payee: the action, and the claim with its total when there is one',
  })
  claims?: Record<string, unknown>[];
  @ApiPropertyOptional({ enum: ['PROGRAMME_CLOSED'] }) skipped?: 'PROGRAMME_CLOSED';
}

export class BusinessDayReportStepResponse {
  @ApiProperty({ example: '2026-12' }) month!: string;
  @ApiProperty({ example: 'CREATED' }) action!: string;
  @ApiProperty({ example: 1 }) version!: number;
}

/** The steps of a day done so far, by name; a step not run yet is absent. */
export class BusinessDayStepsResponse {
  @ApiPropertyOptional({ type: BusinessDayCobStepResponse, description: 'The close of business of the day before' }) COB?: BusinessDayCobStepResponse;
  @ApiPropertyOptional({ type: BusinessDayRemindersStepResponse, description: 'The day’s reminder selection and delivery' })
  REMINDERS?: BusinessDayRemindersStepResponse;
  @ApiPropertyOptional({ type: [BusinessDaySubsidyStepResponse], description: 'Claims of the subsidy periods that ended the day before' })
  SUBSIDY?: BusinessDaySubsidyStepResponse[];
  @ApiPropertyOptional({ type: BusinessDayReportStepResponse, description: 'On the 1st: the monthly report of the month just ended' })
  REPORT?: BusinessDayReportStepResponse;
}

export class BusinessDayResponse {
  @ApiDate({ example: '2027-01-01' }) businessDate!: string;
  @ApiProperty({ enum: ['RUNNING', 'DONE'], example: 'DONE' }) status!: 'RUNNING' | 'DONE';
  @ApiProperty({ type: BusinessDayStepsResponse }) steps!: BusinessDayStepsResponse;
  @ApiProperty({ example: 'admin' }) advancedBy!: string;
  @ApiDateTime() startedAt!: string;
  @ApiDateTime({ nullable: true }) finishedAt!: string | null;
}

export class BusinessDateResponse {
  @ApiDate({ example: '2027-01-01', description: 'The business date every decision of the API and the worker reads' }) businessDate!: string;
  @ApiDate({ example: '2026-12-06', description: 'The calendar date in the business time zone' }) calendarDate!: string;
  @ApiProperty({ example: 'Asia/Shanghai' }) timeZone!: string;
  @ApiProperty({ example: true, description: 'Whether this deployment lets an ADMIN move the date (BUSINESS_DATE_MOVABLE)' }) movable!: boolean;
  @ApiProperty({ example: true, description: 'Whether the date was moved (a stored date)' }) moved!: boolean;
  @ApiProperty({ type: String, nullable: true, example: 'admin' }) movedBy!: string | null;
  @ApiDateTime({ nullable: true }) movedAt!: string | null;
  @ApiProperty({ type: [BusinessDayResponse], description: 'The latest business days the clock ran, newest first' }) recentDays!: BusinessDayResponse[];
}

export class BusinessDateAdvanceResponse {
  @ApiDate({ example: '2026-12-31' }) from!: string;
  @ApiDate({ example: '2027-01-01' }) to!: string;
  @ApiProperty({ type: [BusinessDayResponse], description: 'The days run, in order' }) days!: BusinessDayResponse[];
}
