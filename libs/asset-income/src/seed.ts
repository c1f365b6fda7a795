import type { INestApplicationContext } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppConfig, Clock, RequestContext, type Actor } from '#libs/common';
import { creditCodeCheckChar, OperatingEntitiesStore } from '#libs/households';
import { AssetIncomeDistributionService } from './distribution.service.js';
import { AssetIncomeProjectsService } from './projects.service.js';
import { AssetIncomeResultsService } from './results.service.js';
import { AssetIncomeSeedStore } from './store/seed.store.js';

/** The operator of the demo project (made up for the demo; the credit code carries a valid GB 32100 check character). */
const ORG_ID = '93{region}MA3CQ9Y21';

const actor = (username: string): Actor => ({ userId: null, username, role: 'FUND_ADMIN', bankId: null, via: 'system' });
const PREPARER = actor('seed-fund-admin');
const APPROVER = actor('seed-fund-checker');
const as = <T>(who: Actor, fn: () => Promise<T>) => RequestContext.run({ requestId: 'seed-asset-income', actor: who }, fn);

/**
 * Demo asset-income project in the first pilot village: a rural-tourism cooperative with the 1,000,000 special
 * fund (the configured default), 500,000 of collective assets and 300,000 of private capital, quantified to the
 * village's poor households, two years of results and both years' dividends paid (each prepared and approved by two
 * different fund administrators; the second, thin year's special-fund floor made up by the other classes). Idempotent and resumable: each step runs only when it has not happened yet.
 * Skips (saying why) when there is no pilot village or it has no poor household.
 */
export async function seedAssetIncome(app: INestApplicationContext): Promise<string[]> {
  const ds = app.get<DataSource>(getDataSourceToken());
  const projects = app.get(AssetIncomeProjectsService);
  const results = app.get(AssetIncomeResultsService);
  const distributions = app.get(AssetIncomeDistributionService);
  const today = app.get(Clock).today(app.get(AppConfig).BUSINESS_TIMEZONE);
  const thisYear = Number(today.slice(0, 4));
  const m = ds.manager;
  const out: string[] = [];

  const store = new AssetIncomeSeedStore();
  const village = await store.firstPilotVillage(m);
  if (!village) return ['asset-income: no pilot village (villages.is_pilot) — seed the registry first; skipped'];
  const poor = await store.poorHouseholdCount(m, village.id);
  if (!poor) return [`asset-income: pilot village ${village.name} has no poor household to quantify shares to; skipped`];

  let project = await store.latestProjectOfVillage(m, village.id);
  if (!project) {
    const region = /^\d{6}$/.test(village.region) ? village.region : '370302';
    const first17 = ORG_ID.replace('{region}', region);
    const creditCode = first17 + creditCodeCheckChar(first17);
    const entity = {
      id: await new OperatingEntitiesStore().ensureByCreditCode(m, {
        kind: 'COOPERATIVE',
        name: `${village.name}乡村旅游股份合作社`,
        creditCode,
        districtId: village.district_id,
        villageId: village.id,
      }),
    };
    const created = await as(PREPARER, () =>
      projects.create(
        {
          name: `${village.name}乡村旅游资产收益项目`,
          villageId: String(village.id),
          entityId: String(entity.id),
          businessType: 'RURAL_TOURISM',
          rightRule: 'TRANSFER',
          otherCapital: [
            { kind: 'COLLECTIVE_ASSETS', amount: '500000.00', description: 'demo: village guesthouse and orchard land, valued by the town' },
            { kind: 'PRIVATE_CAPITAL', amount: '300000.00', description: 'demo: a local tourism investor' },
          ],
        },
        PREPARER,
      ),
    );
    project = { id: created.id, status: created.status };
    out.push(`asset-income: project ${created.id} ${created.name} (entity ${entity.id} under the insurance lock)`);
  }
  const id = String(project.id);
  const y1 = thisYear - 2;
  const y2 = thisYear - 1;
  if (project.status === 'DRAFT') {
    await as(PREPARER, () => projects.inject(id, { injectedOn: `${y1}-03-01` }, `seed-aip-${id}-inject`, PREPARER));
    out.push(`asset-income: capital injected ${y1}-03-01`);
    project.status = 'INJECTED';
  }
  if (project.status === 'INJECTED') {
    const q = await as(PREPARER, () => projects.quantify(id, { asOf: `${y1}-03-15` }, `seed-aip-${id}-quantify`, PREPARER));
    out.push(`asset-income: quantified ${q.collective} to the collective, ${q.households} to ${q.householdCount} poor households`);
  }
  const demoResults = [
    { year: y1, revenue: '2600000.00', netProfit: '420000.00', netAssets: '2420000.00', reportedOn: `${y2}-01-18` },
    // a thin year: the special-fund classes' pro-rata share is below their floor, the other classes make it up
    { year: y2, revenue: '2100000.00', netProfit: '90000.00', netAssets: '2150000.00', reportedOn: `${y2}-12-31` },
  ];
  for (const r of demoResults) {
    const has = await store.hasResult(m, id, r.year);
    if (!has) {
      await as(PREPARER, () => results.record(id, r, PREPARER));
      out.push(`asset-income: ${r.year} results recorded (net profit ${r.netProfit})`);
    }
  }
  // each year's dividends paid in January after it; the last year's by today at the latest, so a posting of the
  // village's public disclosure (the year up to its date) always holds a paid run
  const thisJanuary = `${thisYear}-01-25`;
  const payments = [
    { year: y1, paidOn: `${y2}-01-25` },
    { year: y2, paidOn: today < thisJanuary ? today : thisJanuary },
  ];
  for (const { year, paidOn } of payments) {
    const run = await store.liveRun(m, id, year);
    if (run?.status === 'PAID') continue;
    if (!run || run.status === 'PREPARED') await as(PREPARER, () => distributions.preview(id, year, {}, PREPARER));
    if (!run || run.status !== 'APPROVED') await as(APPROVER, () => distributions.approve(id, year, APPROVER));
    const paid = await as(PREPARER, () => distributions.pay(id, year, { paidOn }, `seed-aip-${id}-pay-${year}`, PREPARER));
    out.push(`asset-income: ${year} dividends paid ${paid.paidNow} to ${paid.householdsBenefited} households (${paid.peopleBenefited} people)`);
  }
  if (!out.length) out.push(`asset-income: project ${id} already seeded`);
  return out;
}
