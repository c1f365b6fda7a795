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
  const started = Date.now();
  await runSeed(config, undefined, (l) => printed.push(l));
  printed.push(`seeded in ${Date.now() - started} ms`);
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

/** Running balance of dated movements (sorted by date, inflows of a day before its outflows): its lowest point. */
function lowestRunningBalance(moves: { on: string; fen: bigint }[]): { fen: bigint; on: string | null } {
  let balance = 0n;
  let low: { fen: bigint; on: string | null } = { fen: 0n, on: null };
  for (const m of [...moves].sort((x, y) =>
    x.on < y.on ? -1 : x.on > y.on ? 1 : Number(x.fen < y.fen) - Number(y.fen < x.fen),
  )) {
    balance += m.fen;
    if (balance < low.fen) low = { fen: balance, on: m.on };
  }
  return low;
}

describe('demo seed history', () => {
  // These follow from the dates the seed gives its operations, whatever date the ledger files each entry under.
  it('gives the demo fund its capital before the loans it funds: its cash by value date never goes negative', async () => {
    const [fund] = (await db.dataSource.query(
      `SELECT f.id::text FROM mutual_aid_funds f JOIN villages v ON v.id = f.village_id WHERE v.name = '东坪村'`,
    )) as { id: string }[];
    const moves = (await db.dataSource.query(
      `SELECT received_on AS on, amount_fen AS fen FROM contributions WHERE target_type = 'MUTUAL_AID_FUND' AND target_id = $1
       UNION ALL SELECT disbursement_date, -principal_fen FROM loans WHERE fund_id = $1 AND disbursement_date IS NOT NULL
       UNION ALL SELECT value_date, amount_fen FROM repayments WHERE fund_id = $1 AND status = 'POSTED'`,
      [fund.id],
    )) as { on: string; fen: string }[];
    const dated = moves.map((m) => ({ on: m.on, fen: BigInt(m.fen) }));
    expect(dated.filter((m) => m.fen < 0n).length).toBeGreaterThanOrEqual(3);
    expect(lowestRunningBalance(dated).fen).toBe(0n);
    // repayments on their value dates, one of them weeks after its due date
    const [late] = (await db.dataSource.query(
      `SELECT count(*)::int AS n FROM repayments r JOIN loan_installments i ON i.loan_id = r.loan_id
        WHERE r.fund_id = $1 AND r.value_date > i.due_date + 7`,
      [fund.id],
    )) as { n: number }[];
    expect(late.n).toBe(1);
    const firstLoan = dated
      .filter((m) => m.fen < 0n)
      .map((m) => m.on)
      .sort()[0];
    const capital = dated.filter((m) => m.fen > 0n && m.on < firstLoan);
    expect(capital.length).toBeGreaterThan(0);
  });

  it("puts the risk fund's deposits and agreement before every covered loan, and the loans across the last year", async () => {
    const [span] = (await db.dataSource.query(
      `SELECT (SELECT max(received_on) FROM contributions WHERE target_type = 'RISK_FUND')::text AS deposited,
              (SELECT min(valid_from) FROM guarantee_agreements)::text AS agreed,
              (SELECT min(disbursement_date) FROM loans WHERE channel = 'BANK_COVERED')::text AS first,
              count(DISTINCT to_char(disbursement_date, 'YYYY-MM'))::int AS months
         FROM loans WHERE channel = 'BANK_COVERED'`,
    )) as { deposited: string; agreed: string; first: string; months: number }[];
    expect(span.deposited < span.first).toBe(true);
    expect(span.agreed <= span.first).toBe(true);
    expect(span.months).toBeGreaterThanOrEqual(6);
  });

  it('reports without violations on the current month, where every entry so far counts (ledger cross-check included)', async () => {
    const reports = new ReportingService(
      db.dataSource,
      new AuditService(db.dataSource),
      new SystemClock(),
      config,
    );
    const data = await reports.compute(addMonths(lastMonth, 1));
    expect(money(data.totals.coveredOutstanding)).toBeGreaterThan(0);
    expect(checkReportInvariants(data)).toEqual([]);
    expect(await new ReportLedgerCheckStore().violations(db.dataSource.manager, data)).toEqual([]);
  });

  // From here on the figures are as of last month's end: they need every entry filed under its value date.
  it('stores the reports of the last six months', async () => {
    const months = (await db.dataSource.query(
      `SELECT DISTINCT period FROM report_snapshots WHERE kind = 'MONTHLY' ORDER BY period`,
    )) as { period: string }[];
    expect(months.map((r) => r.period)).toEqual(
      Array.from({ length: 6 }, (_, i) => addMonths(lastMonth, i - 5)),
    );
  });

  it("breaks no invariant in last month's stored report", async () => {
    expect(checkReportInvariants((await stored(lastMonth))!)).toEqual([]);
  });

  it("matches the ledger's balances at last month's end in every account figure of the stored report", async () => {
    const all = await new ReportLedgerCheckStore().violations(
      db.dataSource.manager,
      (await stored(lastMonth))!,
    );
    expect(all.filter((v) => v.rule === 'LEDGER_MISMATCH')).toEqual([]);
  });

  it('gives the demo village fund 东坪村互助资金 capital, non-negative cash and loans outstanding last month', async () => {
    const data = (await stored(lastMonth))!;
    const fund = data.funds.find((f) => f.fundName.includes('东坪村'));
    expect(fund, JSON.stringify(data.funds)).toBeDefined();
    expect(money(fund!.capital)).toBeGreaterThan(0);
    expect(money(fund!.cash)).toBeGreaterThanOrEqual(0);
    expect(money(fund!.outstanding)).toBeGreaterThan(0);
    expect(fund!.householdsServed).toBeGreaterThan(0);
    expect(money(fund!.repaymentRatePercent)).toBeGreaterThan(0);
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
    const reports = new ReportingService(
      db.dataSource,
      new AuditService(db.dataSource),
      new SystemClock(),
      config,
    );
    const series = await reports.leverageSeries(lastMonth, 12);
    const withData = series.months.filter((_, i) => series.districts.some((d) => money(d.ratios[i]) > 0));
    expect(withData.length, JSON.stringify(series)).toBeGreaterThanOrEqual(3);
  });

  it('leaves a ledger that verifies', async () => {
    const v = await new LedgerService(db.dataSource).verify();
    expect(v.ok).toBe(true);
  });

  it('runs again (as every `npm start` does) without adding or changing anything', async () => {
    const count = async () =>
      (await db.dataSource.query(
        `SELECT (SELECT count(*) FROM journal_entries)::int AS entries, (SELECT count(*) FROM loans)::int AS loans,
                (SELECT count(*) FROM contributions)::int AS contributions, (SELECT count(*) FROM report_snapshots)::int AS reports`,
      )) as unknown[];
    const before = await count();
    const again: string[] = [];
    await runSeed(config, undefined, (l) => again.push(l));
    expect(await count()).toEqual(before);
    const lines = again.filter((l) => l.startsWith('[seed]     '));
    expect(
      lines.filter((l) =>
        /^\[seed\]\s+(created|registered|deposited|repayment \d)|: (CREATED|VERSIONED) /.test(l),
      ),
    ).toEqual([]);
    expect(
      lines.filter((l) => /^\[seed\]\s+monthly report/.test(l)).every((l) => l.includes('UNCHANGED')),
    ).toBe(true);
  }, 60_000);
});
