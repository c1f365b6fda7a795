import { Module } from '@nestjs/common';
import { BreakerModule } from '#libs/guarantee';
import { LoansModule } from '#libs/loans';
import { loadRepaymentConfig, RepaymentConfig } from '#libs/repayment';
import { CobController } from './cob.controller.js';
import { CobQueue } from './cob.queue.js';
import { CobService } from './cob.service.js';
import { PortfolioService } from './portfolio.service.js';
import { CobPortfolioStore } from './store/cob-portfolio.store.js';
import { CobRunStore } from './store/cob-run.store.js';

/**
 * The daily close of business: the service (run by the worker's job and on demand), its HTTP surface and the
 * read side (snapshots, group-liability calls). AuditService, AppConfig and the Clock come from the global modules.
 *
 * The covered step re-decides the districts' NPL breakers, so the COB needs the guarantee library's BreakerService.
 * It imports the provider-only `BreakerModule` (no controllers) rather than `GuaranteeModule`: the worker, which
 * loads this module through CobJobsModule, gets the breaker without the guarantee HTTP surface and its imports
 * (products, registry, schedules), and the dependency points one way, cob → guarantee (guarantee never imports cob;
 * the covered-ageing SQL is the guarantee library's too, as the mutual-aid ageing SQL is the repayment library's).
 * In the API, GuaranteeModule re-exports the same BreakerModule, so there is one BreakerService.
 */
@Module({
  imports: [BreakerModule, LoansModule],
  controllers: [CobController],
  providers: [
    { provide: RepaymentConfig, useFactory: () => loadRepaymentConfig() },
    CobService,
    CobRunStore,
    CobPortfolioStore,
    CobQueue,
    PortfolioService,
  ],
  exports: [CobService, CobQueue, PortfolioService],
})
export class CobModule {}
