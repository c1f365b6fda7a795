import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { assetIncomeLockViolation } from '#libs/asset-income';
import { AuditService } from '#libs/audit';
import {
  DomainError,
  ERROR_STATUS,
  runIdempotent,
  together,
  transaction,
  type ErrorCode,
  type FieldError,
} from '#libs/common';
import { EntitiesService, HouseholdsService } from '#libs/households';
import { LoanStore, type LoanRow } from '#libs/loans';
import { formatYuan, yuan, type Fen } from '#libs/money';
import {
  ageOn,
  installmentCount,
  ProductsService,
  type ContractRate,
  type ProductTerms,
} from '#libs/products';
import { SchedulesService } from '#libs/schedules';
import { actorName, scopedBankId } from './bank-scope.js';
import { BreakerService, type BreakerState } from './breaker.service.js';
import { CoveredLoanBook } from './covered-loan-book.service.js';
import type { RegisterCoveredLoanDto } from './covered-dto.js';
import {
  asCoveredLoan,
  borrowerLimitProblem,
  cancelRefusal,
  contractRateProblem,
  confirmRefusal,
  coveredLoanView,
  disbursementDateRefusal,
  coveredLoanRequestFacts,
  eligibilityFields,
  guaranteeSideProblems,
  needsTodayCheck,
  newCoveredLoan,
  noAgreement,
  productKindProblem,
  productNotFound,
  refTaken,
  registrationRefusal,
  scheduleRequestOf,
  unknownBorrower,
} from './domain/covered-loans.js';
import type { LockedFund, Refusal } from './domain/covers.js';
import { GuaranteeService, type CoverFigures } from './guarantee.service.js';
import { AgreementsStore, type AgreementRow } from './store/agreements.store.js';
import { CoveredLoansStore } from './store/covered-loans.store.js';

const refuse = (r: Refusal): DomainError => new DomainError(r.code, r.detail, r.errors);
const isErrorCode = (code: string): code is ErrorCode => code in ERROR_STATUS;

/** The bank of the calling actor: covered loans are registered and reported by banks only. */
export function ownBank(): string {
  const own = scopedBankId();
  if (own === null)
    throw new DomainError('FORBIDDEN', 'only a bank (its officer or API key) reports covered loans');
  return own;
}

const isUniqueViolation = (e: unknown, constraint: string) =>
  typeof e === 'object' &&
  e !== null &&
  (e as { code?: string }).code === '23505' &&
  (e as { constraint?: string }).constraint === constraint;

type Borrower = Awaited<ReturnType<CoveredLoanRegistration['borrower']>>;

/** What registration has decided by the time it writes: the locked fund, the agreement, the product, the amount. */
interface Decided {
  bankId: string;
  input: RegisterCoveredLoanDto;
  today: string;
  amountFen: Fen;
  borrower: Borrower;
  fund: LockedFund;
  agreement: AgreementRow;
  terms: ProductTerms;
  /** The policy rate in force on the contract (disbursement) date: the loan's rate. */
  rate: ContractRate;
  /** The fund's figures the guarantee rules were decided on, under the fund's lock (the reservation reuses them). */
  figures: CoverFigures;
}

/**
 * Registration of bank loans under cover, and the bank's confirmation or cancellation of a loan registered ahead of
 * its payout. Lock order: risk fund → agreement (FOR SHARE) → borrower (the household or operating entity row) →
 * loan → cover (in GuaranteeService) → ledger accounts. The borrower lock makes the borrower's credit line hold
 * across banks and districts: its active covered loans are summed under it.
 */
