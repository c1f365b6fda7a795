import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import { DomainError } from '#libs/common';
import { LedgerService } from '#libs/ledger';
import { formatYuan, type Fen } from '#libs/money';
import { programmeAccounts } from './domain/accounts.js';
import { claimView } from './domain/claim-view.js';
import { splitForBudget, type ClaimLine } from './domain/claims.js';
import { payableNow } from './domain/programme.js';
import { approvalLines, payableAccount, remainderLines } from './domain/settlement.js';
import { ClaimsStore, type ClaimRow } from './store/claims.store.js';
import { ProgrammesStore } from './store/programmes.store.js';

/** A programme row as the approval needs it (a structural subset of ProgrammeRow, so no import cycle). */
export interface LockedProgramme {
  id: string;
  code: string;
  settlement_mode: 'PAY_BANK' | 'REIMBURSE_BORROWER';
}

export interface QueueRun {
  /** Queued claims approved by this run, in queue order, with the amount each was approved for. */
  approved: { claimId: string; claimNo: string; amount: string; requeuedAs: string | null }[];
  /** Claims still waiting after the run. */
  stillQueued: number;
}

/**
 * Approval of a claim against the year's budget and the programme's money, and the queue of the remainders that
 * did not fit. Both run inside the caller's transaction, with the programme row already locked by the caller
 * (lock order: programme, claim rows, budget row, then the ledger accounts in id order inside `post`).
 */
@Injectable()
export class QueueService {
  constructor(
    private readonly ledger: LedgerService,
    private readonly audit: AuditService,
    private readonly claims: ClaimsStore = new ClaimsStore(),
    private readonly programmes: ProgrammesStore = new ProgrammesStore(),
  ) {}

  /**
   * Approves a DRAFT or QUEUED claim (already locked by the caller):
   * - total > 0: pays what the year's remaining budget and the programme's uncommitted cash allow, nothing while an
   *   older queued claim of the programme (an earlier settlement period, or an earlier place in the queue) waits (one entry:
   *   EXPENSE ↑ / PAYABLE ↑ and SETTLEMENT ↑ / BUDGET ↓); anything beyond becomes a QUEUED REMAINDER claim;
   * - total < 0 (a clawback adjustment): PAYABLE ↓ / EXPENSE ↓, the budget's commitment goes down;
   * - total = 0 (every line forfeited): approved without an entry.
   * The entry's key is the claim's, so the same claim can never post twice.
   */
  async approveLocked(
    m: EntityManager,
    p: LockedProgramme,
    claim: ClaimRow,
    approver: string,
    businessDate: string,
  ): Promise<ClaimRow> {
    if (claim.status !== 'DRAFT' && claim.status !== 'QUEUED') {
      throw new DomainError(
        'SUBSIDY_CLAIM_STATE_CONFLICT',
        `claim ${claim.claim_no} is ${claim.status}, not DRAFT`,
        [],
        {
          claimStatus: claim.status,
        },
      );
    }
    const a = programmeAccounts(p.id);
    const payable = payableAccount(a, claim.settlement_mode);
    const total = BigInt(claim.total_fen);
    const budget = await this.programmes.lockBudget(m, p.id, claim.budget_year);
    let approved: Fen = 0n;
    let remainder: ClaimRow | null = null;
    let entryId: string | null = null;
    const memo = `subsidy claim ${claim.claim_no} (${claim.period_start}..${claim.period_end})`;
    if (total < 0n) {
      approved = total;
      ({ entryId } = await this.ledger.post(m, {
        idempotencyKey: `subsidy:claim:${claim.id}:approval`,
        code: 'SUBSIDY_CLAIM_APPROVAL',
        valueDate: businessDate,
        memo: `${memo}: clawback`,
        lines: approvalLines(a, payable, total),
      }));
    } else if (total > 0n) {
      const cash = await this.ledger.balanceOf(m, a.budget);
      // an older queued claim (any budget year) is paid first: nothing is paid past it
      const ahead = await this.claims.queuedAhead(m, p.id, {
        id: claim.id,
        periodEnd: claim.period_end,
        rank: claim.queue_rank ?? claim.id,
      });
      const available = ahead
        ? 0n
        : payableNow(BigInt(budget.budget_fen), BigInt(budget.committed_fen), cash);
      const lines = await this.claims.lines(m, claim.id);
      const split = splitForBudget(lines, available > 0n ? available : 0n);
      approved = split.paidFen;
      if (split.remainder.length) remainder = await this.queueRemainder(m, claim, lines, split.remainder);
      if (approved > 0n) {
        ({ entryId } = await this.ledger.post(m, {
          idempotencyKey: `subsidy:claim:${claim.id}:approval`,
          code: 'SUBSIDY_CLAIM_APPROVAL',
          valueDate: businessDate,
          memo,
          lines: approvalLines(a, payable, approved),
        }));
      }
    }
    if (approved !== 0n) await this.programmes.addCommitted(m, p.id, claim.budget_year, approved);
    await this.claims.markApproved(m, claim.id, {
      approver,
      approvedFen: approved,
      remainderClaimId: remainder?.id ?? null,
      entryId,
    });
    const after = (await this.claims.find(m, claim.id))!;
    await this.audit.record(m, {
      action: claim.status === 'QUEUED' ? 'SUBSIDY_CLAIM_QUEUE_APPROVED' : 'SUBSIDY_CLAIM_APPROVED',
      entityType: 'subsidy_claim',
      entityId: claim.id,
      before: { status: claim.status, total: formatYuan(total) },
      after: {
        ...claimView(after),
        queuedRemainder: remainder
          ? { id: remainder.id, claimNo: remainder.claim_no, total: formatYuan(BigInt(remainder.total_fen)) }
          : null,
      },
    });
    return after;
  }

