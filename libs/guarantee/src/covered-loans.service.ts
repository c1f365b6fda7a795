import type { EntityManager } from 'typeorm';
import { Injectable } from '@nestjs/common';
import type { PageQuery } from '#libs/common';
import { CoveredLoanBook } from './covered-loan-book.service.js';
import type { BulkReportRowDto, RegisterCoveredLoanDto } from './covered-dto.js';
import { CoveredLoanRegistration } from './covered-loans.registration.service.js';
import { CoveredLoanReports } from './covered-loans.reports.service.js';
import type { RepaymentReport, StatusReport } from './domain/covered-loans.js';
import type { CoveredLoanFilter } from './store/covered-loans.store.js';

/**
 * Bank loans under a district guarantee fund (SPEC §2.2): registration with every rule checked at once, the
 * bank's confirmation or cancellation, and the repayments and overdue status the bank reports. The exposure memo
 * ledger follows every step through `GuaranteeService`; the district's circuit breaker is re-decided after every
 * change to its covered book. One use case per service (registration, reports, the book they share); this is
 * the library's one entry to them.
 *
 * Lock order, everywhere: risk fund → loan → cover (in GuaranteeService) → ledger accounts.
 */
@Injectable()
export class CoveredLoansService {
  constructor(
    private readonly registration: CoveredLoanRegistration,
    private readonly reports: CoveredLoanReports,
    private readonly book: CoveredLoanBook,
  ) {}

  register(input: RegisterCoveredLoanDto, idempotencyKey: string, manager?: EntityManager) {
    return this.registration.register(input, idempotencyKey, manager);
  }

  confirmDisbursement(loanId: string, idempotencyKey: string) {
    return this.registration.confirmDisbursement(loanId, idempotencyKey);
  }

  cancel(loanId: string, reason: string, idempotencyKey: string) {
    return this.registration.cancel(loanId, reason, idempotencyKey);
  }

  reportRepayment(loanId: string, report: RepaymentReport, idempotencyKey: string) {
    return this.reports.reportRepayment(loanId, report, idempotencyKey);
  }

  reportStatus(loanId: string, report: StatusReport, idempotencyKey: string) {
    return this.reports.reportStatus(loanId, report, idempotencyKey);
  }

  reportBulk(rows: BulkReportRowDto[], idempotencyKey: string) {
    return this.reports.reportBulk(rows, idempotencyKey);
  }

  get(loanId: string) {
    return this.book.get(loanId);
  }

  list(filter: CoveredLoanFilter, page: PageQuery) {
    return this.book.list(filter, page);
  }
}
