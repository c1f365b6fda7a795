import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import {
  DomainError,
  offsetOf,
  RequestContext,
  runIdempotent,
  type FieldError,
  type IdempotentResult,
  type Page,
  type PageQuery,
} from '#libs/common';
import { LedgerService } from '#libs/ledger';
import { allocate, formatYuan, parseDecimal, yuan } from '#libs/money';
import { actorName, assertOwnBank, scopedBankId } from './bank-scope.js';
import { BreakerService } from './breaker.service.js';
import { CoveredLoansService, coveredLoanView } from './covered-loans.service.js';
import { riskFundMoneyAccounts } from './domain/accounts.js';
import { trimDecimal } from './domain/covers.js';
import { GuaranteeService } from './guarantee.service.js';
import { updateReturning } from './store/sql.js';

interface ClaimRow {
  id: string;
  claim_no: string;
  loan_id: string;
  agreement_id: string;
  risk_fund_id: string;
  bank_id: string;
  mode: 'ADVANCE' | 'FINAL_LOSS';
  days_overdue: number;
  principal_fen: string;
  interest_fen: string;
  fund_share_percent: string;
  bank_share_percent: string;
  fund_amount_fen: string;
  bank_amount_fen: string;
  status: 'FILED' | 'PAID' | 'REJECTED';
  filed_on: string;
  filed_by: string;
  decided_by: string | null;
  decided_at: Date | null;
  decision_reason: string | null;
  paid_on: string | null;
  entry_id: string | null;
  cover_entry_id: string | null;
  recovered_fen: string;
  fund_recovered_fen: string;
  created_at: Date;
  updated_at: Date;
  version: number;
}

const CLAIM_COLUMNS = `id, claim_no, loan_id, agreement_id, risk_fund_id, bank_id, mode, days_overdue, principal_fen, interest_fen,
  fund_share_percent::text AS fund_share_percent, bank_share_percent::text AS bank_share_percent, fund_amount_fen, bank_amount_fen,
  status, to_char(filed_on, 'YYYY-MM-DD') AS filed_on, filed_by, decided_by, decided_at, decision_reason,
  to_char(paid_on, 'YYYY-MM-DD') AS paid_on, entry_id, cover_entry_id, recovered_fen, fund_recovered_fen, created_at, updated_at, version`;

const f = (s: string | null) => formatYuan(BigInt(s ?? '0'));

export function claimView(r: ClaimRow) {
  return {
    id: r.id,
    claimNo: r.claim_no,
    loanId: r.loan_id,
    agreementId: r.agreement_id,
    riskFundId: r.risk_fund_id,
    bankId: r.bank_id,
    mode: r.mode,
    daysOverdue: r.days_overdue,
    principal: f(r.principal_fen),
    interest: f(r.interest_fen),
    claimed: formatYuan(BigInt(r.principal_fen) + BigInt(r.interest_fen)),
    fundSharePercent: trimDecimal(r.fund_share_percent),
    bankSharePercent: trimDecimal(r.bank_share_percent),
    fundAmount: f(r.fund_amount_fen),
    bankAmount: f(r.bank_amount_fen),
    status: r.status,
    filedOn: r.filed_on,
    filedBy: r.filed_by,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at,
    decisionReason: r.decision_reason,
    paidOn: r.paid_on,
    entryId: r.entry_id,
    coverEntryId: r.cover_entry_id,
    recovered: f(r.recovered_fen),
    fundRecovered: f(r.fund_recovered_fen),
    version: r.version,
  };
}
export type ClaimView = ReturnType<typeof claimView>;

/** "80.00" → 8000n: the loss shares as integers of one scale, the ratios `allocate` splits by. */
export function shareRatios(fundPercent: string, bankPercent: string): [bigint, bigint] {
  const a = parseDecimal(fundPercent);
  const b = parseDecimal(bankPercent);
  if (!a || !b) throw new RangeError('loss shares must be decimals');
  const scale = a.scale > b.scale ? a.scale : b.scale;
  const up = (d: { units: bigint; scale: number }) => d.units * 10n ** BigInt(scale - d.scale);
  return [up(a), up(b)];
}

/**
 * Every reason a loan cannot be claimed now, all at once (empty = eligible). Pure: the caller reads the facts
 * under its locks.
 */
