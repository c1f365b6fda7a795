import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import {
  AppConfig,
  Clock,
  DomainError,
  offsetOf,
  type ErrorCode,
  type FieldError,
  type Page,
  type PageQuery,
} from '#libs/common';
import { LedgerService, type JournalEntryCode, type PostingLine } from '#libs/ledger';
import { formatYuan, type Fen } from '#libs/money';
import { updateReturning } from './sql.js';
import { actorName, assertOwnBank, scopedBankId } from './bank-scope.js';
import { agreementAccounts, riskFundCoverAccounts } from './domain/accounts.js';
import {
  capacityFor,
  coverFor,
  coverProblems,
  minimumShortfall,
  nplAtOrAbove,
  parseMultiple,
  percentString,
  ratioString,
} from './domain/leverage.js';

/** A risk fund row as locked by `lockFund`, with the district facts every rule needs. */
export interface LockedFund {
  id: string;
  districtId: string;
  districtCode: string;
  districtName: string;
  heavyTask: boolean;
  name: string;
  status: 'ACTIVE' | 'CLOSED';
  minimumFen: Fen;
  nplOverdueDays: number;
}

export interface AgreementRow {
  id: string;
  agreement_no: string;
  risk_fund_id: string;
  bank_id: string;
  leverage_multiple: string;
  entity_leverage_multiple: string | null;
  fund_share_percent: string;
  bank_share_percent: string;
  compensation_mode: 'ADVANCE' | 'FINAL_LOSS';
  trigger_days: number;
  npl_threshold_percent: string;
  valid_from: string;
  valid_to: string | null;
  status: 'ACTIVE' | 'TERMINATED';
  terminated_on: string | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  version: number;
}

interface CoverRow {
  id: string;
  loan_id: string;
  agreement_id: string;
  risk_fund_id: string;
  bank_id: string;
  borrower_type: 'HOUSEHOLD' | 'ENTITY';
  multiple: string;
  reserved_fen: string;
  pending_fen: string;
  outstanding_fen: string;
  cover_pending_fen: string;
  cover_used_fen: string;
  disbursed_fen: string;
  released_fen: string;
  status: CoverStatus;
  reserved_on: string;
  consumed_on: string | null;
  closed_on: string | null;
}

export type CoverStatus = 'PENDING' | 'ACTIVE' | 'CLOSED' | 'VOIDED';

/** A loan's cover in fen: the covered principal (reserved / pending / outstanding) and the fund money backing it. */
export interface CoverState {
  id: string;
  loanId: string;
  agreementId: string;
  riskFundId: string;
  bankId: string;
  borrowerType: 'HOUSEHOLD' | 'ENTITY';
  multiple: string;
  reservedFen: Fen;
  pendingFen: Fen;
  outstandingFen: Fen;
  coverPendingFen: Fen;
  coverUsedFen: Fen;
  disbursedFen: Fen;
  releasedFen: Fen;
  status: CoverStatus;
  reservedOn: string;
  consumedOn: string | null;
  closedOn: string | null;
  /** true when this call found the operation already done (a retry) and changed nothing */
  replayed: boolean;
}

export interface ReserveInput {
  agreementId: string;
  loanId: string;
  amountFen: Fen;
  /** the caller's request key, kept on the event; the loan id itself makes a reservation happen once */
  idempotencyKey: string;
  onDate?: string;
}

export interface ConsumeInput {
  loanId: string;
  /** the principal actually disbursed (≤ reserved; default: all of it); the rest returns to capacity */
  amountFen?: Fen;
  idempotencyKey: string;
  onDate?: string;
}

export interface ReleaseInput {
  loanId: string;
  /** principal repaid (or otherwise no longer covered, e.g. compensated and closed) */
  amountFen: Fen;
  /** one release per key: a loan is released many times, once per repayment */
  idempotencyKey: string;
  onDate?: string;
}

export interface VoidInput {
  loanId: string;
  idempotencyKey: string;
  onDate?: string;
}

export interface MinimumStatus {
  riskFundId: string;
  heavyTask: boolean;
  minimumFen: Fen;
  balanceFen: Fen;
  belowMinimum: boolean;
  shortfallFen: Fen;
}

export interface SuspensionStatus {
  districtId: string;
  nplOverdueDays: number;
  coveredOutstandingFen: Fen;
  nonPerformingFen: Fen;
  nplPercent: string;
  thresholdPercent: string;
  suspended: boolean;
}

interface FundSummaryRow {
  id: string;
  district_id: string;
  district_code: string;
  district_name: string;
  heavy_task: boolean;
  name: string;
  status: 'ACTIVE' | 'CLOSED';
  minimum_fund_fen: string;
  npl_overdue_days: number;
  balance_fen: string;
  limit_fen: string;
  available_fen: string;
  shortfall_fen: string;
  covered_outstanding_fen: string;
  npl_fen: string;
}

interface AgreementCapacityRow {
  id: string;
  agreement_no: string;
  risk_fund_id: string;
  district_id: string;
  bank_id: string;
  bank_code: string;
  bank_name: string;
  leverage_multiple: string;
  entity_leverage_multiple: string | null;
  npl_threshold_percent: string;
  valid_from: string;
  valid_to: string | null;
  status: string;
  fund_status: string;
  fund_available_fen: string;
  cover_pending_fen: string;
  cover_used_fen: string;
  exposure_pending_fen: string;
  exposure_outstanding_fen: string;
}

export interface AgreementCapacity {
  agreementId: string;
  agreementNo: string;
  riskFundId: string;
  districtId: string;
  bankId: string;
  bankCode: string;
  bankName: string;
  multiple: string;
  entityMultiple: string | null;
  inForce: boolean;
  /** covered principal this bank can still register for households: ⌊multiple × fund cover available⌋ */
  capacity: string;
  /** the same for operating-entity loans (at the entity multiple when there is one) */
  entityCapacity: string;
  exposurePending: string;
  exposureOutstanding: string;
  coverPending: string;
  coverUsed: string;
  nplThresholdPercent: string;
  suspended: boolean;
  acceptsNewLoans: boolean;
}

