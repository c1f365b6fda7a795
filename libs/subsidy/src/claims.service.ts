import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import {
  Clock,
  DomainError,
  ID_PATTERN,
  type Page,
  type PageQuery,
  RequestContext,
  runIdempotent,
  transaction,
} from '#libs/common';
import { FundsService, subsidyReceiptLines } from '#libs/funds';
import { LedgerService, type PostingLine } from '#libs/ledger';
import { formatYuan } from '#libs/money';
import {
  claimLineView,
  claimView,
  type ClaimGroup,
  type ClaimLineView,
  type ClaimView,
} from './domain/claim-view.js';
import { hashContent } from './content-hash.js';
import { periodEnding, type SettlementPeriod } from './domain/calendar.js';
import { programmeAccounts } from './domain/accounts.js';
import type { ClaimKind, ClaimLine, ClaimStatus } from './domain/claims.js';
import {
  claimContent,
  generationAction,
  generationRefusal,
  generationRequestErrors,
  payeeGroups,
  type GenerationAction,
} from './domain/generation.js';
import { calendarOf } from './domain/programme-view.js';
import {
  approvalRefusal,
  payableAccount,
  settledAmount,
  settlementInputErrors,
  settlementLines,
  settlementRefusal,
  type Refusal,
} from './domain/settlement.js';
import { EarningsService } from './earnings.service.js';
import { actorName, ProgrammesService } from './programmes.service.js';
import { QueueService, type QueueRun } from './queue.service.js';
import { ClaimsStore, type ClaimRow } from './store/claims.store.js';

export type { ClaimLineView, GenerationAction };

export interface GenerationResult {
  programmeId: string;
  period: SettlementPeriod;
  asOf: string;
  claims: {
    action: GenerationAction;
    payee: { type: 'BANK' | 'FUND'; id: string };
    claim: ClaimView | null;
  }[];
}

export interface ClaimFilter {
  programmeId?: string;
  periodEnd?: string;
  budgetYear?: number;
  status?: ClaimStatus;
  kind?: ClaimKind;
  payeeType?: 'BANK' | 'FUND';
  bankId?: string;
  fundId?: string;
  from?: string;
  to?: string;
}

export interface LineFilter {
  outcome?: 'EARNED' | 'FORFEITED';
  forfeitReason?: string;
  loanId?: string;
}

export interface ClaimDetail extends ClaimView {
  programmeCode: string;
  payeeName: string;
  /** The REMAINDER claim carrying what the budget could not pay yet, if any. */
  remainder: ClaimView | null;
}

const ID = ID_PATTERN;
export const APPROVE_SCOPE = 'subsidy-claim:approve';
export const SETTLE_SCOPE = 'subsidy-claim:settle';

/** A BANK_OFFICER (or bank API key) sees its own bank's claims only. */
function ownBank(): string | null {
  const actor = RequestContext.actor();
  if (actor?.role !== 'BANK_OFFICER') return null;
  if (actor.bankId === null || actor.bankId === undefined)
    throw new DomainError('FORBIDDEN', 'this bank officer is bound to no bank');
  return String(actor.bankId);
}

/**
 * Subsidy claims: generation per settlement period (reproducible, versioned, adjustments after approval),
 * review and approval (maker-checker, budget split and queue), settlement, and reading them back.
 */
