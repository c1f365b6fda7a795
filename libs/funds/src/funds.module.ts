import { Module } from '@nestjs/common';
import { ContributionsService } from './contributions.service.js';
import { FundsController } from './funds.controller.js';
import { FundsService } from './funds.service.js';
import { SharesService } from './shares.service.js';

/** Village mutual-aid funds. LedgerService, AuditService and the Clock come from the global modules. */
@Module({
  controllers: [FundsController],
  providers: [FundsService, ContributionsService, SharesService],
  exports: [FundsService, ContributionsService, SharesService],
})
export class FundsModule {}
