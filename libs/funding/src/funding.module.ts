import { Module } from '@nestjs/common';
import { FundingController } from './funding.controller.js';
import { FundingService } from './funding.service.js';

/** Funding sources and matching compliance. AuditService comes from the global audit module. */
@Module({ controllers: [FundingController], providers: [FundingService], exports: [FundingService] })
export class FundingModule {}