@Injectable()
export class ClaimsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly programmes: ProgrammesService,
    private readonly earnings: EarningsService,
    private readonly queue: QueueService,
    private readonly ledger: LedgerService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly funds: FundsService,
    private readonly store: ClaimsStore = new ClaimsStore(),
  ) {}

  /**
   * Generates the claims of one settlement period, one per payee (PAY_BANK: the bank of a covered loan, or the
   * village fund that lent a mutual-aid loan; REIMBURSE_BORROWER: a batch of borrowers per bank or fund):
   * - no claim of the group approved yet: an ORIGINAL with every final period (earned or forfeited); a DRAFT
   *   with the same content is kept (UNCHANGED), one with other content is superseded by a new version;
   * - otherwise: an ADJUSTMENT with the difference between what each period earns now and what approved claims
   *   claimed for it (positive or negative lines); an approved claim is never edited.
   * Periods still within their grace and unpaid are left for a later generation (counted as pending).
   */
  async generate(
    programmeId: string,
    input: { periodEnd: string; asOf?: string },
  ): Promise<GenerationResult> {
    const today = this.clock.today();
    const asOf = input.asOf ?? today;
    const errors = generationRequestErrors(input.periodEnd, asOf, today);
    if (errors.length) throw new DomainError('VALIDATION_FAILED', 'invalid claim generation request', errors);

    const generatedBy = actorName();
    return this.dataSource.transaction(async (m) => {
      const p = await this.programmes.lock(m, programmeId);
      const period = periodEnding(input.periodEnd, calendarOf(p));
      const refusal = generationRefusal(p, period, asOf);
      if (refusal || !period) {
        throw new DomainError(
          refusal!.code,
          `cannot generate claims: ${refusal!.errors.map((r) => r.message).join('; ')}`,
          refusal!.errors,
        );
      }

      const loans = await this.earnings.programmeLoans(m, p, period.start, period.end);
      const periods = await this.earnings.periods(m, loans, p.grace_days, asOf);
      const existingPayees = await this.store.payeesOfPeriod(m, p.id, period.end);
      const ordered = payeeGroups(loans, periods, period, existingPayees);
      const result: GenerationResult = { programmeId: p.id, period, asOf, claims: [] };
      for (const g of ordered) {
        const group: ClaimGroup = {
          programmeId: p.id,
          periodStart: period.start,
          periodEnd: period.end,
          budgetYear: period.year,
          settlementMode: p.settlement_mode,
          payeeType: g.payeeType,
          payeeId: g.payeeId,
        };
        const outcome = await this.generateGroup(m, group, g.lines, g.pendingKeys, asOf, generatedBy);
        result.claims.push({ ...outcome, payee: { type: g.payeeType, id: g.payeeId } });
      }
      return result;
    });
  }

  private async generateGroup(
    m: EntityManager,
    group: ClaimGroup,
    current: ClaimLine[],
    pendingKeys: Set<string>,
    asOf: string,
    generatedBy: string,
  ): Promise<{ action: GenerationAction; claim: ClaimView | null }> {
    const existing = await this.store.lockGroup(m, group);
    const draft = existing.find((c) => c.status === 'DRAFT');
    const approved = existing.filter(
      (c) => c.kind !== 'REMAINDER' && (c.status === 'APPROVED' || c.status === 'PAID'),
    );
    const claimed = approved.length
      ? await this.store.claimedByInstalment(
          m,
          approved.map((c) => c.id),
        )
      : [];
    const content = claimContent(current, approved.length > 0, claimed, pendingKeys, hashContent);
    const action = generationAction(draft, content);
    if (action === 'UNCHANGED') return { action, claim: claimView(draft!) };
    if (action === 'NOTHING_TO_CLAIM') return { action, claim: null };
    const { kind, lines, hash } = content;

    const id = await this.store.nextId(m);
    if (draft) await this.store.supersede(m, draft.id, id);
    const row = await this.store.insert(
      m,
      { group, kind, status: 'DRAFT', pendingCount: pendingKeys.size, asOf, generatedBy },
      lines,
      { id, hash },
    );
    await this.audit.record(m, {
      action: 'SUBSIDY_CLAIM_GENERATED',
      entityType: 'subsidy_claim',
      entityId: row.id,
      before: draft
        ? {
            supersededClaim: draft.id,
            contentHash: draft.content_hash,
            total: formatYuan(BigInt(draft.total_fen)),
          }
        : null,
      after: { ...claimView(row), generation: action },
    });
    return { action, claim: claimView(row) };
  }

  /**
   * Approves a DRAFT claim (FUND_ADMIN, not the one who generated it): one transaction, programme row locked
   * first, the ledger entry keyed by the claim, so approving twice (even at once) posts once; beyond the year's
   * budget the claim is split into the part paid and a QUEUED remainder.
   */
  async approve(claimId: string, idempotencyKey: string): Promise<ClaimDetail> {
    const head = await this.headOf(claimId);
    const approver = actorName();
    const today = this.clock.today();
    const { result } = await transaction(this.dataSource, (m) =>
      runIdempotent(m, APPROVE_SCOPE, idempotencyKey, { claimId: head.id }, async () => {
        const p = await this.programmes.lock(m, head.programme_id);
        const claim = await this.store.lock(m, head.id);
        refuse(approvalRefusal(claim, approver));
        const after = await this.queue.approveLocked(m, p, claim, approver, today);
        // a clawback lowers what the year committed and brings money back: the queue runs, oldest claim first
        if (BigInt(after.total_fen) < 0n) await this.queue.run(m, p, today);
        return this.detail(m, after);
      }),
    );
    return result;
  }

  /**
   * Records that an approved claim was paid out (PAYABLE ↓ / SETTLEMENT ↓), or that a clawback was received back
   * (BUDGET ↑ / PAYABLE ↑; the queue then runs, since money came in). The claim is then PAID and never changes.
   *
   * A PAY_BANK claim whose payee is a village mutual-aid fund pays money that stays inside the engine: the same
   * entry also posts the fund's side, CASH ↑ / FEE_INCOME ↑ (a clawback: FEE_INCOME ↓ / CASH ↓, refused with
   * FUND_INSUFFICIENT_CASH when the fund's cash is short). Locks: programme row, claim row, then the fund row
   * (FundsService.lockFund: every operation that lowers the fund's cash takes it, so the cash check holds), then the
   * ledger accounts in id order; a clawback then runs the queue. A bank payee's money leaves the engine.
   */
  async settle(
    claimId: string,
    input: { paidOn?: string; paymentRef: string },
    idempotencyKey: string,
  ): Promise<ClaimDetail & { queue: QueueRun | null }> {
    const today = this.clock.today();
    const paidOn = input.paidOn ?? today;
    const errors = settlementInputErrors(paidOn, input.paymentRef, today);
    if (errors.length) throw new DomainError('VALIDATION_FAILED', 'invalid settlement', errors);
    const head = await this.headOf(claimId);
    const { result } = await transaction(this.dataSource, (m) =>
      runIdempotent(
        m,
        SETTLE_SCOPE,
        idempotencyKey,
        { claimId: head.id, paidOn, paymentRef: input.paymentRef.trim() },
        async () => {
          const p = await this.programmes.lock(m, head.programme_id);
          const claim = await this.store.lock(m, head.id);
          refuse(
            settlementRefusal({ ...claim, approved_on: await this.store.approvalDate(m, claim.id) }, paidOn),
          );
          const amount = settledAmount(claim);
          const fundSide = await this.fundSideOf(m, claim, amount);
          const a = programmeAccounts(p.id);
          const payable = payableAccount(a, claim.settlement_mode);
          const { entryId } = await this.ledger.post(m, {
            idempotencyKey: `subsidy:claim:${claim.id}:settlement`,
            code: 'SUBSIDY_CLAIM_SETTLEMENT',
            valueDate: paidOn,
            memo: `subsidy claim ${claim.claim_no} ${amount > 0n ? 'paid' : 'clawback received'}${fundSide ? ` (fund ${fundSide.fundId} ${amount > 0n ? 'receives' : 'pays back'})` : ''}: ${input.paymentRef.trim()}`,
            lines: [...settlementLines(a, payable, amount), ...(fundSide?.lines ?? [])],
          });
          await this.store.markPaid(m, claim.id, {
            paidOn,
            paymentRef: input.paymentRef.trim(),
            paidBy: actorName(),
            entryId,
          });
          const after = (await this.store.find(m, claim.id))!;
          await this.audit.record(m, {
            action: 'SUBSIDY_CLAIM_SETTLED',
            entityType: 'subsidy_claim',
            entityId: claim.id,
            before: { status: claim.status },
            after: fundSide
              ? { ...claimView(after), fundPosting: { fundId: fundSide.fundId, amount: formatYuan(amount) } }
              : claimView(after),
          });
          const queue = amount < 0n ? await this.queue.run(m, p, today) : null;
          return { ...(await this.detail(m, after)), queue };
        },
      ),
    );
    return result;
  }

  /**
   * The fund's side of a settlement, for a PAY_BANK claim paid to a village mutual-aid fund (null for a bank payee,
   * whose money leaves the engine, and for REIMBURSE_BORROWER, whose money goes to the borrowers). Locks the fund row
   * (after the programme and the claim) and checks, under that lock, that a closed fund is not paid and that the
   * fund has the cash a clawback takes back.
   */
  private async fundSideOf(
    m: EntityManager,
    claim: ClaimRow,
    amount: bigint,
  ): Promise<{ fundId: string; lines: PostingLine[] } | null> {
    if (claim.settlement_mode !== 'PAY_BANK' || claim.payee_type !== 'FUND' || claim.fund_id === null)
      return null;
    const fund = await this.funds.lockFund(m, claim.fund_id);
    if (fund.status === 'CLOSED') {
      throw new DomainError(
        'FUND_CLOSED',
        `claim ${claim.claim_no} is payable to fund ${fund.id} (${fund.name}), which is closed: it holds no money any more`,
        [{ field: 'fundId', code: 'FUND_CLOSED', message: `fund ${fund.id} is closed` }],
        { fundId: fund.id },
      );
    }
    if (amount < 0n) {
      const cash = await this.ledger.balanceOf(m, fund.accounts.cash);
      if (cash < -amount) {
        throw new DomainError(
          'FUND_INSUFFICIENT_CASH',
          `clawback ${claim.claim_no} of ${formatYuan(-amount)} refused: fund ${fund.id} (${fund.name}) has ${formatYuan(cash)} cash`,
          [
            {
              field: 'amount',
              code: 'FUND_INSUFFICIENT_CASH',
              message: `the fund has ${formatYuan(cash)} cash, the clawback is ${formatYuan(-amount)}`,
            },
          ],
          { fundId: fund.id, cash: formatYuan(cash), clawback: formatYuan(-amount) },
        );
      }
    }
    return { fundId: fund.id, lines: subsidyReceiptLines(fund.accounts, amount) };
  }

  /** A claim's row without lock (to find its programme), with the bank scope applied. */
  private async headOf(claimId: string): Promise<ClaimRow> {
    const row = ID.test(claimId) ? await this.store.find(this.dataSource.manager, claimId) : undefined;
    const bank = ownBank();
    if (!row || (bank !== null && row.bank_id !== bank))
      throw new DomainError('NOT_FOUND', `subsidy claim ${claimId} not found`);
    return row;
  }

  async get(claimId: string): Promise<ClaimDetail> {
    return this.detail(this.dataSource.manager, await this.headOf(claimId));
  }

  private async detail(m: EntityManager, r: ClaimRow): Promise<ClaimDetail> {
    const names = await this.store.names(m, r);
    const remainder = r.remainder_claim_id ? await this.store.find(m, r.remainder_claim_id) : undefined;
    return {
      ...claimView(r),
      programmeCode: names.programme_code,
      payeeName: names.payee_name,
      remainder: remainder ? claimView(remainder) : null,
    };
  }

  async list(filter: ClaimFilter, page: PageQuery): Promise<Page<ClaimView> & { totalAmount: string }> {
    const m = this.dataSource.manager;
    const scoped = { ...filter, bankScope: ownBank() };
    const { total, sum } = await this.store.totals(m, scoped);
    const rows = await this.store.page(m, scoped, page);
    return {
      items: rows.map(claimView),
      page: page.page,
      pageSize: page.pageSize,
      total,
      totalAmount: formatYuan(BigInt(sum)),
    };
  }

  async lines(claimId: string, filter: LineFilter, page: PageQuery): Promise<Page<ClaimLineView>> {
    const claim = await this.headOf(claimId);
    const m = this.dataSource.manager;
    const total = await this.store.countLines(m, claim.id, filter);
    const items = (await this.store.lineFacts(m, claim.id, filter, page)).map(claimLineView);
    return { items, page: page.page, pageSize: page.pageSize, total };
  }

  /** Every line of a claim (for exports). */
  async allLines(claimId: string): Promise<{ claim: ClaimDetail; lines: ClaimLineView[] }> {
    const claim = await this.get(claimId);
    const lines = (await this.store.lineFacts(this.dataSource.manager, claim.id, {}, null)).map(
      claimLineView,
    );
    return { claim, lines };
  }

  /** Claim lines as stored (for tests and other libraries). */
  async storedLines(claimId: string) {
    return this.store.lines(this.dataSource.manager, (await this.headOf(claimId)).id);
  }
}

function refuse(r: Refusal | null): void {
  if (r) throw new DomainError(r.code, r.detail, r.errors, r.extra);
}