@Injectable()
export class CoveredLoanRegistration {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly guarantee: GuaranteeService,
    private readonly breaker: BreakerService,
    private readonly products: ProductsService,
    private readonly households: HouseholdsService,
    private readonly entities: EntitiesService,
    private readonly schedules: SchedulesService,
    private readonly audit: AuditService,
    private readonly loans: LoanStore,
    private readonly book: CoveredLoanBook,
    private readonly agreements: AgreementsStore,
    private readonly coveredLoans: CoveredLoansStore,
  ) {}

  /**
   * Registers a loan under cover. Design choice: a loan whose disbursement date is today or earlier is
   * registered DISBURSED at once (reserve + consume in the same transaction: the bank has already paid out, there
   * is nothing to wait for); a later date (≤ MAX_DAYS_AHEAD) leaves it APPROVED with its cover reserved until the
   * bank confirms the payout (`confirmDisbursement`) or cancels (`cancel`, which voids the reservation).
   */
  async register(input: RegisterCoveredLoanDto, idempotencyKey: string, manager?: EntityManager) {
    const bankId = ownBank();
    const today = this.guarantee.today();
    const badDate = disbursementDateRefusal(input.disbursementDate, today);
    if (badDate) throw refuse(badDate);
    const run = async (m: EntityManager) =>
      runIdempotent(m, `covered-loan:${bankId}`, idempotencyKey, input, () =>
        this.registerIn(m, bankId, input, today, idempotencyKey),
      );
    try {
      // a bulk import passes its transaction (one savepoint per row): all of the file or none of it
      // (its own transaction: BEGIN goes out with the idempotency claim, one round trip fewer)
      return manager ? await run(manager) : await transaction(this.dataSource, run);
    } catch (e) {
      if (isUniqueViolation(e, 'loans_bank_ref')) throw refuse(refTaken(input.bankLoanRef));
      if (e instanceof Error && /ASSET_INCOME_ENTITY_LOCKED/.test(e.message) && !(e instanceof DomainError)) {
        throw new DomainError('ASSET_INCOME_ENTITY_LOCKED', e.message, [
          { field: 'entityId', code: 'ASSET_INCOME_ENTITY_LOCKED', message: e.message },
        ]);
      }
      throw e;
    }
  }

  /** The steps of one registration, in the transaction: decide everything under the fund lock, then write. */
  private async registerIn(
    m: EntityManager,
    bankId: string,
    input: RegisterCoveredLoanDto,
    today: string,
    idempotencyKey: string,
  ) {
    const d = await this.decide(m, bankId, input, today);
    const created = await this.createLoan(m, d);
    const loanId = created.id;
    await this.coverLoan(m, d, loanId, idempotencyKey);
    // the loan as inserted: nothing below its insert writes its row
    const row = asCoveredLoan(created);
    await this.audit.record(m, {
      action: 'COVERED_LOAN_REGISTERED',
      entityType: 'loan',
      entityId: loanId,
      after: coveredLoanView(row),
    });
    return coveredLoanView(row);
  }

  /**
   * Finds the borrower and the agreement, locks the fund, and checks every rule at once. Four round trips (five for
   * an operating entity): the borrower, its district's agreement with the bank, then everything decided under the
   * fund lock in one (the locks in the fixed order: fund, agreement shared, borrower last, with the reads between),
   * then the rate in force for the product (it depends on the product read).
   */
  private async decide(
    m: EntityManager,
    bankId: string,
    input: RegisterCoveredLoanDto,
    today: string,
  ): Promise<Decided> {
    const amountFen = yuan(input.amount);
    const borrower = await this.borrower(m, input);
    const found = await this.agreements.ofDistrictAndBank(m, borrower.districtId, bankId);
    if (!found) throw refuse(noAgreement(input.borrowerType, borrower.districtId));
    // The fund lock first: every rule below is decided on the state this lock freezes. Then the agreement (shared),
    // the reads the rules decide on, and the borrower's row lock last (read again under it: status, linked poor
    // households), then what it owes on its active covered loans (the step that may send after an answer: the last).
    // The agreement was found by the borrower's district, so the fund's district is the borrower's.
    const [fund, agreement, taken, figures, breakerState, product, held] = await together(m, [
      () => this.guarantee.lockFund(m, found.risk_fund_id),
      () => this.guarantee.agreementRow(m, found.id, 'FOR SHARE'),
      () => this.loans.findByBankRef(m, bankId, input.bankLoanRef),
      () => this.guarantee.coverFigures(m, found.risk_fund_id, borrower.districtId),
      () => this.breaker.state(m, borrower.districtId),
      () =>
        this.products.currentVersion(input.productCode, m).then(
          (terms) => ({ terms }),
          (e: unknown) => {
            if (!(e instanceof DomainError && e.code === 'NOT_FOUND')) throw e;
            return { terms: undefined };
          },
        ),
      () => this.lockBorrower(m, input),
    ]);
    const locked = held.borrower;
    if (locked.districtId !== borrower.districtId)
      throw refuse(noAgreement(input.borrowerType, locked.districtId));
    if (taken) throw refuse(refTaken(input.bankLoanRef));
    const problems = this.guaranteeProblems(input, today, amountFen, fund, agreement, figures, breakerState);
    const terms = this.productTerms(input, product.terms, problems);
    let rate: ContractRate | undefined;
    if (terms) {
      problems.push(...this.eligibilityProblems(terms, input, amountFen, locked));
      const limit = this.borrowerLimit(input, amountFen, terms, locked, held.activeFen);
      if (limit) problems.push(limit);
      rate = await this.policyRate(m, input, terms, problems);
    }
    if (borrower.entity) {
      const locked = await assetIncomeLockViolation(m, borrower.entity.id, 'entityId');
      if (locked) problems.push(locked);
    }
    const refusal = registrationRefusal(input.bankLoanRef, problems, isErrorCode);
    if (refusal) throw refuse(refusal);
    return {
      bankId,
      input,
      today,
      amountFen,
      borrower: locked,
      fund,
      agreement,
      terms: terms!,
      rate: rate!,
      figures,
    };
  }

  /**
   * The borrower's row lock (read again under it) and then, under it, what it owes on its active covered loans at
   * every bank: APPROVED at the principal, DISBURSED at the outstanding principal. A batch's last step (an operating
   * entity's lock and read are two statements, one after the other).
   */
  private async lockBorrower(
    m: EntityManager,
    input: RegisterCoveredLoanDto,
  ): Promise<{ borrower: Borrower; activeFen: Fen }> {
    const borrower = await this.borrower(m, input, true);
    const activeFen = await this.coveredLoans.borrowerActiveFen(
      m,
      borrower.household ? { householdId: borrower.household.id } : { entityId: borrower.entity!.id },
    );
    return { borrower, activeFen };
  }

  /** The borrower's credit line against everything it owes on active covered loans (read under its row lock). */
  private borrowerLimit(
    input: RegisterCoveredLoanDto,
    amountFen: Fen,
    terms: ProductTerms,
    b: Borrower,
    activeFen: Fen,
  ): FieldError | null {
    return borrowerLimitProblem({
      borrowerType: input.borrowerType,
      amountFen,
      activeFen,
      maxPrincipalFen: terms.maxPrincipalFen,
      maxPerLinkedHouseholdFen: terms.maxPerLinkedHouseholdFen,
      linkedPoorCount: b.entity?.linkedPoorCount ?? null,
    });
  }

  /**
   * The rate in force for the product and term on the disbursement (contract) date; a rate the bank sends must equal
   * it (products define no band). No rate in force that day is a problem on annualRatePercent too.
   */
  private async policyRate(
    m: EntityManager,
    input: RegisterCoveredLoanDto,
    terms: ProductTerms,
    problems: FieldError[],
  ): Promise<ContractRate | undefined> {
    let rate: ContractRate;
    try {
      rate = await this.products.contractRate(terms, input.termMonths, input.disbursementDate, m);
    } catch (e) {
      if (!(e instanceof DomainError) || ERROR_STATUS[e.code] >= 500) throw e;
      if (!problems.some((p) => p.field === 'termMonths'))
        problems.push({ field: 'annualRatePercent', code: 'NO_CONTRACT_RATE', message: e.detail });
      return undefined;
    }
    const wrong = contractRateProblem(input.annualRatePercent, rate, input.disbursementDate);
    if (wrong) problems.push(wrong);
    return rate;
  }

  private async borrower(m: EntityManager, input: RegisterCoveredLoanDto, lock = false) {
    try {
      if (input.borrowerType === 'HOUSEHOLD') {
        const h = await this.households.get(input.householdId!, m, { lock });
        return { districtId: h.districtId, villageId: h.villageId, household: h, entity: undefined };
      }
      const e = await this.entities.get(input.entityId!, m, { lock });
      return { districtId: e.districtId, villageId: e.villageId, household: undefined, entity: e };
    } catch (e) {
      if (e instanceof DomainError && e.code === 'NOT_FOUND')
        throw refuse(unknownBorrower(input.borrowerType, e.detail));
      throw e;
    }
  }

  /**
   * The guarantee side: agreement in force on the disbursement date (and today, when the cover starts), district
   * not suspended (by the rules or by its recorded breaker), fund at its minimum, capacity. Decided on what the fund
   * lock's round trip read (the rules of both dates on the same figures, as re-reading them under the lock would).
   */
  private guaranteeProblems(
    input: RegisterCoveredLoanDto,
    today: string,
    amountFen: Fen,
    fund: LockedFund,
    agreement: AgreementRow,
    figures: CoverFigures,
    breakerState: BreakerState,
  ): FieldError[] {
    const check = (onDate: string) =>
      this.guarantee.coverChecksOn(agreement, figures, {
        amountFen,
        borrowerType: input.borrowerType,
        onDate,
      });
    const onDisbursement = check(input.disbursementDate);
    const onToday = needsTodayCheck(onDisbursement, today, input.disbursementDate) ? check(today) : null;
    const breakerSuspended =
      !onDisbursement.some((p) => p.code === 'DISTRICT_SUSPENDED') && breakerState === 'SUSPENDED';
    return guaranteeSideProblems({
      onDisbursement,
      onToday,
      today,
      disbursementDate: input.disbursementDate,
      breakerSuspended,
      districtCode: fund.districtCode,
    });
  }

  /** The product's current version, when it exists and banks may lend it under cover (else a problem is added). */
  private productTerms(
    input: RegisterCoveredLoanDto,
    terms: ProductTerms | undefined,
    problems: FieldError[],
  ): ProductTerms | undefined {
    if (!terms) {
      problems.push(productNotFound(input.productCode));
      return undefined;
    }
    const kind = productKindProblem(terms.code, terms.kind);
    if (kind) problems.push(kind);
    return kind ? undefined : terms;
  }

  /** The borrower side: the product's rules (amount caps, term, purpose, status, age, linked poor households). */
  private eligibilityProblems(
    terms: ProductTerms,
    input: RegisterCoveredLoanDto,
    amountFen: Fen,
    b: Borrower,
  ): FieldError[] {
    return this.products.checkEligibility(
      terms,
      coveredLoanRequestFacts(input, amountFen, b, ageOn),
      eligibilityFields(input.borrowerType),
    );
  }

  /** The loan with its frozen schedule, through libs/loans (the one instalment insert). */
  private async createLoan(m: EntityManager, d: Decided): Promise<LoanRow> {
    const { input, terms: t } = d;
    const rate = d.rate.annualRatePercent;
    const schedule = this.schedules.generate(
      scheduleRequestOf(t, {
        principalFen: d.amountFen,
        annualRatePercent: rate,
        installments: installmentCount(t.frequency, input.termMonths)!,
        termMonths: input.termMonths,
        disbursementDate: input.disbursementDate,
      }),
    ).installments;
    const loan = await this.loans.createWithSchedule(
      m,
      newCoveredLoan({
        bankId: d.bankId,
        bankLoanRef: input.bankLoanRef,
        agreementId: d.agreement.id,
        terms: t,
        borrowerType: input.borrowerType,
        householdId: d.borrower.household?.id ?? null,
        entityId: d.borrower.entity?.id ?? null,
        districtId: d.borrower.districtId,
        villageId: d.borrower.villageId,
        principalFen: d.amountFen,
        termMonths: input.termMonths,
        annualRatePercent: rate,
        purpose: input.purpose,
        disbursementDate: input.disbursementDate,
        schedule,
        today: d.today,
        actor: actorName(),
      }),
      schedule,
    );
    return loan;
  }

  /**
   * Reserves the cover (reserve re-checks the guarantee rules under the same lock; the ledger's bound on the fund's
   * AVAILABLE cover is the last word on capacity) and, for a loan already paid out, consumes it at once.
   */
  private async coverLoan(
    m: EntityManager,
    d: Decided,
    loanId: string,
    idempotencyKey: string,
  ): Promise<void> {
    // Value dates: a loan already paid out is covered from its disbursement date (so every as-of figure of that day
    // on counts it, and the fund's capacity must hold at every date since); one paid out later is reserved today.
    const paidOut = d.input.disbursementDate <= d.today;
    // the fund's lock is held since `decide`: the reservation's and the consumption's reads go out at once
    const cover = await this.guarantee.reserve(m, {
      agreementId: d.agreement.id,
      loanId,
      amountFen: d.amountFen,
      idempotencyKey,
      onDate: paidOut ? d.input.disbursementDate : d.today,
      lockedFund: d.fund,
      // decided on in `decide`, under the same lock: the district's NPL figures are not summed again
      figures: d.figures,
    });
    await this.book.event(m, loanId, 'REGISTERED', null, 'APPROVED', null, {
      bankLoanRef: d.input.bankLoanRef,
      agreementId: d.agreement.id,
      reserved: formatYuan(cover.reservedFen),
    });
    if (!paidOut) return;
    await this.guarantee.consume(m, {
      loanId,
      idempotencyKey,
      onDate: d.input.disbursementDate,
      lockedFundId: d.fund.id,
    });
    await this.book.event(m, loanId, 'DISBURSED', 'APPROVED', 'DISBURSED', null, {
      disbursementDate: d.input.disbursementDate,
    });
    await this.breaker.evaluate(m, [d.fund.districtId], `loan ${loanId} registered disbursed`);
  }

  // ─── the bank confirms or cancels a loan registered ahead of its payout ──────────────────────────────────────

  async confirmDisbursement(loanId: string, idempotencyKey: string) {
    const bankId = ownBank();
    const today = this.guarantee.today();
    return this.dataSource.transaction(async (m) => {
      const out = await runIdempotent(
        m,
        `covered-loan-confirm:${bankId}`,
        idempotencyKey,
        { loanId },
        async () => {
          const { loan, districtId, fundId } = await this.book.lockLoan(m, loanId);
          const refusal = confirmRefusal(loan, today);
          if (refusal) throw refuse(refusal);
          // the exposure starts on the day the bank paid out (never after today: confirmRefusal); lockLoan holds the
          // fund's lock
          await this.guarantee.consume(m, {
            loanId,
            idempotencyKey,
            onDate: loan.disbursement_date,
            lockedFundId: fundId,
          });
          const after = await this.book.update(m, loanId, {
            status: 'DISBURSED',
            outstanding_principal_fen: loan.principal_fen,
          });
          await this.book.event(m, loanId, 'DISBURSED', 'APPROVED', 'DISBURSED', null, {
            confirmedOn: today,
          });
          await this.audit.record(m, {
            action: 'COVERED_LOAN_DISBURSED',
            entityType: 'loan',
            entityId: loanId,
            before: coveredLoanView(loan),
            after: coveredLoanView(after),
          });
          await this.breaker.evaluate(m, [districtId], `loan ${loanId} disbursed`);
          return coveredLoanView(after);
        },
      );
      return out;
    });
  }

  async cancel(loanId: string, reason: string, idempotencyKey: string) {
    const bankId = ownBank();
    const today = this.guarantee.today();
    return this.dataSource.transaction(async (m) => {
      const out = await runIdempotent(
        m,
        `covered-loan-cancel:${bankId}`,
        idempotencyKey,
        { loanId, reason },
        async () => {
          const { loan } = await this.book.lockLoan(m, loanId);
          const refusal = cancelRefusal(loan);
          if (refusal) throw refuse(refusal);
          await this.guarantee.void(m, { loanId, idempotencyKey, onDate: today });
          const after = await this.book.update(m, loanId, {
            status: 'CANCELLED',
            status_reason: reason,
            closed_on: today,
          });
          await this.book.event(m, loanId, 'CANCELLED', 'APPROVED', 'CANCELLED', reason, null);
          await this.audit.record(m, {
            action: 'COVERED_LOAN_CANCELLED',
            entityType: 'loan',
            entityId: loanId,
            before: coveredLoanView(loan),
            after: coveredLoanView(after),
          });
          return coveredLoanView(after);
        },
      );
      return out;
    });
  }
}
