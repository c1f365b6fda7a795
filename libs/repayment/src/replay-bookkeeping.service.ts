import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { together } from '#libs/common';
import type { FundAccountCodes } from '#libs/funds';
import { LedgerService } from '#libs/ledger';
import { skipPaidReminders } from '#libs/reminders';
import { LoanAgeingStore, LoanStore, STANDARD_BUCKET_LIMITS_DAYS } from '#libs/loans';
import { clearCallsSql } from './arrears-sql.js';
import { allocationChanges, correctionLines } from './domain/postings.js';
import { newlyPaid, outstandingPrincipalOf } from './domain/repayment-rules.js';
import type { ReplayResult } from './domain/replay.js';
import { ENTRY_CODES } from './entry-codes.js';
import { foundLoan, type InstallmentRow, type LoanRow } from './store/loan.store.js';
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
    private readonly loans: LoanStore,
    private readonly ageing: LoanAgeingStore,
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
        valueDate: today,
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
    return (await this.persistThen(m, loan, rows, result, actor, () => Promise.resolve(undefined)))[0];
  }

  /**
   * `persist`, with `then` (a step of `together`: a journal entry's posting) sent in the same round trip after the
   * loan's writes; its answer comes second.
   */
  async persistThen<T>(
    m: EntityManager,
    loan: LoanRow,
    rows: InstallmentRow[],
    result: ReplayResult,
    actor: string,
    then: () => Promise<T>,
  ): Promise<[LoanAfterView, T]> {
    // A closed loan is current and performing; the ageing of one still outstanding is the loans' one rule's.
    const closed = result.closedOn !== null;
    // The loan's writes go out together (one round trip), each seeing the ones before it: the instalments, the
    // reminders of the ones this operation paid off (marked SKIPPED_PAID in this transaction, so a rollback leaves
    // them waiting; a plain SQL helper of the reminders library, no dependency on its module), the loan row, and its
    // ageing from the instalments just written.
    const [, , updated, aged, last] = await together(m, [
      () => this.loans.saveInstallments(m, loan.id, rows, result.installments),
      () =>
        skipPaidReminders(
          m,
          newlyPaid(rows, result.installments).map((r) => r.id),
        ),
      () =>
        this.loans.update(m, loan.id, {
          outstanding_principal_fen: outstandingPrincipalOf(result.installments),
          status: closed ? 'CLOSED' : 'DISBURSED',
          closed_on: result.closedOn,
          aged_as_of: result.asOf,
          ...(closed ? { days_overdue: 0, arrears_bucket: 'CURRENT', non_performing: false } : {}),
        }),
      () =>
        closed
          ? Promise.resolve({ changed: 0 })
          : this.ageing.ageByOverdueInstallments(
              m,
              { date: result.asOf, actor, bucketLimitsDays: STANDARD_BUCKET_LIMITS_DAYS },
              [loan.id],
            ),
      then,
    ]);
    // Group liability calls exist only for loans of a joint-liability group.
    if (loan.group_id !== null) await clearCallsSql(m, result.asOf, [loan.id], actor);
    // The row the update returned is the loan's row unless the ageing wrote it again (clearing group calls writes
    // the calls only): read it again only then (a repayment on a loan whose ageing does not move saves the trip).
    const current = aged.changed > 0 ? foundLoan(await this.loans.find(m, loan.id), loan.id) : updated;
    return [loanAfter(current), last];
  }
}
