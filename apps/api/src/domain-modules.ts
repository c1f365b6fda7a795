import type { Type } from '@nestjs/common';
import { AssetIncomeModule } from '#libs/asset-income';
import { CalendarModule } from '#libs/calendar';
import { CobModule } from '#libs/cob';
import { FundingModule } from '#libs/funding';
import { FundsModule } from '#libs/funds';
import { GuaranteeModule } from '#libs/guarantee';
import { HouseholdsModule } from '#libs/households';
import { LoansModule } from '#libs/loans';
import { OriginationModule } from '#libs/origination';
import { ProductsModule } from '#libs/products';
import { ProjectionModule } from '#libs/projection';
import { ReconciliationModule } from '#libs/reconciliation';
import { RemindersModule } from '#libs/reminders';
import { RepaymentModule } from '#libs/repayment';
import { ReportingModule } from '#libs/reporting';
import { SchedulesModule } from '#libs/schedules';
import { SubsidyModule } from '#libs/subsidy';
import { QueueDashboardModule } from './ops/queue-dashboard.js';

/** The domain libraries the API serves. Each capability adds its module here. */
export const DOMAIN_MODULES: Type[] = [SchedulesModule, ProductsModule, HouseholdsModule, FundsModule, GuaranteeModule, AssetIncomeModule, LoansModule, OriginationModule, ReconciliationModule, SubsidyModule, FundingModule, RemindersModule, RepaymentModule, CobModule, ReportingModule, CalendarModule, ProjectionModule, QueueDashboardModule];
