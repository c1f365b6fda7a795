import type { Fen } from '#libs/money';
import type { ForfeitReason } from './earning.js';
import type { PolicyType } from './policy.js';

export const CLAIM_KINDS = ['ORIGINAL', 'ADJUSTMENT', 'REMAINDER'] as const;
export type ClaimKind = (typeof CLAIM_KINDS)[number];
export const CLAIM_STATUSES = ['DRAFT', 'SUPERSEDED', 'QUEUED', 'APPROVED', 'PAID'] as const;
export type ClaimStatus = (typeof CLAIM_STATUSES)[number];

/** One line of a claim: one loan's instalment period. */
export interface ClaimLine {
  loanId: string;
  installmentNumber: number;
  periodStart: string;
  dueDate: string;
  days: number;
  policyType: PolicyType;
  ratePercent: string;
  balanceFen: Fen;
  basisFen: Fen;
  yearShare: string;
  interestFen: Fen;
  originalInterestFen: Fen;
  interestPaidFen: Fen;
  interestPaidOn: string | null;
  computedFen: Fen;
  outcome: 'EARNED' | 'FORFEITED';
  reason: ForfeitReason | null;
  earnedFen: Fen;
  forfeitedFen: Fen;
  /** ADJUSTMENT: what approved claims of the period already claimed for this instalment. */
  claimedBeforeFen: Fen;
  /** This claim's amount for the line (ORIGINAL: earned; ADJUSTMENT: earned − claimed before; REMAINDER: unpaid part). */
  subsidyFen: Fen;
}

export const lineKey = (l: { loanId: string; installmentNumber: number }) =>
  `${l.loanId}:${l.installmentNumber}`;

/** Deterministic line order: loan id, then instalment number (numeric, not text). */
export function orderLines<T extends { loanId: string; installmentNumber: number }>(
  lines: readonly T[],
): T[] {
  return [...lines].sort((a, b) => {
    const la = BigInt(a.loanId);
    const lb = BigInt(b.loanId);
    return la < lb ? -1 : la > lb ? 1 : a.installmentNumber - b.installmentNumber;
  });
}

/**
 * Hashes a plain value (bigints included) through its canonical form. Hashing is not domain code: the service
 * passes in sha256 of the canonical JSON (see content-hash.ts); a domain function only decides what is hashed.
 */
export type ContentHasher = (content: unknown) => string;

/** What a claim's content hash covers: the kind, and every field of every line in line order. */
export function claimFingerprint(kind: ClaimKind, lines: readonly ClaimLine[]) {
  return {
    kind,
    lines: orderLines(lines).map((l) => [
      l.loanId,
      l.installmentNumber,
      l.periodStart,
      l.dueDate,
      l.days,
      l.policyType,
      l.ratePercent,
      l.balanceFen,
      l.basisFen,
      l.yearShare,
      l.interestFen,
      l.originalInterestFen,
      l.interestPaidFen,
      l.interestPaidOn,
      l.computedFen,
      l.outcome,
      l.reason,
      l.earnedFen,
      l.forfeitedFen,
      l.claimedBeforeFen,
      l.subsidyFen,
    ]),
  };
}

/**
 * The fingerprint of a claim's content, hashed: regenerating a period from unchanged facts gives the same hash, so
 * the draft is kept; any change gives a new version.
 */
export function claimContentHash(
  kind: ClaimKind,
  lines: readonly ClaimLine[],
  hashOf: ContentHasher,
): string {
  return hashOf(claimFingerprint(kind, lines));
}

export interface ClaimTotals {
  lineCount: number;
  interestFen: Fen;
  forfeitedFen: Fen;
  totalFen: Fen;
}

export function claimTotals(lines: readonly ClaimLine[]): ClaimTotals {
  let interest = 0n;
  let forfeited = 0n;
  let total = 0n;
  for (const l of lines) {
    interest += l.interestFen;
    forfeited += l.forfeitedFen;
    total += l.subsidyFen;
  }
  return { lineCount: lines.length, interestFen: interest, forfeitedFen: forfeited, totalFen: total };
}

/**
 * The lines of an adjustment: for each instalment of the period, the difference between what it earns now and
 * what approved claims already claimed for it. Unchanged instalments give no line; an instalment that now earns
 * less (a fraud flag, a reversed repayment) gives a negative line. `claimed` holds every instalment an approved
 * claim listed; `current` must cover them all (an approved line never disappears from the period).
 */
export function adjustmentLines(
  current: readonly ClaimLine[],
  claimed: ReadonlyMap<string, Fen>,
): ClaimLine[] {
  const out: ClaimLine[] = [];
  const seen = new Set<string>();
  for (const l of current) {
    const key = lineKey(l);
    seen.add(key);
    const before = claimed.get(key) ?? 0n;
    if (l.earnedFen === before) continue;
    out.push({ ...l, claimedBeforeFen: before, subsidyFen: l.earnedFen - before });
  }
  const missing = [...claimed.keys()].filter((k) => !seen.has(k));
  if (missing.length)
    throw new RangeError(`approved claim lines no longer in the period: ${missing.join(', ')}`);
  return orderLines(out);
}

/**
 * Splits an approved claim at the year's remaining budget: lines in order are paid while the budget lasts (the
 * negative lines of an adjustment first, since they make room), the line where it runs out is split, and every
 * unpaid part becomes a line of the QUEUED remainder claim. Σ paid + Σ remainder = the claim's total, exactly.
 */
export function splitForBudget(
  lines: readonly { lineNo: number; subsidyFen: Fen }[],
  availableFen: Fen,
): { paidFen: Fen; remainder: { lineNo: number; fen: Fen }[] } {
  const total = lines.reduce((s, l) => s + l.subsidyFen, 0n);
  if (total <= availableFen) return { paidFen: total, remainder: [] };
  const available = availableFen > 0n ? availableFen : 0n;
  let room = available + lines.reduce((s, l) => s + (l.subsidyFen < 0n ? -l.subsidyFen : 0n), 0n);
  const remainder: { lineNo: number; fen: Fen }[] = [];
  for (const l of [...lines].sort((a, b) => a.lineNo - b.lineNo)) {
    if (l.subsidyFen <= 0n) continue;
    const take = l.subsidyFen < room ? l.subsidyFen : room;
    room -= take;
    if (take < l.subsidyFen) remainder.push({ lineNo: l.lineNo, fen: l.subsidyFen - take });
  }
  return { paidFen: available, remainder };
}
