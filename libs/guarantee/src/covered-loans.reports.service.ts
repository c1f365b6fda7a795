import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import { DomainError, ERROR_STATUS, runIdempotent, together, transaction } from '#libs/common';
import { ageingOf, LoanStore, STANDARD_BUCKET_LIMITS_DAYS } from '#libs/loans';
import { yuan } from '#libs/money';
import { skipPaidReminders } from '#libs/reminders';
import { actorName } from './bank-scope.js';
import { BreakerService } from './breaker.service.js';
import { CoveredLoanBook, type LockedRows } from './covered-loan-book.service.js';
import type { BulkReportRowDto } from './covered-dto.js';
import { ownBank } from './covered-loans.registration.service.js';
import {
  afterRepayment,
  allocateToInstallments,
  bulkSummary,
  coveredLoanView,
  installmentDues,
  repaymentAudit,
  repaymentEvent,
  repaymentRefusal,
  statusEffect,
  statusRecords,
  statusRefusal,
  statusUpdate,
  type BulkRowResult,
  type CoveredLoanView,
  type RepaymentReport,
  type StatusReport,
} from './domain/covered-loans.js';
import type { Refusal } from './domain/covers.js';
import { GuaranteeService } from './guarantee.service.js';
import { CoveredLoansStore } from './store/covered-loans.store.js';
import { CoversStore } from './store/covers.store.js';

const refuse = (r: Refusal): DomainError => new DomainError(r.code, r.detail, r.errors);

/**
 * What a bank reports on its covered loans: repayments (the exposure follows the principal exactly) and overdue
 * status (the basis the close of business ages the loan from). Every report re-decides the district's breaker.
 */
