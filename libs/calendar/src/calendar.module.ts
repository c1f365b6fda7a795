import { Module } from '@nestjs/common';
import { CobModule } from '#libs/cob';
import { RemindersModule } from '#libs/reminders';
import { ReportingModule } from '#libs/reporting';
import { SubsidyModule } from '#libs/subsidy';
import { BusinessDateController } from './business-date.controller.js';
import { BusinessDateService } from './business-date.service.js';
import { BusinessDaysStore } from './store/business-days.store.js';

/** The business date: reading it, and (outside production) moving it forward day by day. */
@Module({
  imports: [CobModule, RemindersModule, SubsidyModule, ReportingModule],
  controllers: [BusinessDateController],
  providers: [BusinessDateService, BusinessDaysStore],
  exports: [BusinessDateService],
})
export class CalendarModule {}
