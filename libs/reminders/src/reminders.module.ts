import { Module } from '@nestjs/common';
import { LogChannel } from './channels/log.channel.js';
import { REMINDER_CHANNELS, type ReminderChannel } from './channels/channel.js';
import { HttpSmsGateway, SmsChannel, SmsGateway } from './channels/sms.channel.js';
import { WebhookChannel } from './channels/webhook.channel.js';
import { ReminderBatchDeliveryService } from './batch-delivery.service.js';
import { ReminderDeliveryQueue } from './delivery-queue.js';
import { ReminderDeliveryService } from './delivery.service.js';
import { ReminderEndpointsService } from './endpoints.service.js';
import { ReminderOutboxService } from './outbox.service.js';
import { ReminderEndpointsController, RemindersController } from './reminders.controller.js';
import { ReminderSelectionService } from './selection.service.js';
import { ReminderSettings } from './settings.js';
import { DeliveryStore } from './store/delivery.store.js';
import { EndpointsStore } from './store/endpoints.store.js';
import { OutboxStore } from './store/outbox.store.js';
import { SelectionStore } from './store/selection.store.js';

const SERVICES = [
  ReminderSettings,
  DeliveryStore,
  EndpointsStore,
  OutboxStore,
  SelectionStore,
  ReminderEndpointsService,
  ReminderSelectionService,
  ReminderDeliveryService,
  ReminderOutboxService,
  ReminderDeliveryQueue,
  ReminderBatchDeliveryService,
];

/**
 * Reminder services without HTTP: what the worker's processors call. The SMS gateway adapter is bound here to the
 * HTTP gateway; a vendor adapter replaces the SmsGateway provider.
 */
@Module({
  providers: [
    ...SERVICES,
    WebhookChannel,
    LogChannel,
    SmsChannel,
    { provide: SmsGateway, useClass: HttpSmsGateway },
    {
      provide: REMINDER_CHANNELS,
      inject: [WebhookChannel, SmsChannel, LogChannel],
      useFactory: (...channels: ReminderChannel[]) => channels,
    },
  ],
  exports: [...SERVICES, SmsGateway],
})
export class RemindersCoreModule {}

/** The API side: outbox queries, endpoint configuration, on-demand runs. AuditService and Clock are global. */
@Module({
  imports: [RemindersCoreModule],
  controllers: [RemindersController, ReminderEndpointsController],
  exports: [RemindersCoreModule],
})
export class RemindersModule {}
