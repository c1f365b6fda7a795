import { Module } from '@nestjs/common';
import { ContributionsModule } from '#libs/funding';
import { FundsModule } from '#libs/funds';
import { ProductsModule } from '#libs/products';
import { ClaimsController } from './claims.controller.js';
import { ClaimsService } from './claims.service.js';
import { EarningsService } from './earnings.service.js';
import { ClaimJobsService } from './jobs.js';
import { PoliciesController } from './policies.controller.js';
import { PoliciesService } from './policies.service.js';
import { ProgrammesController } from './programmes.controller.js';
import { ProgrammesService } from './programmes.service.js';
import { QueueService } from './queue.service.js';
import { ClaimsStore } from './store/claims.store.js';
import { EarningsStore } from './store/earnings.store.js';
import { ProgrammesStore } from './store/programmes.store.js';

/**
 * Interest subsidy: programmes, policies, claims (FundsModule: a claim paid to a village fund posts into its books).
 * LedgerService, AuditService and the Clock come from global modules.
 */
@Module({
  imports: [ProductsModule, FundsModule, ContributionsModule],
  controllers: [ProgrammesController, ClaimsController, PoliciesController],
  providers: [
    ProgrammesService,
    ClaimsService,
    EarningsService,
    PoliciesService,
    QueueService,
    ClaimJobsService,
    ProgrammesStore,
    ClaimsStore,
    EarningsStore,
  ],
  exports: [ProgrammesService, ClaimsService, EarningsService, PoliciesService, ClaimJobsService],
})
export class SubsidyModule {}
