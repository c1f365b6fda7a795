import { Module } from '@nestjs/common';
import { loadRepaymentConfig, RepaymentConfig } from '#libs/repayment';
import { CobController } from './cob.controller.js';
import { CobQueue } from './cob.queue.js';
import { CobService } from './cob.service.js';
import { PortfolioService } from './portfolio.service.js';

/**
 * The daily close of business: the service (run by the worker's job and on demand), its HTTP surface and the
 * read side (snapshots, group-liability calls). AuditService, AppConfig and the Clock come from the global modules.
 */
@Module({
  controllers: [CobController],
  providers: [
    { provide: RepaymentConfig, useFactory: () => loadRepaymentConfig() },
    CobService,
    CobQueue,
    PortfolioService,
  ],
  exports: [CobService, CobQueue, PortfolioService],
})
export class CobModule {}
