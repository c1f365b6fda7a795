import { AuditService } from '#libs/audit';
import { FixedClock, loadConfig, RequestContext, type Actor } from '#libs/common';
import { ContributionsService, FundsService, type FundRules } from '#libs/funds';
import { GeographyService, GroupsService, HouseholdsService, residentIdCheckChar } from '#libs/households';
import { LedgerService } from '#libs/ledger';
import { LoanStore } from '#libs/loans';
import { yuan } from '#libs/money';
import {
  ApplicationsService,
  DisbursementService,
  EligibilityService,
  OriginationService,
  type ApplicationInput,
} from '#libs/origination';
import { ProductsService, RatesService, seedProducts } from '#libs/products';
import { SchedulesService } from '#libs/schedules';
import { createTestDatabase, type TestDatabase } from '#libs/testing';

/**
 * The origination services and the libraries they stand on (registry, products, funds, ledger), wired by hand on
 * a database of the test file's own, with a clock the test moves. Fixtures are built through those services, so
 * the data is what the engine itself would have written.
 */
export interface Harness {
  db: TestDatabase;
  clock: FixedClock;
  ledger: LedgerService;
  audit: AuditService;
  products: ProductsService;
  geo: GeographyService;
  households: HouseholdsService;
  groups: GroupsService;
  funds: FundsService;
  contributions: ContributionsService;
  origination: OriginationService;
  eligibility: EligibilityService;
  applications: ApplicationsService;
  disbursements: DisbursementService;
}

export const noonOf = (date: string) => new Date(`${date}T04:00:00Z`);

export async function harness(poolSize = 20, today = '2026-06-01'): Promise<Harness> {
  const db = await createTestDatabase(poolSize);
  const ds = db.dataSource;
  const config = loadConfig({ ...process.env, NODE_ENV: 'test' });
  const clock = new FixedClock(noonOf(today));
  const ledger = new LedgerService(ds);
  const audit = new AuditService(ds);
  const rates = new RatesService(ds, audit, clock, config);
  const products = new ProductsService(ds, audit, rates);
  const geo = new GeographyService(ds, audit);
  const households = new HouseholdsService(ds, audit, geo, clock, config);
  const groups = new GroupsService(ds, audit, geo, households);
  const funds = new FundsService(ds, ledger, audit);
  const contributions = new ContributionsService(ds, funds, ledger, audit, clock);
  const loans = new LoanStore(ds);
  const origination = new OriginationService(ds, clock, config, loans);
  const eligibility = new EligibilityService(products, households, groups, funds);
  const applications = new ApplicationsService(
    ds,
    origination,
    eligibility,
    products,
    households,
    groups,
    funds,
    audit,
    loans,
  );
  const disbursements = new DisbursementService(
    ds,
    origination,
    applications,
    eligibility,
    funds,
    products,
    new SchedulesService(),
    ledger,
    loans,
  );

  await seedProducts(ds);
  for (let year = 2020; year <= 2026; year++) {
    await geo.createPovertyLine({ districtId: null, year, lineFen: yuan('3560'), note: 'test line' });
  }
  return {
    db,
    clock,
    ledger,
    audit,
    products,
    geo,
    households,
    groups,
    funds,
    contributions,
    origination,
    eligibility,
    applications,
    disbursements,
  };
}

export const setToday = (h: Harness, date: string) => h.clock.set(noonOf(date));

export function as<T>(role: string, username: string, fn: () => Promise<T>): Promise<T> {
  const actor: Actor = { userId: null, username, role, bankId: null, via: 'jwt' };
  return RequestContext.run({ requestId: `test-${Math.random().toString(36).slice(2)}`, actor }, fn);
}
export const officer = <T>(fn: () => Promise<T>) => as('LOAN_OFFICER', 'officer.li', fn);
export const admin1 = <T>(fn: () => Promise<T>) => as('FUND_ADMIN', 'admin.wang', fn);
export const admin2 = <T>(fn: () => Promise<T>) => as('FUND_ADMIN', 'admin.zhao', fn);

let keySeq = 0;
export const key = (p = 'k') => `${p}-${++keySeq}-${Math.random().toString(36).slice(2, 10)}`;

/** Catches a rejection so a test can look at it (and fails if there was none). */
export async function refused(
  p: Promise<unknown>,
): Promise<{ code: string; errors: { field: string; code?: string; message: string }[]; detail: string }> {
  try {
    await p;
  } catch (e) {
    return e as { code: string; errors: { field: string; code?: string; message: string }[]; detail: string };
  }
  throw new Error('expected a refusal, but the operation succeeded');
}

let placeSeq = 0;
let idSeq = 0;

/** A valid GB 11643 number for someone born on `birth` (YYYY-MM-DD), unique in this process. */
export function idNumberBorn(birth: string): string {
  const first17 = `370302${birth.replace(/-/g, '')}${String(++idSeq % 1000).padStart(3, '0')}`;
  return first17 + residentIdCheckChar(first17);
}

