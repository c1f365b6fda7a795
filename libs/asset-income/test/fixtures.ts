import type { DataSource } from 'typeorm';
import { AuditService } from '#libs/audit';
import { FixedClock, RequestContext, type Actor, type Clock } from '#libs/common';
import { LedgerService } from '#libs/ledger';
import {
  AssetIncomeDistributionService,
  AssetIncomeLiquidationService,
  AssetIncomeProjectsService,
  AssetIncomeReportsService,
  AssetIncomeResultsService,
  loadAssetIncomeConfig,
  type AssetIncomeConfig,
} from '#libs/asset-income';
import { AssetIncomeDistributionReadsService } from '../src/distribution.reads.service.js';
import { AssetIncomeSettlementService } from '../src/distribution.settlement.service.js';
import type { CreateProjectDto } from '../src/dto.js';
import { AssetIncomeRightsService } from '../src/projects.rights.service.js';
import { DistributionStore } from '../src/store/distribution.store.js';
import { LiquidationStore } from '../src/store/liquidation.store.js';
import { ProjectsStore } from '../src/store/projects.store.js';
import { ReportsStore } from '../src/store/reports.store.js';
import { ResultsStore } from '../src/store/results.store.js';

/**
 * Registry rows for the asset-income tests, written with plain SQL (the registry has its own library and tests):
 * districts, a town, villages, households with an 18-character id number, birth date and derived status, and
 * operating entities.
 */

export const TODAY = '2026-06-30';
/** Noon in Shanghai on TODAY: business dates are stable whatever the machine's zone. */
export const clock = () => new FixedClock(new Date(`${TODAY}T04:00:00Z`));

export const MAKER: Actor = { userId: null, username: 'maker', role: 'FUND_ADMIN', bankId: null, via: 'jwt' };
export const CHECKER: Actor = { userId: null, username: 'checker', role: 'FUND_ADMIN', bankId: null, via: 'jwt' };
export const as = <T>(actor: Actor, fn: () => Promise<T>): Promise<T> => RequestContext.run({ requestId: `test-${actor.username}`, actor }, fn);

export interface Services {
  ledger: LedgerService;
  audit: AuditService;
  config: AssetIncomeConfig;
  projects: AssetIncomeProjectsService;
  results: AssetIncomeResultsService;
  distributions: AssetIncomeDistributionService;
  liquidation: AssetIncomeLiquidationService;
  reports: AssetIncomeReportsService;
}

export function services(ds: DataSource, env: Record<string, string> = {}): Services {
  const ledger = new LedgerService(ds);
  const audit = new AuditService(ds);
  const config = loadAssetIncomeConfig(env);
  const c = clock();
  return {
    ledger,
    audit,
    config,
    projects: projectsService(ds, ledger, audit, c, config),
    results: new AssetIncomeResultsService(ds, new ResultsStore(ds), audit, c),
    distributions: distributionService(ds, ledger, audit, c),
    liquidation: new AssetIncomeLiquidationService(ds, new LiquidationStore(ds), ledger, audit, c),
    reports: new AssetIncomeReportsService(ds, new ReportsStore(ds), ledger),
  };
}

function distributionService(ds: DataSource, ledger: LedgerService, audit: AuditService, c: Clock): AssetIncomeDistributionService {
  const store = new DistributionStore(ds);
  const reads = new AssetIncomeDistributionReadsService(store);
  const settlement = new AssetIncomeSettlementService(ds, store, ledger, audit, c);
  return new AssetIncomeDistributionService(ds, store, reads, settlement, ledger, audit, c);
}

function projectsService(ds: DataSource, ledger: LedgerService, audit: AuditService, c: Clock, config: AssetIncomeConfig): AssetIncomeProjectsService {
  const store = new ProjectsStore(ds);
  const rights = new AssetIncomeRightsService(ds, store, ledger, audit, c);
  return new AssetIncomeProjectsService(ds, store, rights, ledger, audit, c, config);
}

let seq = 0;
const next = () => ++seq;
const tag = () => `${process.pid % 1000}${next()}`.padStart(6, '0');

export interface Place {
  districtId: string;
  townId: string;
  villageId: string;
}