@Injectable()
export class CoveredLoanReports {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly guarantee: GuaranteeService,
    private readonly breaker: BreakerService,
    private readonly audit: AuditService,
    private readonly loans: LoanStore,
    private readonly book: CoveredLoanBook,
    private readonly store: CoveredLoansStore,
    private readonly covers: CoversStore,
  ) {}

  async reportRepayment(loanId: string, report: RepaymentReport, idempotencyKey: string) {
    const bankId = ownBank();
    // BEGIN goes out with the idempotency claim and the loan's locks (one round trip for the three)
    return transaction(this.dataSource, (m) =>
      runIdempotent(
        m,
        `covered-report:${bankId}`,
        idempotencyKey,
        { loanId, kind: 'REPAYMENT', ...report },
        (locked) => this.repaymentIn(m, bankId, loanId, report, idempotencyKey, locked),
        () => this.book.lockRows(m, loanId),
      ),
    );
  }

  async reportStatus(loanId: string, report: StatusReport, idempotencyKey: string) {
    const bankId = ownBank();
    return transaction(this.dataSource, (m) =>
      runIdempotent(
        m,
        `covered-report:${bankId}`,
        idempotencyKey,
        { loanId, kind: 'STATUS', ...report },
        (locked) => this.statusIn(m, bankId, loanId, report, idempotencyKey, locked),
        () => this.book.lockRows(m, loanId),
      ),
    );
  }

  /**
   * Bulk reports: one transaction per row (a bad row fails alone and the others still commit), each row
   * idempotent under `<Idempotency-Key>#<row>`, so a retried batch applies only the rows that did not commit.
   */
  async reportBulk(rows: BulkReportRowDto[], idempotencyKey: string) {
    const bankId = ownBank();
    const results: BulkRowResult[] = [];
    for (const [i, row] of rows.entries()) {
      const rowKey = `${idempotencyKey}#${i + 1}`;
      const base = { row: i + 1, bankLoanRef: row.bankLoanRef, kind: row.kind };
      try {
        // BEGIN with the row's loan lookup, COMMIT with its appends and stored response (transaction)
        const out = await transaction(this.dataSource, (m) => this.bulkRowIn(m, bankId, row, rowKey));
        results.push({ ...base, outcome: out.replayed ? 'REPLAYED' : 'APPLIED', loan: out.result });
      } catch (e) {
        if (!(e instanceof DomainError)) throw e;
        results.push({
          ...base,
          outcome: 'FAILED',
          error: { code: e.code, status: ERROR_STATUS[e.code], detail: e.detail, errors: e.errors },
        });
      }
    }
    return bulkSummary(results);
  }

  private async bulkRowIn(m: EntityManager, bankId: string, row: BulkReportRowDto, rowKey: string) {
    const l = await this.loans.findByBankRef(m, bankId, row.bankLoanRef);
    if (!l) {
      throw new DomainError('NOT_FOUND', `loan ${row.bankLoanRef} not found`, [
        {
          field: 'bankLoanRef',
          code: 'NOT_FOUND',
          message: 'no covered loan of this bank has this reference',
        },
      ]);
    }
    if (row.kind === 'REPAYMENT') {
      const report = {
        paidOn: row.paidOn!,
        principalFen: yuan(row.principal!),
        interestFen: row.interest ? yuan(row.interest) : 0n,
      };
      return runIdempotent(
        m,
        `covered-report:${bankId}`,
        rowKey,
        { loanId: l.id, kind: 'REPAYMENT', ...report },
        (locked) => this.repaymentIn(m, bankId, l.id, report, rowKey, locked),
        () => this.book.lockRows(m, l.id),
      );
    }
    const report = {
      asOf: row.asOf!,
      daysOverdue: row.daysOverdue!,
      recoveryExhausted: row.recoveryExhausted,
    };
    return runIdempotent(
      m,
      `covered-report:${bankId}`,
      rowKey,
      { loanId: l.id, kind: 'STATUS', ...report },
      (locked) => this.statusIn(m, bankId, l.id, report, rowKey, locked),
      () => this.book.lockRows(m, l.id),
    );
  }

  /**
   * A repayment report in five round trips, four of them under the district fund's lock (which every report of the
   * district waits for): BEGIN, the idempotency claim and the locks (runIdempotent's alongside: `locked`); the cover's
   * lock and what its release reads with the instalments the report settles; the loan's rows with the release's
   * posting, the cover's rows and the report's behind it; the breaker's reads; the appends and the stored response
   * with COMMIT.
   */
  private async repaymentIn(
    m: EntityManager,
    bankId: string,
    loanId: string,
    r: RepaymentReport,
    key: string,
    locked: LockedRows,
  ): Promise<CoveredLoanView> {
    const today = this.guarantee.today();
    // the district fund, then the loan, locked with the idempotency claim (a refusal here leaves them to the rollback)
    const { loan, districtId, fundId } = this.book.checkLocked(loanId, locked);
    const refusal = repaymentRefusal(loan, r, today);
    if (refusal) throw refuse(refusal);
    // exposure follows the principal exactly: the cover's backing shrinks to ⌈outstanding / multiple⌉
    const release = {
      loanId,
      amountFen: r.principalFen,
      idempotencyKey: `report:${bankId}:${key}`,
      // the exposure falls on the day the borrower paid (never after today, never before the payout)
      onDate: r.paidOn,
    };
    // One round trip, in the lock order after the fund and the loan: the cover locked with what its release reads
    // (none without principal), then the frozen instalments the report settles (oldest first), locked by number.
    const [reading, open] = await together(m, [
      () =>
        r.principalFen > 0n ? this.guarantee.readRelease(m, release, fundId) : Promise.resolve(undefined),
      () => this.loans.installments(m, loanId, { lock: true, unpaidOnly: true }),
    ]);
    const released = reading && (await this.guarantee.releasing(m, release, reading));
    const payments = allocateToInstallments(installmentDues(open), r);
    const next = afterRepayment(loan, r);
    const report = (coverEntry: string | { key: string } | null) =>
      this.store.insertReport(m, {
        kind: 'REPAYMENT',
        loanId,
        bankId,
        asOf: r.paidOn,
        principalFen: r.principalFen,
        interestFen: r.interestFen,
        coverEntry,
        key: `${bankId}:${key}`,
        actor: actorName(),
      });
    // A release already done under this key (its event exists; in practice the request's own key replays first)
    // posts nothing: the report names the entry that release posted, found by the event's key
    const replayedEntry =
      reading && released && 'replayed' in released ? await this.covers.eventEntryId(m, reading.key) : null;
    // One round trip: the instalments' payments and their reminders (no longer sent: SKIPPED_PAID in this
    // transaction), the loan row, then the release's posting as the last step with the cover's row and event and the
    // report right behind it, naming the entry by its idempotency key (the report alone when nothing is released).
    const [, , row] = await together(m, [
      () => this.loans.addInstallmentPayments(m, payments, r.paidOn),
      () =>
        skipPaidReminders(
          m,
          payments.map((p) => p.installmentId),
        ),
      () => this.book.update(m, loanId, next.patch),
      () =>
        released && !('replayed' in released)
          ? released.send(() => report({ key: released.entryKey }))
          : report(replayedEntry),
    ]);
    const ev = repaymentEvent(r, next.closed);
    await this.book.event(m, loanId, ev.event, loan.status, row.status, null, ev.data);
    await this.audit.record(m, {
      action: 'COVERED_REPAYMENT_REPORTED',
      entityType: 'loan',
      entityId: loanId,
      ...repaymentAudit(loan, row, r, next.outstandingFen),
    });
    // the breaker's reads after the posting has been answered (a back-dated or retried posting applies later)
    await this.breaker.evaluate(m, [districtId], `repayment on loan ${loanId}`);
    return coveredLoanView(row);
  }

  /**
   * A status report in three round trips: BEGIN, the idempotency claim and the locks; the loan row and the report
   * with the breaker's reads behind them (they see the new status); the appends, the breaker's record and the stored
   * response with COMMIT.
   */
  private async statusIn(
    m: EntityManager,
    bankId: string,
    loanId: string,
    r: StatusReport,
    key: string,
    locked: LockedRows,
  ): Promise<CoveredLoanView> {
    const today = this.guarantee.today();
    const { loan, districtId, nplOverdueDays } = this.book.checkLocked(loanId, locked);
    const refusal = statusRefusal(loan, r, today);
    if (refusal) throw refuse(refusal);
    // Non-performing uses the same line as the breaker: more than the fund's npl_overdue_days overdue.
    const { superseded, flags } = statusEffect(loan, r);
    const ageing = ageingOf(r.daysOverdue, { bucketLimitsDays: STANDARD_BUCKET_LIMITS_DAYS, nplOverdueDays });
    // a recorded state this transaction deferred is part of what the breaker's lock reads (none, in practice)
    await this.breaker.flushRecorded(m);
    const [row, , reading] = await together(m, [
      () =>
        superseded ? Promise.resolve(loan) : this.book.update(m, loanId, statusUpdate(r, ageing, flags)),
      () =>
        this.store.insertReport(m, {
          kind: 'STATUS',
          loanId,
          bankId,
          asOf: r.asOf,
          daysOverdue: r.daysOverdue,
          recoveryExhausted: r.recoveryExhausted ?? null,
          key: `${bankId}:${key}`,
          actor: actorName(),
        }),
      () => this.breaker.read(m, [districtId]),
    ]);
    const records = statusRecords(loan, row, r, superseded);
    await this.book.event(m, loanId, 'STATUS_REPORTED', loan.status, loan.status, null, records.event);
    await this.audit.record(m, {
      action: 'COVERED_STATUS_REPORTED',
      entityType: 'loan',
      entityId: loanId,
      ...records.audit,
    });
    await this.breaker.decide(m, reading, `status report on loan ${loanId}`);
    return coveredLoanView(row);
  }
}