export function claimProblems(facts: {
  loanStatus: string;
  coverStatus: string | null;
  mode: 'ADVANCE' | 'FINAL_LOSS';
  daysOverdue: number;
  triggerDays: number;
  recoveryExhausted: boolean;
  liveClaimNo: string | null;
}): FieldError[] {
  const out: FieldError[] = [];
  if (facts.loanStatus !== 'DISBURSED' || facts.coverStatus !== 'ACTIVE') {
    out.push({
      field: 'loanId',
      code: 'LOAN_NOT_COVERED',
      message: `the loan is ${facts.loanStatus} with cover ${facts.coverStatus ?? 'none'}: only a disbursed loan under active cover can be claimed`,
    });
  }
  // SPEC §2.2: compensation starts at the trigger (90 days) in both modes; FINAL_LOSS further waits for the bank's
  // recovery efforts, it never pays earlier (a bank cannot end recovery on a current loan and claim it).
  if (facts.daysOverdue < facts.triggerDays) {
    out.push({
      field: 'loanId',
      code: 'OVERDUE_BELOW_TRIGGER',
      message:
        facts.mode === 'ADVANCE'
          ? `the loan is ${facts.daysOverdue} days overdue; the agreement compensates in advance at ${facts.triggerDays}`
          : `the loan is ${facts.daysOverdue} days overdue; the agreement compensates a final loss from ${facts.triggerDays}`,
    });
  }
  if (facts.mode === 'FINAL_LOSS' && !facts.recoveryExhausted) {
    out.push({
      field: 'loanId',
      code: 'RECOVERY_NOT_EXHAUSTED',
      message:
        'the agreement compensates the final loss: the bank must first report its recovery efforts exhausted',
    });
  }
  if (facts.liveClaimNo !== null) {
    out.push({
      field: 'loanId',
      code: 'ALREADY_CLAIMED',
      message: `claim ${facts.liveClaimNo} already covers this loan`,
    });
  }
  return out;
}

/**
 * Compensation (SPEC §2.2): the bank claims for a covered loan past the agreement's trigger; the fund's share of
 * the outstanding covered principal plus the unpaid interest due is split exactly by the loss share (allocate);
 * a FUND_ADMIN's approval pays it from the fund in one transaction: the covered principal leaves exposure
 * (release), the money leaves the fund (COMPENSATION_EXPENSE ↑ / BALANCE ↓) and the cover side follows
 * (coverOutflow, with SHORTFALL when the freed backing is not enough). Recoveries the bank makes later come back
 * by the same ratio (BALANCE ↑ / RECOVERY_INCOME ↑, cover inflow).
 *
 * Lock order: the risk fund first (it serialises everything that moves a district's money or cover), then the
 * claim, the loan, the cover, the ledger accounts.
 */
