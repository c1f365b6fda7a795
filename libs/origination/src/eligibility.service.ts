import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DomainError } from '#libs/common';
import { FundsService, type FundInfo, type FundPosition } from '#libs/funds';
import { ageOn, GroupsService, HouseholdsService } from '#libs/households';
import { ProductsService, type ProductTerms } from '#libs/products';
import { mutualAidRules, type FailedRule } from './domain/eligibility.js';
import { ACTIVE_STATUSES } from './domain/workflow.js';
import type { LoanRecord } from './domain/loan-record.js';
import { OriginationStore } from './store/origination.store.js';

export interface EligibilityResult {
  eligible: boolean;
  /** Every failed rule, product rules first, then the fund's and the group's. */
  failures: FailedRule[];
  /** The date the age rule was read on (the application date). */
  applicationDate: string;
  fund: FundInfo;
  position: FundPosition;
  terms: ProductTerms;
}

/**
 * Gathers the facts of a mutual-aid application and runs the product's rules (amount and term band, first-loan
 * cap, purpose, household status, age on the application date) and the fund's (membership, fund limits, one
 * active loan, group, liability calls, cap and cash). Reads only: the caller decides what a failure means (a 422
 * at submission and approval, a refused disbursement under the fund lock). Pass the locked fund and its position
 * at disbursement so the cash and cap rules read what the lock protects.
 */
@Injectable()
export class EligibilityService {
  constructor(
    private readonly products: ProductsService,
    private readonly households: HouseholdsService,
    private readonly groups: GroupsService,
    private readonly funds: FundsService,
    private readonly store: OriginationStore,
  ) {}

  async evaluate(
    m: EntityManager,
    loan: LoanRecord,
    today: string,
    opts: { fund?: FundInfo; position?: FundPosition } = {},
  ): Promise<EligibilityResult> {
    if (loan.channel !== 'MUTUAL_AID' || !loan.householdId || !loan.fundId) {
      throw new DomainError('LOAN_INVALID_TRANSITION', `loan ${loan.id} is not a mutual-aid application`);
    }
    const terms = await this.products.getVersion(loan.productVersionId, m);
    const household = await this.households.get(loan.householdId, m);
    const fund = opts.fund ?? (await this.funds.info(loan.fundId, m));
    const position = opts.position ?? (await this.funds.position(m, fund.id));
    const isMember = await this.funds.isMember(m, fund.id, household.id);
    const applicationDate = loan.applicationDate ?? today;

    const history = await this.store.householdHistory(m, household.id, loan.id, ACTIVE_STATUSES);
    const openCalls = await this.store.openCallsAsCoObligor(m, household.id);

    let group: Parameters<typeof mutualAidRules>[0]['group'] = null;
    if (loan.groupId) {
      const g = await this.groups.find(loan.groupId, m);
      if (g) {
        // A member (the applicant too) with an overdue instalment or days overdue on a loan still running.
        const overdueMembers = await this.store.householdsOverdue(m, g.memberIds);
        group = {
          active: g.status === 'ACTIVE',
          villageMatches: g.villageId === fund.villageId,
          size: g.size,
          minSize: fund.rules.groupMinSize,
          maxSize: fund.rules.groupMaxSize,
          overdueMembers,
          applicantIsMember: g.memberIds.includes(household.id),
        };
      } else {
        // The foreign key keeps a group row; this only guards against a caller passing a stale record.
        group = {
          active: false,
          villageMatches: false,
          size: 0,
          minSize: 0,
          maxSize: 0,
          overdueMembers: 0,
          applicantIsMember: false,
        };
      }
    }

    const failures: FailedRule[] = [];
    if (terms.kind !== 'MUTUAL_AID') {
      failures.push({
        code: 'PRODUCT_NOT_MUTUAL_AID',
        field: 'productId',
        message: `product ${terms.code} is not a mutual-aid product`,
      });
    }
    const isFirstLoan = history.disbursed === 0;
    failures.push(
      ...this.products.checkEligibility(
        terms,
        {
          principalFen: loan.principalFen,
          termMonths: loan.termMonths,
          purpose: loan.purpose,
          borrowerType: 'HOUSEHOLD',
          householdStatus: household.status,
          borrowerAge: ageOn(household.birthDate, applicationDate),
          isFirstLoan,
        },
        { householdStatus: 'householdId', borrowerAge: 'householdId' },
      ),
    );
    failures.push(
      ...mutualAidRules({
        amountFen: loan.principalFen,
        termMonths: loan.termMonths,
        fundStatus: fund.status,
        householdInFundVillage: household.villageId === fund.villageId,
        fundMaxLoanFen: fund.rules.maxLoanFen,
        fundFirstLoanMaxFen: fund.rules.firstLoanMaxFen,
        fundMaxTermMonths: fund.rules.maxTermMonths,
        isFirstLoan,
        isMember,
        otherActiveLoans: history.active,
        groupRequired: fund.rules.groupRequired || terms.requiresGroup,
        group,
        cashFen: position.cashFen,
        capHeadroomFen: position.capHeadroomFen,
        underLiabilityCall: openCalls > 0,
      }),
    );
    return { eligible: failures.length === 0, failures, applicationDate, fund, position, terms };
  }
}
