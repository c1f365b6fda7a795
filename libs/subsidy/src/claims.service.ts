import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import {
  Clock,
  DomainError,
  offsetOf,
  queryOne,
  queryRows,
  RequestContext,
  runIdempotent,
  type FieldError,
  type Page,
  type PageQuery,
} from '#libs/common';
import { FundsService, subsidyReceiptLines } from '#libs/funds';
import { LedgerService, type PostingLine } from '#libs/ledger';
import { formatYuan } from '#libs/money';
import { normalizePercent } from '#libs/products';
import { isBusinessDate } from '#libs/schedules';
import {
  claimLines,
  claimView,
  groupKey,
  insertClaim,
  SELECT_CLAIM,
  type ClaimGroup,
  type ClaimRow,
  type ClaimView,
} from './claim-store.js';
import { programmeAccounts } from './domain/accounts.js';
import { periodEnding, type SettlementPeriod } from './domain/calendar.js';
import {
  adjustmentLines,
  claimContentHash,
  lineKey,
  orderLines,
  type ClaimKind,
  type ClaimLine,
  type ClaimStatus,
} from './domain/claims.js';
import { EarningsService, lineOf } from './earnings.service.js';
import { calendarOf } from './domain/programme-view.js';
import { actorName, ProgrammesService } from './programmes.service.js';
import { QueueService, type QueueRun } from './queue.service.js';

export type GenerationAction = 'CREATED' | 'UNCHANGED' | 'VERSIONED' | 'ADJUSTMENT' | 'NOTHING_TO_CLAIM';

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

export interface ClaimLineView {
  lineNo: number;
  loanId: string;
  loanNo: string;
  bankLoanRef: string | null;
  borrower: string;
  installmentNumber: number;
  periodStart: string;
  dueDate: string;
  days: number;
  policyType: string;
  ratePercent: string;
  balance: string;
  basis: string;
  yearShare: string;
  interest: string;
  originalInterest: string;
  interestPaid: string;
  interestPaidOn: string | null;
  computed: string;
  outcome: 'EARNED' | 'FORFEITED';
  forfeitReason: string | null;
  earned: string;
  forfeited: string;
  claimedBefore: string;
  subsidy: string;
}

