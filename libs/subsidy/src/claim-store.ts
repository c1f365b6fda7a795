import type { EntityManager } from 'typeorm';
import { queryRows } from '#libs/common';
import { formatYuan, type Fen } from '#libs/money';
import { normalizePercent } from '#libs/products';
import {
  claimContentHash,
  claimTotals,
  orderLines,
  type ClaimKind,
  type ClaimLine,
  type ClaimStatus,
} from './domain/claims.js';

/** A subsidy_claims row as pg returns it (bigint as text, dates as YYYY-MM-DD). */
export interface ClaimRow {
  id: string;
  claim_no: string;
  programme_id: string;
  period_start: string;
  period_end: string;
  budget_year: number;
  settlement_mode: 'PAY_BANK' | 'REIMBURSE_BORROWER';
  payee_type: 'BANK' | 'FUND';
  bank_id: string | null;
  fund_id: string | null;
  kind: ClaimKind;
  version: number;
  status: ClaimStatus;
  parent_claim_id: string | null;
  superseded_by: string | null;
  remainder_claim_id: string | null;
  queue_rank: string | null;
  content_hash: string;
  line_count: number;
  interest_fen: string;
  forfeited_fen: string;
  total_fen: string;
  approved_fen: string | null;
  pending_count: number;
  as_of: string;
  generated_by: string;
  generated_at: Date;
  approved_by: string | null;
  approved_at: Date | null;
  approval_entry_id: string | null;
  paid_on: string | null;
  payment_ref: string | null;
  paid_by: string | null;
  payment_entry_id: string | null;
}

export interface LineRow {
  id: string;
  claim_id: string;
  line_no: number;
  loan_id: string;
  installment_number: number;
  period_start: string;
  due_date: string;
  days: number;
  policy_type: ClaimLine['policyType'];
  subsidy_rate_percent: string;
  balance_fen: string;
  basis_fen: string;
  year_share: string;
  interest_fen: string;
  original_interest_fen: string;
  interest_paid_fen: string;
  interest_paid_on: string | null;
  computed_fen: string;
  outcome: 'EARNED' | 'FORFEITED';
  forfeit_reason: ClaimLine['reason'];
  earned_fen: string;
  forfeited_fen: string;
  claimed_before_fen: string;
  subsidy_fen: string;
  source_line_id: string | null;
}

/** The group a claim belongs to: programme, settlement period and payee. */
export interface ClaimGroup {
  programmeId: string;
  periodStart: string;
  periodEnd: string;
  budgetYear: number;
  settlementMode: ClaimRow['settlement_mode'];
  payeeType: 'BANK' | 'FUND';
  payeeId: string;
}

export const groupKey = (g: { payeeType: string; payeeId: string }) => `${g.payeeType}:${g.payeeId}`;

export const SELECT_CLAIM = `SELECT c.*, c.id::text, c.programme_id::text, c.bank_id::text, c.fund_id::text, c.parent_claim_id::text,
  c.superseded_by::text, c.remainder_claim_id::text, c.queue_rank::text, c.total_fen::text, c.approved_fen::text,
  c.interest_fen::text, c.forfeited_fen::text, c.approval_entry_id::text, c.payment_entry_id::text FROM subsidy_claims c`;

export interface ClaimView {
  id: string;
  claimNo: string;
  programmeId: string;
  period: { start: string; end: string };
  budgetYear: number;
  settlementMode: ClaimRow['settlement_mode'];
  payee: { type: 'BANK' | 'FUND'; bankId: string | null; fundId: string | null };
  kind: ClaimKind;
  version: number;
  status: ClaimStatus;
  parentClaimId: string | null;
  supersededBy: string | null;
  remainderClaimId: string | null;
  lineCount: number;
  /** Σ interest charged on the lines. */
  interest: string;
  /** Σ subsidy forfeited on the lines. */
  forfeited: string;
  /** Σ subsidy of the lines: what this claim asks for. */
  total: string;
  /** The part approved against the year's budget (the rest is the remainder claim's). */
  approved: string | null;
  /** Instalments of the period still within their grace and unpaid: they enter a later generation. */
  pendingCount: number;
  asOf: string;
  contentHash: string;
  generatedBy: string;
  generatedAt: string;
  approvedBy: string | null;
  approvedAt: string | null;
  approvalEntryId: string | null;
  paidOn: string | null;
  paymentRef: string | null;
  paidBy: string | null;
  paymentEntryId: string | null;
}

