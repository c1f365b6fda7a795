import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { DomainError, RequestContext, runIdempotent, SYSTEM_ACTOR, transaction } from '#libs/common';
import { FundsService } from '#libs/funds';
import { LedgerService } from '#libs/ledger';
import { LoanStore } from '#libs/loans';
import { formatYuan } from '#libs/money';
import { installmentCount, ProductsService, type Frequency } from '#libs/products';
import { isBusinessDate, SchedulesService, type ScheduleRequest } from '#libs/schedules';
import { disbursementRefusalCode } from './domain/eligibility.js';
import { decide, isRefusal } from './domain/workflow.js';
import { ApplicationsService, refusalError, SetBuilder } from './applications.service.js';
import { EligibilityService } from './eligibility.service.js';
import { OriginationService, type LoanDetail } from './origination.service.js';
import { workflowFacts } from './domain/loan-record.js';

export interface DisburseInput {
  /** The business date of the payout (YYYY-MM-DD); today in Asia/Shanghai when left out, never after today. */
  businessDate?: string;
}

/** Idempotency scope of disbursements (the Idempotency-Key header is unique within it). */
export const DISBURSE_SCOPE = 'loan:disburse';
/** The journal entry key of a loan's disbursement: derived from the loan, so it can be posted once only. */
export const disbursementEntryKey = (loanId: string) => `disburse:loan:${loanId}`;

/**
 * Pays a mutual-aid loan out of its fund (SPEC §2.1). One transaction, in this order:
 * 1. the Idempotency-Key row (a retry waits for the first attempt and returns its response);
 * 2. the fund row lock FIRST (FundsService.lockFund), then the loan row: the order every operation that spends
 *    the fund's cash follows, so concurrent disbursements of one fund run one after the other and never deadlock;
 * 3. under the locks: the workflow step (approved, notice ended on the business date), every eligibility rule
 *    again with the cash and lending-cap headroom as the lock shows them;
 * 4. the contract rate in force on the business date, the schedule from the schedule engine frozen into
 *    loan_installments, the loan's contract fields, the ledger entry LOANS ↑ / CASH ↓ (code LOAN_DISBURSEMENT,
 *    entry key derived from the loan id), the loan events and the audit row.
 * The CASH account is bounded (no_negative) as a backstop: even a wrong check here could not overdraw it.
 */