@Injectable()
export class CompensationService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly guarantee: GuaranteeService,
    private readonly loans: CoveredLoansService,
    private readonly breaker: BreakerService,
    private readonly ledger: LedgerService,
    private readonly audit: AuditService,
  ) {}

  async file(
    loanId: string,
    memo: string | undefined,
    idempotencyKey: string,
  ): Promise<IdempotentResult<ClaimView>> {
    const bankId = scopedBankId();
    if (bankId === null)
      throw new DomainError('FORBIDDEN', 'only the lending bank files a compensation claim');
    const today = this.guarantee.today();
    try {
      return await this.dataSource.transaction(async (m) => {
        const out = await runIdempotent(
          m,
          `claim-file:${bankId}`,
          idempotencyKey,
          { loanId, memo },
          async () => {
            const { loan, agreement } = await this.loans.lockLoan(m, loanId);
            const cover = await this.guarantee.cover(m, loanId);
            const [live] = (await m.query(
              `SELECT claim_no FROM compensation_claims WHERE loan_id = $1 AND status <> 'REJECTED'`,
              [loanId],
            )) as { claim_no: string }[];
            const problems = claimProblems({
              loanStatus: loan.status,
              coverStatus: cover?.status ?? null,
              mode: agreement.compensation_mode,
              daysOverdue: loan.days_overdue,
              triggerDays: agreement.trigger_days,
              recoveryExhausted: loan.flags.includes('RECOVERY_EXHAUSTED'),
              liveClaimNo: live?.claim_no ?? null,
            });
            if (problems.length) {
              throw new DomainError(
                'CLAIM_NOT_ELIGIBLE',
                `loan ${loan.bank_loan_ref} cannot be claimed: ${problems.map((p) => p.code).join(', ')}`,
                problems,
              );
            }
            // The basis: the covered principal still outstanding (in ADVANCE mode the bank accelerates the loan at
            // the trigger) and the scheduled interest due by today and not paid, from the frozen instalments.
            const principal = cover!.outstandingFen;
            const [{ interest }] = (await m.query(
              `SELECT coalesce(sum(interest_fen - paid_interest_fen), 0)::text AS interest
               FROM loan_installments WHERE loan_id = $1 AND due_date <= $2`,
              [loanId, today],
            )) as { interest: string }[];
            const interestFen = BigInt(interest);
            const [fundPart, bankPart] = allocate(
              principal + interestFen,
              shareRatios(agreement.fund_share_percent, agreement.bank_share_percent),
            );
            const [row] = (await m.query(
              `INSERT INTO compensation_claims (claim_no, loan_id, agreement_id, risk_fund_id, bank_id, mode, days_overdue, principal_fen,
                                              interest_fen, fund_share_percent, bank_share_percent, fund_amount_fen, bank_amount_fen,
                                              filed_on, filed_by, decision_reason)
             VALUES ('CC-' || to_char($13::date, 'YYYY') || '-' || lpad(nextval('compensation_claim_no_seq')::text, 6, '0'),
                     $1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)
             RETURNING ${CLAIM_COLUMNS}`,
              [
                loanId,
                agreement.id,
                agreement.risk_fund_id,
                loan.bank_id,
                agreement.compensation_mode,
                loan.days_overdue,
                principal.toString(),
                interestFen.toString(),
                agreement.fund_share_percent,
                agreement.bank_share_percent,
                fundPart.toString(),
                bankPart.toString(),
                today,
                actorName(),
                null,
              ],
            )) as ClaimRow[];
            await this.loans.event(
              m,
              loanId,
              'COMPENSATION_CLAIMED',
              loan.status,
              loan.status,
              memo ?? null,
              {
                claimNo: row.claim_no,
                fundAmount: formatYuan(fundPart),
              },
            );
            await this.audit.record(m, {
              action: 'COMPENSATION_CLAIM_FILED',
              entityType: 'compensation_claim',
              entityId: row.id,
              after: { ...claimView(row), memo: memo ?? null },
            });
            return claimView(row);
          },
        );
        return out;
      });
    } catch (e) {
      if (
        typeof e === 'object' &&
        e !== null &&
        (e as { constraint?: string }).constraint === 'compensation_claims_one_per_loan'
      ) {
        throw new DomainError('CLAIM_NOT_ELIGIBLE', `loan ${loanId} is already claimed`, [
          { field: 'loanId', code: 'ALREADY_CLAIMED', message: 'a claim already covers this loan' },
        ]);
      }
      throw e;
    }
  }

  /**
   * Pays a filed claim. Approving twice pays once: the claim row is locked and must be FILED, and every entry key
   * is derived from the claim id, so even a path that forgot the status check could not post twice.
   */
  async approve(claimId: string, idempotencyKey: string): Promise<IdempotentResult<ClaimView>> {
    const today = this.guarantee.today();
    return this.dataSource.transaction(async (m) => {
      const out = await runIdempotent(m, 'claim-approve', idempotencyKey, { claimId }, async () => {
        const { claim, districtId } = await this.lockClaim(m, claimId);
        this.assertFundSide(claim);
        if (claim.status !== 'FILED') throw this.stateConflict(claim, 'FILED');
        const { loan } = await this.loans.lockLoan(m, claim.loan_id);
        const cover = await this.guarantee.cover(m, claim.loan_id);
        const principal = BigInt(claim.principal_fen);
        if (loan.status !== 'DISBURSED' || cover?.status !== 'ACTIVE' || cover.outstandingFen !== principal) {
          throw new DomainError(
            'CLAIM_STATE_CONFLICT',
            `loan ${loan.bank_loan_ref} changed since claim ${claim.claim_no} was filed (${loan.status}, covered ${formatYuan(cover?.outstandingFen ?? 0n)} vs claimed ${formatYuan(principal)}): reject it and let the bank refile`,
            [{ field: 'claimId', code: 'CLAIM_STATE_CONFLICT', message: 'the loan changed since filing' }],
          );
        }
        const fundId = claim.risk_fund_id;
        const amount = BigInt(claim.fund_amount_fen);
        // 1. the covered principal leaves exposure; its backing returns to the pool (or repays a shortfall)
        await this.guarantee.release(m, {
          loanId: claim.loan_id,
          amountFen: principal,
          idempotencyKey: `claim:${claim.id}`,
          onDate: today,
        });
        // 2. the money leaves the fund; BALANCE is no_negative, so a fund that cannot pay refuses here
        const money = riskFundMoneyAccounts(fundId);
        let entryId: string;
        try {
          entryId = (
            await this.ledger.post(m, {
              idempotencyKey: `compensation:claim:${claim.id}`,
              code: 'RISK_FUND_COMPENSATION',
              businessDate: today,
              memo: `claim ${claim.claim_no}: fund's ${trimDecimal(claim.fund_share_percent)} % of ${formatYuan(principal + BigInt(claim.interest_fen))} on loan ${loan.bank_loan_ref}`,
              lines: [
                { account: money.compensationExpense, side: 'DEBIT', amountFen: amount },
                { account: money.balance, side: 'CREDIT', amountFen: amount },
              ],
            })
          ).entryId;
        } catch (e) {
          if (e instanceof DomainError && e.code === 'LEDGER_LIMIT_EXCEEDED') {
            throw new DomainError(
              'RISK_FUND_INSUFFICIENT',
              `the fund cannot pay ${formatYuan(amount)}: ${e.detail}`,
              [
                {
                  field: 'claimId',
                  code: 'RISK_FUND_INSUFFICIENT',
                  message: 'the fund balance is below the amount due',
                },
              ],
            );
          }
          throw e;
        }
        // 3. the cover side of the outflow: LIMIT follows the balance; what AVAILABLE cannot give is SHORTFALL
        const coverEntryId = await this.guarantee.coverOutflow(
          m,
          fundId,
          amount,
          {
            idempotencyKey: `cover:compensation:claim:${claim.id}`,
            code: 'COVER_COMPENSATION',
            businessDate: today,
            memo: `claim ${claim.claim_no} paid`,
          },
          { allowShortfall: true },
        );
        await m.query(
          `INSERT INTO risk_fund_movements (risk_fund_id, kind, amount_fen, business_date, document_ref, memo, entry_id, cover_entry_id,
                                            idempotency_key, created_by)
           VALUES ($1,'COMPENSATION',$2,$3,$4,$5,$6,$7,$8,$9)`,
          [
            fundId,
            amount.toString(),
            today,
            claim.claim_no,
            `compensation of loan ${loan.bank_loan_ref}`,
            entryId,
            coverEntryId,
            `compensation:claim:${claim.id}`,
            actorName(),
          ],
        );
        const [paid] = await updateReturning<ClaimRow>(
          m,
          `UPDATE compensation_claims SET status = 'PAID', decided_by = $2, decided_at = now(), paid_on = $3, entry_id = $4,
                  cover_entry_id = $5, version = version + 1, updated_at = now()
            WHERE id = $1 RETURNING ${CLAIM_COLUMNS}`,
          [claim.id, actorName(), today, entryId, coverEntryId],
        );
        // The loan leaves the covered book: the bank keeps pursuing the borrower and reports recoveries on the claim.
        const flags = [...new Set([...loan.flags, 'COMPENSATED'])].sort();
        const after = await this.loans.setLoan(
          m,
          loan.id,
          `status = 'WRITTEN_OFF', status_reason = $2, closed_on = $3, flags = $4::text[]`,
          [`compensated under claim ${claim.claim_no}`, today, flags],
        );
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
      });
      return out;
    });
  }

  async reject(claimId: string, reason: string): Promise<ClaimView> {
    // the reason is what the bank is told: blank (or whitespace) is no reason, whoever calls
    if (typeof reason !== 'string' || reason.trim().length < 3) {
      throw new DomainError('VALIDATION_FAILED', 'a rejection needs a reason', [
        { field: 'reason', code: 'INVALID', message: 'at least 3 characters other than spaces' },
      ]);
    }
    return this.dataSource.transaction(async (m) => {
      const { claim } = await this.lockClaim(m, claimId);
      this.assertFundSide(claim);
      if (claim.status !== 'FILED') throw this.stateConflict(claim, 'FILED');
      const [row] = await updateReturning<ClaimRow>(
        m,
        `UPDATE compensation_claims SET status = 'REJECTED', decided_by = $2, decided_at = now(), decision_reason = $3,
                version = version + 1, updated_at = now()
          WHERE id = $1 RETURNING ${CLAIM_COLUMNS}`,
        [claim.id, actorName(), reason],
      );
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
    const today = this.guarantee.today();
    const amount = yuan(input.amount);
    return this.dataSource.transaction(async (m) => {
      const out = await runIdempotent(
        m,
        `claim-recovery:${bankId}`,
        idempotencyKey,
        { claimId, ...input },
        async () => {
          const { claim } = await this.lockClaim(m, claimId);
          const problems: FieldError[] = [];
          if (claim.status !== 'PAID')
            problems.push({
              field: 'claimId',
              code: 'CLAIM_STATE_CONFLICT',
              message: `the claim is ${claim.status}, not PAID`,
            });
          if (input.recoveredOn > today)
            problems.push({ field: 'recoveredOn', code: 'INVALID', message: `after today ${today}` });
          if (claim.paid_on && input.recoveredOn < claim.paid_on)
            problems.push({
              field: 'recoveredOn',
              code: 'INVALID',
              message: `before the compensation on ${claim.paid_on}`,
            });
          const claimed = BigInt(claim.principal_fen) + BigInt(claim.interest_fen);
          const recovered = BigInt(claim.recovered_fen);
          if (recovered + amount > claimed)
            problems.push({
              field: 'amount',
              code: 'RECOVERY_EXCEEDS_CLAIM',
              message: `${formatYuan(recovered)} of the ${formatYuan(claimed)} claimed is already recovered`,
            });
          if (problems.length) {
            const code =
              problems[0].code === 'CLAIM_STATE_CONFLICT'
                ? 'CLAIM_STATE_CONFLICT'
                : problems.some((p) => p.code === 'RECOVERY_EXCEEDS_CLAIM')
                  ? 'RECOVERY_EXCEEDS_CLAIM'
                  : 'VALIDATION_FAILED';
            throw new DomainError(code, `recovery on claim ${claim.claim_no} refused`, problems);
          }
          const [fundPart, bankPart] = allocate(
            amount,
            shareRatios(claim.fund_share_percent, claim.bank_share_percent),
          );
          const key = `recovery:claim:${claim.id}:${bankId}:${idempotencyKey}`;
          let entryId: string | null = null;
          let coverEntryId: string | null = null;
          if (fundPart > 0n) {
            const money = riskFundMoneyAccounts(claim.risk_fund_id);
            entryId = (
              await this.ledger.post(m, {
                idempotencyKey: key,
                code: 'RISK_FUND_RECOVERY',
                businessDate: input.recoveredOn,
                memo: `recovery of ${formatYuan(amount)} on claim ${claim.claim_no}: fund's share`,
                lines: [
                  { account: money.balance, side: 'DEBIT', amountFen: fundPart },
                  { account: money.recoveryIncome, side: 'CREDIT', amountFen: fundPart },
                ],
              })
            ).entryId;
            coverEntryId = await this.guarantee.coverInflow(m, claim.risk_fund_id, fundPart, {
              idempotencyKey: `cover:${key}`,
              code: 'COVER_RECOVERY',
              businessDate: input.recoveredOn,
              memo: `recovery on claim ${claim.claim_no}`,
            });
            await m.query(
              `INSERT INTO risk_fund_movements (risk_fund_id, kind, amount_fen, business_date, document_ref, memo, entry_id, cover_entry_id,
                                              idempotency_key, created_by)
             VALUES ($1,'RECOVERY',$2,$3,$4,$5,$6,$7,$8,$9)`,
              [
                claim.risk_fund_id,
                fundPart.toString(),
                input.recoveredOn,
                claim.claim_no,
                input.memo ?? null,
                entryId,
                coverEntryId,
                key,
                actorName(),
              ],
            );
          }
          await m.query(
            `INSERT INTO compensation_recoveries (claim_id, amount_fen, fund_part_fen, bank_part_fen, recovered_on, memo, entry_id,
                                                cover_entry_id, idempotency_key, created_by)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
            [
              claim.id,
              amount.toString(),
              fundPart.toString(),
              bankPart.toString(),
              input.recoveredOn,
              input.memo ?? null,
              entryId,
              coverEntryId,
              key,
              actorName(),
            ],
          );
          const [row] = await updateReturning<ClaimRow>(
            m,
            `UPDATE compensation_claims SET recovered_fen = recovered_fen + $2, fund_recovered_fen = fund_recovered_fen + $3,
                  version = version + 1, updated_at = now()
            WHERE id = $1 RETURNING ${CLAIM_COLUMNS}`,
            [claim.id, amount.toString(), fundPart.toString()],
          );
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
        },
      );
      return out;
    });
  }

  async get(claimId: string) {
    const claim = await this.find(this.dataSource.manager, claimId);
    if (!claim) throw new DomainError('NOT_FOUND', `compensation claim ${claimId} not found`);
    assertOwnBank(claim.bank_id, 'compensation claim', claimId);
    const recoveries = (await this.dataSource.query(
      `SELECT id, amount_fen, fund_part_fen, bank_part_fen, to_char(recovered_on, 'YYYY-MM-DD') AS recovered_on, memo, entry_id
         FROM compensation_recoveries WHERE claim_id = $1 ORDER BY id`,
      [claimId],
    )) as {
      id: string;
      amount_fen: string;
      fund_part_fen: string;
      bank_part_fen: string;
      recovered_on: string;
      memo: string | null;
      entry_id: string | null;
    }[];
    return {
      ...claimView(claim),
      recoveries: recoveries.map((r) => ({
        id: r.id,
        amount: f(r.amount_fen),
        fundPart: f(r.fund_part_fen),
        bankPart: f(r.bank_part_fen),
        recoveredOn: r.recovered_on,
        memo: r.memo,
        entryId: r.entry_id,
      })),
    };
  }

  async list(
    filter: { status?: string; bankId?: string; riskFundId?: string; loanId?: string },
    page: PageQuery,
  ): Promise<Page<ClaimView>> {
    const where: string[] = [];
    const params: unknown[] = [];
    const own = scopedBankId();
    if (own !== null) where.push(`bank_id = $${params.push(own)}`);
    if (filter.status) where.push(`status = $${params.push(filter.status)}`);
    if (filter.bankId) where.push(`bank_id = $${params.push(filter.bankId)}`);
    if (filter.riskFundId) where.push(`risk_fund_id = $${params.push(filter.riskFundId)}`);
    if (filter.loanId) where.push(`loan_id = $${params.push(filter.loanId)}`);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = (await this.dataSource.query(
      `SELECT count(*)::int AS total FROM compensation_claims ${clause}`,
      params,
    )) as { total: number }[];
    const rows = (await this.dataSource.query(
      `SELECT ${CLAIM_COLUMNS} FROM compensation_claims ${clause} ORDER BY id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    )) as ClaimRow[];
    return { items: rows.map(claimView), page: page.page, pageSize: page.pageSize, total };
  }

  private async find(m: EntityManager, claimId: string, lock = false): Promise<ClaimRow | undefined> {
    const [row] = (await m.query(
      `SELECT ${CLAIM_COLUMNS} FROM compensation_claims WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`,
      [claimId],
    )) as ClaimRow[];
    return row;
  }

  /** Fund first, then the claim (the loan, when needed, is locked after the fund by `lockLoan`). */
  private async lockClaim(
    m: EntityManager,
    claimId: string,
  ): Promise<{ claim: ClaimRow; districtId: string }> {
    const unlocked = await this.find(m, claimId);
    if (!unlocked) throw new DomainError('NOT_FOUND', `compensation claim ${claimId} not found`);
    assertOwnBank(unlocked.bank_id, 'compensation claim', claimId);
    const fund = await this.guarantee.lockFund(m, unlocked.risk_fund_id);
    return { claim: (await this.find(m, claimId, true))!, districtId: fund.districtId };
  }

  /** The decision is the fund's: never a bank's actor, never the person who filed. */
  private assertFundSide(claim: ClaimRow) {
    const actor = RequestContext.actor();
    if (!actor || actor.role === 'BANK_OFFICER' || actor.username === claim.filed_by) {
      throw new DomainError(
        'CLAIM_SAME_SIDE',
        `claim ${claim.claim_no} must be decided on the fund's side, not by the filer`,
        [{ field: 'claimId', code: 'CLAIM_SAME_SIDE', message: 'a fund user other than the filer decides' }],
      );
    }
  }

  private stateConflict(claim: ClaimRow, expected: string) {
    return new DomainError(
      'CLAIM_STATE_CONFLICT',
      `claim ${claim.claim_no} is ${claim.status}, not ${expected}`,
      [{ field: 'claimId', code: 'CLAIM_STATE_CONFLICT', message: `status is ${claim.status}` }],
    );
  }
}