export async function createVillage(ds: DataSource, opts: { pilot?: boolean; districtId?: string } = {}): Promise<Place> {
  const t = tag();
  let districtId = opts.districtId;
  if (!districtId) {
    [{ id: districtId }] = await ds.query(`INSERT INTO districts (code, name) VALUES ($1, $2) RETURNING id`, [`D${t}`, `district ${t}`]);
  }
  const [{ id: townId }] = await ds.query(`INSERT INTO towns (district_id, code, name) VALUES ($1, $2, $3) RETURNING id`, [districtId, `T${t}`, `town ${t}`]);
  const [{ id: villageId }] = await ds.query(
    `INSERT INTO villages (town_id, district_id, code, name, is_pilot) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [townId, districtId, `V${t}`, `village ${t}`, opts.pilot ?? true],
  );
  return { districtId: String(districtId), townId: String(townId), villageId: String(villageId) };
}

export interface HouseholdOpts {
  members?: (i: number) => number;
  status?: 'POOR' | 'GRADUATED' | 'NON_POOR';
  graduatedYear?: number;
}

/** n households of a village; ids ascend in creation order. */
export async function createHouseholds(ds: DataSource, villageId: string, n: number, opts: HouseholdOpts = {}): Promise<string[]> {
  const status = opts.status ?? 'POOR';
  const idNumbers = Array.from({ length: n }, () => String(370000000000000000n + BigInt(next()) * 7919n + BigInt(process.pid)).slice(0, 18));
  const rows = (await ds.query(
    `INSERT INTO households (village_id, head_name, id_number, birth_date, member_count, per_capita_income_fen, income_year, status,
                             graduated_year, derived_status)
     SELECT $1, 'head ' || g, n, DATE '1980-01-01', m, 300000, 2022, $4, $5, $4
       FROM unnest($2::text[], $3::int[]) WITH ORDINALITY AS x(n, m, g)
     RETURNING id`,
    [villageId, idNumbers, idNumbers.map((_, i) => opts.members?.(i) ?? 3), status, status === 'GRADUATED' ? (opts.graduatedYear ?? 2024) : null],
  )) as { id: string }[];
  return rows.map((r) => String(r.id)).sort((a, b) => Number(a) - Number(b));
}

export async function graduate(ds: DataSource, householdId: string, year: number): Promise<void> {
  await ds.query(
    `UPDATE households SET status = 'GRADUATED', derived_status = 'GRADUATED', graduated_year = $2, updated_at = now() WHERE id = $1`,
    [householdId, year],
  );
}

export async function createEntity(ds: DataSource, place: Place, kind: 'ENTERPRISE' | 'COOPERATIVE' | 'FAMILY_FARM' = 'COOPERATIVE'): Promise<string> {
  const t = tag();
  const [{ id }] = await ds.query(
    `INSERT INTO operating_entities (kind, name, credit_code, district_id, village_id) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [kind, `entity ${t}`, `93${String(next()).padStart(16, '0')}`, place.districtId, place.villageId],
  );
  return String(id);
}

export interface ProjectSetup {
  place: Place;
  households: string[];
  entityId: string;
  projectId: string;
}

/**
 * A pilot village with `households` poor households and a project injected and quantified on 2023-03-15
 * (defaults: 1,000,000 special fund, 30/70, floor 10 %).
 */
export async function activeProject(
  ds: DataSource,
  s: Services,
  opts: { households?: number; members?: (i: number) => number; project?: Partial<CreateProjectDto> } = {},
): Promise<ProjectSetup> {
  const place = await createVillage(ds);
  const households = await createHouseholds(ds, place.villageId, opts.households ?? 10, { members: opts.members });
  const entityId = await createEntity(ds, place);
  const project = await as(MAKER, () =>
    s.projects.create(
      { name: 'test project', villageId: place.villageId, entityId, businessType: 'RURAL_TOURISM', ...opts.project },
      MAKER,
    ),
  );
  await as(MAKER, () => s.projects.inject(project.id, { injectedOn: '2023-03-01' }, `inject-${project.id}-key`, MAKER));
  await as(MAKER, () => s.projects.quantify(project.id, { asOf: '2023-03-15' }, `quantify-${project.id}-key`, MAKER));
  return { place, households, entityId, projectId: project.id };
}

/** Records a result, previews, approves (by the checker) and pays a year. */
export async function payYear(
  s: Services,
  projectId: string,
  year: number,
  r: { netProfit: string; netAssets: string; revenue?: string },
  topUp?: string,
) {
  await as(MAKER, () =>
    s.results.record(projectId, { year, revenue: r.revenue ?? '2000000.00', netProfit: r.netProfit, netAssets: r.netAssets, reportedOn: `${year + 1}-01-20` }, MAKER),
  );
  await as(MAKER, () => s.distributions.preview(projectId, year, topUp ? { operatorTopUpAvailable: topUp } : {}, MAKER));
  await as(CHECKER, () => s.distributions.approve(projectId, year, CHECKER));
  return as(MAKER, () => s.distributions.pay(projectId, year, { paidOn: `${year + 1}-01-25` }, `pay-${projectId}-${year}`, MAKER));
}

export async function expectLedgerOk(ledger: LedgerService): Promise<void> {
  const report = await ledger.verify();
  if (!report.ok) throw new Error(`ledger verify failed: ${JSON.stringify(report)}`);
}

export async function count(ds: DataSource, sql: string, params: unknown[] = []): Promise<number> {
  const [r] = await ds.query(`SELECT count(*)::int AS n FROM (${sql}) x`, params);
  return r.n;
}