const ID = /^[1-9]\d{0,17}$/;
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
    const errors: FieldError[] = [];
    if (!isBusinessDate(input.periodEnd))
      errors.push({ field: 'periodEnd', code: 'FORMAT', message: 'periodEnd must be a date YYYY-MM-DD' });
    if (!isBusinessDate(asOf))
      errors.push({ field: 'asOf', code: 'FORMAT', message: 'asOf must be a date YYYY-MM-DD' });
    else if (asOf > today)
      errors.push({ field: 'asOf', code: 'FUTURE', message: `asOf may not be after today (${today})` });
    if (errors.length) throw new DomainError('VALIDATION_FAILED', 'invalid claim generation request', errors);

    const generatedBy = actorName();
    return this.dataSource.transaction(async (m) => {
      const p = await this.programmes.lock(m, programmeId);
      const period = periodEnding(input.periodEnd, calendarOf(p));
      const rules: FieldError[] = [];
      if (!period) {
        rules.push({
          field: 'periodEnd',
          code: 'NOT_A_PERIOD_END',
          message: `periods of programme ${p.code} end on day ${p.period_end_day} of months ${p.period_end_months.join(', ')}`,
        });
      } else if (asOf <= period.end) {
        rules.push({
          field: 'periodEnd',
          code: 'NOT_ENDED',
          message: `the period ending ${period.end} has not ended on ${asOf}`,
        });
      }
      if (p.status !== 'ACTIVE')
        rules.push({ field: 'programmeId', code: 'CLOSED', message: `programme ${p.code} is closed` });
      if (rules.length || !period) {
        throw new DomainError(
          p.status !== 'ACTIVE' ? 'SUBSIDY_PROGRAMME_CLOSED' : 'SUBSIDY_PERIOD_INVALID',
          `cannot generate claims: ${rules.map((r) => r.message).join('; ')}`,
          rules,
        );
      }

      const loans = await this.earnings.programmeLoans(m, p, period.start, period.end);
      const periods = await this.earnings.periods(m, loans, p.grace_days, asOf);
      interface Group {
        payeeType: 'BANK' | 'FUND';
        payeeId: string;
        lines: ClaimLine[];
        pendingKeys: Set<string>;
      }
      const groups = new Map<string, Group>();
      const groupOf = (payeeType: 'BANK' | 'FUND', payeeId: string) => {
        const key = groupKey({ payeeType, payeeId });
        let g = groups.get(key);
        if (!g) groups.set(key, (g = { payeeType, payeeId, lines: [], pendingKeys: new Set() }));
        return g;
      };
      for (const loan of loans) {
        const g = groupOf(loan.payeeType, loan.payeeId);
        for (const ps of periods.get(loan.id) ?? []) {
          if (ps.dueDate < period.start || ps.dueDate > period.end) continue;
          if (ps.outcome === 'PENDING') g.pendingKeys.add(`${loan.id}:${ps.number}`);
          else g.lines.push(lineOf(loan, ps));
        }
      }
      // payees with claims already in this period take part even when no loan of theirs is in it any more
      const existingGroups = await queryRows<{ payee_type: 'BANK' | 'FUND'; payee_id: string }>(
        m,
        `SELECT DISTINCT payee_type, coalesce(bank_id, fund_id)::text AS payee_id FROM subsidy_claims WHERE programme_id = $1 AND period_end = $2`,
        [p.id, period.end],
      );
      for (const e of existingGroups) groupOf(e.payee_type, e.payee_id);

      const ordered = [...groups.values()].sort((a, b) =>
        a.payeeType !== b.payeeType
          ? a.payeeType < b.payeeType
            ? -1
            : 1
          : Number(BigInt(a.payeeId) - BigInt(b.payeeId)),
      );
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
    const existing = await queryRows<ClaimRow>(
      m,
      `${SELECT_CLAIM} WHERE c.programme_id = $1 AND c.period_end = $2 AND c.payee_type = $3 AND coalesce(c.bank_id, c.fund_id) = $4
        ORDER BY c.version FOR UPDATE OF c`,
      [group.programmeId, group.periodEnd, group.payeeType, group.payeeId],
    );
    const draft = existing.find((c) => c.status === 'DRAFT');
    const approved = existing.filter(
      (c) => c.kind !== 'REMAINDER' && (c.status === 'APPROVED' || c.status === 'PAID'),
    );
    let kind: ClaimKind;
    let lines: ClaimLine[];
    if (!approved.length) {
      kind = 'ORIGINAL';
      // a period without interest charged (after a payoff) has nothing to subsidise or forfeit
      lines = orderLines(current.filter((l) => l.interestFen > 0n));
    } else {
      kind = 'ADJUSTMENT';
      const claimed = await queryRows<{ loan_id: string; installment_number: number; fen: string }>(
        m,
        `SELECT loan_id::text, installment_number, sum(subsidy_fen)::text AS fen FROM subsidy_claim_lines
          WHERE claim_id = ANY($1::bigint[]) GROUP BY loan_id, installment_number`,
        [approved.map((c) => c.id)],
      );
      const claimedMap = new Map<string, bigint>();
      // a period back within its grace (a reversed payment) is settled by a later generation, once final
      for (const c of claimed) {
        const key = lineKey({ loanId: c.loan_id, installmentNumber: c.installment_number });
        if (!pendingKeys.has(key)) claimedMap.set(key, BigInt(c.fen));
      }
      lines = adjustmentLines(current, claimedMap);
    }
    const hash = claimContentHash(kind, lines);
    if (draft && draft.kind === kind && draft.content_hash === hash)
      return { action: 'UNCHANGED', claim: claimView(draft) };
    if (!draft && !lines.length) return { action: 'NOTHING_TO_CLAIM', claim: null };

    const [{ id }] = await queryRows<{ id: string }>(
      m,
      `SELECT nextval(pg_get_serial_sequence('subsidy_claims', 'id'))::text AS id`,
    );
    if (draft) {
      await m.query(
        `UPDATE subsidy_claims SET status = 'SUPERSEDED', superseded_by = $2, updated_at = now() WHERE id = $1`,
        [draft.id, id],
      );
    }
    const row = await insertClaim(
      m,
      { group, kind, status: 'DRAFT', pendingCount: pendingKeys.size, asOf, generatedBy },
      lines,
      { id, hash },
    );
    const action: GenerationAction = draft ? 'VERSIONED' : kind === 'ADJUSTMENT' ? 'ADJUSTMENT' : 'CREATED';
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
    const { result } = await this.dataSource.transaction((m) =>
      runIdempotent(m, APPROVE_SCOPE, idempotencyKey, { claimId: head.id }, async () => {
        const p = await this.programmes.lock(m, head.programme_id);
        const claim = (await queryOne<ClaimRow>(m, `${SELECT_CLAIM} WHERE c.id = $1 FOR UPDATE OF c`, [
          head.id,
        ]))!;
        if (claim.status !== 'DRAFT') {
          throw new DomainError(
            'SUBSIDY_CLAIM_STATE_CONFLICT',
            claim.status === 'QUEUED'
              ? `claim ${claim.claim_no} is a queued remainder: it is paid when budget or money arrives`
              : `claim ${claim.claim_no} is ${claim.status}: only a DRAFT claim is approved`,
            [{ field: 'status', code: claim.status, message: `claim is ${claim.status}` }],
            { claimStatus: claim.status },
          );
        }
        if (claim.generated_by === approver) {
          throw new DomainError(
            'SUBSIDY_SAME_APPROVER',
            `claim ${claim.claim_no} was generated by ${approver}: another administrator approves it`,
            [
              {
                field: 'approvedBy',
                code: 'MAKER_CHECKER',
                message: 'the approver must differ from the one who generated the claim',
              },
            ],
          );
        }
        const after = await this.queue.approveLocked(m, p, claim, approver, today);
        // a clawback lowers what the year committed: budget freed for claims queued behind it
        if (BigInt(after.total_fen) < 0n) await this.queue.run(m, p, after.budget_year, today);
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
    const errors: FieldError[] = [];
    if (!isBusinessDate(paidOn))
      errors.push({ field: 'paidOn', code: 'FORMAT', message: 'paidOn must be a date YYYY-MM-DD' });
    else if (paidOn > today)
      errors.push({ field: 'paidOn', code: 'FUTURE', message: `paidOn may not be after today (${today})` });
    if (!input.paymentRef || !input.paymentRef.trim())
      errors.push({ field: 'paymentRef', code: 'REQUIRED', message: 'the payment reference is required' });
    if (errors.length) throw new DomainError('VALIDATION_FAILED', 'invalid settlement', errors);
    const head = await this.headOf(claimId);
    const { result } = await this.dataSource.transaction((m) =>
      runIdempotent(
        m,
        SETTLE_SCOPE,
        idempotencyKey,
        { claimId: head.id, paidOn, paymentRef: input.paymentRef.trim() },
        async () => {
          const p = await this.programmes.lock(m, head.programme_id);
          const claim = (await queryOne<ClaimRow>(m, `${SELECT_CLAIM} WHERE c.id = $1 FOR UPDATE OF c`, [
            head.id,
          ]))!;
          const amount = claim.approved_fen === null ? 0n : BigInt(claim.approved_fen);
          if (claim.status !== 'APPROVED' || amount === 0n) {
            throw new DomainError(
              'SUBSIDY_CLAIM_STATE_CONFLICT',
              claim.status !== 'APPROVED'
                ? `claim ${claim.claim_no} is ${claim.status}: only an APPROVED claim is settled`
                : `claim ${claim.claim_no} was approved for 0.00: nothing to settle (its remainder is queued)`,
              [{ field: 'status', code: claim.status, message: `claim is ${claim.status}` }],
              { claimStatus: claim.status },
            );
          }
          if (paidOn < claim.period_end) {
            throw new DomainError('VALIDATION_FAILED', 'a claim is settled after its period ends', [
              {
                field: 'paidOn',
                code: 'BEFORE_PERIOD_END',
                message: `paidOn must be on or after ${claim.period_end}`,
              },
            ]);
          }
          const fundSide = await this.fundSideOf(m, claim, amount);
          const a = programmeAccounts(p.id);
          const payable = claim.settlement_mode === 'PAY_BANK' ? a.payableBank : a.payableBorrower;
          const { entryId } = await this.ledger.post(m, {
            idempotencyKey: `subsidy:claim:${claim.id}:settlement`,
            code: 'SUBSIDY_CLAIM_SETTLEMENT',
            businessDate: paidOn,
            memo: `subsidy claim ${claim.claim_no} ${amount > 0n ? 'paid' : 'clawback received'}${fundSide ? ` (fund ${fundSide.fundId} ${amount > 0n ? 'receives' : 'pays back'})` : ''}: ${input.paymentRef.trim()}`,
            lines: [
              ...(amount > 0n
                ? ([
                    { account: payable, side: 'DEBIT', amountFen: amount },
                    { account: a.settlement, side: 'CREDIT', amountFen: amount },
                  ] as const)
                : ([
                    { account: a.budget, side: 'DEBIT', amountFen: -amount },
                    { account: payable, side: 'CREDIT', amountFen: -amount },
                  ] as const)),
              ...(fundSide?.lines ?? []),
            ],
          });
          await m.query(
            `UPDATE subsidy_claims SET status = 'PAID', paid_on = $2, payment_ref = $3, paid_by = $4, payment_entry_id = $5, updated_at = now()
            WHERE id = $1`,
            [claim.id, paidOn, input.paymentRef.trim(), actorName(), entryId],
          );
          const after = (await queryOne<ClaimRow>(m, `${SELECT_CLAIM} WHERE c.id = $1`, [claim.id]))!;
          await this.audit.record(m, {
            action: 'SUBSIDY_CLAIM_SETTLED',
            entityType: 'subsidy_claim',
            entityId: claim.id,
            before: { status: claim.status },
            after: fundSide
              ? { ...claimView(after), fundPosting: { fundId: fundSide.fundId, amount: formatYuan(amount) } }
              : claimView(after),
          });
          const queue = amount < 0n ? await this.queue.run(m, p, null, today) : null;
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
    const row = ID.test(claimId)
      ? await queryOne<ClaimRow>(this.dataSource.manager, `${SELECT_CLAIM} WHERE c.id = $1`, [claimId])
      : undefined;
    const bank = ownBank();
    if (!row || (bank !== null && row.bank_id !== bank))
      throw new DomainError('NOT_FOUND', `subsidy claim ${claimId} not found`);
    return row;
  }

  async get(claimId: string): Promise<ClaimDetail> {
    return this.detail(this.dataSource.manager, await this.headOf(claimId));
  }

  private async detail(m: EntityManager, r: ClaimRow): Promise<ClaimDetail> {
    const [names] = await queryRows<{ programme_code: string; payee_name: string }>(
      m,
      `SELECT p.code AS programme_code, coalesce(b.name, f.name) AS payee_name
         FROM subsidy_programmes p LEFT JOIN banks b ON b.id = $2 LEFT JOIN mutual_aid_funds f ON f.id = $3 WHERE p.id = $1`,
      [r.programme_id, r.bank_id, r.fund_id],
    );
    const remainder = r.remainder_claim_id
      ? await queryOne<ClaimRow>(m, `${SELECT_CLAIM} WHERE c.id = $1`, [r.remainder_claim_id])
      : undefined;
    return {
      ...claimView(r),
      programmeCode: names.programme_code,
      payeeName: names.payee_name,
      remainder: remainder ? claimView(remainder) : null,
    };
  }

  async list(filter: ClaimFilter, page: PageQuery): Promise<Page<ClaimView> & { totalAmount: string }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const bank = ownBank();
    if (bank !== null) where.push(`c.bank_id = $${params.push(bank)}`);
    if (filter.programmeId) where.push(`c.programme_id = $${params.push(filter.programmeId)}`);
    if (filter.periodEnd) where.push(`c.period_end = $${params.push(filter.periodEnd)}`);
    if (filter.budgetYear !== undefined) where.push(`c.budget_year = $${params.push(filter.budgetYear)}`);
    if (filter.status) where.push(`c.status = $${params.push(filter.status)}`);
    if (filter.kind) where.push(`c.kind = $${params.push(filter.kind)}`);
    if (filter.payeeType) where.push(`c.payee_type = $${params.push(filter.payeeType)}`);
    if (filter.bankId) where.push(`c.bank_id = $${params.push(filter.bankId)}`);
    if (filter.fundId) where.push(`c.fund_id = $${params.push(filter.fundId)}`);
    if (filter.from) where.push(`c.period_end >= $${params.push(filter.from)}`);
    if (filter.to) where.push(`c.period_end <= $${params.push(filter.to)}`);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const m = this.dataSource.manager;
    const [{ total, sum }] = await queryRows<{ total: number; sum: string }>(
      m,
      `SELECT count(*)::int AS total, coalesce(sum(total_fen), 0)::text AS sum FROM subsidy_claims c ${clause}`,
      params,
    );
    const rows = await queryRows<ClaimRow>(
      m,
      `${SELECT_CLAIM} ${clause} ORDER BY c.period_end DESC, c.id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
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
    const where = ['cl.claim_id = $1'];
    const params: unknown[] = [claim.id];
    if (filter.outcome) where.push(`cl.outcome = $${params.push(filter.outcome)}`);
    if (filter.forfeitReason) where.push(`cl.forfeit_reason = $${params.push(filter.forfeitReason)}`);
    if (filter.loanId) where.push(`cl.loan_id = $${params.push(filter.loanId)}`);
    const m = this.dataSource.manager;
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM subsidy_claim_lines cl WHERE ${where.join(' AND ')}`,
      params,
    );
    const items = await this.lineViews(m, where.join(' AND '), params, page.pageSize, offsetOf(page));
    return { items, page: page.page, pageSize: page.pageSize, total };
  }

  /** Every line of a claim (for exports). */
  async allLines(claimId: string): Promise<{ claim: ClaimDetail; lines: ClaimLineView[] }> {
    const claim = await this.get(claimId);
    const lines = await this.lineViews(this.dataSource.manager, 'cl.claim_id = $1', [claim.id], null, 0);
    return { claim, lines };
  }

  private async lineViews(
    m: EntityManager,
    where: string,
    params: unknown[],
    limit: number | null,
    offset: number,
  ): Promise<ClaimLineView[]> {
    const rows = await queryRows<Record<string, string | number | null>>(
      m,
      `SELECT cl.line_no, cl.loan_id::text, l.loan_no, l.bank_loan_ref, coalesce(h.head_name, e.name) AS borrower, cl.installment_number,
              cl.period_start, cl.due_date, cl.days, cl.policy_type, cl.subsidy_rate_percent::text, cl.balance_fen::text, cl.basis_fen::text,
              cl.year_share, cl.interest_fen::text, cl.original_interest_fen::text, cl.interest_paid_fen::text, cl.interest_paid_on,
              cl.computed_fen::text, cl.outcome, cl.forfeit_reason, cl.earned_fen::text, cl.forfeited_fen::text,
              cl.claimed_before_fen::text, cl.subsidy_fen::text
         FROM subsidy_claim_lines cl
         JOIN loans l ON l.id = cl.loan_id
         LEFT JOIN households h ON h.id = l.household_id
         LEFT JOIN operating_entities e ON e.id = l.entity_id
        WHERE ${where} ORDER BY cl.line_no ${limit === null ? '' : `LIMIT ${limit} OFFSET ${offset}`}`,
      params,
    );
    const y = (v: string | number | null) => formatYuan(BigInt(v as string));
    return rows.map((r) => ({
      lineNo: r.line_no as number,
      loanId: r.loan_id as string,
      loanNo: r.loan_no as string,
      bankLoanRef: r.bank_loan_ref as string | null,
      borrower: r.borrower as string,
      installmentNumber: r.installment_number as number,
      periodStart: r.period_start as string,
      dueDate: r.due_date as string,
      days: r.days as number,
      policyType: r.policy_type as string,
      ratePercent: normalizePercent(r.subsidy_rate_percent as string),
      balance: y(r.balance_fen),
      basis: y(r.basis_fen),
      yearShare: r.year_share as string,
      interest: y(r.interest_fen),
      originalInterest: y(r.original_interest_fen),
      interestPaid: y(r.interest_paid_fen),
      interestPaidOn: r.interest_paid_on as string | null,
      computed: y(r.computed_fen),
      outcome: r.outcome as 'EARNED' | 'FORFEITED',
      forfeitReason: r.forfeit_reason as string | null,
      earned: y(r.earned_fen),
      forfeited: y(r.forfeited_fen),
      claimedBefore: y(r.claimed_before_fen),
      subsidy: y(r.subsidy_fen),
    }));
  }

  /** Claim lines as stored (for tests and other libraries). */
  async storedLines(claimId: string) {
    return claimLines(this.dataSource.manager, (await this.headOf(claimId)).id);
  }
}
