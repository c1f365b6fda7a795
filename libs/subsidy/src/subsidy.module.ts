import { Module } from '@nestjs/common';
import { ProductsModule } from '#libs/products';
import { ClaimsController } from './claims.controller.js';
import { ClaimsService } from './claims.service.js';
import { EarningsService } from './earnings.service.js';
import { PoliciesController } from './policies.controller.js';
import { PoliciesService } from './policies.service.js';
import { ProgrammesController } from './programmes.controller.js';
import { ProgrammesService } from './programmes.service.js';
import { QueueService } from './queue.service.js';

/** Interest subsidy: programmes, policies, claims. LedgerService, AuditService and the Clock come from global modules. */
@Module({
  imports: [ProductsModule],
  controllers: [ProgrammesController, ClaimsController, PoliciesController],
  providers: [ProgrammesService, ClaimsService, EarningsService, PoliciesService, QueueService],
  exports: [ProgrammesService, ClaimsService, EarningsService, PoliciesService],
})
export class SubsidyModule {}
