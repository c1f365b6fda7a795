import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import { callerKey, DomainError, type IdempotentResult, type Page, type PageQuery, RequestContext, runIdempotent } from '#libs/common';
import { LedgerService } from '#libs/ledger';
import { LoanStore } from '#libs/loans';
import { formatYuan, yuan, type Fen } from '#libs/money';
import { actorName, assertOwnBank, scopedBankId } from './bank-scope.js';
import { BreakerService } from './breaker.service.js';
import { CoveredLoanBook } from './covered-loan-book.service.js';
import {
  alreadyClaimed,
  changedSinceFiling,
  claimProblems,
  claimStateConflict,
  claimView,
  compensationMemo,
  fundCannotPay,
  interestDue,
  notEligible,
  recoveryRefusal,
  recoveryView,
  rejectionReasonRefusal,
  sameSide,
  splitByShares,
  type ClaimRecord,
  type ClaimView,
} from './domain/claims.js';
import { compensatedFlags, coveredLoanView } from './domain/covered-loans.js';
import { compensationLines, recoveryLines } from './domain/fund-entries.js';
import type { Refusal } from './domain/covers.js';
import { GuaranteeService } from './guarantee.service.js';
import { ClaimsStore } from './store/claims.store.js';
import { RiskFundsStore } from './store/risk-funds.store.js';

export { claimProblems, claimView, shareRatios, type ClaimView } from './domain/claims.js';

const refuse = (r: Refusal): DomainError => new DomainError(r.code, r.detail, r.errors);

/**
 * Compensation (SPEC §2.2): the bank claims for a covered loan past the agreement's trigger; the fund's share of
 * the outstanding covered principal plus the unpaid interest due is split exactly by the loss share (allocate);
 * a FUND_ADMIN's approval pays it from the fund in one transaction: the covered principal leaves exposure
 * (release), the money leaves the fund (COMPENSATION_EXPENSE ↑ / BALANCE ↓) and the cover side follows
 * (coverOutflow, with SHORTFALL when the freed backing is not enough). Recoveries the bank makes later come back
 * by the same ratio (BALANCE ↑ / RECOVERY_INCOME ↑, cover inflow). The rules are in domain/claims.ts.
 *
 * Lock order: the risk fund first (it serialises everything that moves a district's money or cover), then the
 * claim, the loan, the cover, the ledger accounts.
 */
