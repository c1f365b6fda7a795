import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { Clock, DomainError, RequestContext, type Page, type PageQuery } from '#libs/common';
import { ProductsService } from '#libs/products';
import { frozenSchedule, storedState } from './domain/loan-state.js';
import { replay, type InstallmentState } from './domain/replay.js';
import { replayDate } from './domain/repayment-rules.js';
import { assembleStatement, payoffQuote, type PayoffQuote, type StatementOf } from './domain/statement.js';
import type { RepaymentTerms } from './domain/terms.js';
import { termsOf } from './loan-terms.js';
import { LoanStore, STANDARD_BUCKET_LIMITS_DAYS } from '#libs/loans';
import { asInstallments, foundLoan, isId, type InstallmentRow, type LoanRow } from './store/loan.store.js';
import { RepaymentStore } from './store/repayment.store.js';
import { WriteOffStore } from './store/write-off.store.js';
import { repaymentView, type RepaymentView } from './views.js';

export type { PayoffQuote, StatementInstallment } from './domain/statement.js';

/** A loan's statement, with its repayments as the API shows them. */
export type LoanStatement = StatementOf<RepaymentView>;

/**
 * Loan statements and payoff quotes, read-only. The schedule is shown as of today: the loan is replayed from its
 * frozen schedule and repayments up to today, so penalty accrued since the last close of business is included and
 * the payoff is the amount that closes the loan if paid today.
 */
@Injectable()
export class StatementService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly products: ProductsService,
    private readonly clock: Clock,
    private readonly repayments: RepaymentStore,
    private readonly writeOffs: WriteOffStore,
    private readonly loans: LoanStore,
  ) {}

  private async scoped(m: EntityManager, loanId: string): Promise<LoanRow> {
    const loan = foundLoan(await this.loans.find(m, loanId), loanId);
    const actor = RequestContext.actor();
    // A bank officer sees only the loans of its bank (ARCHITECTURE.md "Auth").
    if (actor?.role === 'BANK_OFFICER' && String(actor.bankId ?? '') !== String(loan.bank_id ?? '')) {
      throw new DomainError('NOT_FOUND', `loan ${loanId} not found`);
    }
    return loan;
  }

  /** The loan's state replayed to `date` (not before its last accrual or payment), with its terms. */
  private async stateAt(
    m: EntityManager,
    loan: LoanRow,
    date: string,
  ): Promise<{
    asOf: string;
    state: InstallmentState[];
    terms: RepaymentTerms | null;
    rows: InstallmentRow[];
  }> {
    const rows = asInstallments(await this.loans.installments(m, loan.id));
    if (!['DISBURSED', 'CLOSED'].includes(loan.status) || !rows.length) {
      // Written off (or never disbursed): the stored rows are the record; nothing accrues any more.
      return { asOf: replayDate(date, loan.aged_as_of, []), state: storedState(rows), terms: null, rows };
    }
    const terms = await termsOf(m, this.products, loan);
    if (loan.channel !== 'MUTUAL_AID') {
      // A bank-held loan is repaid at its bank, which reports the payments onto the instalments: they are the record.
      return { asOf: replayDate(date, loan.aged_as_of, []), state: storedState(rows), terms, rows };
    }
    const payments = await this.repayments.activePayments(m, loan.id);
    const asOf = replayDate(date, loan.aged_as_of, payments);
    return { asOf, state: replay(terms, frozenSchedule(rows), payments, asOf).installments, terms, rows };
  }

  /** What would close the loan on `valueDate` (today by default; never before its last accrual or payment). */
  async payoff(loanId: string, valueDate?: string): Promise<PayoffQuote> {
    const m = this.dataSource.manager;
    const loan = await this.scoped(m, loanId);
    if (loan.status !== 'DISBURSED') {
      throw new DomainError(
        'LOAN_NOT_REPAYABLE',
        `loan ${loan.loan_no} is ${loan.status}: there is nothing to pay off`,
        [{ field: 'loanId', code: 'LOAN_NOT_REPAYABLE', message: `the loan is ${loan.status}` }],
      );
    }
    const { asOf, state, terms } = await this.stateAt(m, loan, valueDate ?? this.clock.today());
    return payoffQuote(loan.id, state, terms!, asOf);
  }

  async statement(loanId: string): Promise<LoanStatement> {
    const m = this.dataSource.manager;
    const loan = await this.scoped(m, loanId);
    const { asOf, state, terms, rows } = await this.stateAt(m, loan, this.clock.today());
    const product = await this.products.getVersion(loan.product_version_id, m);
    const transactions = await this.repayments.ofLoan(m, loan.id);
    const corrections = await this.repayments.adjustmentsOf(m, loan.id);
    const wo = await this.writeOffs.ofLoan(m, loan.id);
    return assembleStatement({
      loan: {
        id: loan.id,
        loanNo: loan.loan_no,
        channel: loan.channel,
        status: loan.status,
        fundId: loan.fund_id,
        householdId: loan.household_id,
        principalFen: BigInt(loan.principal_fen),
        annualRatePercent: loan.annual_rate_percent,
        penaltyRatePercent: loan.penalty_rate_percent,
        method: loan.method,
        disbursementDate: loan.disbursement_date,
        maturityDate: loan.maturity_date,
        closedOn: loan.closed_on,
        daysOverdue: loan.days_overdue,
        arrearsBucket: loan.arrears_bucket,
        disbursementEntryId: loan.disbursement_entry_id,
      },
      asOf,
      state,
      stored: rows.map((r) => ({
        status: r.status,
        originalInterestFen: BigInt(r.original_interest_fen ?? r.interest_fen),
      })),
      terms,
      graceDays: product.graceDays,
      bucketLimitsDays: STANDARD_BUCKET_LIMITS_DAYS,
      transactions: transactions.map(repaymentView),
      corrections,
      writeOff: wo
        ? {
            writtenOffOn: wo.written_off_on,
            principalFen: BigInt(wo.principal_fen),
            recoveredFen: BigInt(wo.recovered_fen),
            reason: wo.reason,
          }
        : null,
    });
  }

  /** A loan's repayments (newest first), paginated; 404 when the loan does not exist. */
  async repaymentsOf(
    loanId: string,
    filter: { status?: string; from?: string; to?: string },
    page: PageQuery,
  ): Promise<Page<RepaymentView>> {
    const m = this.dataSource.manager;
    if (!isId(loanId)) throw new DomainError('NOT_FOUND', `loan ${loanId} not found`);
    await this.scoped(m, loanId);
    const { rows, total } = await this.repayments.list(
      { loanId, status: filter.status, from: filter.from, to: filter.to },
      page,
    );
    return { items: rows.map(repaymentView), page: page.page, pageSize: page.pageSize, total };
  }
}
