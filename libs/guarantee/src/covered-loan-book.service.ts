import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DomainError, together, type Page, type PageQuery } from '#libs/common';
import { isLoanId, LoanStore, type LoanPatch, type LoanRow } from '#libs/loans';
import { actorName, assertOwnBank, scopedBankId } from './bank-scope.js';
import {
  asCoveredLoan,
  coveredLoanDetail,
  coveredLoanView,
  type CoveredLoanRow,
  type CoveredLoanView,
} from './domain/covered-loans.js';
import type { LockedFund } from './domain/covers.js';
import type { AgreementRow } from './store/agreements.store.js';
import { CoveredLoansStore, type CoveredLoanFilter } from './store/covered-loans.store.js';
import { GuaranteeService } from './guarantee.service.js';

/** What `lockRows` locked and read (each undefined when there is none). */
export interface LockedRows {
  fund?: LockedFund;
  agreement?: AgreementRow;
  loan?: LoanRow;
}

export interface LockedCoveredLoan {
  loan: CoveredLoanRow;
  agreement: AgreementRow;
  districtId: string;
  nplOverdueDays: number;
  fundId: string;
}

/**
 * The covered loans as guarantee keeps them: read, locked in the library's order, changed and given events, all
 * through libs/loans (which owns the loan tables). Registration, the bank's reports and compensation share it.
 */
@Injectable()
export class CoveredLoanBook {
  constructor(
    private readonly loans: LoanStore,
    private readonly store: CoveredLoansStore,
    private readonly guarantee: GuaranteeService,
  ) {}

  /** A covered loan (undefined when there is none, or the loan is of the mutual-aid channel). */
  async find(m: EntityManager | null, loanId: string, lock = false): Promise<CoveredLoanRow | undefined> {
    const row = lock ? await this.loans.lock(m!, loanId) : await this.loans.find(m, loanId);
    return row && row.channel === 'BANK_COVERED' ? asCoveredLoan(row) : undefined;
  }

  /**
   * Locks in the fixed order: the loan's risk fund first, then the loan. A bank's actor asking for another bank's
   * loan gets the same 404 as for a loan that does not exist.
   */
  async lockLoan(m: EntityManager, loanId: string): Promise<LockedCoveredLoan> {
    return this.checkLocked(loanId, await this.lockRows(m, loanId));
  }

  /**
   * `lockLoan`'s statements, in one round trip, without its refusals (`checkLocked` decides them): the loan's risk
   * fund locked, found from the loan in the statement (its agreement's fund; for a bank's actor, only a loan of its
   * own, so no other bank's fund is ever locked), the loan's agreement read, then the loan locked, in that order (the
   * fixed order: fund, then loan; neither is locked for another bank's loan or a mutual-aid loan). Sends before it
   * returns, so it can be a step of a caller's `together`, such as runIdempotent's `alongside` (a refusal there would
   * answer ahead of the idempotency key's own). An id that cannot be a loan's sends nothing. A loan refused afterwards
   * leaves its locks to the transaction's rollback.
   */
  lockRows(m: EntityManager, loanId: string): Promise<LockedRows> {
    if (!isLoanId(loanId)) return Promise.resolve({});
    return together(m, [
      () => this.guarantee.lockFundOfLoan(m, loanId, scopedBankId()),
      () => this.guarantee.agreementOfLoan(m, loanId),
      () => this.loans.lockCovered(m, loanId, scopedBankId()),
    ]).then(([fund, agreement, loan]) => ({ fund, agreement, loan }));
  }

  /**
   * The refusals of `lockLoan` on what `lockRows` answered, in its order: no such covered loan (or another bank's),
   * then its agreement, then its fund.
   */
  checkLocked(loanId: string, rows: LockedRows): LockedCoveredLoan {
    const loan = rows.loan?.channel === 'BANK_COVERED' ? asCoveredLoan(rows.loan) : undefined;
    if (!loan) throw new DomainError('NOT_FOUND', `covered loan ${loanId} not found`);
    assertOwnBank(loan.bank_id, 'covered loan', loanId);
    const { agreement, fund } = rows;
    if (!agreement) throw new DomainError('NOT_FOUND', `guarantee agreement ${loan.agreement_id} not found`);
    if (!fund) throw new DomainError('NOT_FOUND', `risk fund ${agreement.risk_fund_id} not found`);
    return {
      loan,
      agreement,
      districtId: fund.districtId,
      nplOverdueDays: fund.nplOverdueDays,
      fundId: fund.id,
    };
  }

  /** Writes the named columns (version and updated_at move on) and answers the loan after it. */
  async update(m: EntityManager, loanId: string, patch: LoanPatch): Promise<CoveredLoanRow> {
    return asCoveredLoan(await this.loans.update(m, loanId, patch));
  }

  async event(
    m: EntityManager,
    loanId: string,
    event: string,
    from: string | null,
    to: string | null,
    reason: string | null,
    data: unknown,
  ): Promise<void> {
    await this.loans.recordEvent(m, {
      loanId,
      event,
      fromStatus: from,
      toStatus: to,
      actor: actorName(),
      reason,
      data,
      keepEmptyData: true,
    });
  }

  async get(loanId: string) {
    const row = await this.find(null, loanId);
    if (!row) throw new DomainError('NOT_FOUND', `covered loan ${loanId} not found`);
    assertOwnBank(row.bank_id, 'covered loan', loanId);
    const installments = await this.loans.installments(null, loanId);
    return coveredLoanDetail(row, await this.guarantee.cover(null, loanId), installments);
  }

  async list(filter: CoveredLoanFilter, page: PageQuery): Promise<Page<CoveredLoanView>> {
    const { rows, total } = await this.store.page(filter, scopedBankId(), page);
    return {
      items: rows.map((r) => coveredLoanView(asCoveredLoan(r))),
      page: page.page,
      pageSize: page.pageSize,
      total,
    };
  }
}
