import type { INestApplication } from '@nestjs/common';
import { BusinessDateService } from '#libs/calendar';
import { CoveredLoansService } from '#libs/guarantee';
import { yuan } from '#libs/money';
import { ApplicationsService, DisbursementService } from '#libs/origination';
import { ProjectionService } from '#libs/projection';
import { RepaymentService, StatementService } from '#libs/repayment';
import { ReportingService } from '#libs/reporting';
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
