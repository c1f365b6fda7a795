import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import {
  Clock,
  DomainError,
  offsetOf,
  queryRows,
  RequestContext,
  type Page,
  type PageQuery,
} from '#libs/common';
import { formatYuan, type Fen } from '#libs/money';
import { ProductsService } from '#libs/products';
import { payoffAmount } from '#libs/schedules';
import { daysFrom, maxDate } from './domain/dates.js';
import { bucketOf, daysOverdueOf, payoffOf, replay, type InstallmentState } from './domain/replay.js';
import type { RepaymentTerms } from './domain/terms.js';
import {
  activePayments,
  frozenSchedule,
  isId,
  loadInstallments,
  requireLoan,
  storedState,
  termsOf,
  type InstallmentRow,
  type LoanRow,
} from './loan-store.js';
import { REPAYMENT_SELECT, repaymentView, type RepaymentRow, type RepaymentView } from './views.js';

export interface PayoffQuote {
  loanId: string;
  valueDate: string;
  principal: string;
  interestDue: string;
  interestAccrued: string;
  penalty: string;
  total: string;
}

export interface StatementInstallment {
  number: number;
  periodStart: string;
  dueDate: string;
  status: string;
  scheduled: {
    principal: string;
    interest: string;
    originalInterest: string;
    penalty: string;
    total: string;
  };
  paid: { principal: string; interest: string; penalty: string; total: string };
  outstanding: { principal: string; interest: string; penalty: string; total: string };
  daysOverdue: number;
  overdueSince: string | null;
  paidOn: string | null;
  interestPaidOn: string | null;
  /** Paid in full on or before due date + grace days (null while unpaid and not yet late). */
  paidOnTime: boolean | null;
}

export interface LoanStatement {
  loan: {
    id: string;
    loanNo: string;
    channel: string;
    status: string;
    fundId: string | null;
    householdId: string | null;
    principal: string;
    annualRatePercent: string | null;
    penaltyRatePercent: string | null;
    method: string;
    disbursementDate: string | null;
    maturityDate: string | null;
    closedOn: string | null;
  };
  asOf: string;
  installments: StatementInstallment[];
  balances: {
    principalOutstanding: string;
    interestDue: string;
    penaltyDue: string;
    overdueTotal: string;
    paidPrincipal: string;
    paidInterest: string;
    paidPenalty: string;
    /** Principal, interest and penalty still scheduled or charged and not paid, due or not. */
    remainingScheduled: string;
  };
  daysOverdue: number;
  arrearsBucket: string;
  /** What closes the loan today (null once it is closed or written off). */
  payoffToday: PayoffQuote | null;
  transactions: RepaymentView[];
  corrections: {
    id: string;
    cause: string;
    causeRepaymentId: string;
    entryId: string | null;
    businessDate: string;
    createdBy: string;
  }[];
  disbursementEntryId: string | null;
  writeOff: { writtenOffOn: string; principal: string; recovered: string; reason: string } | null;
}

