import type { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig, Clock } from '#libs/common';
import { addMonths, monthOf } from './domain/month.js';
import { ReportingService } from './reporting.service.js';
import { ReportStore } from './store/report.store.js';

/**
 * The demo report: generates the previous month's report when the demo data exists (a risk fund or a mutual-aid
 * fund). Idempotent: regenerating unchanged data keeps the stored version.
 */
export async function seedReports(app: INestApplicationContext): Promise<string[]> {
  const ds = app.get(DataSource);
  if (!(await new ReportStore().anyFund(ds.manager))) return ['no demo funds: no report generated'];
  const month = addMonths(monthOf(app.get(Clock).today(app.get(AppConfig).BUSINESS_TIMEZONE)), -1);
  const r = await app.get(ReportingService).generate(month, 'seed');
  return [`monthly report ${month}: ${r.action} (version ${r.snapshot.version})`];
}
