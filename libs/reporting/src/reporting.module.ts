import { Module } from '@nestjs/common';
import { ReportingController } from './reporting.controller.js';
import { ReportingService } from './reporting.service.js';

/** The monthly leverage-ratio report, its ranking, snapshots, exports and chart. AuditService comes from the global audit module. */
@Module({ controllers: [ReportingController], providers: [ReportingService], exports: [ReportingService] })
export class ReportingModule {}