const y = (v: Fen) => formatYuan(v);

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
  ) {}

  private async scoped(m: EntityManager, loanId: string): Promise<LoanRow> {
    const loan = await requireLoan(m, loanId);
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
    const rows = await loadInstallments(m, loan.id);
    if (!['DISBURSED', 'CLOSED'].includes(loan.status) || !rows.length) {
      // Written off (or never disbursed): the stored rows are the record; nothing accrues any more.
      return { asOf: maxDate(date, loan.aged_as_of ?? date), state: storedState(rows), terms: null, rows };
    }
    const terms = await termsOf(m, this.products, loan);
    if (loan.channel !== 'MUTUAL_AID') {
      // A bank-held loan is repaid at its bank, which reports the payments onto the instalments: they are the record.
      return { asOf: maxDate(date, loan.aged_as_of ?? date), state: storedState(rows), terms, rows };
    }
    const payments = await activePayments(m, loan.id);
    const asOf = payments.reduce((d, p) => maxDate(d, p.valueDate), maxDate(date, loan.aged_as_of ?? date));
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
    return quote(loan.id, state, terms!, asOf);
  }

  async statement(loanId: string): Promise<LoanStatement> {
    const m = this.dataSource.manager;
    const loan = await this.scoped(m, loanId);
    const today = this.clock.today();
    const { asOf, state, terms, rows } = await this.stateAt(m, loan, today);
    const [graceRow] = await queryRows<{ grace_days: number }>(
      m,
      `SELECT grace_days FROM product_versions WHERE id = $1`,
      [loan.product_version_id],
    );
    const grace = graceRow?.grace_days ?? 0;
    const writtenOff = loan.status === 'WRITTEN_OFF';
    const installments = state.map((i, k): StatementInstallment => {
      const unpaidP = i.principalFen - i.paidPrincipalFen;
      const unpaidI = i.interestFen - i.paidInterestFen;
      const unpaidPen = i.penaltyFen - i.paidPenaltyFen;
      const lateNow = daysFrom(i.dueDate, asOf) > grace;
      return {
        number: i.number,
        periodStart: i.periodStart,
        dueDate: i.dueDate,
        status: writtenOff ? rows[k].status : i.status,
        scheduled: {
          principal: y(i.principalFen),
          interest: y(i.interestFen),
          originalInterest: y(BigInt(rows[k].original_interest_fen ?? rows[k].interest_fen)),
          penalty: y(i.penaltyFen),
          total: y(i.principalFen + i.interestFen + i.penaltyFen),
        },
        paid: {
          principal: y(i.paidPrincipalFen),
          interest: y(i.paidInterestFen),
          penalty: y(i.paidPenaltyFen),
          total: y(i.paidPrincipalFen + i.paidInterestFen + i.paidPenaltyFen),
        },
        outstanding: {
          principal: y(unpaidP),
          interest: y(unpaidI),
          penalty: y(unpaidPen),
          total: y(unpaidP + unpaidI + unpaidPen),
        },
        daysOverdue: i.status === 'OVERDUE' && !writtenOff ? daysFrom(i.dueDate, asOf) : 0,
        overdueSince: i.overdueSince,
        paidOn: i.paidOn,
        interestPaidOn: i.interestPaidOn,
        paidOnTime: i.paidOn !== null ? daysFrom(i.dueDate, i.paidOn) <= grace : lateNow ? false : null,
      };
    });
    let principal = 0n;
    let interestDue = 0n;
    let penaltyDue = 0n;
    let overdue = 0n;
    let remaining = 0n;
    const paid = { p: 0n, i: 0n, pen: 0n };
    for (const i of state) {
      const up = i.principalFen - i.paidPrincipalFen;
      const ui = i.interestFen - i.paidInterestFen;
      const upen = i.penaltyFen - i.paidPenaltyFen;
      if (!writtenOff) principal += up;
      if (i.dueDate <= asOf) interestDue += ui;
      penaltyDue += upen;
      if (i.status === 'OVERDUE') overdue += up + ui + upen;
      remaining += up + ui + upen;
      paid.p += i.paidPrincipalFen;
      paid.i += i.paidInterestFen;
      paid.pen += i.paidPenaltyFen;
    }
    const days = writtenOff ? loan.days_overdue : daysOverdueOf(state, asOf);
    const transactions = await queryRows<RepaymentRow>(
      m,
      `${REPAYMENT_SELECT} WHERE r.loan_id = $1 ORDER BY r.value_date, r.id`,
      [loan.id],
    );
    const corrections = await queryRows<LoanStatement['corrections'][number]>(
      m,
      `SELECT id::text, cause, cause_repayment_id::text AS "causeRepaymentId", entry_id::text AS "entryId",
              business_date AS "businessDate", created_by AS "createdBy"
         FROM repayment_adjustments WHERE loan_id = $1 ORDER BY repayment_adjustments.id`,
      [loan.id],
    );
    const [wo] = await queryRows<{
      written_off_on: string;
      principal_fen: string;
      recovered_fen: string;
      reason: string;
    }>(
      m,
      `SELECT written_off_on, principal_fen::text, recovered_fen::text, reason FROM write_offs WHERE loan_id = $1`,
      [loan.id],
    );
    return {
      loan: {
        id: loan.id,
        loanNo: loan.loan_no,
        channel: loan.channel,
        status: loan.status,
        fundId: loan.fund_id,
        householdId: loan.household_id,
        principal: y(BigInt(loan.principal_fen)),
        annualRatePercent: loan.annual_rate_percent,
        penaltyRatePercent: terms?.penaltyRatePercent ?? loan.penalty_rate_percent,
        method: loan.method,
        disbursementDate: loan.disbursement_date,
        maturityDate: loan.maturity_date,
        closedOn: loan.closed_on,
      },
      asOf,
      installments,
      balances: {
        principalOutstanding: y(principal),
        interestDue: y(interestDue),
        penaltyDue: y(penaltyDue),
        overdueTotal: y(overdue),
        paidPrincipal: y(paid.p),
        paidInterest: y(paid.i),
        paidPenalty: y(paid.pen),
        remainingScheduled: y(remaining),
      },
      daysOverdue: days,
      arrearsBucket: writtenOff ? loan.arrears_bucket : bucketOf(days),
      payoffToday: loan.status === 'DISBURSED' && terms ? quote(loan.id, state, terms, asOf) : null,
      transactions: transactions.map(repaymentView),
      corrections,
      disbursementEntryId: loan.disbursement_entry_id,
      writeOff: wo
        ? {
            writtenOffOn: wo.written_off_on,
            principal: y(BigInt(wo.principal_fen)),
            recovered: y(BigInt(wo.recovered_fen)),
            reason: wo.reason,
          }
        : null,
    };
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
    const where = ['r.loan_id = $1'];
    const params: unknown[] = [loanId];
    if (filter.status) where.push(`r.status = $${params.push(filter.status)}`);
    if (filter.from) where.push(`r.value_date >= $${params.push(filter.from)}`);
    if (filter.to) where.push(`r.value_date <= $${params.push(filter.to)}`);
    const clause = where.join(' AND ');
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM repayments r WHERE ${clause}`,
      params,
    );
    const rows = await queryRows<RepaymentRow>(
      m,
      `${REPAYMENT_SELECT} WHERE ${clause} ORDER BY r.value_date DESC, r.id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { items: rows.map(repaymentView), page: page.page, pageSize: page.pageSize, total };
  }
}

function quote(loanId: string, state: InstallmentState[], terms: RepaymentTerms, date: string): PayoffQuote {
  const p = payoffAmount(
    {
      rounding: terms.rounding,
      installments: state.map((i) => ({
        number: i.number,
        periodStart: i.periodStart,
        dueDate: i.dueDate,
        days: i.days,
        principalFen: i.principalFen,
        interestFen: i.interestFen,
        paidPrincipalFen: i.paidPrincipalFen,
        paidInterestFen: i.paidInterestFen,
      })),
    },
    date,
  );
  const total = payoffOf(state, terms, date);
  return {
    loanId,
    valueDate: date,
    principal: y(p.principalFen),
    interestDue: y(p.dueInterestFen),
    interestAccrued: y(p.accruedInterestFen),
    penalty: y(total - p.totalFen),
    total: y(total),
  };
}
