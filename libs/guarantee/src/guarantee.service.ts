import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import {
  AppConfig,
  callerKey,
  Clock,
  DomainError,
  together,
  type FieldError,
  type Page,
  type PageQuery,
} from '#libs/common';
import { LedgerService, type AccountBalance, type JournalEntryCode, type PostedEntry } from '#libs/ledger';
import { formatYuan, type Fen } from '#libs/money';
import { actorName, scopedBankId } from './bank-scope.js';
import { riskFundCoverAccounts } from './domain/accounts.js';
import {
  coverFactsOf,
  minimumStatus,
  suspensionStatus,
  type BankCapacity,
  type FundCapacity,
  type FundSummary,
  type MinimumStatus,
  type SuspensionStatus,
} from './domain/capacity.js';
import {
  big,
  consumePlan,
  coverMismatch,
  coverRefusal,
  coverState,
  coverView,
  inflowLines,
  isRefusal,
  lockedFundOf,
  multipleFor,
  outflowLines,
  releasePlan,
  reservationReplay,
  reservePlan,
  statusConflict,
  trimDecimal,
  voidLines,
  type BorrowerType,
  type ConsumeInput,
  type CoverState,
  type LockedFund,
  type Refusal,
  type ReleaseInput,
  type ReserveInput,
  type VoidInput,
} from './domain/covers.js';
import { coverProblems } from './domain/leverage.js';
import { DEFAULT_NPL_OVERDUE_DAYS } from './domain/risk-funds.js';
import { GuaranteeCapacityService } from './guarantee-capacity.service.js';
import { AgreementsStore, type AgreementRow } from './store/agreements.store.js';
import { CoveredLoansStore } from './store/covered-loans.store.js';
import { CoversStore, type CoverRow, type NewCoverEvent } from './store/covers.store.js';
import { RiskFundsStore, type NplFiguresRow } from './store/risk-funds.store.js';

export type { AgreementRow } from './store/agreements.store.js';

type EntryMeta = { idempotencyKey: string; code: JournalEntryCode; valueDate: string; memo?: string };

const refuse = (r: Refusal): DomainError => new DomainError(r.code, r.detail, r.errors);

/** The ledger's bound on the fund's cover, as the business refusal: the pool had no room. */
function capacityRefusal(e: unknown): unknown {
  if (e instanceof DomainError && e.code === 'LEDGER_LIMIT_EXCEEDED') {
    return new DomainError('FUND_CAPACITY_EXCEEDED', `the fund's cover would go below zero: ${e.detail}`, [
      { field: 'amount', code: 'FUND_CAPACITY_EXCEEDED', message: 'not enough capacity left' },
    ], e.extra);
  }
  return e;
}

/** Refuses a loan that does not belong under the agreement and its fund (COVER_MISMATCH, every reason named). */
function refuseMismatch(
  loan: { channel: string; bank_id: string | null; district_id: string; agreement_id: string | null },
  ag: Pick<AgreementRow, 'id' | 'bank_id'>,
  s: Pick<FundSummary, 'district_id' | 'district_code'>,
): void {
  const mismatch = coverMismatch({
    loan: { channel: loan.channel, bankId: loan.bank_id, districtId: loan.district_id, agreementId: loan.agreement_id },
    agreement: { id: ag.id, bankId: ag.bank_id },
    fund: { districtId: s.district_id, districtCode: s.district_code },
  });
  if (mismatch.length)
    throw new DomainError('COVER_MISMATCH', 'the loan does not belong under this agreement', mismatch);
}

/** What `GuaranteeService.coverFigures` read: a fund's summary and its district's NPL figures. */
export interface CoverFigures {
  fundId: string;
  summary: FundSummary | undefined;
  npl: NplFiguresRow;
}

/** The cover a step read (`readCover`): refused when there is none; a cover of another fund is a programming error. */
function coverOf(loanId: string, r: CoverReading): CoverRow {
  if (!r.cover) throw new DomainError('NOT_FOUND', `loan ${loanId} has no guarantee cover`);
  if (r.cover.risk_fund_id !== r.fundId)
    throw new Error(`the cover of loan ${loanId} is backed by risk fund ${r.cover.risk_fund_id}, not the locked ${r.fundId}`);
  return r.cover;
}