@Injectable()
export class DisbursementService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly origination: OriginationService,
    private readonly applications: ApplicationsService,
    private readonly eligibility: EligibilityService,
    private readonly funds: FundsService,
    private readonly products: ProductsService,
    private readonly schedules: SchedulesService,
    private readonly ledger: LedgerService,
    private readonly loans: LoanStore,
  ) {}

  async disburse(loanId: string, input: DisburseInput, idempotencyKey: string): Promise<LoanDetail> {
    const today = this.origination.today();
    const businessDate = input.businessDate ?? today;
    if (!isBusinessDate(businessDate)) {
      throw badDate('businessDate must be a calendar date written YYYY-MM-DD');
    }
    if (businessDate > today) throw badDate(`businessDate may not be after today's business date ${today}`);

    const { result } = await transaction(this.dataSource, (m) =>
      runIdempotent(
        m,
        DISBURSE_SCOPE,
        idempotencyKey,
        { loanId, businessDate: input.businessDate ?? null },
        async () => {
          const head = await this.loans.find(m, loanId);
          if (!head) throw new DomainError('NOT_FOUND', `loan ${loanId} not found`);
          if (!head.fund_id) {
            throw refusalError({
              code: 'LOAN_INVALID_TRANSITION',
              message: `loan ${loanId} is not a mutual-aid loan: its fund does not pay it out`,
            });
          }
          const fund = await this.funds.lockFund(m, head.fund_id);
          const loan = await this.origination.lockLoan(m, loanId);
          if (loan.fundId !== fund.id) {
            // Only a draft can change its fund, and a draft is refused below anyway; never pay from a fund not locked.
            throw refusalError({
              code: 'LOAN_INVALID_TRANSITION',
              message: `loan ${loanId} changed fund while being disbursed`,
            });
          }
          // Money never leaves before the decision to lend it: not before the (last) approval's business date.
          const earliest = loan.approvedOn ?? loan.applicationDate;
          if (earliest && businessDate < earliest) {
            throw badDate(`businessDate may not be before the loan was approved (${earliest})`);
          }
          const actor = (RequestContext.actor() ?? SYSTEM_ACTOR).username;
          const t = decide('DISBURSE', workflowFacts(loan, fund.rules), actor, businessDate);
          if (isRefusal(t)) throw refusalError(t);

          const position = await this.funds.position(m, fund.id);
          const check = await this.eligibility.evaluate(m, loan, today, { fund, position });
          if (!check.eligible) {
            const code = disbursementRefusalCode(check.failures);
            throw new DomainError(
              code,
              `disbursement of ${loan.loanNo} refused: ${check.failures.map((f) => f.message).join('; ')}`,
              check.failures,
              { cash: formatYuan(position.cashFen), capHeadroom: formatYuan(position.capHeadroomFen) },
            );
          }

          const rate = await this.products.contractRate(check.terms, loan.termMonths, businessDate, m);
          const frequency = loan.frequency as Frequency;
          const count = installmentCount(frequency, loan.termMonths);
          if (count === null) {
            // Eligibility refuses such a term (TERM_NOT_WHOLE_PERIODS); reaching here means the rules disagree.
            throw new DomainError(
              'SCHEDULE_TERMS_INVALID',
              `a ${frequency} loan of ${loan.termMonths} months has no whole periods`,
            );
          }
          const schedule = this.schedules.generate({
            principalFen: loan.principalFen,
            annualRatePercent: rate.annualRatePercent,
            numberOfInstallments: count,
            frequency,
            termMonths: loan.termMonths,
            method: loan.method as ScheduleRequest['method'],
            dayCount: loan.dayCount as ScheduleRequest['dayCount'],
            disbursementDate: businessDate,
            rounding: loan.rounding as ScheduleRequest['rounding'],
            installmentMultipleFen: loan.installmentMultipleFen,
            principalGraceInstallments: 0,
          });
          const inst = schedule.installments;

          const entry = await this.ledger.post(m, {
            idempotencyKey: disbursementEntryKey(loan.id),
            code: 'LOAN_DISBURSEMENT',
            valueDate: businessDate,
            memo: `disbursement of mutual-aid loan ${loan.loanNo}`,
            lines: [
              { account: fund.accounts.loans, side: 'DEBIT', amountFen: loan.principalFen },
              { account: fund.accounts.cash, side: 'CREDIT', amountFen: loan.principalFen },
            ],
          });
          if (entry.replayed) {
            // The loan row says it was not disbursed, yet its entry exists: refuse rather than pay twice.
            throw new DomainError('CONFLICT', `the disbursement entry of loan ${loan.id} already exists`);
          }

          await this.loans.insertSchedule(m, loan.id, inst);
          const sets = new SetBuilder(loan.id, t.to);
          sets.set('annual_rate_percent', rate.annualRatePercent);
          sets.set('benchmark_rate_percent', rate.benchmarkRatePercent);
          sets.set('penalty_rate_percent', rate.penaltyRatePercent);
          sets.set('contract_date', businessDate);
          sets.set('disbursement_date', businessDate);
          sets.set('maturity_date', inst[inst.length - 1].dueDate);
          sets.set('outstanding_principal_fen', loan.principalFen.toString());
          sets.set('disbursement_entry_id', entry.entryId);
          await this.applications.apply(m, loan, 'DISBURSE', t, sets, null, {
            businessDate,
            entryId: entry.entryId,
            annualRatePercent: rate.annualRatePercent,
            installments: inst.length,
            totalInterest: formatYuan(schedule.totals.interestFen),
          });
          return this.origination.detail(loan.id, RequestContext.actor(), m);
        },
      ),
    );
    return result;
  }
}

function badDate(message: string): DomainError {
  return new DomainError('VALIDATION_FAILED', message, [
    { field: 'businessDate', code: 'isBusinessDate', message },
  ]);
}
