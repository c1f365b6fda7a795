import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { areaCondition, offsetOf, queryOne, queryRows, type PageQuery } from '#libs/common';
import type { Fen } from '#libs/money';
import { normalizePercent } from '#libs/products';
import { hashContent } from '../content-hash.js';
import { claimNumber, type ClaimFacts, type ClaimGroup, type ClaimLineFacts } from '../domain/claim-view.js';
import {
  claimContentHash,
  claimTotals,
  orderLines,
  type ClaimKind,
  type ClaimLine,
} from '../domain/claims.js';

/** A subsidy_claims row as pg returns it (bigint as text, dates as YYYY-MM-DD). */
export interface ClaimRow extends ClaimFacts {
  queue_rank: string | null;
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

export interface ClaimListFilter {
  bankScope: string | null;
  programmeId?: string;
  periodEnd?: string;
  budgetYear?: number;
  status?: string;
  kind?: ClaimKind;
  payeeType?: 'BANK' | 'FUND';
  bankId?: string;
  fundId?: string;
  from?: string;
  to?: string;
}

export interface LineListFilter {
  outcome?: 'EARNED' | 'FORFEITED';
  forfeitReason?: string;
  loanId?: string;
}

export const SELECT_CLAIM = `SELECT c.*, c.id::text, c.programme_id::text, c.bank_id::text, c.fund_id::text, c.parent_claim_id::text,
  c.superseded_by::text, c.remainder_claim_id::text, c.queue_rank::text, c.total_fen::text, c.approved_fen::text,
  c.interest_fen::text, c.forfeited_fen::text, c.approval_entry_id::text, c.payment_entry_id::text FROM subsidy_claims c`;

function claimWhere(filter: ClaimListFilter): { clause: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.bankScope !== null) where.push(`c.bank_id = $${params.push(filter.bankScope)}`);
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
  where.push(
    areaCondition(params, {
      district: '(SELECT p.district_id FROM subsidy_programmes p WHERE p.id = c.programme_id)',
      village: '(SELECT f.village_id FROM mutual_aid_funds f WHERE f.id = c.fund_id)',
    }),
  );
  return { clause: where.length ? `WHERE ${where.join(' AND ')}` : '', params };
}

function lineWhere(claimId: string, filter: LineListFilter): { clause: string; params: unknown[] } {
  const where = ['cl.claim_id = $1'];
  const params: unknown[] = [claimId];
  if (filter.outcome) where.push(`cl.outcome = $${params.push(filter.outcome)}`);
  if (filter.forfeitReason) where.push(`cl.forfeit_reason = $${params.push(filter.forfeitReason)}`);
  if (filter.loanId) where.push(`cl.loan_id = $${params.push(filter.loanId)}`);
  return { clause: where.join(' AND '), params };
}

/** All SQL over `subsidy_claims` and `subsidy_claim_lines`. */
@Injectable()
export class ClaimsStore {
  async nextId(m: EntityManager): Promise<string> {
    const [{ id }] = await queryRows<{ id: string }>(
      m,
      `SELECT nextval(pg_get_serial_sequence('subsidy_claims', 'id'))::text AS id`,
    );
    return id;
  }