/** The fund's shortfall a step read; a missing account is an error, not zero (as LedgerService.balanceOf). */
function shortfallOf(r: CoverReading): Fen {
  if (!r.shortfall) throw new DomainError('LEDGER_ACCOUNT_NOT_FOUND', `ledger account ${r.shortfallCode} does not exist`);
  return r.shortfall.balanceFen;
}

/**
 * What a step of a cover's lifecycle read under its fund's lock (`readCover`, `readRelease`): the cover locked, whether
 * the step is a retry (its event exists), the fund's shortfall.
 */
export interface CoverReading {
  fundId: string;
  /** the step's key (its cover event's; its entry's is `cover:` + it) */
  key: string;
  cover: CoverRow | undefined;
  replay: boolean;
  shortfall: AccountBalance | undefined;
  shortfallCode: string;
}

/** A release decided and its posting prepared, to be sent as the last step of a batch (`GuaranteeService.releasing`). */
export interface PendingRelease {
  /** the idempotency key of the entry it posts: statements behind it name the entry by it */
  entryKey: string;
  send<T>(follow: () => Promise<T>): Promise<readonly [CoverState & { entryId: string }, T]>;
}

/**
 * The guarantee cover engine: the EXPOSURE memo ledger that makes "covered outstanding ≤ multiple × fund
 * balance" a ledger fact. Phase B (covered-loan registration, repayments, compensation) calls
 * reserve → consume → release (or void) inside its own transaction, after locking the fund with `lockFund`.
 * The rules and the posting lines are in domain/covers.ts; this runs them under the locks and records the result.
 *
 * Lock order, everywhere: risk fund row → agreement row → cover row → ledger accounts (by id, in LedgerService).
 */
@Injectable()
export class GuaranteeService {
  constructor(
    private readonly ledger: LedgerService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly funds: RiskFundsStore,
    private readonly agreements: AgreementsStore,
    private readonly covers: CoversStore,
    private readonly loans: CoveredLoansStore,
    private readonly capacity: GuaranteeCapacityService,
  ) {}

  today(): string {
    return this.clock.today(this.config.BUSINESS_TIMEZONE);
  }

  /** Locks the fund row (FOR UPDATE): every change to a fund's money or cover holds this lock first. */
  async lockFund(manager: EntityManager, fundId: string): Promise<LockedFund> {
    const r = await this.funds.lock(manager, fundId);
    if (!r) throw new DomainError('NOT_FOUND', `risk fund ${fundId} not found`);
    return lockedFundOf(r);
  }

  /**
   * `lockFund` for a covered loan's fund, found from the loan in the same statement (see CoveredLoanBook.lockLoan);
   * with `bankId`, only for a loan of that bank. Undefined when there is none. Sent at once (a step of `together`).
   */
  lockFundOfLoan(manager: EntityManager, loanId: string, bankId: string | null): Promise<LockedFund | undefined> {
    return this.funds.lockOfCoveredLoan(manager, loanId, bankId).then((r) => r && lockedFundOf(r));
  }

  /** The agreement of a loan, unlocked (undefined when it has none). Sent at once (a step of `together`). */
  agreementOfLoan(manager: EntityManager, loanId: string): Promise<AgreementRow | undefined> {
    return this.agreements.ofLoan(manager, loanId);
  }

  async agreementRow(
    manager: EntityManager | null,
    agreementId: string,
    lock?: 'FOR SHARE' | 'FOR UPDATE',
  ): Promise<AgreementRow> {
    const row = await this.agreements.row(manager, agreementId, lock);
    if (!row) throw new DomainError('NOT_FOUND', `guarantee agreement ${agreementId} not found`);
    return row;
  }

  // ─── fund money in and out: the cover side of every movement of the fund's balance ──────────────────────────

