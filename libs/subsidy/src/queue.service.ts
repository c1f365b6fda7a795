import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import { DomainError, queryOne, queryRows } from '#libs/common';
import { LedgerService } from '#libs/ledger';
import { formatYuan, type Fen } from '#libs/money';
import { claimLines, claimView, insertClaim, SELECT_CLAIM, type ClaimRow } from './claim-store.js';
import { programmeAccounts } from './domain/accounts.js';
import { splitForBudget, type ClaimLine } from './domain/claims.js';

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
  ) {}

  /**
   * Approves a DRAFT or QUEUED claim (already locked by the caller):
   * - total > 0: pays what the year's remaining budget and the programme's uncommitted cash allow (one entry:
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
    const payable = claim.settlement_mode === 'PAY_BANK' ? a.payableBank : a.payableBorrower;
    const total = BigInt(claim.total_fen);
    await m.query(
      `INSERT INTO subsidy_budgets (programme_id, year, budget_fen) VALUES ($1, $2, 0) ON CONFLICT DO NOTHING`,
      [p.id, claim.budget_year],
    );
    const budget = (await queryOne<{ budget_fen: string; committed_fen: string }>(
      m,
      `SELECT budget_fen, committed_fen FROM subsidy_budgets WHERE programme_id = $1 AND year = $2 FOR UPDATE`,
      [p.id, claim.budget_year],
    ))!;
    let approved: Fen = 0n;
    let remainder: ClaimRow | null = null;
    let entryId: string | null = null;
    const memo = `subsidy claim ${claim.claim_no} (${claim.period_start}..${claim.period_end})`;
    if (total < 0n) {
      approved = total;
      ({ entryId } = await this.ledger.post(m, {
        idempotencyKey: `subsidy:claim:${claim.id}:approval`,
        code: 'SUBSIDY_CLAIM_APPROVAL',
        businessDate,
        memo: `${memo}: clawback`,
        lines: [
          { account: payable, side: 'DEBIT', amountFen: -total },
          { account: a.expense, side: 'CREDIT', amountFen: -total },
        ],
      }));
    } else if (total > 0n) {
      const remaining = BigInt(budget.budget_fen) - BigInt(budget.committed_fen);
      const cash = await this.ledger.balanceOf(m, a.budget);
      const available = remaining < cash ? remaining : cash;
      const lines = await claimLines(m, claim.id);
      const split = splitForBudget(lines, available > 0n ? available : 0n);
      approved = split.paidFen;
      if (split.remainder.length) remainder = await this.queueRemainder(m, claim, lines, split.remainder);
      if (approved > 0n) {
        ({ entryId } = await this.ledger.post(m, {
          idempotencyKey: `subsidy:claim:${claim.id}:approval`,
          code: 'SUBSIDY_CLAIM_APPROVAL',
          businessDate,
          memo,
          lines: [
            { account: a.expense, side: 'DEBIT', amountFen: approved },
            { account: payable, side: 'CREDIT', amountFen: approved },
            { account: a.settlement, side: 'DEBIT', amountFen: approved },
            { account: a.budget, side: 'CREDIT', amountFen: approved },
          ],
        }));
      }
    }
    if (approved !== 0n) {
      await m.query(
        `UPDATE subsidy_budgets SET committed_fen = committed_fen + $3, updated_at = now() WHERE programme_id = $1 AND year = $2`,
        [p.id, claim.budget_year, approved.toString()],
      );
    }
    await m.query(
      `UPDATE subsidy_claims SET status = 'APPROVED', approved_by = $2, approved_at = now(), approved_fen = $3,
              remainder_claim_id = $4, approval_entry_id = $5, updated_at = now()
        WHERE id = $1`,
      [claim.id, approver, approved.toString(), remainder?.id ?? null, entryId],
    );
    const [after] = await queryRows<ClaimRow>(m, `${SELECT_CLAIM} WHERE c.id = $1`, [claim.id]);
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
    const byNo = new Map(lines.map((l) => [l.lineNo, l]));
    const sourceLineIds = new Map<string, string>();
    const remainderLines: ClaimLine[] = parts.map((part) => {
      const l = byNo.get(part.lineNo)!;
      sourceLineIds.set(`${l.loanId}:${l.installmentNumber}`, l.id);
      // claimedBefore of a remainder line: what the claim it comes from paid of that line
      return { ...l, claimedBeforeFen: l.subsidyFen - part.fen, subsidyFen: part.fen };
    });
    const [{ id }] = await queryRows<{ id: string }>(
      m,
      `SELECT nextval(pg_get_serial_sequence('subsidy_claims', 'id'))::text AS id`,
    );
    return insertClaim(
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
      remainderLines,
      { id, sourceLineIds },
    );
  }

  /** What a claim of `year` can be paid now: the year's remaining budget, at most the uncommitted cash. */
  async available(m: EntityManager, p: LockedProgramme, year: number): Promise<Fen> {
    const b = await queryOne<{ budget_fen: string; committed_fen: string }>(
      m,
      `SELECT budget_fen, committed_fen FROM subsidy_budgets WHERE programme_id = $1 AND year = $2`,
      [p.id, year],
    );
    const remaining = b ? BigInt(b.budget_fen) - BigInt(b.committed_fen) : 0n;
    const cash = await this.ledger.balanceOf(m, programmeAccounts(p.id).budget);
    return remaining < cash ? remaining : cash;
  }

  /**
   * Pays queued remainders in queue order (budget year, then the place each took in the queue) as far as budget
   * and money allow. A claim that fits only in part leaves its own remainder at the head of its year's queue, and
   * that year stops there: nothing later is paid before it. `year` null: every year (new money arrived).
   */
  async run(
    m: EntityManager,
    p: LockedProgramme,
    year: number | null,
    businessDate: string,
  ): Promise<QueueRun> {
    const queued = await queryRows<ClaimRow>(
      m,
      `${SELECT_CLAIM} WHERE c.programme_id = $1 AND c.status = 'QUEUED' AND ($2::int IS NULL OR c.budget_year = $2)
        ORDER BY c.budget_year, c.queue_rank, c.id FOR UPDATE OF c`,
      [p.id, year],
    );
    const approved: QueueRun['approved'] = [];
    const blockedYears = new Set<number>();
    for (const claim of queued) {
      if (blockedYears.has(claim.budget_year)) continue;
      // nothing to pay with: leave the claim where it is rather than re-queue it for nothing
      if ((await this.available(m, p, claim.budget_year)) <= 0n) {
        blockedYears.add(claim.budget_year);
        continue;
      }
      const parent = await queryOne<{ approved_by: string }>(
        m,
        `SELECT approved_by FROM subsidy_claims WHERE id = $1`,
        [claim.parent_claim_id],
      );
      const after = await this.approveLocked(m, p, claim, parent!.approved_by, businessDate);
      if (after.approved_fen !== '0') {
        approved.push({
          claimId: after.id,
          claimNo: after.claim_no,
          amount: formatYuan(BigInt(after.approved_fen!)),
          requeuedAs: after.remainder_claim_id,
        });
      }
      if (after.remainder_claim_id) blockedYears.add(claim.budget_year);
    }
    const [{ n }] = await queryRows<{ n: number }>(
      m,
      `SELECT count(*)::int AS n FROM subsidy_claims WHERE programme_id = $1 AND status = 'QUEUED'`,
      [p.id],
    );
    return { approved, stillQueued: n };
  }
}
