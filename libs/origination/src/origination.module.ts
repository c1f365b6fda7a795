import { Module } from '@nestjs/common';
import { FundsModule } from '#libs/funds';
import { HouseholdsModule } from '#libs/households';
import { LoansModule } from '#libs/loans';
import { ProductsModule } from '#libs/products';
import { SchedulesModule } from '#libs/schedules';
import { ApplicationsController } from './applications.controller.js';
import { ApplicationsService } from './applications.service.js';
import { DisbursementService } from './disbursement.service.js';
import { EligibilityService } from './eligibility.service.js';
import { LoansController } from './loans.controller.js';
import { OriginationService } from './origination.service.js';

/**
 * Mutual-aid loan origination: applications, eligibility, the approval workflow, disbursement and the loans read
 * API. LedgerService, AuditService, the Clock and the config come from the global modules.
 */
@Module({
  imports: [ProductsModule, HouseholdsModule, FundsModule, SchedulesModule, LoansModule],
  controllers: [ApplicationsController, LoansController],
  providers: [OriginationService, EligibilityService, ApplicationsService, DisbursementService],
  exports: [OriginationService, EligibilityService, ApplicationsService, DisbursementService],
})
export class OriginationModule {}
