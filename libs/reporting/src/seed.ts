import type { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig, Clock, DomainError } from '#libs/common';
import { DisclosureService } from './disclosure.service.js';
import { addMonths, monthOf, monthsEnding } from './domain/month.js';
import { ReportingService } from './reporting.service.js';
import { ReportStore } from './store/report.store.js';

/** How many ended months the demo seed reports on (the demo history goes back further, so each has figures). */
export const SEED_REPORT_MONTHS = 6;

/**
 * The demo reports: generates the monthly report of each of the last SEED_REPORT_MONTHS ended months, oldest first,
 * when the demo data exists (a risk fund or a mutual-aid fund), so the report list and its month-on-month ranking
 * have a history from the first start. Idempotent: regenerating unchanged data keeps the stored version.
 */
export async function seedReports(app: INestApplicationContext): Promise<string[]> {
  const ds = app.get(DataSource);
  if (!(await new ReportStore().anyFund(ds.manager))) return ['no demo funds: no report generated'];
  const last = addMonths(monthOf(app.get(Clock).today(app.get(AppConfig).BUSINESS_TIMEZONE)), -1);
  const reports = app.get(ReportingService);
  const out: string[] = [];
  for (const month of monthsEnding(last, SEED_REPORT_MONTHS)) {
    const r = await reports.generate(month, 'seed');
    out.push(`monthly report ${month}: ${r.action} (version ${r.snapshot.version})`);
  }
  return out;
}

/**
 * The demo's public disclosure (阳光扶贫): the posting of the demo village and of its district as of today, so the
 * public page is there to open from the first start. Idempotent: the same content for the same day is stored once.
 */
export async function seedDisclosure(app: INestApplicationContext, villageCode: string): Promise<string[]> {
  const disclosures = app.get(DisclosureService);
  const out: string[] = [];
  for (const [scope, code, path] of [
    ['VILLAGE', villageCode, 'villages'],
    ['DISTRICT', villageCode.slice(0, 6), 'districts'],
  ] as const) {
    try {
      const s = await disclosures.publish(scope, code);
      out.push(
        `${scope.toLowerCase()} ${code}: ${s.created ? 'published' : 'unchanged'} (GET /api/v1/public/disclosures/${path}/${code}?format=html)`,
      );
    } catch (e) {
      if (!(e instanceof DomainError) || e.code !== 'NOT_FOUND') throw e;
      out.push(`${scope.toLowerCase()} ${code}: not in the registry; skipped`);
    }
  }
  return out;
}
