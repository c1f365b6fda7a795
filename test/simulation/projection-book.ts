import type { INestApplication } from '@nestjs/common';
import { BusinessDateService } from '#libs/calendar';
import { CoveredLoansService } from '#libs/guarantee';
import { yuan } from '#libs/money';
import { ApplicationsService, DisbursementService } from '#libs/origination';
import { ProjectionService, type ResultView } from '#libs/projection';
import { RepaymentService, StatementService } from '#libs/repayment';
import { ReportingService, type MonthlyReportData } from '#libs/reporting';
import { addDays } from '#libs/schedules';
import { random } from '../../scripts/simulation/prng.js';
import { ACTORS, as, buildWorld, type World } from '../../scripts/simulation/world.js';

/**
 * The small book both projection proofs start from, built by the live engine's services: a village fund's world
 * from `start`, four mutual-aid loans (3,000 / 4,500 / 2,000 / 5,000 yuan, 12 and 6 months) applied, endorsed and
 * approved on `start` and disbursed after their three-day notice, and two covered loans of 20,000 yuan registered for
 * poor households on the same day (`asOf`). Answers the world, the loans, `asOf` and the services the proofs drive.
 */
export async function buildProofBook(app: INestApplication, start: string) {
  const world: World = await buildWorld(app, random(5), {
    start,
    years: [2026],
    households: 12,
    lateRate: 0,
    defaultRate: 0,
    lateDays: [0, 0],
  });
  const services = {
    applications: app.get(ApplicationsService, { strict: false }),
    disbursements: app.get(DisbursementService, { strict: false }),
    repayments: app.get(RepaymentService, { strict: false }),
    statements: app.get(StatementService, { strict: false }),
    covered: app.get(CoveredLoansService, { strict: false }),
    calendar: app.get(BusinessDateService),
    reporting: app.get(ReportingService, { strict: false }),
    projections: app.get(ProjectionService, { strict: false }),
  };
  const { applications, disbursements, covered, calendar } = services;
  const officer = <T>(fn: () => Promise<T>) => as(ACTORS.officer, fn);
  const fundAdmin = <T>(fn: () => Promise<T>) => as(ACTORS.fundAdmin, fn);

  const maLoans: string[] = [];
  const amounts = ['3000.00', '4500.00', '2000.00', '5000.00'];
  for (const [k, h] of world.households.slice(0, 4).entries()) {
    const loan = await officer(() =>
      applications.create({
        householdId: h.id,
        productId: world.maProduct,
        amountFen: yuan(amounts[k]),
        termMonths: k % 2 ? 6 : 12,
        purpose: 'BREEDING',
        groupId: h.groupId,
      }),
    );
    await officer(() => applications.submit(loan.id));
    await officer(() => applications.endorse(loan.id, { note: 'projection proof' }));
    await fundAdmin(() => applications.approve(loan.id, { comment: 'projection proof' }));
    maLoans.push(loan.id);
  }
  // the public notice runs three days: disbursed on the fourth
  await as(ACTORS.admin, () => calendar.advance({ days: 4 }));
  const asOf = addDays(start, 4);
  for (const id of maLoans) await fundAdmin(() => disbursements.disburse(id, {}, `proof-disburse-${id}`));
  const bankLoans: string[] = [];
  for (const h of world.households.filter((x) => x.poor).slice(0, 2)) {
    const { result } = await as(world.bankActor, () =>
      covered.register(
        {
          bankLoanRef: `PROOF-${h.no}`,
          borrowerType: 'HOUSEHOLD',
          householdId: h.id,
          productCode: 'HH_MICRO_STD',
          amount: '20000.00',
          termMonths: 12,
          purpose: 'BREEDING',
          disbursementDate: asOf,
        },
        `proof-covered-${h.no}`,
      ),
    );
    bankLoans.push(result.id);
  }
  return { world, maLoans, bankLoans, asOf, services, officer, fundAdmin };
}

/**
 * Every month end of the live books (the monthly reports) equals the projection's figures, to the fen: the village
 * fund's cash, outstanding, PAR30 and households served, the district risk fund's balance, covered outstanding,
 * capacity left and NPL. The projection's band must be one line (P10 = P50 = P90: nothing is drawn).
 */
export function expectMonthEndsEqual(reports: readonly MonthlyReportData[], projected: ResultView, world: World): void {
  const band = (key: string, month: string) => {
    const s = projected.series.find((x) => x.key === key);
    if (!s) throw new Error(`no series ${key}`);
    const b = s.bands.find((x) => x.month === month)!;
    expect([b.p10, b.p90], key).toEqual([b.p50, b.p50]);
    return b.p50;
  };
  expect(reports.map((r) => r.month)).toEqual(projected.months);
  for (const r of reports) {
    const f = r.funds.find((x) => x.fundId === world.fundId)!;
    const d = r.districts.find((x) => x.districtId === world.districtId)!;
    const live = {
      cash: f.cash,
      outstanding: f.outstanding,
      par30: f.par30Principal,
      households: String(f.householdsServed),
      balance: d.fundBalance,
      covered: d.coveredOutstanding,
      capacityLeft: d.capacityLeft,
      npl: d.nplPrincipal,
    };
    const rf = world.riskFundId;
    const proj = {
      cash: band(`fund:${world.fundId}:cash`, r.month),
      outstanding: band(`fund:${world.fundId}:outstanding`, r.month),
      par30: band(`fund:${world.fundId}:par30`, r.month),
      households: band(`fund:${world.fundId}:households`, r.month),
      balance: band(`riskFund:${rf}:balance`, r.month),
      covered: band(`riskFund:${rf}:coveredOutstanding`, r.month),
      capacityLeft: band(`riskFund:${rf}:capacityLeft`, r.month),
      npl: band(`riskFund:${rf}:npl`, r.month),
    };
    expect(proj, r.month).toEqual(live);
    expect(yuan(d.coveredOutstanding), r.month).toBeGreaterThan(0n);
    expect(f.householdsServed, r.month).toBe(4);
  }
}
