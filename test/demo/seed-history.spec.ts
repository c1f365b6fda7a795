import { randomBytes } from 'node:crypto';
import { AuditService } from '#libs/audit';
import { businessDate, loadConfig, SystemClock, type AppConfig } from '#libs/common';
import { LedgerService } from '#libs/ledger';
import {
  addMonths,
  checkReportInvariants,
  monthOf,
  ReportingService,
  ReportLedgerCheckStore,
  type MonthlyReportData,
} from '#libs/reporting';
import { createTestDatabase, type TestDatabase } from '#libs/testing';
import { runSeed } from '../../scripts/seed.js';

/**
 * The demo seed (what `npm start` runs) on a fresh database: its history is coherent in time (capital before the
 * loans it funds, the risk fund's deposits before the covered loans), so last month's stored report has real,
 * consistent figures and the leverage chart has months of data. Runs on today's business date.
 */
let db: TestDatabase;
let config: AppConfig;
let lastMonth: string;
const printed: string[] = [];

const money = (s: string | null) => Number(s ?? 'NaN');

beforeAll(async () => {
  db = await createTestDatabase(6);
  config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    ADMIN_USERNAME: 'admin',
    ADMIN_PASSWORD: 'seed-admin-password',
    QUEUE_PREFIX: `sh${randomBytes(4).toString('hex')}`,
    LOG_LEVEL: 'silent',
    DB_POOL_SIZE: '6',
  });
  lastMonth = addMonths(monthOf(businessDate(new Date(), config.BUSINESS_TIMEZONE)), -1);
  await runSeed(config, undefined, (l) => printed.push(l));
}, 120_000);
afterAll(async () => {
  if (process.env.SEED_HISTORY_PRINT) console.log(printed.join('\n'));
  await db?.drop();
});

async function stored(month: string): Promise<MonthlyReportData | undefined> {
  const rows = (await db.dataSource.query(
    `SELECT data FROM report_snapshots WHERE kind = 'MONTHLY' AND period = $1 ORDER BY version DESC LIMIT 1`,
    [month],
  )) as { data: MonthlyReportData }[];
  return rows[0]?.data;
}

describe('demo seed history', () => {
  it('stores the reports of the last six months, the last one with no invariant violated', async () => {
    const months = (await db.dataSource.query(
      `SELECT DISTINCT period FROM report_snapshots WHERE kind = 'MONTHLY' ORDER BY period`,
    )) as { period: string }[];
    expect(months.map((r) => r.period)).toEqual(Array.from({ length: 6 }, (_, i) => addMonths(lastMonth, i - 5)));
    const data = (await stored(lastMonth))!;
    expect(checkReportInvariants(data)).toEqual([]);
    const violations = await new ReportLedgerCheckStore().violations(db.dataSource.manager, data);
    expect(violations).toEqual([]);
  });

  it('gives the demo village fund 东坪村互助资金 capital, non-negative cash and loans outstanding last month', async () => {
    const data = (await stored(lastMonth))!;
    const fund = data.funds.find((f) => f.fundName.includes('东坪村'));
    expect(fund, JSON.stringify(data.funds)).toBeDefined();
    expect(money(fund!.capital)).toBeGreaterThan(0);
    expect(money(fund!.cash)).toBeGreaterThanOrEqual(0);
    expect(money(fund!.outstanding)).toBeGreaterThan(0);
    // one demo loan is in arrears beyond 30 days, and the fund has borrowers
    expect(money(fund!.par30Principal)).toBeGreaterThan(0);
    expect(fund!.householdsServed).toBeGreaterThan(0);
  });

  it('shows covered outstanding, leverage, NPL and repayments for the demo district last month', async () => {
    const data = (await stored(lastMonth))!;
    const district = data.districts.find((d) => money(d.coveredOutstanding) > 0);
    expect(district, JSON.stringify(data.districts)).toBeDefined();
    expect(money(district!.leverageRatio)).toBeGreaterThan(0);
    expect(money(district!.capacityLeft)).toBeGreaterThan(0);
    expect(money(district!.nplPrincipal)).toBeGreaterThan(0);
    expect(money(district!.nplPrincipal)).toBeLessThan(money(district!.coveredOutstanding));
    expect(money(district!.repaymentRatePercent)).toBeGreaterThan(0);
  });

  it('has a leverage chart with at least three months of data', async () => {
    const reports = new ReportingService(db.dataSource, new AuditService(db.dataSource), new SystemClock(), config);
    const series = await reports.leverageSeries(lastMonth, 12);
    const withData = series.months.filter((_, i) => series.districts.some((d) => money(d.ratios[i]) > 0));
    expect(withData.length, JSON.stringify(series)).toBeGreaterThanOrEqual(3);
  });

  it('leaves a ledger that verifies', async () => {
    const v = await new LedgerService(db.dataSource).verify();
    expect(v.ok).toBe(true);
  });
});
