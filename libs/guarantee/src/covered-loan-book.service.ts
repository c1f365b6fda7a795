import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DomainError, together, type Page, type PageQuery } from '#libs/common';
import { LoanStore, type LoanPatch } from '#libs/loans';
import { actorName, assertOwnBank, scopedBankId } from './bank-scope.js';
import {
  asCoveredLoan,
  coveredLoanDetail,
  coveredLoanView,
  type CoveredLoanRow,
  type CoveredLoanView,
} from './domain/covered-loans.js';
import type { AgreementRow } from './store/agreements.store.js';
import { CoveredLoansStore, type CoveredLoanFilter } from './store/covered-loans.store.js';
import { GuaranteeService } from './guarantee.service.js';

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
    const unlocked = await this.find(m, loanId);
    if (!unlocked) throw new DomainError('NOT_FOUND', `covered loan ${loanId} not found`);
    assertOwnBank(unlocked.bank_id, 'covered loan', loanId);
    const agreement = await this.guarantee.agreementRow(m, unlocked.agreement_id);
    // the two locks in one round trip, in that order (together)
    const [fund, locked] = await together(m, [
      () => this.guarantee.lockFund(m, agreement.risk_fund_id),
      () => this.find(m, loanId, true),
    ]);
    const loan = locked!;
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