export function claimView(r: ClaimRow): ClaimView {
  return {
    id: String(r.id),
    claimNo: r.claim_no,
    programmeId: String(r.programme_id),
    period: { start: r.period_start, end: r.period_end },
    budgetYear: r.budget_year,
    settlementMode: r.settlement_mode,
    payee: { type: r.payee_type, bankId: r.bank_id, fundId: r.fund_id },
    kind: r.kind,
    version: r.version,
    status: r.status,
    parentClaimId: r.parent_claim_id,
    supersededBy: r.superseded_by,
    remainderClaimId: r.remainder_claim_id,
    lineCount: r.line_count,
    interest: formatYuan(BigInt(r.interest_fen)),
    forfeited: formatYuan(BigInt(r.forfeited_fen)),
    total: formatYuan(BigInt(r.total_fen)),
    approved: r.approved_fen === null ? null : formatYuan(BigInt(r.approved_fen)),
    pendingCount: r.pending_count,
    asOf: r.as_of,
    contentHash: r.content_hash,
    generatedBy: r.generated_by,
    generatedAt: new Date(r.generated_at).toISOString(),
    approvedBy: r.approved_by,
    approvedAt: r.approved_at ? new Date(r.approved_at).toISOString() : null,
    approvalEntryId: r.approval_entry_id,
    paidOn: r.paid_on,
    paymentRef: r.payment_ref,
    paidBy: r.paid_by,
    paymentEntryId: r.payment_entry_id,
  };
}

export const lineFromRow = (r: LineRow): ClaimLine & { lineNo: number; id: string } => ({
  id: String(r.id),
  lineNo: r.line_no,
  loanId: String(r.loan_id),
  installmentNumber: r.installment_number,
  periodStart: r.period_start,
  dueDate: r.due_date,
  days: r.days,
  policyType: r.policy_type,
  ratePercent: normalizePercent(r.subsidy_rate_percent),
  balanceFen: BigInt(r.balance_fen),
  basisFen: BigInt(r.basis_fen),
  yearShare: r.year_share,
  interestFen: BigInt(r.interest_fen),
  originalInterestFen: BigInt(r.original_interest_fen),
  interestPaidFen: BigInt(r.interest_paid_fen),
  interestPaidOn: r.interest_paid_on,
  computedFen: BigInt(r.computed_fen),
  outcome: r.outcome,
  reason: r.forfeit_reason,
  earnedFen: BigInt(r.earned_fen),
  forfeitedFen: BigInt(r.forfeited_fen),
  claimedBeforeFen: BigInt(r.claimed_before_fen),
  subsidyFen: BigInt(r.subsidy_fen),
});

export interface NewClaim {
  group: ClaimGroup;
  kind: ClaimKind;
  status: 'DRAFT' | 'QUEUED';
  parentClaimId?: string | null;
  queueRank?: string | null;
  pendingCount: number;
  asOf: string;
  generatedBy: string;
}

/** The next version number in a claim's group (every kind counts, so claim numbers never repeat). */
export async function nextVersion(m: EntityManager, g: ClaimGroup): Promise<number> {
  const [{ v }] = await queryRows<{ v: number }>(
    m,
    `SELECT coalesce(max(version), 0)::int + 1 AS v FROM subsidy_claims
      WHERE programme_id = $1 AND period_end = $2 AND payee_type = $3 AND coalesce(bank_id, fund_id) = $4`,
    [g.programmeId, g.periodEnd, g.payeeType, g.payeeId],
  );
  return v;
}

/**
 * Inserts a claim with its lines (line numbers in the deterministic order), its content hash and totals; the
 * database checks at commit that the totals are those of the lines. `sourceLineIds` (REMAINDER) maps a line's
 * key to the line it carries the unpaid part of.
 */
