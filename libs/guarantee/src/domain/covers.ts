import type { ErrorCode, FieldError } from '#libs/common';
import type { CoverFigures } from '../guarantee.service.js';
import type { PostingLine } from '#libs/ledger';
import { formatYuan, type Fen } from '#libs/money';
import { agreementAccounts, riskFundCoverAccounts } from './accounts.js';
import { coverFor, parseMultiple } from './leverage.js';
import type { GuaranteeCoverRow } from '../store/rows.generated.js';

export type CoverStatus = 'PENDING' | 'ACTIVE' | 'CLOSED' | 'VOIDED';
export type BorrowerType = 'HOUSEHOLD' | 'ENTITY';

/** A refusal a rule decided: the service turns it into the DomainError it throws. */
export interface Refusal {
  code: ErrorCode;
  detail: string;
  errors?: FieldError[];
}

/** The stored figures of one cover (the guarantee_covers row, bigint columns as strings). */
/** The stored figures of one cover (a guarantee_covers row). */
export type CoverRecord = GuaranteeCoverRow;

/** A loan's cover in fen: the covered principal (reserved / pending / outstanding) and the fund money backing it. */
export interface CoverState {
  id: string;
  loanId: string;
  agreementId: string;
  riskFundId: string;
  bankId: string;
  borrowerType: BorrowerType;
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

export interface ReserveInput {
  agreementId: string;
  loanId: string;
  amountFen: Fen;
  /** the caller's request key, kept on the event; the loan id itself makes a reservation happen once */
  idempotencyKey: string;
  onDate?: string;
  /**
   * The agreement's risk fund, which the caller already holds locked (the library's order is fund, then cover): the
   * reservation's reads then go out at once, in one round trip, without reading the agreement first to find it.
   */
  lockedFund?: Pick<LockedFund, 'id' | 'districtId'>;
  /**
   * The fund's figures the caller read under that lock and decided the same rules on (registration): they are not
   * read again. Nothing the caller's transaction does under the lock can make them refuse what they allowed (a loan
   * it adds only lowers the district's NPL ratio; nothing is posted to the fund's accounts in between).
   */
  figures?: CoverFigures;
}

export interface ConsumeInput {
  loanId: string;
  /** the principal actually disbursed (≤ reserved; default: all of it); the rest returns to capacity */
  amountFen?: Fen;
  idempotencyKey: string;
  onDate?: string;
  /** The cover's risk fund, which the caller already holds locked (see ReleaseInput). */
  lockedFundId?: string;
}

export interface ReleaseInput {
  loanId: string;
  /** principal repaid (or otherwise no longer covered, e.g. compensated and closed) */
  amountFen: Fen;
  /** one release per key: a loan is released many times, once per repayment */
  idempotencyKey: string;
  onDate?: string;
  /**
   * The risk fund the caller already holds locked (the library's order is fund, then cover): the cover is then locked
   * at once, without reading it first to find its fund.
   */
  lockedFundId?: string;
}

export interface VoidInput {
  loanId: string;
  idempotencyKey: string;
  onDate?: string;
}

export const big = (s: string | null | undefined): Fen => BigInt(s ?? '0');

/** The locked fund row (with its district's facts) as the rules use it. */
export function lockedFundOf(r: {
  id: string;
  district_id: string;
  district_code: string;
  district_name: string;
  heavy_task: boolean;
  name: string;
  status: 'ACTIVE' | 'CLOSED';
  minimum_fund_fen: string;
  npl_overdue_days: number;
}): LockedFund {
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

/** '10.0000' → '10', '8.5000' → '8.5': multiples are shown as written. */
export function trimDecimal(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

export function coverState(r: CoverRecord, replayed = false): CoverState {
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

/** The multiple a loan is covered at: the entity multiple for an operating entity when the agreement has one. */
export function multipleFor(
  ag: { leverage_multiple: string; entity_leverage_multiple: string | null },
  borrowerType: BorrowerType,
): string {
  return trimDecimal(
    borrowerType === 'ENTITY' && ag.entity_leverage_multiple
      ? ag.entity_leverage_multiple
      : ag.leverage_multiple,
  );
}

// ─── fund money in and out of the pool ────────────────────────────────────────────────────────────────────────

/**
 * Lines that return `amountFen` of fund money to the pool: a shortfall left by compensation (`shortfallFen`, its
 * balance now) is made good first, only the rest becomes available cover again.
 */
export function freeingLines(fundId: string, shortfallFen: Fen, amountFen: Fen): PostingLine[] {
  const c = riskFundCoverAccounts(fundId);
  const toShortfall = shortfallFen < amountFen ? shortfallFen : amountFen;
  const lines: PostingLine[] = [];
  if (toShortfall > 0n) lines.push({ account: c.shortfall, side: 'DEBIT', amountFen: toShortfall });
  if (amountFen - toShortfall > 0n)
    lines.push({ account: c.available, side: 'DEBIT', amountFen: amountFen - toShortfall });
  return lines;
}

/** Fund money came in: the freeing lines and LIMIT ↑ by the same amount. */
export function inflowLines(fundId: string, shortfallFen: Fen, amountFen: Fen): PostingLine[] {
  return [
    ...freeingLines(fundId, shortfallFen, amountFen),
    { account: riskFundCoverAccounts(fundId).limit, side: 'CREDIT', amountFen },
  ];
}

/**
 * Fund money went out: LIMIT ↓. A withdrawal (`allowShortfall: false`) takes it all from AVAILABLE (the ledger's
 * bound refuses more); a compensation takes what AVAILABLE (`availableFen`, its balance now) has and books the
 * rest as SHORTFALL.
 */
export function outflowLines(
  fundId: string,
  availableFen: Fen,
  amountFen: Fen,
  allowShortfall: boolean,
): PostingLine[] {
  const c = riskFundCoverAccounts(fundId);
  const lines: PostingLine[] = [{ account: c.limit, side: 'DEBIT', amountFen }];
  if (!allowShortfall) {
    lines.push({ account: c.available, side: 'CREDIT', amountFen });
    return lines;
  }
  const fromAvailable = availableFen < amountFen ? availableFen : amountFen;
  if (fromAvailable > 0n) lines.push({ account: c.available, side: 'CREDIT', amountFen: fromAvailable });
  if (amountFen - fromAvailable > 0n)
    lines.push({ account: c.shortfall, side: 'CREDIT', amountFen: amountFen - fromAvailable });
  return lines;
}

// ─── the cover lifecycle: reserve → consume → release, or reserve → void ──────────────────────────────────────

/** The facts of a loan a cover is asked for, against its agreement and the agreement's fund. */
export interface CoverMatchFacts {
  loan: { channel: string; bankId: string | null; districtId: string; agreementId: string | null };
  agreement: { id: string; bankId: string };
  fund: { districtId: string; districtCode: string };
}

/** Every reason the loan does not belong under the agreement, at once (empty = it does). */
export function coverMismatch(f: CoverMatchFacts): FieldError[] {
  const out: FieldError[] = [];
  if (f.loan.channel !== 'BANK_COVERED')
    out.push({
      field: 'loanId',
      code: 'COVER_MISMATCH',
      message: `loan channel is ${f.loan.channel}, not BANK_COVERED`,
    });
  if (f.loan.bankId !== f.agreement.bankId)
    out.push({
      field: 'loanId',
      code: 'COVER_MISMATCH',
      message: `the loan is not of bank ${f.agreement.bankId}`,
    });
  if (f.loan.districtId !== f.fund.districtId)
    out.push({
      field: 'loanId',
      code: 'COVER_MISMATCH',
      message: `the loan is not in the fund's district ${f.fund.districtCode}`,
    });
  if (f.loan.agreementId !== null && f.loan.agreementId !== f.agreement.id)
    out.push({
      field: 'agreementId',
      code: 'COVER_MISMATCH',
      message: `the loan names agreement ${f.loan.agreementId}`,
    });
  return out;
}

/** The refusal of a set of cover rule problems: the first problem names it. */
export function coverRefusal(problems: FieldError[]): Refusal | null {
  if (!problems.length) return null;
  return {
    code: problems[0].code as ErrorCode,
    detail: problems.map((p) => p.message).join('; '),
    errors: problems,
  };
}

/** An existing cover met by a reservation: a retry of the same reservation replays, anything else conflicts. */
export function reservationReplay(
  existing: Pick<CoverRecord, 'agreement_id' | 'reserved_fen' | 'status'>,
  loanId: string,
  agreementId: string,
  amountFen: Fen,
): Refusal | null {
  if (existing.agreement_id === agreementId && big(existing.reserved_fen) === amountFen) return null;
  return {
    code: 'COVER_STATE_CONFLICT',
    detail: `loan ${loanId} already has a cover (agreement ${existing.agreement_id}, ${formatYuan(big(existing.reserved_fen))}, ${existing.status})`,
  };
}

/** A reservation: ⌈amount / multiple⌉ of fund money moves from the fund's AVAILABLE to the agreement's PENDING. */
export function reservePlan(input: {
  fundId: string;
  agreementId: string;
  amountFen: Fen;
  multipleText: string;
}): { coverFen: Fen; lines: PostingLine[] } {
  const coverFen = coverFor(input.amountFen, parseMultiple(input.multipleText));
  const f = riskFundCoverAccounts(input.fundId);
  const a = agreementAccounts(input.agreementId);
  return {
    coverFen,
    lines: [
      { account: a.coverPending, side: 'DEBIT', amountFen: coverFen },
      { account: f.available, side: 'CREDIT', amountFen: coverFen },
      { account: a.exposurePending, side: 'DEBIT', amountFen: input.amountFen },
      { account: a.exposureContra, side: 'CREDIT', amountFen: input.amountFen },
    ],
  };
}

/** The status a lifecycle step needs, or the conflict. */
export function statusConflict(loanId: string, status: CoverStatus, expected: CoverStatus): Refusal | null {
  if (status === expected) return null;
  return {
    code: 'COVER_STATE_CONFLICT',
    detail: `the cover of loan ${loanId} is ${status}, not ${expected}`,
  };
}

function amountOutOfRange(what: string, amountFen: Fen, limitFen: Fen, limitName: string): Refusal {
  return {
    code: 'COVER_STATE_CONFLICT',
    detail: `${what} ${formatYuan(amountFen)} must be positive and at most the ${formatYuan(limitFen)} ${limitName}`,
    errors: [
      {
        field: 'amount',
        code: 'COVER_STATE_CONFLICT',
        message: `must be between 0.01 and ${formatYuan(limitFen)}`,
      },
    ],
  };
}

export interface ConsumePlan {
  amountFen: Fen;
  coverUsedFen: Fen;
  /** reserved principal not disbursed: it leaves exposure */
  returnedFen: Fen;
  /** change of the backing held (negative: fund money returns to the pool) */
  coverDeltaFen: Fen;
  lines: PostingLine[];
}

/**
 * At disbursement the reservation becomes exposure: PENDING → OUTSTANDING for the principal disbursed (default:
 * all of it), its backing PENDING → USED; whatever was reserved beyond it goes back to the pool.
 */
export function consumePlan(
  cover: CoverState,
  amountFen: Fen | undefined,
  shortfallFen: Fen,
): ConsumePlan | Refusal {
  const pending = cover.pendingFen;
  const amount = amountFen ?? pending;
  if (amount <= 0n || amount > pending)
    return amountOutOfRange('disbursed principal', amount, pending, 'reserved');
  const coverPending = cover.coverPendingFen;
  const coverUsed = coverFor(amount, parseMultiple(cover.multiple));
  const a = agreementAccounts(cover.agreementId);
  const lines: PostingLine[] = [
    { account: a.coverUsed, side: 'DEBIT', amountFen: coverUsed },
    { account: a.coverPending, side: 'CREDIT', amountFen: coverPending },
    ...freeingLines(cover.riskFundId, shortfallFen, coverPending - coverUsed),
    { account: a.exposureOutstanding, side: 'DEBIT', amountFen: amount },
    { account: a.exposurePending, side: 'CREDIT', amountFen: pending },
  ];
  if (pending - amount > 0n)
    lines.push({ account: a.exposureContra, side: 'DEBIT', amountFen: pending - amount });
  return {
    amountFen: amount,
    coverUsedFen: coverUsed,
    returnedFen: pending - amount,
    coverDeltaFen: coverUsed - coverPending,
    lines,
  };
}

export interface ReleasePlan {
  outstandingAfterFen: Fen;
  coverUsedAfterFen: Fen;
  freedFen: Fen;
  lines: PostingLine[];
}

/**
 * Principal repaid (or otherwise leaving cover): OUTSTANDING ↓ by it, and the backing shrinks to
 * ⌈new outstanding / multiple⌉, so the backing held always equals the cover of what is still outstanding.
 */
export function releasePlan(cover: CoverState, amountFen: Fen, shortfallFen: Fen): ReleasePlan | Refusal {
  const outstanding = cover.outstandingFen;
  if (amountFen <= 0n || amountFen > outstanding)
    return amountOutOfRange('released principal', amountFen, outstanding, 'outstanding');
  const after = outstanding - amountFen;
  const usedAfter = coverFor(after, parseMultiple(cover.multiple));
  const freed = cover.coverUsedFen - usedAfter;
  const a = agreementAccounts(cover.agreementId);
  const lines: PostingLine[] = [
    { account: a.exposureContra, side: 'DEBIT', amountFen },
    { account: a.exposureOutstanding, side: 'CREDIT', amountFen },
  ];
  if (freed > 0n)
    lines.push(...freeingLines(cover.riskFundId, shortfallFen, freed), {
      account: a.coverUsed,
      side: 'CREDIT',
      amountFen: freed,
    });
  return { outstandingAfterFen: after, coverUsedAfterFen: usedAfter, freedFen: freed, lines };
}

/** A reservation that will not be disbursed: all of it returns (backing to the pool, principal out of exposure). */
export function voidLines(cover: CoverState, shortfallFen: Fen): PostingLine[] {
  const a = agreementAccounts(cover.agreementId);
  return [
    ...freeingLines(cover.riskFundId, shortfallFen, cover.coverPendingFen),
    { account: a.coverPending, side: 'CREDIT', amountFen: cover.coverPendingFen },
    { account: a.exposureContra, side: 'DEBIT', amountFen: cover.pendingFen },
    { account: a.exposurePending, side: 'CREDIT', amountFen: cover.pendingFen },
  ];
}

export function isRefusal<T extends object>(x: T | Refusal): x is Refusal {
  return 'code' in x && 'detail' in x && !('lines' in x);
}