@Injectable()
export class CompensationService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly guarantee: GuaranteeService,
    private readonly loans: CoveredLoanBook,
    private readonly breaker: BreakerService,
    private readonly ledger: LedgerService,
    private readonly audit: AuditService,
    private readonly claims: ClaimsStore,
    private readonly funds: RiskFundsStore,
    private readonly loanStore: LoanStore,
  ) {}

  async file(
    loanId: string,
    memo: string | undefined,
    idempotencyKey: string,
  ): Promise<IdempotentResult<ClaimView>> {
    const bankId = scopedBankId();
    if (bankId === null)
      throw new DomainError('FORBIDDEN', 'only the lending bank files a compensation claim');
    try {
      return await this.dataSource.transaction(async (m) => {
        const out = await runIdempotent(m, `claim-file:${bankId}`, idempotencyKey, { loanId, memo }, () =>
          this.fileIn(m, loanId, memo),
        );
        return out;
      });
    } catch (e) {
      if (
        typeof e === 'object' &&
        e !== null &&
        (e as { constraint?: string }).constraint === 'compensation_claims_one_per_loan'
      )
        throw refuse(alreadyClaimed(loanId));
      throw e;
    }
  }

  private async fileIn(m: EntityManager, loanId: string, memo: string | undefined): Promise<ClaimView> {
    const today = this.guarantee.today();
    const { loan, agreement } = await this.loans.lockLoan(m, loanId);
    const cover = await this.guarantee.cover(m, loanId);
    const refusal = notEligible(
      loan.bank_loan_ref,
      claimProblems({
        loanStatus: loan.status,
        coverStatus: cover?.status ?? null,
        mode: agreement.compensation_mode,
        daysOverdue: loan.days_overdue,
        triggerDays: agreement.trigger_days,
        recoveryExhausted: loan.flags.includes('RECOVERY_EXHAUSTED'),
        liveClaimNo: await this.claims.liveClaimNo(m, loanId),
      }),
    );
    if (refusal) throw refuse(refusal);
    // The basis: the covered principal still outstanding (in ADVANCE mode the bank accelerates the loan at the
    // trigger) and the scheduled interest due by today and not paid, from the frozen instalments.
    const principal = cover!.outstandingFen;
    const interestFen = interestDue(await this.loanStore.installments(m, loanId), today);
    const [fundPart, bankPart] = splitByShares(
      principal + interestFen,
      agreement.fund_share_percent,
      agreement.bank_share_percent,
    );
    const row = await this.claims.insert(m, {
      loanId,
      agreementId: agreement.id,
      riskFundId: agreement.risk_fund_id,
      bankId: loan.bank_id,
      mode: agreement.compensation_mode,
      daysOverdue: loan.days_overdue,
      principalFen: principal,
      interestFen,
      fundSharePercent: agreement.fund_share_percent,
      bankSharePercent: agreement.bank_share_percent,
      fundAmountFen: fundPart,
      bankAmountFen: bankPart,
      filedOn: today,
      actor: actorName(),
    });
    await this.loans.event(m, loanId, 'COMPENSATION_CLAIMED', loan.status, loan.status, memo ?? null, {
      claimNo: row.claim_no,
      fundAmount: formatYuan(fundPart),
    });
    await this.audit.record(m, {
      action: 'COMPENSATION_CLAIM_FILED',
      entityType: 'compensation_claim',
      entityId: row.id,
      after: { ...claimView(row), memo: memo ?? null },
    });
    return claimView(row);
  }

  /**
   * Pays a filed claim. Approving twice pays once: the claim row is locked and must be FILED, and every entry key
   * is derived from the claim id, so even a path that forgot the status check could not post twice.
   */
  async approve(
    claimId: string,
    idempotencyKey: string,
    input: { paidOn?: string } = {},
  ): Promise<IdempotentResult<ClaimView>> {
    const today = this.guarantee.today();
    const paidOn = input.paidOn ?? today;
    if (paidOn > today) {
      throw new DomainError('VALIDATION_FAILED', `paidOn ${paidOn} is after today (${today})`, [
        { field: 'paidOn', code: 'DATE_IN_FUTURE', message: `may not be after today (${today})` },
      ]);
    }
    // the request as first made: an approval replayed without a date keeps the date it was paid on
    const request = input.paidOn ? { claimId, paidOn } : { claimId };
    return this.dataSource.transaction(async (m) => {
      const out = await runIdempotent(m, 'claim-approve', idempotencyKey, request, () =>
        this.approveIn(m, claimId, paidOn),
      );
      return out;
    });
  }

  /** `paidOn` is the payment's value date: every entry, movement and date of the payment carries it. */
  private async approveIn(m: EntityManager, claimId: string, paidOn: string): Promise<ClaimView> {
    const { claim, districtId } = await this.lockClaim(m, claimId);
    this.assertFundSide(claim);
    if (claim.status !== 'FILED') throw refuse(claimStateConflict(claim, 'FILED'));
    if (paidOn < claim.filed_on) {
      throw new DomainError('VALIDATION_FAILED', `paidOn ${paidOn} is before the claim was filed (${claim.filed_on})`, [
        { field: 'paidOn', code: 'INVALID', message: `may not be before the claim was filed (${claim.filed_on})` },
      ]);
    }
    const { loan } = await this.loans.lockLoan(m, claim.loan_id);
    const cover = await this.guarantee.cover(m, claim.loan_id);
    const changed = changedSinceFiling(
      claim,
      { bankLoanRef: loan.bank_loan_ref, status: loan.status },
      cover,
    );
    if (changed) throw refuse(changed);
    const fundId = claim.risk_fund_id;
    const amount = BigInt(claim.fund_amount_fen);
    // 1. the covered principal leaves exposure; its backing returns to the pool (or repays a shortfall)
    await this.guarantee.release(m, {
      loanId: claim.loan_id,
      amountFen: BigInt(claim.principal_fen),
      idempotencyKey: `claim:${claim.id}`,
      onDate: paidOn,
    });
    // 2. the money leaves the fund; BALANCE is no_negative, so a fund that cannot pay refuses here
    const entryId = await this.payFromFund(m, claim, loan.bank_loan_ref, amount, paidOn);
    // 3. the cover side of the outflow: LIMIT follows the balance; what AVAILABLE cannot give is SHORTFALL
    const coverEntryId = await this.guarantee.coverOutflow(
      m,
      fundId,
      amount,
      {
        idempotencyKey: `cover:compensation:claim:${claim.id}`,
        code: 'COVER_COMPENSATION',
        valueDate: paidOn,
        memo: `claim ${claim.claim_no} paid`,
      },
      { allowShortfall: true },
    );
    await this.funds.insertMovement(m, fundId, {
      kind: 'COMPENSATION',
      source: null,
      amountFen: amount,
      businessDate: paidOn,
      documentRef: claim.claim_no,
      memo: `compensation of loan ${loan.bank_loan_ref}`,
      contributionId: null,
      entryId,
      coverEntryId,
      key: `compensation:claim:${claim.id}`,
      actor: actorName(),
    });
    const paid = await this.claims.markPaid(m, claim.id, {
      actor: actorName(),
      paidOn,
      entryId,
      coverEntryId,
    });
    // The loan leaves the covered book: the bank keeps pursuing the borrower and reports recoveries on the claim.
    const after = await this.loans.update(m, loan.id, {
      status: 'WRITTEN_OFF',
      status_reason: `compensated under claim ${claim.claim_no}`,
      closed_on: paidOn,
      flags: compensatedFlags(loan.flags),
    });
    await this.loans.event(m, loan.id, 'COMPENSATED', loan.status, 'WRITTEN_OFF', null, {
      claimNo: claim.claim_no,
      fundAmount: formatYuan(amount),
      entryId,
    });
    await this.audit.record(m, {
      action: 'COMPENSATION_PAID',
      entityType: 'compensation_claim',
      entityId: claim.id,
      before: claimView(claim),
      after: { ...claimView(paid), loan: coveredLoanView(after) },
    });
    await this.breaker.evaluate(m, [districtId], `compensation ${claim.claim_no}`);
    return claimView(paid);
  }

  /** The fund's payment: COMPENSATION_EXPENSE ↑ / BALANCE ↓, refused by BALANCE's bound when the fund is short. */
  private async payFromFund(
    m: EntityManager,
    claim: ClaimRecord,
    bankLoanRef: string,
    amount: Fen,
    paidOn: string,
  ): Promise<string> {
    try {
      const posted = await this.ledger.post(m, {
        idempotencyKey: `compensation:claim:${claim.id}`,
        code: 'RISK_FUND_COMPENSATION',
        valueDate: paidOn,
        memo: compensationMemo(claim, bankLoanRef),
        lines: compensationLines(claim.risk_fund_id, amount),
      });
      return posted.entryId;
    } catch (e) {
      if (e instanceof DomainError && e.code === 'LEDGER_LIMIT_EXCEEDED')
        throw refuse(fundCannotPay(amount, e.detail));
      throw e;
    }
  }

  async reject(claimId: string, reason: string): Promise<ClaimView> {
    const bad = rejectionReasonRefusal(reason);
    if (bad) throw refuse(bad);
    return this.dataSource.transaction(async (m) => {
      const { claim } = await this.lockClaim(m, claimId);
      this.assertFundSide(claim);
      if (claim.status !== 'FILED') throw refuse(claimStateConflict(claim, 'FILED'));
      const row = await this.claims.markRejected(m, claim.id, actorName(), reason);
      await this.loans.event(m, claim.loan_id, 'COMPENSATION_REJECTED', null, null, reason, {
        claimNo: claim.claim_no,
      });
      await this.audit.record(m, {
        action: 'COMPENSATION_CLAIM_REJECTED',
        entityType: 'compensation_claim',
        entityId: claim.id,
        before: claimView(claim),
        after: claimView(row),
      });
      return claimView(row);
    });
  }

  /** A recovery the bank made after compensation: the fund gets its loss share of it back, exactly. */
  async recover(
    claimId: string,
    input: { amount: string; recoveredOn: string; memo?: string },
    idempotencyKey: string,
  ): Promise<
    IdempotentResult<ClaimView & { recovery: { amount: string; fundPart: string; bankPart: string } }>
  > {
    const bankId = scopedBankId();
    if (bankId === null) throw new DomainError('FORBIDDEN', 'the lending bank reports its recoveries');
    const amount = yuan(input.amount);
    return this.dataSource.transaction(async (m) => {
      const out = await runIdempotent(
        m,
        `claim-recovery:${bankId}`,
        idempotencyKey,
        { claimId, ...input },
        () => this.recoverIn(m, claimId, input, amount, `${bankId}:${callerKey(idempotencyKey)}`),
      );
      return out;
    });
  }

  private async recoverIn(
    m: EntityManager,
    claimId: string,
    input: { recoveredOn: string; memo?: string },
    amount: Fen,
    requestKey: string,
  ) {
    const { claim } = await this.lockClaim(m, claimId);
    const refusal = recoveryRefusal(
      claim,
      { amountFen: amount, recoveredOn: input.recoveredOn },
      this.guarantee.today(),
    );
    if (refusal) throw refuse(refusal);
    const [fundPart, bankPart] = splitByShares(amount, claim.fund_share_percent, claim.bank_share_percent);
    const key = `recovery:claim:${claim.id}:${requestKey}`;
    let entryId: string | null = null;
    let coverEntryId: string | null = null;
    if (fundPart > 0n) {
      entryId = (
        await this.ledger.post(m, {
          idempotencyKey: key,
          code: 'RISK_FUND_RECOVERY',
          valueDate: input.recoveredOn,
          memo: `recovery of ${formatYuan(amount)} on claim ${claim.claim_no}: fund's share`,
          lines: recoveryLines(claim.risk_fund_id, fundPart),
        })
      ).entryId;
      coverEntryId = await this.guarantee.coverInflow(m, claim.risk_fund_id, fundPart, {
        idempotencyKey: `cover:${key}`,
        code: 'COVER_RECOVERY',
        valueDate: input.recoveredOn,
        memo: `recovery on claim ${claim.claim_no}`,
      });
      await this.funds.insertMovement(m, claim.risk_fund_id, {
        kind: 'RECOVERY',
        source: null,
        amountFen: fundPart,
        businessDate: input.recoveredOn,
        documentRef: claim.claim_no,
        memo: input.memo ?? null,
        contributionId: null,
        entryId,
        coverEntryId,
        key,
        actor: actorName(),
      });
    }
    const row = await this.claims.addRecovery(m, {
      claimId: claim.id,
      amountFen: amount,
      fundPartFen: fundPart,
      bankPartFen: bankPart,
      recoveredOn: input.recoveredOn,
      memo: input.memo ?? null,
      entryId,
      coverEntryId,
      key,
      actor: actorName(),
    });
    await this.loans.event(m, claim.loan_id, 'RECOVERY_REPORTED', null, null, input.memo ?? null, {
      claimNo: claim.claim_no,
      amount: formatYuan(amount),
      fundPart: formatYuan(fundPart),
    });
    await this.audit.record(m, {
      action: 'COMPENSATION_RECOVERY',
      entityType: 'compensation_claim',
      entityId: claim.id,
      before: claimView(claim),
      after: claimView(row),
    });
    return {
      ...claimView(row),
      recovery: {
        amount: formatYuan(amount),
        fundPart: formatYuan(fundPart),
        bankPart: formatYuan(bankPart),
      },
    };
  }

  async get(claimId: string) {
    const claim = await this.claims.find(null, claimId);
    if (!claim) throw new DomainError('NOT_FOUND', `compensation claim ${claimId} not found`);
    assertOwnBank(claim.bank_id, 'compensation claim', claimId);
    const recoveries = await this.claims.recoveries(claimId);
    return { ...claimView(claim), recoveries: recoveries.map(recoveryView) };
  }

  async list(
    filter: { status?: string; bankId?: string; riskFundId?: string; loanId?: string },
    page: PageQuery,
  ): Promise<Page<ClaimView>> {
    const { rows, total } = await this.claims.page(filter, scopedBankId(), page);
    return { items: rows.map(claimView), page: page.page, pageSize: page.pageSize, total };
  }

  /** Fund first, then the claim (the loan, when needed, is locked after the fund by `lockLoan`). */
  private async lockClaim(
    m: EntityManager,
    claimId: string,
  ): Promise<{ claim: ClaimRecord; districtId: string }> {
    const unlocked = await this.claims.find(m, claimId);
    if (!unlocked) throw new DomainError('NOT_FOUND', `compensation claim ${claimId} not found`);
    assertOwnBank(unlocked.bank_id, 'compensation claim', claimId);
    const fund = await this.guarantee.lockFund(m, unlocked.risk_fund_id);
    return { claim: (await this.claims.find(m, claimId, true))!, districtId: fund.districtId };
  }

  /** The decision is the fund's: never a bank's actor, never the person who filed. */
  private assertFundSide(claim: ClaimRecord) {
    const refusal = sameSide(claim, RequestContext.actor());
    if (refusal) throw refuse(refusal);
  }
}