export interface World {
  districtId: string;
  villageId: string;
  otherVillageId: string;
  fundId: string;
  /** Households of the village, all fund members (a member share each), the first `groupSize` in the group. */
  households: string[];
  groupId: string | null;
}

export interface WorldOptions {
  members?: number;
  groupSize?: number;
  /** Fiscal grant on top of the member shares (yuan). */
  grantYuan?: string;
  shareYuan?: string;
  rules?: Partial<FundRules>;
  /** Per-household income (yuan): below 3,560 the household is POOR. */
  incomeYuan?: string | ((i: number) => string);
  birth?: (i: number) => string;
}

/**
 * A district with two villages, a fund for the first with its rules, `members` households that each hold a
 * member share, a CITY grant, and a joint-liability group of the first `groupSize` of them.
 */
export async function world(h: Harness, opts: WorldOptions = {}): Promise<World> {
  const n = ++placeSeq;
  const code = String(370400 + n);
  const d = await h.geo.createDistrict({ code, name: `测试区${n}` });
  const t = await h.geo.createTown({ districtId: d.id, code: `${code}100`, name: `测试镇${n}` });
  const v = await h.geo.createVillage({ townId: t.id, code: `${code}100201`, name: `测试村${n}` });
  const v2 = await h.geo.createVillage({ townId: t.id, code: `${code}100202`, name: `邻村${n}` });
  const fund = await h.funds.create({ villageId: v.id, rules: opts.rules });
  const ids: string[] = [];
  for (let i = 0; i < (opts.members ?? 5); i++) {
    const income =
      typeof opts.incomeYuan === 'function'
        ? opts.incomeYuan(i)
        : (opts.incomeYuan ?? (i % 2 === 0 ? '3000.00' : '8000.00'));
    const hh = await h.households.create({
      villageId: v.id,
      headName: `户主${n}-${i}`,
      idNumber: idNumberBorn(opts.birth?.(i) ?? `19${70 + (i % 25)}-0${1 + (i % 9)}-1${i % 10}`),
      phone: `1390533${String(1000 + ((n * 37 + i) % 9000)).padStart(4, '0')}`,
      memberCount: 3,
      perCapitaIncomeFen: yuan(income),
      incomeYear: 2025,
    });
    ids.push(hh.id);
    await h.contributions.contribute(
      fund.id,
      {
        source: 'MEMBER',
        amountFen: yuan(opts.shareYuan ?? '500'),
        householdId: hh.id,
        receivedOn: '2025-01-10',
      },
      key('share'),
    );
  }
  await h.contributions.contribute(
    fund.id,
    {
      source: 'CITY',
      amountFen: yuan(opts.grantYuan ?? '100000'),
      documentRef: 'test grant',
      receivedOn: '2025-01-10',
    },
    key('grant'),
  );
  const groupSize = opts.groupSize ?? Math.min(4, ids.length);
  let groupId: string | null = null;
  if (groupSize > 0) {
    const g = await h.groups.create({
      villageId: v.id,
      name: `联保小组${n}`,
      householdIds: ids.slice(0, groupSize),
    });
    groupId = g.id;
  }
  return {
    districtId: d.id,
    villageId: v.id,
    otherVillageId: v2.id,
    fundId: fund.id,
    households: ids,
    groupId,
  };
}

export const application = (w: World, i = 0, over: Partial<ApplicationInput> = {}): ApplicationInput => ({
  householdId: w.households[i],
  productId: 'MUTUAL_AID_STD',
  amountFen: yuan('3000'),
  termMonths: 12,
  purpose: 'BREEDING',
  ...over,
});

/** An application taken by the officer and submitted (and endorsed when it has a group). */
export async function submitted(h: Harness, input: ApplicationInput, opts: { endorse?: boolean } = {}) {
  const loan = await officer(() => h.applications.create(input));
  await officer(() => h.applications.submit(loan.id));
  if (loan.groupId && opts.endorse !== false) {
    await officer(() => h.applications.endorse(loan.id, { note: 'all members agreed at the group meeting' }));
  }
  return h.origination.getLoan(null, loan.id);
}

/** Counts of what a refused step must not have written. */
export async function footprint(h: Harness, loanId: string) {
  const [r] = await h.db.dataSource.query(
    `SELECT (SELECT count(*) FROM loan_events WHERE loan_id = $1)::int AS events,
            (SELECT count(*) FROM audit_log WHERE entity_type = 'loan' AND entity_id = $1::text)::int AS audits,
            (SELECT count(*) FROM loan_installments WHERE loan_id = $1)::int AS installments,
            (SELECT count(*) FROM journal_entries)::int AS entries,
            (SELECT version FROM loans WHERE id = $1) AS version,
            (SELECT status FROM loans WHERE id = $1) AS status`,
    [loanId],
  );
  return r as {
    events: number;
    audits: number;
    installments: number;
    entries: number;
    version: number;
    status: string;
  };
}
