import type { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '#libs/audit';
import { AppConfig, Clock, FixedClock, RequestContext, type Actor } from '#libs/common';
import { ContributionsService, DEMO_FUND_VILLAGE_CODE, FundsService } from '#libs/funds';
import { DEMO_GROUP_NAME, GroupsService, HouseholdsService } from '#libs/households';
import { LedgerService } from '#libs/ledger';
import { LoanStore } from '#libs/loans';
import { yuan } from '#libs/money';
import { ProductsService } from '#libs/products';
import { SchedulesService } from '#libs/schedules';
import { ApplicationsService } from './applications.service.js';
import { DisbursementService } from './disbursement.service.js';
import { addDays } from './domain/workflow.js';
import { EligibilityService } from './eligibility.service.js';
import { OriginationService } from './origination.service.js';
import type { LoanRecord } from './domain/loan-record.js';
import { LoanViewStore } from './store/loan-view.store.js';
import { OriginationStore } from './store/origination.store.js';

/** The demo users of the foundation seed: the officer takes applications, the administrator approves (maker-checker). */
const OFFICER: Actor = {
  userId: null,
  username: 'loan.officer',
  role: 'LOAN_OFFICER',
  bankId: null,
  via: 'system',
};
const FUND_ADMIN: Actor = {
  userId: null,
  username: 'fund.admin',
  role: 'FUND_ADMIN',
  bankId: null,
  via: 'system',
};
const as = <T>(actor: Actor, step: string, fn: () => Promise<T>) =>
  RequestContext.run({ requestId: `seed-origination:${step}`, actor }, fn);

interface DemoLoan {
  /** Position of the household in the demo group (ordered by id). */
  member: number;
  amount: string;
  termMonths: number;
  purpose: string;
  /** DISBURSED: applied for `appliedDaysAgo` days ago, approved, noticed and paid out then; IN_PUBLIC_NOTICE: today. */
  target: 'DISBURSED' | 'IN_PUBLIC_NOTICE';
  /** Days before the business date the application was made (0 for today's). */
  appliedDaysAgo: number;
}

/**
 * The demo history of the fund (its capital arrived DEMO_CAPITAL_MONTHS_AGO months back, before all of these): a
 * 12-month loan still running, a 6-month loan paid off weeks after its maturity (the late one, with its penalty), a
 * 6-month loan repaid at maturity (see the repayment seed), and an application in notice today.
 */
export const DEMO_LOANS: readonly DemoLoan[] = [
  {
    member: 0,
    amount: '5000.00',
    termMonths: 12,
    purpose: 'BREEDING',
    target: 'DISBURSED',
    appliedDaysAgo: 300,
  },
  {
    member: 1,
    amount: '3000.00',
    termMonths: 6,
    purpose: 'PLANTING',
    target: 'DISBURSED',
    appliedDaysAgo: 250,
  },
  {
    member: 3,
    amount: '4000.00',
    termMonths: 6,
    purpose: 'PLANTING',
    target: 'DISBURSED',
    appliedDaysAgo: 215,
  },
  {
    member: 2,
    amount: '4000.00',
    termMonths: 12,
    purpose: 'HANDICRAFT',
    target: 'IN_PUBLIC_NOTICE',
    appliedDaysAgo: 0,
  },
];

/**
 * Demo loans in the demo fund (东坪村): two disbursed mutual-aid loans and one application in public notice, for
 * households of the demo joint-liability group, taken through the real workflow (application, submission with
 * eligibility, group endorsement, approval by a different user, notice, disbursement with its ledger entry).
 * Each disbursed one runs on a clock set back to its application day, then to the day after its notice, so it is
 * applied for, approved and paid out in the past, in the order of DEMO_LOANS. A household of
 * the group that holds no share yet gets a small member share first (only members borrow). Idempotent: a
 * household that already has a live mutual-aid loan is taken further from where it stands, never given a second.
 * Skipped when the registry, funds or products seeds have not run.
 */
export async function seedOrigination(app: INestApplicationContext): Promise<string[]> {
  const ds = app.get(DataSource, { strict: false });
  const out: string[] = [];
  const store = app.get(OriginationStore, { strict: false });
  const fundId = await store.fundOfVillageCode(DEMO_FUND_VILLAGE_CODE);
  const groupId = await store.activeGroupNamed(DEMO_GROUP_NAME);
  const product = await store.productExists('MUTUAL_AID_STD');
  if (!fundId || !groupId || !product) {
    return [
      'seedOrigination: the demo fund, group or MUTUAL_AID_STD product is missing (run the registry, funds and products seeds first); skipped',
    ];
  }
  const members = await store.groupMembers(groupId);

  const config = app.get(AppConfig, { strict: false });
  const today = app.get(Clock, { strict: false }).today(config.BUSINESS_TIMEZONE);
  // Services on a clock of their own, so the disbursed demo loans are applied for, noticed and paid in the past.
  const clock = new FixedClock(new Date(`${today}T04:00:00Z`));
  const loans = app.get(LoanStore, { strict: false });
  const origination = new OriginationService(clock, config, loans, app.get(LoanViewStore, { strict: false }));
  const eligibility = app.get(EligibilityService, { strict: false });
  const funds = app.get(FundsService, { strict: false });
  const products = app.get(ProductsService, { strict: false });
  const applications = new ApplicationsService(
    ds,
    origination,
    eligibility,
    products,
    app.get(HouseholdsService, { strict: false }),
    app.get(GroupsService, { strict: false }),
    funds,
    app.get(AuditService, { strict: false }),
    loans,
    store,
  );
  const disbursements = new DisbursementService(
    ds,
    origination,
    applications,
    eligibility,
    funds,
    products,
    app.get(SchedulesService, { strict: false }),
    app.get(LedgerService, { strict: false }),
    loans,
  );
  const contributions = app.get(ContributionsService, { strict: false });

  for (const demo of DEMO_LOANS) {
    const past = addDays(today, -demo.appliedDaysAgo);
    const householdId = members[demo.member];
    if (!householdId) {
      out.push(`seedOrigination: the demo group has no member #${demo.member + 1}; loan skipped`);
      continue;
    }
    if (!(await funds.isMember(null, fundId, householdId))) {
      await as(OFFICER, 'share', () =>
        contributions.contribute(
          fundId,
          {
            source: 'MEMBER',
            amountFen: yuan('300'),
            householdId,
            receivedOn: addDays(past, -1),
            documentRef: `收据 seed-${householdId}`,
          },
          `seed-origination-share-${fundId}-${householdId}`,
        ),
      );
      out.push(`member share 300.00 for household ${householdId}`);
    }
    clock.set(new Date(`${past}T04:00:00Z`));
    const existing = await store.latestLiveMutualAidLoan(householdId);
    let loan: LoanRecord = existing
      ? await origination.getLoan(null, existing)
      : await origination.getLoan(
          null,
          (
            await as(OFFICER, 'create', () =>
              applications.create({
                householdId,
                productId: 'MUTUAL_AID_STD',
                amountFen: yuan(demo.amount),
                termMonths: demo.termMonths,
                purpose: demo.purpose,
                groupId: groupId,
              }),
            )
          ).id,
        );
    // Take the loan further from wherever it stands (a previous run may have stopped half-way).
    for (let guard = 0; guard < 6; guard++) {
      if (loan.status === 'DRAFT') await as(OFFICER, 'submit', () => applications.submit(loan.id));
      else if (loan.status === 'SUBMITTED') {
        await as(OFFICER, 'endorse', () =>
          applications.endorse(loan.id, {
            note: `${DEMO_GROUP_NAME} 小组会议：全体成员同意为本户联保 (demo)`,
          }),
        );
      } else if (loan.status === 'GROUP_ENDORSED')
        await as(FUND_ADMIN, 'approve', () => applications.approve(loan.id, { comment: 'demo' }));
      else if (
        (loan.status === 'IN_PUBLIC_NOTICE' || loan.status === 'APPROVED') &&
        demo.target === 'DISBURSED'
      ) {
        const from = loan.noticeEndsOn ? addDays(loan.noticeEndsOn, 1) : (loan.applicationDate ?? past);
        clock.set(new Date(`${from > today ? today : from}T04:00:00Z`));
        await as(FUND_ADMIN, 'disburse', () =>
          disbursements.disburse(loan.id, {}, `seed-origination-disburse-${loan.id}`),
        );
      } else break;
      loan = await origination.getLoan(null, loan.id);
    }
    out.push(
      `loan ${loan.loanNo} of household ${householdId}: ${demo.amount} for ${demo.termMonths} months, ${loan.status}`,
    );
  }
  return out;
}
