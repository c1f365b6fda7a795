import { Module } from '@nestjs/common';
import { FundsModule } from '#libs/funds';
import { ProductsModule } from '#libs/products';
import { loadRepaymentConfig, RepaymentConfig } from './config.js';
import { FeeDistributionService } from './fee-distribution.service.js';
import { InstallmentFactsService } from './installment-facts.service.js';
import { RepaymentController } from './repayment.controller.js';
import { RepaymentService } from './repayment.service.js';
import { StatementService } from './statement.service.js';
import { WriteOffService } from './write-off.service.js';

/**
 * Repayments, statements, write-offs and the year-end fee distribution of mutual-aid loans. LedgerService,
 * AuditService and the Clock come from the global modules.
 */
@Module({
  imports: [FundsModule, ProductsModule],
  controllers: [RepaymentController],
  providers: [
    { provide: RepaymentConfig, useFactory: () => loadRepaymentConfig() },
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
