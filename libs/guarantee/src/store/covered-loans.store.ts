import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { areaCondition, offsetOf, queryOne, queryRows, type PageQuery } from '#libs/common';
import type { LoanRow } from '#libs/loans';
import type { Fen } from '#libs/money';

/** The facts of a loan a cover is checked against. */
export type LoanCoverFacts = Pick<
  LoanRow,
  'id' | 'channel' | 'borrower_type' | 'bank_id' | 'district_id' | 'agreement_id'
>;

export interface CoveredLoanFilter {
  status?: string;
  bankId?: string;
  districtId?: string;
  agreementId?: string;
  bankLoanRef?: string;
  nonPerforming?: 'true' | 'false';
}

export type NewReport =
  | {
      kind: 'REPAYMENT';
      loanId: string;
      bankId: string;
      asOf: string;
      principalFen: Fen;
      interestFen: Fen;
      /**
       * The entry of the cover's release: its id, its idempotency key when it is posted ahead of the report in the
       * same round trip (the statement finds it by the key), or null when no cover was released.
       */
      coverEntry: string | { key: string } | null;
      key: string;
      actor: string;
    }
  | {
      kind: 'STATUS';
      loanId: string;
      bankId: string;
      asOf: string;
      daysOverdue: number;
      recoveryExhausted: boolean | null;
      key: string;
      actor: string;
    };

/**
 * Reads of bank-covered loans (`loans` belongs to libs/loans, which guarantee writes through; reading it in a join
 * or a filtered page is done here) and covered_loan_reports, which guarantee owns.
 */
@Injectable()
export class CoveredLoansStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * What a borrower owes on its active covered loans at every bank: APPROVED at the principal (the cover is
   * reserved for it), DISBURSED at the outstanding principal. Read under the borrower's row lock.
   */
  async borrowerActiveFen(
    m: EntityManager,
    borrower: { householdId: string } | { entityId: string },
  ): Promise<bigint> {
    const [col, id] =
      'householdId' in borrower ? ['household_id', borrower.householdId] : ['entity_id', borrower.entityId];
    const row = await queryOne<{ fen: string }>(
      m,
      `SELECT coalesce(sum(CASE WHEN status = 'APPROVED' THEN principal_fen ELSE outstanding_principal_fen END), 0)::text AS fen
         FROM loans
        WHERE ${col} = $1 AND channel = 'BANK_COVERED' AND status IN ('APPROVED', 'DISBURSED')`,
      [id],
    );
    return BigInt(row?.fen ?? '0');
  }

  coverFacts(m: EntityManager, loanId: string): Promise<LoanCoverFacts | undefined> {
    return queryOne<LoanCoverFacts>(
      m,
      `SELECT id, channel, borrower_type, bank_id, district_id, agreement_id FROM loans WHERE id = $1`,
      [loanId],
    );
  }

  /** Whether a bank has registered a loan under this reference (a bulk import skips it). */
  async bankRefTaken(m: EntityManager, bankId: string, bankLoanRef: string): Promise<boolean> {
    const row = await queryOne<{ ok: boolean }>(
      m,
      `SELECT true AS ok FROM loans WHERE bank_id = $1 AND bank_loan_ref = $2 LIMIT 1`,
      [bankId, bankLoanRef],
    );
    return Boolean(row);
  }

  /** A page of a bank's (or every bank's) covered loans, in id order. */
  async page(
    filter: CoveredLoanFilter,
    scopeBankId: string | null,
    page: PageQuery,
  ): Promise<{ rows: LoanRow[]; total: number }> {
    const where: string[] = [`channel = 'BANK_COVERED'`];
    const params: unknown[] = [];
    if (scopeBankId !== null) where.push(`bank_id = $${params.push(scopeBankId)}`);
    where.push(areaCondition(params, { district: 'district_id', village: 'village_id' }));
    if (filter.status) where.push(`status = $${params.push(filter.status)}`);
    if (filter.bankId) where.push(`bank_id = $${params.push(filter.bankId)}`);
    if (filter.districtId) where.push(`district_id = $${params.push(filter.districtId)}`);
    if (filter.agreementId) where.push(`agreement_id = $${params.push(filter.agreementId)}`);
    if (filter.bankLoanRef) where.push(`bank_loan_ref = $${params.push(filter.bankLoanRef)}`);
    if (filter.nonPerforming) where.push(`non_performing = $${params.push(filter.nonPerforming === 'true')}`);
    const clause = `WHERE ${where.join(' AND ')}`;
    const m = this.dataSource.manager;
    const count = await queryOne<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM loans ${clause}`,
      params,
    );
    const rows = await queryRows<LoanRow>(
      m,
      `SELECT * FROM loans ${clause} ORDER BY id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { rows, total: count?.total ?? 0 };
  }

  /** Appends a bank's report (sent at once: it can go out right behind the posting of its cover entry). */
  async insertReport(m: EntityManager, r: NewReport): Promise<void> {
    if (r.kind === 'REPAYMENT') {
      const byKey = r.coverEntry !== null && typeof r.coverEntry !== 'string';
      await queryRows(
        m,
        `INSERT INTO covered_loan_reports (loan_id, bank_id, kind, as_of, principal_fen, interest_fen, cover_entry_id, idempotency_key, created_by)
         VALUES ($1,$2,'REPAYMENT',$3,$4,$5,${byKey ? '(SELECT j.id FROM journal_entries j WHERE j.idempotency_key = $6)' : '$6'},$7,$8)`,
        [
          r.loanId,
          r.bankId,
          r.asOf,
          r.principalFen.toString(),
          r.interestFen.toString(),
          r.coverEntry !== null && typeof r.coverEntry !== 'string' ? r.coverEntry.key : r.coverEntry,
          r.key,
          r.actor,
        ],
      );
      return;
    }
    await queryRows(
      m,
      `INSERT INTO covered_loan_reports (loan_id, bank_id, kind, as_of, days_overdue, recovery_exhausted, idempotency_key, created_by)
       VALUES ($1,$2,'STATUS',$3,$4,$5,$6,$7)`,
      [r.loanId, r.bankId, r.asOf, r.daysOverdue, r.recoveryExhausted, r.key, r.actor],
    );
  }
}
