import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { FundAccountCodes } from '#libs/funds';
import { LedgerService } from '#libs/ledger';
import { skipPaidReminders } from '#libs/reminders';
import { ageSql, clearCallsSql } from './arrears-sql.js';
import { allocationChanges, correctionLines } from './domain/postings.js';
import { newlyPaid, outstandingPrincipalOf } from './domain/repayment-rules.js';
import type { ReplayResult } from './domain/replay.js';
import { ENTRY_CODES } from './entry-codes.js';
import {
  requireLoan,
  saveInstallments,
  saveReplayedLoan,
  type InstallmentRow,
  type LoanRow,
} from './store/loan.store.js';
import { RepaymentStore } from './store/repayment.store.js';
import { loanAfter, type LoanAfterView } from './views.js';

export type CorrectionCause = 'BACKDATED_REPAYMENT' | 'REVERSAL';

/**
 * What every operation that replays a loan does with the result, in the caller's transaction: the corrections of
 * the other repayments' splits, and the replayed instalments, balance, status and ageing stored.
 */
@Injectable()
export class ReplayBookkeeping {
  constructor(
    private readonly ledger: LedgerService,
    private readonly store: RepaymentStore,
  ) {}

  /**
   * Brings every other repayment's stored split to what the replay says (backdated repayment, reversal): the
   * differences per instalment and component become allocation rows of one adjustment, and their net per account
   * one correction entry (LOANS, FEE_INCOME, PENALTY_INCOME; cash never moves, so the entry balances by itself).
   */
  async correct(
    m: EntityManager,
    loan: LoanRow,
    accounts: FundAccountCodes,
    result: ReplayResult,
    skip: string[],
    cause: CorrectionCause,
    causeRepaymentId: string,
    today: string,
    actor: string,
  ): Promise<{ adjustmentId: string; entryId: string | null }[]> {
    const stored = await this.store.storedAllocations(m, loan.id, skip);
    const changes = allocationChanges(stored, result.allocations, skip);
    if (!changes.length) return [];
    const lines = correctionLines(accounts, changes);
    const adjustmentId = await this.store.nextAdjustmentId(m);
    let entryId: string | null = null;
    if (lines.length) {
      ({ entryId } = await this.ledger.post(m, {
        idempotencyKey: `repayment-adjustment:${adjustmentId}`,
        code: ENTRY_CODES.REALLOCATION,
        businessDate: today,
        memo: `loan ${loan.loan_no}: splits of earlier repayments corrected after ${cause === 'REVERSAL' ? 'the reversal of' : 'backdated'} repayment ${causeRepaymentId}`,
        lines,
      }));
    }
    await this.store.insertAdjustment(m, {
      id: adjustmentId,
      loanId: loan.id,
      cause,
      causeRepaymentId,
      entryId,
      businessDate: today,
      createdBy: actor,
    });
    await this.store.insertAllocations(m, loan.id, changes, adjustmentId);
    return [{ adjustmentId, entryId }];
  }

  /** Stores the replayed instalments and the loan's balance, status and ageing as of the replay's date. */
  async persist(
    m: EntityManager,
    loan: LoanRow,
    rows: InstallmentRow[],
    result: ReplayResult,
    actor: string,
  ): Promise<LoanAfterView> {
    await saveInstallments(m, loan.id, rows, result.installments);
    // Reminders of the instalments this operation paid off are not sent: marked SKIPPED_PAID in this transaction
    // (a rollback leaves them waiting). A plain SQL helper of the reminders library, no dependency on its module.
    await skipPaidReminders(
      m,
      newlyPaid(rows, result.installments).map((r) => r.id),
    );
    await saveReplayedLoan(m, loan.id, {
      outstandingPrincipalFen: outstandingPrincipalOf(result.installments),
      closedOn: result.closedOn,
      asOf: result.asOf,
    });
    if (result.closedOn === null) await ageSql(m, result.asOf, [loan.id], actor);
    await clearCallsSql(m, result.asOf, [loan.id], actor);
    return loanAfter(await requireLoan(m, loan.id));
  }
}
