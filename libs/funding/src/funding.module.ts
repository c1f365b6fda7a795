import { Module } from '@nestjs/common';
import { ContributionsModule } from './contributions.module.js';
import { FundingController } from './funding.controller.js';
import { FundingService } from './funding.service.js';
import { MatchingRulesStore } from './store/matching-rules.store.js';

/** Funding sources and matching compliance. AuditService comes from the global audit module. */
@Module({
  imports: [ContributionsModule],
  controllers: [FundingController],
  providers: [FundingService, MatchingRulesStore],
  exports: [FundingService, ContributionsModule],
})
export class FundingModule {}