  /** Fund money came in (deposit, interest, recovery): LIMIT ↑ by the same amount, the pool grows. Fund locked. */
  async coverInflow(
    manager: EntityManager,
    fundId: string,
    amountFen: Fen,
    entry: EntryMeta,
  ): Promise<string> {
    const shortfall = await this.ledger.balanceOf(manager, riskFundCoverAccounts(fundId).shortfall);
    const posted = await this.ledger.post(manager, {
      ...entry,
      lines: inflowLines(fundId, shortfall, amountFen),
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
    entry: EntryMeta,
    opts: { allowShortfall: boolean },
  ): Promise<string> {
    const available = opts.allowShortfall
      ? await this.ledger.balanceOf(manager, riskFundCoverAccounts(fundId).available)
      : 0n;
    const lines = outflowLines(fundId, available, amountFen, opts.allowShortfall);
    return (await this.ledger.post(manager, { ...entry, lines })).entryId;
  }

  // ─── status getters for phase B and reports ─────────────────────────────────────────────────────────────────

  async minimumStatus(manager: EntityManager | null, fundId: string): Promise<MinimumStatus> {
    return minimumStatus(await this.fundSummary(manager, fundId));
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
    let districtId: string;
    let threshold: string;
    if ('agreementId' in input) {
      const ag = await this.agreementRow(manager, input.agreementId);
      districtId = await this.funds.districtOf(manager, ag.risk_fund_id);
      threshold = trimDecimal(ag.npl_threshold_percent);
    } else {
      districtId = input.districtId;
      threshold = input.thresholdPercent;
    }
    const row = await this.funds.nplFigures(manager, districtId, DEFAULT_NPL_OVERDUE_DAYS);
    return suspensionStatus(
      districtId,
      { nplOverdueDays: row.npl_overdue_days, outstandingFen: big(row.outstanding), nplFen: big(row.npl) },
      threshold,
    );
  }

  /**
   * Every guarantee-side rule for covering `amountFen` under an agreement, all at once (empty = would be
   * accepted now). Phase B merges these with the borrower's eligibility problems; `reserve` re-checks them under
   * the fund lock.
   */
  async coverChecks(
    manager: EntityManager,
    input: { agreementId: string; amountFen: Fen; borrowerType: BorrowerType; onDate?: string },
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

  /**
   * What `coverChecks` reads of a fund, for a caller that holds its lock and sends the reads with its own (a step of
   * `together`): the fund's summary and the NPL figures of its district (`districtId`, the fund's), in one round trip.
   * `coverChecksOn` decides on them.
   */
  coverFigures(manager: EntityManager, fundId: string, districtId: string): Promise<CoverFigures> {
    return together(manager, [
      () => this.funds.summary(manager, fundId),
      () => this.funds.nplFigures(manager, districtId, DEFAULT_NPL_OVERDUE_DAYS),
    ]).then(([summary, npl]) => ({ fundId, summary, npl }));
  }

  /**
   * `coverChecks` on an agreement and the figures `coverFigures` read, for one date: the same problems, nothing read
   * (the rules for another date reuse the same figures).
   */
  coverChecksOn(
    ag: AgreementRow,
    figures: CoverFigures,
    input: { amountFen: Fen; borrowerType: BorrowerType; onDate: string },
  ): FieldError[] {
    const s = figures.summary;
    if (!s) throw new DomainError('NOT_FOUND', `risk fund ${figures.fundId} not found`);
    const threshold = trimDecimal(ag.npl_threshold_percent);
    const row = figures.npl;
    const suspension = suspensionStatus(
      s.district_id,
      { nplOverdueDays: row.npl_overdue_days, outstandingFen: big(row.outstanding), nplFen: big(row.npl) },
      threshold,
    );
    return coverProblems(coverFactsOf(ag, s, suspension, input.amountFen, input.borrowerType, input.onDate));
  }

  private async problemsFor(
    manager: EntityManager,
    ag: AgreementRow,
    s: FundSummary,
    amountFen: Fen,
    borrowerType: BorrowerType,
    onDate: string,
  ): Promise<FieldError[]> {
    const suspension = await this.suspensionStatus(manager, {
      districtId: s.district_id,
      thresholdPercent: trimDecimal(ag.npl_threshold_percent),
    });
    return coverProblems(coverFactsOf(ag, s, suspension, amountFen, borrowerType, onDate));
  }

  private async fundSummary(manager: EntityManager | null, fundId: string): Promise<FundSummary> {
    const s = await this.funds.summary(manager, fundId);
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
    if (input.lockedFund) return this.reserveLocked(manager, input, input.lockedFund, onDate);
    const fundId = (await this.agreementRow(manager, input.agreementId)).risk_fund_id;
    await this.lockFund(manager, fundId);
    const ag = await this.agreementRow(manager, input.agreementId, 'FOR SHARE');

    const existing = await this.covers.find(manager, input.loanId, true);
    if (existing) {
      const conflict = reservationReplay(existing, input.loanId, ag.id, input.amountFen);
      if (conflict) throw refuse(conflict);
      return coverState(existing, true);
    }
    const loan = await this.loans.coverFacts(manager, input.loanId);
    if (!loan) throw new DomainError('NOT_FOUND', `loan ${input.loanId} not found`);
    const s = await this.fundSummary(manager, fundId);
    refuseMismatch(loan, ag, s);
    const refusal = coverRefusal(
      await this.problemsFor(manager, ag, s, input.amountFen, loan.borrower_type, onDate),
    );
    if (refusal) throw refuse(refusal);
    return this.reserveDecided(manager, input, ag, fundId, loan.borrower_type, onDate);
  }

  /**
   * `reserve` for a caller holding the fund's lock: the agreement shared, the cover locked, the loan's facts and the
   * fund's figures in one round trip, the same refusals in the same order, then the posting's round trip.
   */
  private async reserveLocked(
    manager: EntityManager,
    input: ReserveInput,
    fund: Pick<LockedFund, 'id' | 'districtId'>,
    onDate: string,
  ): Promise<CoverState> {
    const [ag, existing, loan, figures] = await together(manager, [
      () => this.agreements.row(manager, input.agreementId, 'FOR SHARE'),
      () => this.covers.find(manager, input.loanId, true),
      () => this.loans.coverFacts(manager, input.loanId),
      () => (input.figures ? Promise.resolve(input.figures) : this.coverFigures(manager, fund.id, fund.districtId)),
    ]);
    if (!ag) throw new DomainError('NOT_FOUND', `guarantee agreement ${input.agreementId} not found`);
    if (ag.risk_fund_id !== fund.id)
      throw new Error(`agreement ${ag.id} is backed by risk fund ${ag.risk_fund_id}, not the locked ${fund.id}`);
    if (existing) {
      const conflict = reservationReplay(existing, input.loanId, ag.id, input.amountFen);
      if (conflict) throw refuse(conflict);
      return coverState(existing, true);
    }
    if (!loan) throw new DomainError('NOT_FOUND', `loan ${input.loanId} not found`);
    const s = figures.summary;
    if (!s) throw new DomainError('NOT_FOUND', `risk fund ${fund.id} not found`);
    refuseMismatch(loan, ag, s);
    const refusal = coverRefusal(
      this.coverChecksOn(ag, figures, { amountFen: input.amountFen, borrowerType: loan.borrower_type, onDate }),
    );
    if (refusal) throw refuse(refusal);
    return this.reserveDecided(manager, input, ag, fund.id, loan.borrower_type, onDate);
  }

  /**
   * The reservation decided: its posting, then the cover and its event right behind it in the same round trip (the
   * cover's id and the entry's named by the loan and the entry's idempotency key), then the audit row.
   */
  private async reserveDecided(
    manager: EntityManager,
    input: ReserveInput,
    ag: AgreementRow,
    fundId: string,
    borrowerType: BorrowerType,
    onDate: string,
  ): Promise<CoverState> {
    const multipleText = multipleFor(ag, borrowerType);
    const plan = reservePlan({ fundId, agreementId: ag.id, amountFen: input.amountFen, multipleText });
    const entryKey = `cover:reserve:loan:${input.loanId}`;
    const posting = await this.postingBounded(manager, {
      idempotencyKey: entryKey,
      code: 'COVER_RESERVED',
      valueDate: onDate,
      memo: `reserve cover for loan ${input.loanId} under agreement ${ag.agreement_no} at multiple ${multipleText} (request ${input.idempotencyKey})`,
      lines: plan.lines,
    });
    const key = `reserve:loan:${input.loanId}`;
    const [row] = await together(manager, [
      () =>
        this.postThen(posting, () => {
          const inserted = this.covers.insert(manager, {
            loanId: input.loanId,
            agreementId: ag.id,
            riskFundId: fundId,
            bankId: ag.bank_id,
            borrowerType,
            multiple: multipleText,
            reservedFen: input.amountFen,
            coverPendingFen: plan.coverFen,
            onDate,
          });
          const event = this.event(manager, { loanId: input.loanId }, 'RESERVED', input.amountFen, plan.coverFen, { key: entryKey }, key, onDate);
          return [inserted, event] as const;
        }).then(([, [inserted]]) => inserted),
    ]);
    return this.recorded(manager, 'COVER_RESERVED', input.loanId, undefined, row);
  }

  /**
   * Sends a posting (a batch's last step: its retry or back-dated check follow its answer) and `behind`'s statements
   * right behind it; answers the entry, then what they answered. A refused posting aborts the transaction and they
   * fail with it: the posting's refusal is the one answered.
   */
  private postThen<const B extends readonly Promise<unknown>[]>(
    posting: () => Promise<PostedEntry>,
    behind: () => B,
  ): Promise<readonly [PostedEntry, { -readonly [K in keyof B]: Awaited<B[K]> }]> {
    const posted = posting();
    const followers = behind();
    for (const p of followers) p.catch(() => undefined);
    return posted.then(async (entry) => [entry, (await Promise.all(followers)) as never] as const);
  }

  /**
   * At disbursement the reservation becomes exposure: PENDING → OUTSTANDING for the principal disbursed, its
   * backing PENDING → USED; whatever was reserved beyond it goes back to the pool.
   */
  async consume(manager: EntityManager, input: ConsumeInput): Promise<CoverState> {
    const onDate = input.onDate ?? this.today();
    const key = `consume:loan:${input.loanId}`;
    // the cover locked with whether it is consumed already and the fund's shortfall, in one round trip
    const fundId = input.lockedFundId ?? (await this.lockFundOfCover(manager, input.loanId));
    const r = await this.readCover(manager, input.loanId, key, fundId);
    const cover = coverOf(input.loanId, r);
    if (r.replay) return coverState(cover, true);
    const before = coverState(cover);
    const conflict = statusConflict(input.loanId, before.status, 'PENDING');
    if (conflict) throw refuse(conflict);
    const plan = consumePlan(before, input.amountFen, shortfallOf(r));
    if (isRefusal(plan)) throw refuse(plan);
    const entryKey = `cover:${key}`;
    const posting = await this.postingBounded(manager, {
      idempotencyKey: entryKey,
      code: 'COVER_CONSUMED',
      valueDate: onDate,
      memo: `loan ${input.loanId} disbursed ${formatYuan(plan.amountFen)} (request ${input.idempotencyKey})`,
      lines: plan.lines,
    });
    // the posting, then the cover's row and its event (naming the entry by its key) right behind it
    const [[, [row]]] = await together(manager, [
      () =>
        this.postThen(posting, () => [
          this.covers.markConsumed(manager, cover.id, { ...plan, onDate }),
          this.event(manager, cover.id, 'CONSUMED', plan.amountFen, plan.coverDeltaFen, { key: entryKey }, key, onDate),
        ] as const),
    ]);
    return this.recorded(manager, 'COVER_CONSUMED', input.loanId, before, row);
  }

  /**
   * Principal repaid (or otherwise leaving cover): OUTSTANDING ↓ by it, and the backing shrinks to
   * ⌈new outstanding / multiple⌉, so the backing held always equals the cover of what is still outstanding. At
   * zero the cover closes. Answers the cover, and the entry it posted (none on a replay).
   *
   * Three round trips under the fund's lock: the cover locked with what the release reads (`readRelease`), then the
   * posting with the cover's row and event behind it (`releasing`). A caller that sends its own statements in the
   * same round trips uses those two parts itself (the bank's repayment report).
   */
  async release(manager: EntityManager, input: ReleaseInput): Promise<CoverState & { entryId?: string }> {
    const fundId = input.lockedFundId ?? (await this.lockFundOfCover(manager, input.loanId));
    const release = await this.releasing(manager, input, await this.readRelease(manager, input, fundId));
    if ('replayed' in release) return release.replayed;
    const [[released]] = await together(manager, [() => release.send(() => Promise.resolve(undefined))]);
    return released;
  }

  /**
   * A release's reads, for a caller holding the lock of the cover's fund (`lockedFundId`; the fixed order is fund,
   * then cover), in one round trip, as a step of a caller's `together` (sent before it returns): the cover locked,
   * whether this release's key already has its event (a retry), and the fund's cover shortfall. `releasing` decides
   * on them.
   */
  readRelease(manager: EntityManager, input: ReleaseInput, lockedFundId: string): Promise<CoverReading> {
    return this.readCover(manager, input.loanId, `release:loan:${input.loanId}:${callerKey(input.idempotencyKey)}`, lockedFundId);
  }

  /**
   * What a step of a cover's lifecycle reads under its fund's lock (`fundId`, held by the caller), in one round trip,
   * as a step of `together`: the cover locked, whether the step's key already has its event, the fund's shortfall.
   */
  private readCover(manager: EntityManager, loanId: string, key: string, fundId: string): Promise<CoverReading> {
    const shortfallCode = riskFundCoverAccounts(fundId).shortfall;
    return together(manager, [
      () => this.covers.find(manager, loanId, true),
      () => this.covers.eventExists(manager, key),
      () => this.ledger.account(manager, shortfallCode),
    ]).then(([cover, replay, shortfall]) => ({ fundId, key, cover, replay, shortfall, shortfallCode }));
  }

  /** Fund first, then the cover: the cover read unlocked to find its fund, the fund locked; answers the fund's id. */
  private async lockFundOfCover(manager: EntityManager, loanId: string): Promise<string> {
    const unlocked = await this.covers.find(manager, loanId, false);
    if (!unlocked) throw new DomainError('NOT_FOUND', `loan ${loanId} has no guarantee cover`);
    return (await this.lockFund(manager, unlocked.risk_fund_id)).id;
  }

  /**
   * The rest of a release on what `readRelease` read: its refusals, in `release`'s order, then (unless it is a
   * retry, answered as `replayed`) the posting prepared. `send` is a step of the caller's `together`, its last (the
   * posting's retry or back-dated check follow its answer): it sends the posting, then the cover's row and its event
   * (naming the entry by its idempotency key) and `follow`'s statements right behind it (`entryKey` names the entry
   * to them too), and answers the cover after them with the posted entry and `follow`'s result. A refused posting
   * aborts the transaction, so the statements behind it fail: the posting's refusal is the one answered.
   */
  async releasing(
    manager: EntityManager,
    input: ReleaseInput,
    r: CoverReading,
  ): Promise<{ replayed: CoverState } | PendingRelease> {
    const onDate = input.onDate ?? this.today();
    const cover = coverOf(input.loanId, r);
    if (r.replay) return { replayed: coverState(cover, true) };
    const before = coverState(cover);
    const conflict = statusConflict(input.loanId, before.status, 'ACTIVE');
    if (conflict) throw refuse(conflict);
    const plan = releasePlan(before, input.amountFen, shortfallOf(r));
    if (isRefusal(plan)) throw refuse(plan);
    const entryKey = `cover:${r.key}`;
    const posting = await this.postingBounded(manager, {
      idempotencyKey: entryKey,
      code: 'COVER_RELEASED',
      valueDate: onDate,
      memo: `loan ${input.loanId}: ${formatYuan(input.amountFen)} of covered principal released`,
      lines: plan.lines,
    });
    return {
      entryKey,
      send: <T>(follow: () => Promise<T>) =>
        this.postThen(posting, () => [
          this.covers.markReleased(manager, cover.id, {
            outstandingFen: plan.outstandingAfterFen,
            coverUsedFen: plan.coverUsedAfterFen,
            releasedFen: input.amountFen,
            onDate,
          }),
          this.event(manager, cover.id, 'RELEASED', input.amountFen, -plan.freedFen, { key: entryKey }, r.key, onDate),
          follow(),
        ] as const).then(async ([{ entryId }, [after, , result]]) => {
          const state = await this.recorded(manager, 'COVER_RELEASED', input.loanId, before, after);
          return [{ ...state, entryId }, result] as const;
        }),
    };
  }

  /** A reserved loan that will not be disbursed (cancelled, rejected): the whole reservation returns. */
  async void(manager: EntityManager, input: VoidInput): Promise<CoverState> {
    const onDate = input.onDate ?? this.today();
    const key = `void:loan:${input.loanId}`;
    const cover = await this.lockCover(manager, input.loanId);
    if (await this.covers.eventExists(manager, key)) return coverState(cover, true);
    const before = coverState(cover);
    const conflict = statusConflict(input.loanId, before.status, 'PENDING');
    if (conflict) throw refuse(conflict);
    const { entryId } = await this.postBounded(manager, {
      idempotencyKey: `cover:${key}`,
      code: 'COVER_VOIDED',
      valueDate: onDate,
      memo: `reservation of loan ${input.loanId} voided (request ${input.idempotencyKey})`,
      lines: voidLines(before, await this.shortfall(manager, before.riskFundId)),
    });
    const row = await this.covers.markVoided(manager, cover.id, before.pendingFen, onDate);
    await this.event(
      manager,
      cover.id,
      'VOIDED',
      before.pendingFen,
      -before.coverPendingFen,
      entryId,
      key,
      onDate,
    );
    return this.recorded(manager, 'COVER_VOIDED', input.loanId, before, row);
  }

  async cover(manager: EntityManager | null, loanId: string): Promise<CoverState | undefined> {
    const row = await this.covers.find(manager, loanId, false);
    return row ? coverState(row) : undefined;
  }

  async listCovers(
    filter: { riskFundId?: string; agreementId?: string; bankId?: string; status?: string },
    page: PageQuery,
  ): Promise<Page<ReturnType<typeof coverView>>> {
    const { rows, total } = await this.covers.page(filter, scopedBankId(), page);
    return {
      items: rows.map((r) => coverView(coverState(r))),
      page: page.page,
      pageSize: page.pageSize,
      total,
    };
  }

  // ─── capacity views, answered by GuaranteeCapacityService ───────────────────────────────────────────────────

  fundCapacity(fundId: string): Promise<FundCapacity> {
    return this.capacity.fundCapacity(fundId);
  }

  districtCapacity(districtId: string): Promise<FundCapacity> {
    return this.capacity.districtCapacity(districtId);
  }

  bankCapacity(bankId: string): Promise<BankCapacity> {
    return this.capacity.bankCapacity(bankId);
  }

  // ─── steps ──────────────────────────────────────────────────────────────────────────────────────────────────

  /** Fund first, then the cover: the fixed lock order. */
  private async lockCover(manager: EntityManager, loanId: string): Promise<CoverRow> {
    const unlocked = await this.covers.find(manager, loanId, false);
    if (!unlocked) throw new DomainError('NOT_FOUND', `loan ${loanId} has no guarantee cover`);
    await this.lockFund(manager, unlocked.risk_fund_id);
    return (await this.covers.find(manager, loanId, true))!;
  }

  private shortfall(manager: EntityManager, fundId: string): Promise<Fen> {
    return this.ledger.balanceOf(manager, riskFundCoverAccounts(fundId).shortfall);
  }

  private event(
    manager: EntityManager,
    cover: NewCoverEvent['cover'],
    event: NewCoverEvent['event'],
    amountFen: Fen,
    coverDeltaFen: Fen,
    entry: NewCoverEvent['entry'],
    key: string,
    onDate: string,
  ): Promise<void> {
    return this.covers.insertEvent(manager, {
      cover,
      event,
      amountFen,
      coverDeltaFen,
      entry,
      key,
      onDate,
      actor: actorName(),
    });
  }

  /** The audit row of a lifecycle step; answers the cover as it now is. */
  private async recorded(
    manager: EntityManager,
    action: 'COVER_RESERVED' | 'COVER_CONSUMED' | 'COVER_RELEASED' | 'COVER_VOIDED',
    loanId: string,
    before: CoverState | undefined,
    row: CoverRow,
  ): Promise<CoverState> {
    const state = coverState(row);
    await this.audit.record(manager, {
      action,
      entityType: 'loan',
      entityId: loanId,
      ...(before ? { before: coverView(before) } : {}),
      after: coverView(state),
    });
    return state;
  }

  /** Posts, turning the ledger's bound into the business refusal: the pool had no room. */
  private async postBounded(manager: EntityManager, entry: Parameters<LedgerService['post']>[1]) {
    return (await this.postingBounded(manager, entry))();
  }

  /**
   * `postBounded` in the two parts of `LedgerService.posting`: the checks now, the posting as the function returned (a
   * batch's last step: it sends its statement before it returns).
   */
  private async postingBounded(
    manager: EntityManager,
    entry: Parameters<LedgerService['post']>[1],
  ): Promise<() => Promise<PostedEntry>> {
    let post: () => Promise<PostedEntry>;
    try {
      post = await this.ledger.posting(manager, entry);
    } catch (e) {
      throw capacityRefusal(e);
    }
    return () =>
      post().catch((e: unknown) => {
        throw capacityRefusal(e);
      });
  }
}