  /** The unpaid parts of an approved claim's lines, as a QUEUED claim that keeps the claim's place in the queue. */
  private async queueRemainder(
    m: EntityManager,
    claim: ClaimRow,
    lines: (ClaimLine & { lineNo: number; id: string })[],
    parts: { lineNo: number; fen: Fen }[],
  ): Promise<ClaimRow> {
    const { lines: carried, sourceLineIds } = remainderLines(lines, parts);
    const id = await this.claims.nextId(m);
    return this.claims.insert(
      m,
      {
        group: {
          programmeId: claim.programme_id,
          periodStart: claim.period_start,
          periodEnd: claim.period_end,
          budgetYear: claim.budget_year,
          settlementMode: claim.settlement_mode,
          payeeType: claim.payee_type,
          payeeId: (claim.bank_id ?? claim.fund_id)!,
        },
        kind: 'REMAINDER',
        status: 'QUEUED',
        parentClaimId: claim.id,
        queueRank: claim.queue_rank ?? id,
        pendingCount: 0,
        asOf: claim.as_of,
        generatedBy: claim.generated_by,
      },
      carried,
      { id, sourceLineIds },
    );
  }

  /** What a claim of `year` can be paid now: the year's remaining budget, at most the uncommitted cash. */
  async available(m: EntityManager, p: LockedProgramme, year: number): Promise<Fen> {
    const b = await this.programmes.findBudget(m, p.id, year);
    const cash = await this.ledger.balanceOf(m, programmeAccounts(p.id).budget);
    return b ? payableNow(BigInt(b.budget_fen), BigInt(b.committed_fen), cash) : payableNow(0n, 0n, cash);
  }

  /**
   * Pays queued remainders in queue order, across budget years: oldest settlement period first, then the place each
   * took in the queue, as far as each one's year budget and the programme's money allow. The programme's money is
   * one account, so the queue stops at the first claim not paid in full (short of money, or of its own year's
   * budget): its remainder keeps its place at the head, and no later claim (of any year) is paid before it.
   */
  async run(m: EntityManager, p: LockedProgramme, businessDate: string): Promise<QueueRun> {
    const queued = await this.claims.lockQueued(m, p.id);
    const approved: QueueRun['approved'] = [];
    for (const claim of queued) {
      // nothing to pay with: leave the claim where it is rather than re-queue it for nothing
      if ((await this.available(m, p, claim.budget_year)) <= 0n) break;
      const approver = await this.claims.approverOf(m, claim.parent_claim_id);
      const after = await this.approveLocked(m, p, claim, approver, businessDate);
      if (after.approved_fen !== '0') {
        approved.push({
          claimId: after.id,
          claimNo: after.claim_no,
          amount: formatYuan(BigInt(after.approved_fen!)),
          requeuedAs: after.remainder_claim_id,
        });
      }
      if (after.remainder_claim_id) break;
    }
    const n = await this.claims.countQueued(m, p.id);
    return { approved, stillQueued: n };
  }
}
