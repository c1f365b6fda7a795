import { Module } from '@nestjs/common';
import { ContributionsModule } from '#libs/funding';
import { ContributionImportService } from './contribution-import.service.js';
import { ContributionsService } from './contributions.service.js';
import { FundsController } from './funds.controller.js';
import { FundsService } from './funds.service.js';
import { SharesService } from './shares.service.js';
import { FundsStore } from './store/funds.store.js';
import { MembersStore } from './store/members.store.js';
import { WithdrawalsStore } from './store/withdrawals.store.js';

/**
 * Village mutual-aid funds. LedgerService, AuditService and the Clock come from the global modules; contributions
 * are recorded in the funding library's register.
 */
@Module({
  imports: [ContributionsModule],
  controllers: [FundsController],
  providers: [FundsService, ContributionsService, ContributionImportService, SharesService, FundsStore, MembersStore, WithdrawalsStore],
  exports: [FundsService, ContributionsService, SharesService],
})
export class FundsModule {}
