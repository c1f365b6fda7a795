import { Module } from '@nestjs/common';
import { DisclosureAdminController, PublicDisclosureController } from './disclosure.controller.js';
import { DisclosureService } from './disclosure.service.js';
import { ReportingController } from './reporting.controller.js';
import { ReportingService } from './reporting.service.js';

/** The monthly leverage-ratio report, its ranking, snapshots, exports and chart. AuditService comes from the global audit module. */
@Module({
  controllers: [ReportingController, DisclosureAdminController, PublicDisclosureController],
  providers: [ReportingService, DisclosureService],
  exports: [ReportingService, DisclosureService],
})
export class ReportingModule {}
