import { AuditService } from '#libs/audit';
import { FixedClock, loadConfig } from '#libs/common';
import {
  EntitiesService,
  GeographyService,
  GroupsService,
  HouseholdImportService,
  HouseholdsService,
  HouseholdsStore,
  GroupsStore,
  GeographyStore,
  EntitiesStore,
  residentIdCheckChar,
  type HouseholdInput,
} from '#libs/households';
import type { TestDatabase } from '#libs/testing';

export interface Registry {
  geo: GeographyService;
  households: HouseholdsService;
  entities: EntitiesService;
  groups: GroupsService;
  importer: HouseholdImportService;
  audit: AuditService;
  clock: FixedClock;
}

/** The registry's services wired by hand over a test database, with a fixed business date. */
export function registry(db: TestDatabase, now = '2026-03-02T04:00:00Z'): Registry {
  const audit = new AuditService(db.dataSource);
  const clock = new FixedClock(new Date(now));
  const config = loadConfig({ ...process.env, NODE_ENV: 'test' });
  const geo = new GeographyService(db.dataSource, audit, new GeographyStore());
  const households = new HouseholdsService(db.dataSource, audit, geo, clock, config, new HouseholdsStore());
  return {
    geo,
    households,
    entities: new EntitiesService(db.dataSource, audit, geo, households, new EntitiesStore()),
    groups: new GroupsService(db.dataSource, audit, geo, households, new GroupsStore()),
    importer: new HouseholdImportService(db.dataSource, households, geo, audit),
    audit,
    clock,
  };
}

let serial = 0;
/**
 * A fresh valid resident ID number: region of the district, a birth date and a sequence that never repeat in a
 * test run (the check character computed as GB 11643 says).
 */
export function newIdNumber(region = '370302', birth?: string): string {
  const n = ++serial;
  const date = birth ?? `19${String(50 + (n % 40)).padStart(2, '0')}${String(1 + (n % 12)).padStart(2, '0')}${String(1 + (n % 28)).padStart(2, '0')}`;
  const seq = String(n % 1000).padStart(3, '0');
  const first17 = `${region}${date.replace(/-/g, '')}${seq}`;
  return first17 + residentIdCheckChar(first17);
}

let codeSerial = 0;
export interface Place {
  districtId: string;
  districtCode: string;
  townId: string;
  villageIds: string[];
  villageCodes: string[];
}

/** A district (codes unique per call) with a town and `villages` villages. */
export async function place(r: Registry, villages = 2, opts: { heavyTask?: boolean } = {}): Promise<Place> {
  const n = ++codeSerial;
  const districtCode = String(370300 + n);
  const d = await r.geo.createDistrict({ code: districtCode, name: `测试区${n}`, heavyTask: opts.heavyTask ?? false });
  const t = await r.geo.createTown({ districtId: d.id, code: `${districtCode}100`, name: `测试镇${n}` });
  const vs = [];
  for (let i = 0; i < villages; i++) {
    vs.push(await r.geo.createVillage({ townId: t.id, code: `${districtCode}100${String(201 + i)}`, name: `测试村${n}-${i}` }));
  }
  return { districtId: d.id, districtCode, townId: t.id, villageIds: vs.map((v) => v.id), villageCodes: vs.map((v) => v.code) };
}

export const LINE_FEN = 356_000n;

/** The city-wide line of 3,560 yuan for the given years (once per database). */
export async function cityLines(r: Registry, years: number[] = [2016, 2017, 2018, 2019, 2020]): Promise<void> {
  for (const year of years) {
    const existing = await r.geo.listPovertyLines({ scope: 'CITY', year }, { page: 1, pageSize: 1 });
    if (!existing.total) await r.geo.createPovertyLine({ districtId: null, year, lineFen: LINE_FEN });
  }
}

export function household(villageId: string, over: Partial<HouseholdInput> = {}): HouseholdInput {
  return {
    villageId,
    headName: '测试户主',
    idNumber: newIdNumber(),
    phone: '13905331234',
    memberCount: 3,
    perCapitaIncomeFen: 300_000n,
    incomeYear: 2016,
    ...over,
  };
}

/** A minimal open loan endorsed by a group, to prove the group's membership is then fixed. */
export async function openGroupLoan(db: TestDatabase, p: { districtId: string; villageId: string; householdId: string; groupId: string }) {
  const q = (sql: string, params: unknown[]) => db.dataSource.query(sql, params) as Promise<{ id: string }[]>;
  const [product] = await q(`INSERT INTO products (code, kind, name) VALUES ($1, 'MUTUAL_AID', 'test') RETURNING id`, [`P${Date.now()}${Math.random()}`]);
  const [version] = await q(
    `INSERT INTO product_versions (product_id, version, name, min_principal_fen, max_principal_fen, min_term_months, max_term_months,
                                   method, frequency, day_count, rate_source, fixed_rate_percent, created_by)
     VALUES ($1, 1, 'test', 100, 1000000, 1, 12, 'BULLET', 'AT_MATURITY', 'PERIOD', 'FIXED', 6, 'test') RETURNING id`,
    [product.id],
  );
  const existing = await q(`SELECT id FROM mutual_aid_funds WHERE village_id = $1`, [p.villageId]);
  const fund = existing[0] ?? (await q(`INSERT INTO mutual_aid_funds (village_id, name) VALUES ($1, 'test fund') RETURNING id`, [p.villageId]))[0];
  const [loan] = await q(
    `INSERT INTO loans (loan_no, channel, product_version_id, borrower_type, household_id, district_id, village_id, fund_id, group_id,
                        principal_fen, term_months, purpose, method, frequency, day_count, rounding, status, created_by)
     VALUES ($1, 'MUTUAL_AID', $2, 'HOUSEHOLD', $3, $4, $5, $6, $7, 500000, 12, 'PLANTING', 'BULLET', 'AT_MATURITY', 'PERIOD', 'HALF_UP',
             'DISBURSED', 'test') RETURNING id`,
    [`L${Date.now()}${Math.random()}`, version.id, p.householdId, p.districtId, p.villageId, fund.id, p.groupId],
  );
  return { loanId: loan.id, fundId: fund.id };
}
