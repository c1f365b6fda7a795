import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { QUEUES } from '#libs/common';
import { RemindersCoreModule } from '#libs/reminders';
import { ReminderDeliveryProcessor } from './reminder-delivery.processor.js';
import { RemindersProcessor } from './reminders.processor.js';
import { RemindersScheduler } from './reminders-scheduler.js';

/** Reminder jobs of the worker: the daily selection and the delivery of each reminder. */
@Module({
  imports: [
    RemindersCoreModule,
    BullModule.registerQueue({ name: QUEUES.REMINDERS }, { name: QUEUES.REMINDER_DELIVERY }),
  ],
  providers: [RemindersProcessor, ReminderDeliveryProcessor, RemindersScheduler],
})
export class RemindersJobsModule {}
