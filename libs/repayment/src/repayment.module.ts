import { Module } from '@nestjs/common';
import { FundsModule } from '#libs/funds';
import { LoansModule } from '#libs/loans';
import { ProductsModule } from '#libs/products';
import { loadRepaymentConfig, RepaymentConfig } from './config.js';
import { FeeDistributionService } from './fee-distribution.service.js';
import { InstallmentFactsService } from './installment-facts.service.js';
import { RepaymentController } from './repayment.controller.js';
import { ReplayBookkeeping } from './replay-bookkeeping.service.js';
import { RepaymentReversalService } from './repayment-reversal.service.js';
import { RepaymentService } from './repayment.service.js';
import { FeeDistributionStore } from './store/fee-distribution.store.js';
import { InstallmentFactsStore } from './store/installment-facts.store.js';
import { RepaymentStore } from './store/repayment.store.js';
import { WriteOffStore } from './store/write-off.store.js';
import { StatementService } from './statement.service.js';
import { WriteOffService } from './write-off.service.js';

/**
 * Repayments, statements, write-offs and the year-end fee distribution of mutual-aid loans. LedgerService,
 * AuditService and the Clock come from the global modules.
 */
@Module({
  imports: [FundsModule, LoansModule, ProductsModule],
  controllers: [RepaymentController],
  providers: [
    { provide: RepaymentConfig, useFactory: () => loadRepaymentConfig() },
    RepaymentStore,
    WriteOffStore,
    FeeDistributionStore,
    InstallmentFactsStore,
    ReplayBookkeeping,
    RepaymentReversalService,
    RepaymentService,
    StatementService,
    WriteOffService,
    FeeDistributionService,
    InstallmentFactsService,
  ],
  exports: [
    RepaymentConfig,
    RepaymentService,
    StatementService,
    WriteOffService,
    FeeDistributionService,
    InstallmentFactsService,
  ],
})
export class RepaymentModule {}
