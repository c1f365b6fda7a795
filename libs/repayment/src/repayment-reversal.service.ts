import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import { Clock, DomainError, RequestContext, runIdempotent, transaction } from '#libs/common';
import { FundsService } from '#libs/funds';
import { LedgerService } from '#libs/ledger';
import { ProductsService } from '#libs/products';
import { frozenSchedule } from './domain/loan-state.js';
import { reopenRefusal, replayDate, reversalRefusal } from './domain/repayment-rules.js';
import { replay, type ReplayResult } from './domain/replay.js';
import { ENTRY_CODES, REVERSAL_SCOPE } from './entry-codes.js';
import { termsOf } from './loan-terms.js';
import { refusal } from './refusal.js';
import { ReplayBookkeeping } from './replay-bookkeeping.service.js';
import { LoanStore } from '#libs/loans';
import { asInstallments, foundLoan, isId, otherActiveLoanNo } from './store/loan.store.js';
import { RepaymentStore } from './store/repayment.store.js';
import { WriteOffStore } from './store/write-off.store.js';
import { loanAfter, repaymentView, type LoanAfterView, type RepaymentResult } from './views.js';

/**
 * Reversal of a repayment or a recovery (FUND_ADMIN, with a reason), in one transaction: locks (fund, loan,
 * instalments, the repayment), the mirror of its entry, and for a repayment the loan replayed without it (dues
 * restored, a closed loan reopened) with the changes this makes to the other repayments' splits as a correction
 * entry; for a recovery, the write-off's recovered amount taken back. A repayment reverses once.
 */
@Injectable()
export class RepaymentReversalService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: LedgerService,
    private readonly audit: AuditService,
    private readonly funds: FundsService,
    private readonly products: ProductsService,
    private readonly clock: Clock,
    private readonly store: RepaymentStore,
    private readonly writeOffs: WriteOffStore,
    private readonly bookkeeping: ReplayBookkeeping,
    private readonly loans: LoanStore,
  ) {}

  async reverse(repaymentId: string, reason: string, idempotencyKey: string): Promise<RepaymentResult> {
    const today = this.clock.today();
    const { result } = await transaction(this.dataSource, (m) =>
      runIdempotent(m, REVERSAL_SCOPE, idempotencyKey, { repaymentId, reason }, () =>
        this.apply(m, repaymentId, reason, today),
      ),
    );
    return result;
  }

  private async apply(
    m: EntityManager,
    repaymentId: string,
    reason: string,
    today: string,
  ): Promise<RepaymentResult> {
    const actor = RequestContext.actor()?.username ?? 'system';
    if (!isId(repaymentId)) throw new DomainError('NOT_FOUND', `repayment ${repaymentId} not found`);
    const head = await this.store.head(m, repaymentId);
    if (!head) throw new DomainError('NOT_FOUND', `repayment ${repaymentId} not found`);
    // Fixed lock order: fund, loan, instalments (by number), then the repayment.
    const fund = await this.funds.lockFund(m, head.fund_id);
    const locked = await this.loans.lockWithInstallments(m, head.loan_id);
    const loan = foundLoan(locked?.loan, head.loan_id);
    const rows = asInstallments(locked!.installments);
    const rep = await this.store.lock(m, repaymentId);
    const refusedReversal = reversalRefusal(
      repaymentId,
      { kind: rep.kind, status: rep.status, reversalEntryId: rep.reversal_entry_id },
      { loanNo: loan.loan_no, status: loan.status },
    );
    if (refusedReversal) throw refusal(refusedReversal);

    let result: ReplayResult | null = null;
    if (rep.kind === 'REPAYMENT') {
      const terms = await termsOf(m, this.products, loan);
      const remaining = (await this.store.activePayments(m, loan.id)).filter((p) => p.id !== rep.id);
      result = replay(terms, frozenSchedule(rows), remaining, replayDate(today, loan.aged_as_of, remaining));
      if (loan.status === 'CLOSED' && result.closedOn === null && loan.household_id) {
        const other = await otherActiveLoanNo(m, loan.household_id, loan.id);
        if (other) throw refusal(reopenRefusal(loan.loan_no, other));
      }
    }

    const mirror = await this.ledger.reverse(m, rep.entry_id, {
      idempotencyKey: `repayment-reversal:${rep.id}`,
      valueDate: today,
      memo: `reversal of repayment ${rep.id} of loan ${loan.loan_no}: ${reason}`,
      code: rep.kind === 'RECOVERY' ? ENTRY_CODES.RECOVERY_REVERSAL : ENTRY_CODES.REVERSAL,
    });
    await this.store.markReversed(m, rep.id, { on: today, by: actor, reason, entryId: mirror.entryId });
    const corrections: { adjustmentId: string; entryId: string | null }[] = [];
    let after: LoanAfterView;
    if (rep.kind === 'RECOVERY') {
      await this.writeOffs.addRecovered(m, loan.id, -BigInt(rep.amount_fen));
      after = loanAfter(loan);
    } else {
      // The mirror entry undoes the split the repayment's own entry posted; record that as allocation rows too.
      const adjustmentId = await this.store.insertAdjustment(m, {
        loanId: loan.id,
        cause: 'REVERSAL',
        causeRepaymentId: rep.id,
        entryId: mirror.entryId,
        businessDate: today,
        createdBy: actor,
      });
      await this.store.insertMirrorAllocations(m, rep.id, adjustmentId);
      corrections.push({ adjustmentId, entryId: mirror.entryId });
      corrections.push(
        ...(await this.bookkeeping.correct(
          m,
          loan,
          fund.accounts,
          result!,
          [],
          'REVERSAL',
          rep.id,
          today,
          actor,
        )),
      );
      after = await this.bookkeeping.persist(m, loan, rows, result!, actor);
    }
    await this.loans.recordEvent(m, {
      loanId: loan.id,
      event: rep.kind === 'RECOVERY' ? 'RECOVERY_REVERSED' : 'REPAYMENT_REVERSED',
      fromStatus: loan.status,
      toStatus: after.status,
      actor,
      reason,
      data: { repaymentId: rep.id, reversalEntryId: mirror.entryId },
    });
    if (loan.status === 'CLOSED' && after.status === 'DISBURSED') {
      await this.loans.recordEvent(m, {
        loanId: loan.id,
        event: 'LOAN_REOPENED',
        fromStatus: 'CLOSED',
        toStatus: 'DISBURSED',
        actor,
        reason: `repayment ${rep.id} reversed`,
      });
    }
    const row = await this.store.get(m, rep.id);
    const response: RepaymentResult = { ...repaymentView(row!), loan: after, installments: [], corrections };
    await this.audit.record(m, {
      action: rep.kind === 'RECOVERY' ? 'RECOVERY_REVERSED' : 'REPAYMENT_REVERSED',
      entityType: 'repayment',
      entityId: rep.id,
      before: { status: 'POSTED' },
      after: { ...response, reason },
    });
    return response;
  }
}
