import { ApiProperty } from '@nestjs/swagger';
import { ApiDate, ApiDateTime, ApiId, ApiMoney, PageOf } from '#libs/common';

/** Response DTOs of the reminders API: each describes exactly the JSON its handler returns. */

const CHANNELS = ['WEBHOOK', 'SMS', 'LOG'];

export class ReminderRunResultResponse {
  @ApiId() runId!: string;
  @ApiDate() businessDate!: string;
  @ApiDate({ description: "Today's business date when the run happened" }) today!: string;
  @ApiProperty({ example: 1840, description: 'New outbox rows; a re-run of the same date selects 0' })
  selected!: number;
  @ApiProperty({ example: 1840, description: 'Delivery jobs submitted for them' }) enqueued!: number;
  @ApiProperty({ example: 0, description: 'Jobs re-submitted for interrupted earlier runs' })
  resumed!: number;
  @ApiProperty({ example: 0, description: 'Jobs re-submitted for pending reminders untouched for long' })
  swept!: number;
  @ApiProperty({ example: 180 }) selectMs!: number;
  @ApiProperty({ example: 210 }) enqueueMs!: number;
  @ApiProperty({ example: 412 }) durationMs!: number;
}

export class ReminderRunResponse {
  @ApiId() id!: string;
  @ApiDate() businessDate!: string;
  @ApiProperty({ enum: ['SCHEDULE', 'BOOT', 'MANUAL'] }) trigger!: string;
  @ApiProperty({ example: 'system' }) requestedBy!: string;
  @ApiProperty({ type: String, nullable: true, example: 'reminders.select.2026-03-15' }) jobId!:
    string | null;
  @ApiProperty({ example: 1840 }) selected!: number;
  @ApiProperty({ example: 1840 }) enqueued!: number;
  @ApiProperty({ example: 0 }) swept!: number;
  @ApiDateTime() startedAt!: string;
  @ApiDateTime({ nullable: true }) enqueuedAt!: string | null;
}
export const ReminderRunPage = PageOf(ReminderRunResponse);

export class ReminderResponse {
  @ApiId() id!: string;
  @ApiId() installmentId!: string;
  @ApiProperty({ example: 3 }) installmentNumber!: number;
  @ApiId() loanId!: string;
  @ApiProperty({ example: 'MA-2026-000042' }) loanNo!: string;
  @ApiId({ nullable: true }) householdId!: string | null;
  @ApiProperty({ type: String, nullable: true, example: '王建国' }) borrowerName!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: '138****5678',
    description: 'Full for ADMIN, FUND_ADMIN and LOAN_OFFICER; masked for everyone else',
  })
  phone!: string | null;
  @ApiProperty({ enum: ['T-7', 'T-1', 'T0', 'T+1', 'T+7', 'T+30'] }) offset!: string;
  @ApiProperty({ enum: [-7, -1, 0, 1, 7, 30] }) offsetDays!: number;
  @ApiProperty({ enum: ['DUE_T7', 'DUE_T1', 'DUE_T0', 'OVERDUE_T1', 'OVERDUE_T7', 'OVERDUE_T30'] })
  event!: string;
  @ApiDate() dueDate!: string;
  @ApiDate() remindOn!: string;
  @ApiProperty({
    enum: ['QUEUED', 'SENDING', 'SENT', 'FAILED', 'SKIPPED_PAID', 'DEFERRED', 'SUPERSEDED', 'CANCELLED'],
  })
  state!: string;
  @ApiProperty({ enum: CHANNELS }) channel!: string;
  @ApiId({ nullable: true }) endpointId!: string | null;
  @ApiProperty({ example: 1 }) attempts!: number;
  @ApiProperty({ type: String, nullable: true, example: null }) lastError!: string | null;
  @ApiMoney({ nullable: true, example: '861.17' }) amountDue!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: '您的贷款(第3期)将于2026年3月22日到期,应还¥861.17,请提前准备资金。',
  })
  message!: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'The body delivered to the endpoint',
  })
  payload!: Record<string, unknown> | null;
  @ApiProperty({ type: String, nullable: true, example: null }) providerRef!: string | null;
  @ApiDateTime({ nullable: true }) deferredUntil!: string | null;
  @ApiDateTime() createdAt!: string;
  @ApiDateTime() updatedAt!: string;
  @ApiDateTime({ nullable: true }) sentAt!: string | null;
}
export const ReminderPage = PageOf(ReminderResponse);

export class ReminderDeliveryAttemptResponse {
  @ApiProperty({ example: 1 }) attempt!: number;
  @ApiProperty({ enum: ['SENT', 'RETRY', 'FAILED', 'SKIPPED_PAID', 'DEFERRED', 'SUPERSEDED', 'CANCELLED'] })
  outcome!: string;
  @ApiProperty({ enum: CHANNELS }) channel!: string;
  @ApiId({ nullable: true }) endpointId!: string | null;
  @ApiProperty({ type: Number, nullable: true, example: 200 }) httpStatus!: number | null;
  @ApiProperty({ type: String, nullable: true, example: null }) error!: string | null;
  @ApiProperty({ example: 'worker-1:4242' }) worker!: string;
  @ApiProperty({ type: String, nullable: true, example: 'reminder.1207' }) jobId!: string | null;
  @ApiDateTime() startedAt!: string;
  @ApiDateTime() finishedAt!: string;
}

export class ReminderDetailResponse extends ReminderResponse {
  @ApiProperty({ type: () => [ReminderDeliveryAttemptResponse] })
  deliveryAttempts!: ReminderDeliveryAttemptResponse[];
}

export class ReminderEndpointResponse {
  @ApiId() id!: string;
  @ApiProperty({ enum: ['BANK', 'FUND', 'DEFAULT'] }) scope!: string;
  @ApiId({ nullable: true }) bankId!: string | null;
  @ApiId({ nullable: true }) fundId!: string | null;
  @ApiProperty({ enum: CHANNELS }) channel!: string;
  @ApiProperty({ example: '淄博农商银行 催收系统' }) name!: string;
  @ApiProperty({ type: String, nullable: true, example: 'https://reminders.bank.example/hooks/mae' }) url!:
    string | null;
  @ApiProperty({ type: String, nullable: true, example: null }) signName!: string | null;
  @ApiProperty() active!: boolean;
  @ApiProperty({ description: 'Whether a signing secret is set (the secret itself is never shown again)' })
  hasSecret!: boolean;
  @ApiDateTime({ nullable: true }) secretRotatedAt!: string | null;
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty({ example: 'admin' }) createdBy!: string;
  @ApiDateTime() createdAt!: string;
  @ApiDateTime() updatedAt!: string;
}
export const ReminderEndpointPage = PageOf(ReminderEndpointResponse);

export class ReminderEndpointWithSecretResponse extends ReminderEndpointResponse {
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'rsec_Jx0d3w7pQ2mZk9v1bH6sT4yLr8eN5cA0uG2iO7fW3qE',
    description: 'The signing secret, in this answer only (null for a LOG endpoint)',
  })
  secret!: string | null;
}