  /** The next version number in a claim's group (every kind counts, so claim numbers never repeat). */
  async nextVersion(m: EntityManager, g: ClaimGroup): Promise<number> {
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
  async insert(
    m: EntityManager,
    c: NewClaim,
    lines: readonly ClaimLine[],
    opts: { id?: string; version?: number; sourceLineIds?: Map<string, string>; hash?: string } = {},
  ): Promise<ClaimRow> {
    const ordered = orderLines(lines);
    const totals = claimTotals(ordered);
    const hash = opts.hash ?? claimContentHash(c.kind, ordered, hashContent);
    const version = opts.version ?? (await this.nextVersion(m, c.group));
    const g = c.group;
    const claimNo = claimNumber(g, version);
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

  async lines(m: EntityManager, claimId: string): Promise<(ClaimLine & { lineNo: number; id: string })[]> {
    const rows = await queryRows<LineRow>(
      m,
      `SELECT *, id::text, loan_id::text, subsidy_rate_percent::text FROM subsidy_claim_lines WHERE claim_id = $1 ORDER BY line_no`,
      [claimId],
    );
    return rows.map(lineFromRow);
  }

  find(m: EntityManager, id: string): Promise<ClaimRow | undefined> {
    return queryOne<ClaimRow>(m, `${SELECT_CLAIM} WHERE c.id = $1`, [id]);
  }

  /** The value date of a claim's approval: the business date of its approval entry (none: not approved or 0.00). */
  async approvalDate(m: EntityManager, id: string): Promise<string | null> {
    const row = await queryOne<{ d: string }>(
      m,
      `SELECT e.business_date::text AS d FROM subsidy_claims c JOIN journal_entries e ON e.id = c.approval_entry_id
        WHERE c.id = $1`,
      [id],
    );
    return row?.d ?? null;
  }

  async lock(m: EntityManager, id: string): Promise<ClaimRow> {
    return (await queryOne<ClaimRow>(m, `${SELECT_CLAIM} WHERE c.id = $1 FOR UPDATE OF c`, [id]))!;
  }

  /** Every claim of a group (programme, period, payee), by version, locked. */
  lockGroup(m: EntityManager, g: ClaimGroup): Promise<ClaimRow[]> {
    return queryRows<ClaimRow>(
      m,
      `${SELECT_CLAIM} WHERE c.programme_id = $1 AND c.period_end = $2 AND c.payee_type = $3 AND coalesce(c.bank_id, c.fund_id) = $4
        ORDER BY c.version FOR UPDATE OF c`,
      [g.programmeId, g.periodEnd, g.payeeType, g.payeeId],
    );
  }

  /** The payees with claims in a period. */
  payeesOfPeriod(
    m: EntityManager,
    programmeId: string,
    periodEnd: string,
  ): Promise<{ payee_type: 'BANK' | 'FUND'; payee_id: string }[]> {
    return queryRows(
      m,
      `SELECT DISTINCT payee_type, coalesce(bank_id, fund_id)::text AS payee_id FROM subsidy_claims WHERE programme_id = $1 AND period_end = $2`,
      [programmeId, periodEnd],
    );
  }

  /** What the claims listed claimed per instalment. */
  claimedByInstalment(
    m: EntityManager,
    claimIds: string[],
  ): Promise<{ loan_id: string; installment_number: number; fen: string }[]> {
    return queryRows(
      m,
      `SELECT loan_id::text, installment_number, sum(subsidy_fen)::text AS fen FROM subsidy_claim_lines
        WHERE claim_id = ANY($1::bigint[]) GROUP BY loan_id, installment_number`,
      [claimIds],
    );
  }

  async supersede(m: EntityManager, draftId: string, byId: string): Promise<void> {
    await m.query(
      `UPDATE subsidy_claims SET status = 'SUPERSEDED', superseded_by = $2, updated_at = now() WHERE id = $1`,
      [draftId, byId],
    );
  }

  async markApproved(
    m: EntityManager,
    id: string,
    a: { approver: string; approvedFen: Fen; remainderClaimId: string | null; entryId: string | null },
  ): Promise<void> {
    await m.query(
      `UPDATE subsidy_claims SET status = 'APPROVED', approved_by = $2, approved_at = now(), approved_fen = $3,
              remainder_claim_id = $4, approval_entry_id = $5, updated_at = now()
        WHERE id = $1`,
      [id, a.approver, a.approvedFen.toString(), a.remainderClaimId, a.entryId],
    );
  }

  async markPaid(
    m: EntityManager,
    id: string,
    p: { paidOn: string; paymentRef: string; paidBy: string; entryId: string },
  ): Promise<void> {
    await m.query(
      `UPDATE subsidy_claims SET status = 'PAID', paid_on = $2, payment_ref = $3, paid_by = $4, payment_entry_id = $5, updated_at = now()
        WHERE id = $1`,
      [id, p.paidOn, p.paymentRef, p.paidBy, p.entryId],
    );
  }

  /**
   * Queued remainders in queue order, across budget years: oldest settlement period first, then each one's place in
   * the queue (the id of the claim it carries on), locked.
   */
  lockQueued(m: EntityManager, programmeId: string): Promise<ClaimRow[]> {
    return queryRows<ClaimRow>(
      m,
      `${SELECT_CLAIM} WHERE c.programme_id = $1 AND c.status = 'QUEUED'
        ORDER BY c.period_end, c.queue_rank, c.id FOR UPDATE OF c`,
      [programmeId],
    );
  }

  /**
   * Whether a queued claim of the programme comes before a claim of `periodEnd` holding place `rank` in the queue
   * (an older settlement period, or the same period and an earlier place). Read under the programme's lock.
   */
  async queuedAhead(
    m: EntityManager,
    programmeId: string,
    claim: { id: string; periodEnd: string; rank: string },
  ): Promise<boolean> {
    const row = await queryOne<{ id: string }>(
      m,
      `SELECT id::text FROM subsidy_claims
        WHERE programme_id = $1 AND status = 'QUEUED' AND id <> $2
          AND (period_end, queue_rank) < ($3::date, $4::bigint)
        LIMIT 1`,
      [programmeId, claim.id, claim.periodEnd, claim.rank],
    );
    return row !== undefined;
  }

  async approverOf(m: EntityManager, claimId: string | null): Promise<string> {
    const row = await queryOne<{ approved_by: string }>(
      m,
      `SELECT approved_by FROM subsidy_claims WHERE id = $1`,
      [claimId],
    );
    return row!.approved_by;
  }

  async countQueued(m: EntityManager, programmeId: string): Promise<number> {
    const [{ n }] = await queryRows<{ n: number }>(
      m,
      `SELECT count(*)::int AS n FROM subsidy_claims WHERE programme_id = $1 AND status = 'QUEUED'`,
      [programmeId],
    );
    return n;
  }

  /** The programme's code and the payee's name (bank or fund) of a claim. */
  async names(
    m: EntityManager,
    r: { programme_id: string; bank_id: string | null; fund_id: string | null },
  ): Promise<{ programme_code: string; payee_name: string }> {
    const [names] = await queryRows<{ programme_code: string; payee_name: string }>(
      m,
      `SELECT p.code AS programme_code, coalesce(b.name, f.name) AS payee_name
         FROM subsidy_programmes p LEFT JOIN banks b ON b.id = $2 LEFT JOIN mutual_aid_funds f ON f.id = $3 WHERE p.id = $1`,
      [r.programme_id, r.bank_id, r.fund_id],
    );
    return names;
  }

  async totals(m: EntityManager, filter: ClaimListFilter): Promise<{ total: number; sum: string }> {
    const { clause, params } = claimWhere(filter);
    const [row] = await queryRows<{ total: number; sum: string }>(
      m,
      `SELECT count(*)::int AS total, coalesce(sum(total_fen), 0)::text AS sum FROM subsidy_claims c ${clause}`,
      params,
    );
    return row;
  }

  page(m: EntityManager, filter: ClaimListFilter, page: PageQuery): Promise<ClaimRow[]> {
    const { clause, params } = claimWhere(filter);
    return queryRows<ClaimRow>(
      m,
      `${SELECT_CLAIM} ${clause} ORDER BY c.period_end DESC, c.id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
  }

  async countLines(m: EntityManager, claimId: string, filter: LineListFilter): Promise<number> {
    const { clause, params } = lineWhere(claimId, filter);
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM subsidy_claim_lines cl WHERE ${clause}`,
      params,
    );
    return total;
  }

  /** A claim's lines with each loan's number and borrower, in line order (`page` null: every line). */
  async lineFacts(
    m: EntityManager,
    claimId: string,
    filter: LineListFilter,
    page: PageQuery | null,
  ): Promise<ClaimLineFacts[]> {
    const { clause, params } = lineWhere(claimId, filter);
    const rows = await queryRows<ClaimLineFacts & { subsidy_rate_percent: string }>(
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
        WHERE ${clause} ORDER BY cl.line_no ${page === null ? '' : `LIMIT ${page.pageSize} OFFSET ${offsetOf(page)}`}`,
      params,
    );
    return rows.map((r) => ({ ...r, rate_percent: normalizePercent(r.subsidy_rate_percent) }));
  }
}