export interface FundCapacity {
  riskFundId: string;
  name: string;
  status: string;
  districtId: string;
  districtCode: string;
  districtName: string;
  heavyTask: boolean;
  asOf: string;
  balance: string;
  minimum: string;
  minimumApplies: boolean;
  belowMinimum: boolean;
  minimumShortfall: string;
  /** fund money: LIMIT = balance = available + pending + used − shortfall */
  cover: { limit: string; available: string; pending: string; used: string; shortfall: string };
  /** covered principal across the fund's banks */
  exposure: { pending: string; outstanding: string };
  /** covered outstanding / fund balance */
  leverageRatio: string;
  npl: { overdueDays: number; coveredOutstanding: string; nonPerforming: string; ratioPercent: string };
  agreements: AgreementCapacity[];
}

export interface BankCapacity {
  bankId: string;
  bankCode: string;
  bankName: string;
  asOf: string;
  agreements: (AgreementCapacity & { districtCode: string; fundAvailable: string; belowMinimum: boolean })[];
  totals: { capacity: string; exposurePending: string; exposureOutstanding: string };
}

const big = (s: string | null | undefined): Fen => BigInt(s ?? '0');

/** '10.0000' → '10', '8.5000' → '8.5': multiples are shown as written. */
export function trimDecimal(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

function coverState(r: CoverRow, replayed = false): CoverState {
  return {
    id: r.id,
    loanId: r.loan_id,
    agreementId: r.agreement_id,
    riskFundId: r.risk_fund_id,
    bankId: r.bank_id,
    borrowerType: r.borrower_type,
    multiple: trimDecimal(r.multiple),
    reservedFen: big(r.reserved_fen),
    pendingFen: big(r.pending_fen),
    outstandingFen: big(r.outstanding_fen),
    coverPendingFen: big(r.cover_pending_fen),
    coverUsedFen: big(r.cover_used_fen),
    disbursedFen: big(r.disbursed_fen),
    releasedFen: big(r.released_fen),
    status: r.status,
    reservedOn: r.reserved_on,
    consumedOn: r.consumed_on,
    closedOn: r.closed_on,
    replayed,
  };
}

/** The API shape of a cover: yuan strings. */
export function coverView(c: CoverState) {
  return {
    id: c.id,
    loanId: c.loanId,
    agreementId: c.agreementId,
    riskFundId: c.riskFundId,
    bankId: c.bankId,
    borrowerType: c.borrowerType,
    multiple: c.multiple,
    reserved: formatYuan(c.reservedFen),
    pending: formatYuan(c.pendingFen),
    outstanding: formatYuan(c.outstandingFen),
    coverPending: formatYuan(c.coverPendingFen),
    coverUsed: formatYuan(c.coverUsedFen),
    disbursed: formatYuan(c.disbursedFen),
    released: formatYuan(c.releasedFen),
    status: c.status,
    reservedOn: c.reservedOn,
    consumedOn: c.consumedOn,
    closedOn: c.closedOn,
  };
}

const FUND_SUMMARY_SQL = `
  SELECT rf.id, rf.district_id, d.code AS district_code, d.name AS district_name, d.heavy_task, rf.name, rf.status,
         rf.minimum_fund_fen, rf.npl_overdue_days,
         coalesce((SELECT balance_fen FROM ledger_accounts WHERE code = 'RF:' || rf.id || ':BALANCE'), 0) AS balance_fen,
         coalesce((SELECT balance_fen FROM ledger_accounts WHERE code = 'RF:' || rf.id || ':COVER:LIMIT'), 0) AS limit_fen,
         coalesce((SELECT balance_fen FROM ledger_accounts WHERE code = 'RF:' || rf.id || ':COVER:AVAILABLE'), 0) AS available_fen,
         coalesce((SELECT balance_fen FROM ledger_accounts WHERE code = 'RF:' || rf.id || ':COVER:SHORTFALL'), 0) AS shortfall_fen,
         npl.covered_outstanding_fen, npl.npl_fen
    FROM risk_funds rf
    JOIN districts d ON d.id = rf.district_id
    CROSS JOIN LATERAL (
      SELECT coalesce(sum(l.outstanding_principal_fen), 0) AS covered_outstanding_fen,
             coalesce(sum(l.outstanding_principal_fen) FILTER (WHERE l.days_overdue > rf.npl_overdue_days), 0) AS npl_fen
        FROM loans l
       WHERE l.district_id = rf.district_id AND l.channel = 'BANK_COVERED' AND l.status = 'DISBURSED') npl`;

const AGREEMENT_CAPACITY_SQL = `
  SELECT g.id, g.agreement_no, g.risk_fund_id, rf.district_id, g.bank_id, b.code AS bank_code, b.name AS bank_name,
         g.leverage_multiple::text AS leverage_multiple, g.entity_leverage_multiple::text AS entity_leverage_multiple,
         g.npl_threshold_percent::text AS npl_threshold_percent, g.valid_from, g.valid_to, g.status, rf.status AS fund_status,
         coalesce((SELECT balance_fen FROM ledger_accounts WHERE code = 'RF:' || rf.id || ':COVER:AVAILABLE'), 0) AS fund_available_fen,
         coalesce((SELECT balance_fen FROM ledger_accounts WHERE code = 'GA:' || g.id || ':COVER:PENDING'), 0) AS cover_pending_fen,
         coalesce((SELECT balance_fen FROM ledger_accounts WHERE code = 'GA:' || g.id || ':COVER:USED'), 0) AS cover_used_fen,
         coalesce((SELECT balance_fen FROM ledger_accounts WHERE code = 'GA:' || g.id || ':EXPOSURE:PENDING'), 0) AS exposure_pending_fen,
         coalesce((SELECT balance_fen FROM ledger_accounts WHERE code = 'GA:' || g.id || ':EXPOSURE:OUTSTANDING'), 0) AS exposure_outstanding_fen
    FROM guarantee_agreements g
    JOIN risk_funds rf ON rf.id = g.risk_fund_id
    JOIN banks b ON b.id = g.bank_id`;

/**
 * The guarantee cover engine: the EXPOSURE memo ledger that makes "covered outstanding ≤ multiple × fund
 * balance" a ledger fact. Phase B (covered-loan registration, repayments, compensation) calls
 * reserve → consume → release (or void) inside its own transaction, after locking the fund with `lockFund`.
 *
 * Lock order, everywhere: risk fund row → agreement row → cover row → ledger accounts (by id, in LedgerService).
 */
@Injectable()
export class GuaranteeService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: LedgerService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  today(): string {
    return this.clock.today(this.config.BUSINESS_TIMEZONE);
  }

  /** Locks the fund row (FOR UPDATE): every change to a fund's money or cover holds this lock first. */
  async lockFund(manager: EntityManager, fundId: string): Promise<LockedFund> {
    const [r] = (await manager.query(
      `SELECT rf.id, rf.district_id, d.code AS district_code, d.name AS district_name, d.heavy_task, rf.name, rf.status,
              rf.minimum_fund_fen, rf.npl_overdue_days
         FROM risk_funds rf JOIN districts d ON d.id = rf.district_id
        WHERE rf.id = $1 FOR UPDATE OF rf`,
      [fundId],
    )) as Omit<
      FundSummaryRow,
      'balance_fen' | 'limit_fen' | 'available_fen' | 'shortfall_fen' | 'covered_outstanding_fen' | 'npl_fen'
    >[];
    if (!r) throw new DomainError('NOT_FOUND', `risk fund ${fundId} not found`);
    return {
      id: r.id,
      districtId: r.district_id,
      districtCode: r.district_code,
      districtName: r.district_name,
      heavyTask: r.heavy_task,
      name: r.name,
      status: r.status,
      minimumFen: big(r.minimum_fund_fen),
      nplOverdueDays: r.npl_overdue_days,
    };
  }

  async agreementRow(
    manager: EntityManager | null,
    agreementId: string,
    lock?: 'FOR SHARE' | 'FOR UPDATE',
  ): Promise<AgreementRow> {
    const [row] = (await (manager ?? this.dataSource.manager).query(
      `SELECT * FROM guarantee_agreements WHERE id = $1 ${lock ?? ''}`,
      [agreementId],
    )) as AgreementRow[];
    if (!row) throw new DomainError('NOT_FOUND', `guarantee agreement ${agreementId} not found`);
    return row;
  }

  // ─── fund money in and out: the cover side of every movement of the fund's balance ──────────────────────────

  /**
   * Lines that return `amountFen` of fund money to the pool: a shortfall left by compensation is made good first,
   * only the rest becomes available cover again.
   */
  private async freeingLines(manager: EntityManager, fundId: string, amountFen: Fen): Promise<PostingLine[]> {
    const c = riskFundCoverAccounts(fundId);
    const shortfall = await this.ledger.balanceOf(manager, c.shortfall);
    const toShortfall = shortfall < amountFen ? shortfall : amountFen;
    const lines: PostingLine[] = [];
    if (toShortfall > 0n) lines.push({ account: c.shortfall, side: 'DEBIT', amountFen: toShortfall });
    if (amountFen - toShortfall > 0n)
      lines.push({ account: c.available, side: 'DEBIT', amountFen: amountFen - toShortfall });
    return lines;
  }

  /** Fund money came in (deposit, interest, recovery): LIMIT ↑ by the same amount, the pool grows. Fund locked. */
  async coverInflow(
    manager: EntityManager,
    fundId: string,
    amountFen: Fen,
    entry: { idempotencyKey: string; code: JournalEntryCode; businessDate: string; memo?: string },
  ): Promise<string> {
    const c = riskFundCoverAccounts(fundId);
    const posted = await this.ledger.post(manager, {
      ...entry,
      lines: [
        ...(await this.freeingLines(manager, fundId, amountFen)),
        { account: c.limit, side: 'CREDIT', amountFen },
      ],
    });
    return posted.entryId;
  }

  /**
   * Fund money went out. A withdrawal (`allowShortfall: false`) may only take money that backs no loan: the
   * ledger's no_negative on AVAILABLE refuses anything more. A compensation payment (phase B) must be paid even
   * when the fund is fully used: what AVAILABLE cannot give is booked as SHORTFALL, which leaves capacity at zero
   * until inflows make it good. Fund locked.
   */
  async coverOutflow(
    manager: EntityManager,
    fundId: string,
    amountFen: Fen,
    entry: { idempotencyKey: string; code: JournalEntryCode; businessDate: string; memo?: string },
    opts: { allowShortfall: boolean },
  ): Promise<string> {
    const c = riskFundCoverAccounts(fundId);
    const lines: PostingLine[] = [{ account: c.limit, side: 'DEBIT', amountFen }];
    if (opts.allowShortfall) {
      const available = await this.ledger.balanceOf(manager, c.available);
      const fromAvailable = available < amountFen ? available : amountFen;
      if (fromAvailable > 0n) lines.push({ account: c.available, side: 'CREDIT', amountFen: fromAvailable });
      if (amountFen - fromAvailable > 0n)
        lines.push({ account: c.shortfall, side: 'CREDIT', amountFen: amountFen - fromAvailable });
    } else {
      lines.push({ account: c.available, side: 'CREDIT', amountFen });
    }
    return (await this.ledger.post(manager, { ...entry, lines })).entryId;
  }

  // ─── status getters for phase B and reports ─────────────────────────────────────────────────────────────────

  async minimumStatus(manager: EntityManager | null, fundId: string): Promise<MinimumStatus> {
    const s = await this.fundSummary(manager ?? this.dataSource.manager, fundId);
    const balance = big(s.balance_fen);
    const minimum = big(s.minimum_fund_fen);
    const shortfall = minimumShortfall(s.heavy_task, balance, minimum);
    return {
      riskFundId: s.id,
      heavyTask: s.heavy_task,
      minimumFen: minimum,
      balanceFen: balance,
      belowMinimum: shortfall > 0n,
      shortfallFen: shortfall,
    };
  }

  /**
   * The circuit breaker (SPEC §2.2): NPL ratio = outstanding principal of the district's covered loans more than
   * `npl_overdue_days` overdue / covered outstanding. Suspended when it reaches the threshold (the agreement's, or
   * the one given). Phase B records state changes; this answers "is it suspended now".
   */
  async suspensionStatus(
    manager: EntityManager | null,
    input: { agreementId: string } | { districtId: string; thresholdPercent: string },
  ): Promise<SuspensionStatus> {
    const m = manager ?? this.dataSource.manager;
    let districtId: string;
    let threshold: string;
    if ('agreementId' in input) {
      const ag = await this.agreementRow(m, input.agreementId);
      const [f] = (await m.query(`SELECT district_id FROM risk_funds WHERE id = $1`, [ag.risk_fund_id])) as {
        district_id: string;
      }[];
      districtId = f.district_id;
      threshold = trimDecimal(ag.npl_threshold_percent);
    } else {
      districtId = input.districtId;
      threshold = input.thresholdPercent;
    }
    const [row] = (await m.query(
      `SELECT coalesce(rf.npl_overdue_days, 90) AS npl_overdue_days,
              coalesce(sum(l.outstanding_principal_fen), 0)::text AS outstanding,
              coalesce(sum(l.outstanding_principal_fen) FILTER (WHERE l.days_overdue > coalesce(rf.npl_overdue_days, 90)), 0)::text AS npl
         FROM (SELECT $1::bigint AS district_id) x
         LEFT JOIN risk_funds rf ON rf.district_id = x.district_id
         LEFT JOIN loans l ON l.district_id = x.district_id AND l.channel = 'BANK_COVERED' AND l.status = 'DISBURSED'
        GROUP BY rf.npl_overdue_days`,
      [districtId],
    )) as { npl_overdue_days: number; outstanding: string; npl: string }[];
    const outstanding = big(row.outstanding);
    const npl = big(row.npl);
    return {
      districtId,
      nplOverdueDays: row.npl_overdue_days,
      coveredOutstandingFen: outstanding,
      nonPerformingFen: npl,
      nplPercent: percentString(npl, outstanding),
      thresholdPercent: threshold,
      suspended: nplAtOrAbove(npl, outstanding, threshold),
    };
  }

  /**
   * Every guarantee-side rule for covering `amountFen` under an agreement, all at once (empty = would be
   * accepted now). Phase B merges these with the borrower's eligibility problems; `reserve` re-checks them under
   * the fund lock.
   */
  async coverChecks(
    manager: EntityManager,
    input: { agreementId: string; amountFen: Fen; borrowerType: 'HOUSEHOLD' | 'ENTITY'; onDate?: string },
  ): Promise<FieldError[]> {
    const ag = await this.agreementRow(manager, input.agreementId);
    const s = await this.fundSummary(manager, ag.risk_fund_id);
    return this.problemsFor(
      manager,
      ag,
      s,
      input.amountFen,
      input.borrowerType,
      input.onDate ?? this.today(),
    );
  }

  private multipleFor(
    ag: Pick<AgreementRow, 'leverage_multiple' | 'entity_leverage_multiple'>,
    borrowerType: 'HOUSEHOLD' | 'ENTITY',
  ): string {
    return trimDecimal(
      borrowerType === 'ENTITY' && ag.entity_leverage_multiple
        ? ag.entity_leverage_multiple
        : ag.leverage_multiple,
    );
  }

  private async problemsFor(
    manager: EntityManager,
    ag: AgreementRow,
    s: FundSummaryRow,
    amountFen: Fen,
    borrowerType: 'HOUSEHOLD' | 'ENTITY',
    onDate: string,
  ): Promise<FieldError[]> {
    const suspension = await this.suspensionStatus(manager, {
      districtId: s.district_id,
      thresholdPercent: trimDecimal(ag.npl_threshold_percent),
    });
    const multipleText = this.multipleFor(ag, borrowerType);
    return coverProblems({
      amountFen,
      onDate,
      agreementStatus: ag.status,
      validFrom: ag.valid_from,
      validTo: ag.valid_to,
      fundStatus: s.status,
      heavyTask: s.heavy_task,
      balanceFen: big(s.balance_fen),
      minimumFen: big(s.minimum_fund_fen),
      suspended: suspension.suspended,
      nplPercent: suspension.nplPercent,
      nplThresholdPercent: suspension.thresholdPercent,
      availableCoverFen: big(s.available_fen),
      multiple: parseMultiple(multipleText),
      multipleText,
    });
  }

  private async fundSummary(manager: EntityManager, fundId: string): Promise<FundSummaryRow> {
    const [s] = (await manager.query(`${FUND_SUMMARY_SQL} WHERE rf.id = $1`, [fundId])) as FundSummaryRow[];
    if (!s) throw new DomainError('NOT_FOUND', `risk fund ${fundId} not found`);
    return s;
  }

  // ─── the cover lifecycle: reserve → consume → release, or reserve → void ────────────────────────────────────

  /**
   * Reserves cover for a loan a bank registers: the fund money ⌈amount / multiple⌉ moves from the fund's
   * AVAILABLE to the agreement's COVER:PENDING, and the covered principal is booked as EXPOSURE:PENDING. The
   * ledger refuses to take AVAILABLE below zero, so the leverage cap holds under any concurrency; the rules are
   * checked first (under the fund lock) so a refusal names every reason. Runs in the caller's transaction.
   */
  async reserve(manager: EntityManager, input: ReserveInput): Promise<CoverState> {
    if (input.amountFen <= 0n) {
      throw new DomainError('VALIDATION_FAILED', 'the covered amount must be positive', [
        { field: 'amount', message: 'must be greater than zero' },
      ]);
    }
    const onDate = input.onDate ?? this.today();
    const fundId = (await this.agreementRow(manager, input.agreementId)).risk_fund_id;
    await this.lockFund(manager, fundId);
    const ag = await this.agreementRow(manager, input.agreementId, 'FOR SHARE');

    const existing = await this.coverRow(manager, input.loanId, true);
    if (existing) {
      if (existing.agreement_id === ag.id && big(existing.reserved_fen) === input.amountFen)
        return coverState(existing, true);
      throw new DomainError(
        'COVER_STATE_CONFLICT',
        `loan ${input.loanId} already has a cover (agreement ${existing.agreement_id}, ${formatYuan(big(existing.reserved_fen))}, ${existing.status})`,
      );
    }
    const [loan] = (await manager.query(
      `SELECT id, channel, borrower_type, bank_id, district_id, agreement_id FROM loans WHERE id = $1`,
      [input.loanId],
    )) as {
      id: string;
      channel: string;
      borrower_type: 'HOUSEHOLD' | 'ENTITY';
      bank_id: string | null;
      district_id: string;
      agreement_id: string | null;
    }[];
    if (!loan) throw new DomainError('NOT_FOUND', `loan ${input.loanId} not found`);
    const s = await this.fundSummary(manager, fundId);
    const mismatch: FieldError[] = [];
    if (loan.channel !== 'BANK_COVERED')
      mismatch.push({
        field: 'loanId',
        code: 'COVER_MISMATCH',
        message: `loan channel is ${loan.channel}, not BANK_COVERED`,
      });
    if (loan.bank_id !== ag.bank_id)
      mismatch.push({
        field: 'loanId',
        code: 'COVER_MISMATCH',
        message: `the loan is not of bank ${ag.bank_id}`,
      });
    if (loan.district_id !== s.district_id)
      mismatch.push({
        field: 'loanId',
        code: 'COVER_MISMATCH',
        message: `the loan is not in the fund's district ${s.district_code}`,
      });
    if (loan.agreement_id !== null && loan.agreement_id !== ag.id)
      mismatch.push({
        field: 'agreementId',
        code: 'COVER_MISMATCH',
        message: `the loan names agreement ${loan.agreement_id}`,
      });
    if (mismatch.length)
      throw new DomainError('COVER_MISMATCH', 'the loan does not belong under this agreement', mismatch);

    const problems = await this.problemsFor(manager, ag, s, input.amountFen, loan.borrower_type, onDate);
    if (problems.length) {
      throw new DomainError(
        problems[0].code as ErrorCode,
        problems.map((p) => p.message).join('; '),
        problems,
      );
    }

    const multipleText = this.multipleFor(ag, loan.borrower_type);
    const cover = coverFor(input.amountFen, parseMultiple(multipleText));
    const f = riskFundCoverAccounts(fundId);
    const a = agreementAccounts(ag.id);
    const { entryId } = await this.postBounded(manager, {
      idempotencyKey: `cover:reserve:loan:${input.loanId}`,
      code: 'COVER_RESERVED',
      businessDate: onDate,
      memo: `reserve cover for loan ${input.loanId} under agreement ${ag.agreement_no} at multiple ${multipleText} (request ${input.idempotencyKey})`,
      lines: [
        { account: a.coverPending, side: 'DEBIT', amountFen: cover },
        { account: f.available, side: 'CREDIT', amountFen: cover },
        { account: a.exposurePending, side: 'DEBIT', amountFen: input.amountFen },
        { account: a.exposureContra, side: 'CREDIT', amountFen: input.amountFen },
      ],
    });
    const [row] = (await manager.query(
      `INSERT INTO guarantee_covers (loan_id, agreement_id, risk_fund_id, bank_id, borrower_type, multiple, reserved_fen, pending_fen,
                                     cover_pending_fen, status, reserved_on)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$7,$8,'PENDING',$9) RETURNING *`,
      [
        input.loanId,
        ag.id,
        fundId,
        ag.bank_id,
        loan.borrower_type,
        multipleText,
        input.amountFen.toString(),
        cover.toString(),
        onDate,
      ],
    )) as CoverRow[];
    await this.event(
      manager,
      row.id,
      'RESERVED',
      input.amountFen,
      cover,
      entryId,
      `reserve:loan:${input.loanId}`,
      onDate,
    );
    const state = coverState(row);
    await this.audit.record(manager, {
      action: 'COVER_RESERVED',
      entityType: 'loan',
      entityId: input.loanId,
      after: coverView(state),
    });
    return state;
  }

  /**
   * At disbursement the reservation becomes exposure: PENDING → OUTSTANDING for the principal disbursed, its
   * backing PENDING → USED; whatever was reserved beyond it goes back to the pool.
   */
  async consume(manager: EntityManager, input: ConsumeInput): Promise<CoverState> {
    const onDate = input.onDate ?? this.today();
    const cover = await this.lockCover(manager, input.loanId);
    if (await this.eventExists(manager, `consume:loan:${input.loanId}`)) return coverState(cover, true);
    if (cover.status !== 'PENDING')
      throw new DomainError(
        'COVER_STATE_CONFLICT',
        `the cover of loan ${input.loanId} is ${cover.status}, not PENDING`,
      );
    const pending = big(cover.pending_fen);
    const amount = input.amountFen ?? pending;
    if (amount <= 0n || amount > pending) {
      throw new DomainError(
        'COVER_STATE_CONFLICT',
        `disbursed principal ${formatYuan(amount)} must be positive and at most the ${formatYuan(pending)} reserved`,
        [
          {
            field: 'amount',
            code: 'COVER_STATE_CONFLICT',
            message: `must be between 0.01 and ${formatYuan(pending)}`,
          },
        ],
      );
    }
    const coverPending = big(cover.cover_pending_fen);
    const coverUsed = coverFor(amount, parseMultiple(cover.multiple));
    const a = agreementAccounts(cover.agreement_id);
    const lines: PostingLine[] = [
      { account: a.coverUsed, side: 'DEBIT', amountFen: coverUsed },
      { account: a.coverPending, side: 'CREDIT', amountFen: coverPending },
      ...(await this.freeingLines(manager, cover.risk_fund_id, coverPending - coverUsed)),
      { account: a.exposureOutstanding, side: 'DEBIT', amountFen: amount },
      { account: a.exposurePending, side: 'CREDIT', amountFen: pending },
    ];
    if (pending - amount > 0n)
      lines.push({ account: a.exposureContra, side: 'DEBIT', amountFen: pending - amount });
    const { entryId } = await this.postBounded(manager, {
      idempotencyKey: `cover:consume:loan:${input.loanId}`,
      code: 'COVER_CONSUMED',
      businessDate: onDate,
      memo: `loan ${input.loanId} disbursed ${formatYuan(amount)} (request ${input.idempotencyKey})`,
      lines,
    });
    const [row] = (await updateReturning(
      manager,
      `UPDATE guarantee_covers SET status = 'ACTIVE', pending_fen = 0, cover_pending_fen = 0, outstanding_fen = $2, disbursed_fen = $2,
              cover_used_fen = $3, released_fen = released_fen + $4, consumed_on = $5, updated_at = now()
        WHERE id = $1 RETURNING *`,
      [cover.id, amount.toString(), coverUsed.toString(), (pending - amount).toString(), onDate],
    )) as CoverRow[];
    await this.event(
      manager,
      cover.id,
      'CONSUMED',
      amount,
      coverUsed - coverPending,
      entryId,
      `consume:loan:${input.loanId}`,
      onDate,
    );
    const state = coverState(row);
    await this.audit.record(manager, {
      action: 'COVER_CONSUMED',
      entityType: 'loan',
      entityId: input.loanId,
      before: coverView(coverState(cover)),
      after: coverView(state),
    });
    return state;
  }

  /**
   * Principal repaid (or otherwise leaving cover): OUTSTANDING ↓ by it, and the backing shrinks to
   * ⌈new outstanding / multiple⌉, so the backing held always equals the cover of what is still outstanding. At
   * zero the cover closes.
   */
  async release(manager: EntityManager, input: ReleaseInput): Promise<CoverState> {
    const onDate = input.onDate ?? this.today();
    const cover = await this.lockCover(manager, input.loanId);
    const eventKey = `release:loan:${input.loanId}:${input.idempotencyKey}`;
    if (await this.eventExists(manager, eventKey)) return coverState(cover, true);
    if (cover.status !== 'ACTIVE')
      throw new DomainError(
        'COVER_STATE_CONFLICT',
        `the cover of loan ${input.loanId} is ${cover.status}, not ACTIVE`,
      );
    const outstanding = big(cover.outstanding_fen);
    if (input.amountFen <= 0n || input.amountFen > outstanding) {
      throw new DomainError(
        'COVER_STATE_CONFLICT',
        `released principal ${formatYuan(input.amountFen)} must be positive and at most the ${formatYuan(outstanding)} outstanding`,
        [
          {
            field: 'amount',
            code: 'COVER_STATE_CONFLICT',
            message: `must be between 0.01 and ${formatYuan(outstanding)}`,
          },
        ],
      );
    }
    const after = outstanding - input.amountFen;
    const usedBefore = big(cover.cover_used_fen);
    const usedAfter = coverFor(after, parseMultiple(cover.multiple));
    const freed = usedBefore - usedAfter;
    const a = agreementAccounts(cover.agreement_id);
    const lines: PostingLine[] = [
      { account: a.exposureContra, side: 'DEBIT', amountFen: input.amountFen },
      { account: a.exposureOutstanding, side: 'CREDIT', amountFen: input.amountFen },
    ];
    if (freed > 0n) {
      lines.push(...(await this.freeingLines(manager, cover.risk_fund_id, freed)), {
        account: a.coverUsed,
        side: 'CREDIT',
        amountFen: freed,
      });
    }
    const { entryId } = await this.postBounded(manager, {
      idempotencyKey: `cover:${eventKey}`,
      code: 'COVER_RELEASED',
      businessDate: onDate,
      memo: `loan ${input.loanId}: ${formatYuan(input.amountFen)} of covered principal released`,
      lines,
    });
    const [row] = (await updateReturning(
      manager,
      `UPDATE guarantee_covers SET outstanding_fen = $2, cover_used_fen = $3, released_fen = released_fen + $4,
              status = CASE WHEN $2::bigint = 0 THEN 'CLOSED' ELSE status END,
              closed_on = CASE WHEN $2::bigint = 0 THEN $5::date ELSE closed_on END, updated_at = now()
        WHERE id = $1 RETURNING *`,
      [cover.id, after.toString(), usedAfter.toString(), input.amountFen.toString(), onDate],
    )) as CoverRow[];
    await this.event(manager, cover.id, 'RELEASED', input.amountFen, -freed, entryId, eventKey, onDate);
    const state = coverState(row);
    await this.audit.record(manager, {
      action: 'COVER_RELEASED',
      entityType: 'loan',
      entityId: input.loanId,
      before: coverView(coverState(cover)),
      after: coverView(state),
    });
    return state;
  }

  /** A reserved loan that will not be disbursed (cancelled, rejected): the whole reservation returns. */
  async void(manager: EntityManager, input: VoidInput): Promise<CoverState> {
    const onDate = input.onDate ?? this.today();
    const cover = await this.lockCover(manager, input.loanId);
    if (await this.eventExists(manager, `void:loan:${input.loanId}`)) return coverState(cover, true);
    if (cover.status !== 'PENDING')
      throw new DomainError(
        'COVER_STATE_CONFLICT',
        `the cover of loan ${input.loanId} is ${cover.status}, not PENDING`,
      );
    const pending = big(cover.pending_fen);
    const coverPending = big(cover.cover_pending_fen);
    const a = agreementAccounts(cover.agreement_id);
    const { entryId } = await this.postBounded(manager, {
      idempotencyKey: `cover:void:loan:${input.loanId}`,
      code: 'COVER_VOIDED',
      businessDate: onDate,
      memo: `reservation of loan ${input.loanId} voided (request ${input.idempotencyKey})`,
      lines: [
        ...(await this.freeingLines(manager, cover.risk_fund_id, coverPending)),
        { account: a.coverPending, side: 'CREDIT', amountFen: coverPending },
        { account: a.exposureContra, side: 'DEBIT', amountFen: pending },
        { account: a.exposurePending, side: 'CREDIT', amountFen: pending },
      ],
    });
    const [row] = (await updateReturning(
      manager,
      `UPDATE guarantee_covers SET status = 'VOIDED', pending_fen = 0, cover_pending_fen = 0, released_fen = released_fen + $2,
              closed_on = $3, updated_at = now() WHERE id = $1 RETURNING *`,
      [cover.id, pending.toString(), onDate],
    )) as CoverRow[];
    await this.event(
      manager,
      cover.id,
      'VOIDED',
      pending,
      -coverPending,
      entryId,
      `void:loan:${input.loanId}`,
      onDate,
    );
    const state = coverState(row);
    await this.audit.record(manager, {
      action: 'COVER_VOIDED',
      entityType: 'loan',
      entityId: input.loanId,
      before: coverView(coverState(cover)),
      after: coverView(state),
    });
    return state;
  }

  async cover(manager: EntityManager | null, loanId: string): Promise<CoverState | undefined> {
    const row = await this.coverRow(manager ?? this.dataSource.manager, loanId, false);
    return row ? coverState(row) : undefined;
  }

  async listCovers(
    filter: { riskFundId?: string; agreementId?: string; bankId?: string; status?: string },
    page: PageQuery,
  ): Promise<Page<ReturnType<typeof coverView>>> {
    const where: string[] = [];
    const params: unknown[] = [];
    const own = scopedBankId();
    if (own !== null) where.push(`bank_id = $${params.push(own)}`);
    if (filter.riskFundId) where.push(`risk_fund_id = $${params.push(filter.riskFundId)}`);
    if (filter.agreementId) where.push(`agreement_id = $${params.push(filter.agreementId)}`);
    if (filter.bankId) where.push(`bank_id = $${params.push(filter.bankId)}`);
    if (filter.status) where.push(`status = $${params.push(filter.status)}`);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = (await this.dataSource.query(
      `SELECT count(*)::int AS total FROM guarantee_covers ${clause}`,
      params,
    )) as { total: number }[];
    const rows = (await this.dataSource.query(
      `SELECT * FROM guarantee_covers ${clause} ORDER BY id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    )) as CoverRow[];
    return {
      items: rows.map((r) => coverView(coverState(r))),
      page: page.page,
      pageSize: page.pageSize,
      total,
    };
  }

  private async coverRow(
    manager: EntityManager,
    loanId: string,
    lock: boolean,
  ): Promise<CoverRow | undefined> {
    const [row] = (await manager.query(
      `SELECT * FROM guarantee_covers WHERE loan_id = $1 ${lock ? 'FOR UPDATE' : ''}`,
      [loanId],
    )) as CoverRow[];
    return row;
  }

  /** Fund first, then the cover: the fixed lock order. */
  private async lockCover(manager: EntityManager, loanId: string): Promise<CoverRow> {
    const unlocked = await this.coverRow(manager, loanId, false);
    if (!unlocked) throw new DomainError('NOT_FOUND', `loan ${loanId} has no guarantee cover`);
    await this.lockFund(manager, unlocked.risk_fund_id);
    return (await this.coverRow(manager, loanId, true))!;
  }

  private async eventExists(manager: EntityManager, key: string): Promise<boolean> {
    return (
      (
        (await manager.query(`SELECT 1 FROM guarantee_cover_events WHERE idempotency_key = $1`, [
          key,
        ])) as unknown[]
      ).length > 0
    );
  }

  private async event(
    manager: EntityManager,
    coverId: string,
    event: string,
    amountFen: Fen,
    coverDeltaFen: Fen,
    entryId: string,
    key: string,
    onDate: string,
  ) {
    await manager.query(
      `INSERT INTO guarantee_cover_events (cover_id, event, amount_fen, cover_delta_fen, entry_id, idempotency_key, business_date, actor)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
      [coverId, event, amountFen.toString(), coverDeltaFen.toString(), entryId, key, onDate, actorName()],
    );
  }

  /** Posts, turning the ledger's bound into the business refusal: the pool had no room. */
  private async postBounded(manager: EntityManager, entry: Parameters<LedgerService['post']>[1]) {
    try {
      return await this.ledger.post(manager, entry);
    } catch (e) {
      if (e instanceof DomainError && e.code === 'LEDGER_LIMIT_EXCEEDED') {
        throw new DomainError('FUND_CAPACITY_EXCEEDED', `the fund's cover would go below zero: ${e.detail}`, [
          { field: 'amount', code: 'FUND_CAPACITY_EXCEEDED', message: 'not enough capacity left' },
        ]);
      }
      throw e;
    }
  }

  // ─── capacity views (GET …/capacity): one snapshot, one formula ─────────────────────────────────────────────

  private agreementCapacity(
    r: AgreementCapacityRow,
    today: string,
    belowMinimum: boolean,
    npl: { nplFen: Fen; outstandingFen: Fen },
  ): AgreementCapacity {
    const available = big(r.fund_available_fen);
    const multiple = trimDecimal(r.leverage_multiple);
    const entityMultiple = r.entity_leverage_multiple ? trimDecimal(r.entity_leverage_multiple) : null;
    const capacity = capacityFor(available, parseMultiple(multiple));
    const entityCapacity = capacityFor(available, parseMultiple(entityMultiple ?? multiple));
    const inForce =
      r.status === 'ACTIVE' &&
      r.fund_status === 'ACTIVE' &&
      r.valid_from <= today &&
      (r.valid_to === null || today <= r.valid_to);
    const suspended = nplAtOrAbove(npl.nplFen, npl.outstandingFen, trimDecimal(r.npl_threshold_percent));
    return {
      agreementId: r.id,
      agreementNo: r.agreement_no,
      riskFundId: r.risk_fund_id,
      districtId: r.district_id,
      bankId: r.bank_id,
      bankCode: r.bank_code,
      bankName: r.bank_name,
      multiple,
      entityMultiple,
      inForce,
      capacity: formatYuan(capacity),
      entityCapacity: formatYuan(entityCapacity),
      exposurePending: formatYuan(big(r.exposure_pending_fen)),
      exposureOutstanding: formatYuan(big(r.exposure_outstanding_fen)),
      coverPending: formatYuan(big(r.cover_pending_fen)),
      coverUsed: formatYuan(big(r.cover_used_fen)),
      nplThresholdPercent: trimDecimal(r.npl_threshold_percent),
      suspended,
      acceptsNewLoans: inForce && !suspended && !belowMinimum && capacity > 0n,
    };
  }

  private async fundCapacityIn(m: EntityManager, s: FundSummaryRow, today: string): Promise<FundCapacity> {
    const rows = (await m.query(`${AGREEMENT_CAPACITY_SQL} WHERE g.risk_fund_id = $1 ORDER BY g.id`, [
      s.id,
    ])) as AgreementCapacityRow[];
    const balance = big(s.balance_fen);
    const minimum = big(s.minimum_fund_fen);
    const short = minimumShortfall(s.heavy_task, balance, minimum);
    const outstanding = big(s.covered_outstanding_fen);
    const npl = big(s.npl_fen);
    const agreements = rows.map((r) =>
      this.agreementCapacity(r, today, short > 0n, { nplFen: npl, outstandingFen: outstanding }),
    );
    const sum = (pick: (r: AgreementCapacityRow) => string) =>
      rows.reduce((acc, r) => acc + big(pick(r)), 0n);
    const exposureOutstanding = sum((r) => r.exposure_outstanding_fen);
    return {
      riskFundId: s.id,
      name: s.name,
      status: s.status,
      districtId: s.district_id,
      districtCode: s.district_code,
      districtName: s.district_name,
      heavyTask: s.heavy_task,
      asOf: today,
      balance: formatYuan(balance),
      minimum: formatYuan(minimum),
      minimumApplies: s.heavy_task,
      belowMinimum: short > 0n,
      minimumShortfall: formatYuan(short),
      cover: {
        limit: formatYuan(big(s.limit_fen)),
        available: formatYuan(big(s.available_fen)),
        pending: formatYuan(sum((r) => r.cover_pending_fen)),
        used: formatYuan(sum((r) => r.cover_used_fen)),
        shortfall: formatYuan(big(s.shortfall_fen)),
      },
      exposure: {
        pending: formatYuan(sum((r) => r.exposure_pending_fen)),
        outstanding: formatYuan(exposureOutstanding),
      },
      leverageRatio: ratioString(exposureOutstanding, balance),
      npl: {
        overdueDays: s.npl_overdue_days,
        coveredOutstanding: formatYuan(outstanding),
        nonPerforming: formatYuan(npl),
        ratioPercent: percentString(npl, outstanding),
      },
      agreements,
    };
  }

  /** Reads in one REPEATABLE READ snapshot, so the fund, its agreements and their balances agree with each other. */
  private snapshot<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction('REPEATABLE READ', work);
  }

  async fundCapacity(fundId: string): Promise<FundCapacity> {
    if (scopedBankId() !== null) throw new DomainError('NOT_FOUND', `risk fund ${fundId} not found`);
    return this.snapshot(async (m) =>
      this.fundCapacityIn(m, await this.fundSummary(m, fundId), this.today()),
    );
  }

  async districtCapacity(districtId: string): Promise<FundCapacity> {
    return this.snapshot(async (m) => {
      const [s] = (await m.query(`${FUND_SUMMARY_SQL} WHERE rf.district_id = $1`, [
        districtId,
      ])) as FundSummaryRow[];
      if (!s) {
        const d = (await m.query(`SELECT 1 FROM districts WHERE id = $1`, [districtId])) as unknown[];
        throw new DomainError(
          'NOT_FOUND',
          d.length ? `district ${districtId} has no risk fund` : `district ${districtId} not found`,
        );
      }
      return this.fundCapacityIn(m, s, this.today());
    });
  }

  /**
   * A bank's capacity in every district it has an agreement with. Each figure is the same as the fund view's
   * figure for that agreement; summing across districts is meaningful because every fund is its own pool.
   */
  async bankCapacity(bankId: string): Promise<BankCapacity> {
    assertOwnBank(bankId, 'bank', bankId);
    const today = this.today();
    return this.snapshot(async (m) => {
      const [bank] = (await m.query(`SELECT id, code, name FROM banks WHERE id = $1`, [bankId])) as {
        id: string;
        code: string;
        name: string;
      }[];
      if (!bank) throw new DomainError('NOT_FOUND', `bank ${bankId} not found`);
      const rows = (await m.query(
        `${AGREEMENT_CAPACITY_SQL} WHERE g.bank_id = $1 ORDER BY g.risk_fund_id, g.id`,
        [bankId],
      )) as AgreementCapacityRow[];
      const agreements: BankCapacity['agreements'] = [];
      let capacity = 0n;
      let pending = 0n;
      let outstanding = 0n;
      for (const r of rows) {
        const fund = await this.fundCapacityIn(m, await this.fundSummary(m, r.risk_fund_id), today);
        const a = fund.agreements.find((x) => x.agreementId === r.id)!;
        agreements.push({
          ...a,
          districtCode: fund.districtCode,
          fundAvailable: fund.cover.available,
          belowMinimum: fund.belowMinimum,
        });
        capacity += capacityFor(big(r.fund_available_fen), parseMultiple(a.multiple));
        pending += big(r.exposure_pending_fen);
        outstanding += big(r.exposure_outstanding_fen);
      }
      return {
        bankId: bank.id,
        bankCode: bank.code,
        bankName: bank.name,
        asOf: today,
        agreements,
        totals: {
          capacity: formatYuan(capacity),
          exposurePending: formatYuan(pending),
          exposureOutstanding: formatYuan(outstanding),
        },
      };
    });
  }
}