export async function insertClaim(
  m: EntityManager,
  c: NewClaim,
  lines: readonly ClaimLine[],
  opts: { id?: string; version?: number; sourceLineIds?: Map<string, string>; hash?: string } = {},
): Promise<ClaimRow> {
  const ordered = orderLines(lines);
  const totals = claimTotals(ordered);
  const hash = opts.hash ?? claimContentHash(c.kind, ordered);
  const version = opts.version ?? (await nextVersion(m, c.group));
  const g = c.group;
  const claimNo = `SUB${g.programmeId}-${g.periodEnd.replace(/-/g, '')}-${g.payeeType === 'BANK' ? 'B' : 'F'}${g.payeeId}-V${version}`;
  const [row] = await queryRows<{ id: string }>(
    m,
    `INSERT INTO subsidy_claims (${opts.id ? 'id, ' : ''}claim_no, programme_id, period_start, period_end, budget_year, settlement_mode, payee_type,
                                 bank_id, fund_id, kind, version, status, parent_claim_id, queue_rank, content_hash, line_count,
                                 interest_fen, forfeited_fen, total_fen, pending_count, as_of, generated_by)
     VALUES (${opts.id ? '$23, ' : ''}$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
     RETURNING id::text`,
    [
      claimNo,
      g.programmeId,
      g.periodStart,
      g.periodEnd,
      g.budgetYear,
      g.settlementMode,
      g.payeeType,
      g.payeeType === 'BANK' ? g.payeeId : null,
      g.payeeType === 'FUND' ? g.payeeId : null,
      c.kind,
      version,
      c.status,
      c.parentClaimId ?? null,
      c.queueRank ?? null,
      hash,
      totals.lineCount,
      totals.interestFen.toString(),
      totals.forfeitedFen.toString(),
      totals.totalFen.toString(),
      c.pendingCount,
      c.asOf,
      c.generatedBy,
      ...(opts.id ? [opts.id] : []),
    ],
  );
  if (ordered.length) {
    const col = <T>(f: (l: ClaimLine, i: number) => T) => ordered.map(f);
    const s = (v: Fen) => v.toString();
    await m.query(
      `INSERT INTO subsidy_claim_lines (claim_id, line_no, loan_id, installment_number, period_start, due_date, days, policy_type,
                                        subsidy_rate_percent, balance_fen, basis_fen, year_share, interest_fen, original_interest_fen,
                                        interest_paid_fen, interest_paid_on, computed_fen, outcome, forfeit_reason, earned_fen,
                                        forfeited_fen, claimed_before_fen, subsidy_fen, source_line_id)
       SELECT $1, * FROM unnest($2::int[], $3::bigint[], $4::int[], $5::date[], $6::date[], $7::int[], $8::text[], $9::numeric[],
                                $10::bigint[], $11::bigint[], $12::text[], $13::bigint[], $14::bigint[], $15::bigint[], $16::date[],
                                $17::bigint[], $18::text[], $19::text[], $20::bigint[], $21::bigint[], $22::bigint[], $23::bigint[],
                                $24::bigint[])`,
      [
        row.id,
        col((_, i) => i + 1),
        col((l) => l.loanId),
        col((l) => l.installmentNumber),
        col((l) => l.periodStart),
        col((l) => l.dueDate),
        col((l) => l.days),
        col((l) => l.policyType),
        col((l) => l.ratePercent),
        col((l) => s(l.balanceFen)),
        col((l) => s(l.basisFen)),
        col((l) => l.yearShare),
        col((l) => s(l.interestFen)),
        col((l) => s(l.originalInterestFen)),
        col((l) => s(l.interestPaidFen)),
        col((l) => l.interestPaidOn),
        col((l) => s(l.computedFen)),
        col((l) => l.outcome),
        col((l) => l.reason),
        col((l) => s(l.earnedFen)),
        col((l) => s(l.forfeitedFen)),
        col((l) => s(l.claimedBeforeFen)),
        col((l) => s(l.subsidyFen)),
        col((l) => opts.sourceLineIds?.get(`${l.loanId}:${l.installmentNumber}`) ?? null),
      ],
    );
  }
  const [inserted] = await queryRows<ClaimRow>(m, `${SELECT_CLAIM} WHERE c.id = $1`, [row.id]);
  return inserted;
}

export async function claimLines(
  m: EntityManager,
  claimId: string,
): Promise<(ClaimLine & { lineNo: number; id: string })[]> {
  const rows = await queryRows<LineRow>(
    m,
    `SELECT *, id::text, loan_id::text, subsidy_rate_percent::text FROM subsidy_claim_lines WHERE claim_id = $1 ORDER BY line_no`,
    [claimId],
  );
  return rows.map(lineFromRow);
}
