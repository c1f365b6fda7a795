import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { areaCondition, offsetOf, queryOne, queryRows, type PageQuery } from '#libs/common';
import type { Fen } from '#libs/money';
import type { CompensationMode } from '../domain/agreements.js';
import type { ClaimRecord, RecoveryRecord } from '../domain/claims.js';
import { updateReturning } from './sql.js';

const CLAIM_COLUMNS = `id, claim_no, loan_id, agreement_id, risk_fund_id, bank_id, mode, days_overdue, principal_fen, interest_fen,
  fund_share_percent::text AS fund_share_percent, bank_share_percent::text AS bank_share_percent, fund_amount_fen, bank_amount_fen,
  status, to_char(filed_on, 'YYYY-MM-DD') AS filed_on, filed_by, decided_by, decided_at, decision_reason,
  to_char(paid_on, 'YYYY-MM-DD') AS paid_on, entry_id, cover_entry_id, recovered_fen, fund_recovered_fen, created_at, updated_at, version`;

export interface NewClaim {
  loanId: string;
  agreementId: string;
  riskFundId: string;
  bankId: string;
  mode: CompensationMode;
  daysOverdue: number;
  principalFen: Fen;
  interestFen: Fen;
  fundSharePercent: string;
  bankSharePercent: string;
  fundAmountFen: Fen;
  bankAmountFen: Fen;
  filedOn: string;
  actor: string;
}

export interface NewRecovery {
  claimId: string;
  amountFen: Fen;
  fundPartFen: Fen;
  bankPartFen: Fen;
  recoveredOn: string;
  memo: string | null;
  entryId: string | null;
  coverEntryId: string | null;
  key: string;
  actor: string;
}

/** compensation_claims and compensation_recoveries. */
@Injectable()
export class ClaimsStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  find(m: EntityManager | null, claimId: string, lock = false): Promise<ClaimRecord | undefined> {
    return queryOne<ClaimRecord>(
      m ?? this.dataSource.manager,
      `SELECT ${CLAIM_COLUMNS} FROM compensation_claims WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`,
      [claimId],
    );
  }

  /** The number of the claim that covers a loan now (a rejected one no longer does). */
  async liveClaimNo(m: EntityManager, loanId: string): Promise<string | null> {
    const live = await queryOne<{ claim_no: string }>(
      m,
      `SELECT claim_no FROM compensation_claims WHERE loan_id = $1 AND status <> 'REJECTED'`,
      [loanId],
    );
    return live?.claim_no ?? null;
  }

  /** Files a claim, numbered CC-<year filed>-<6 digits> from its sequence. */
  async insert(m: EntityManager, c: NewClaim): Promise<ClaimRecord> {
    const [row] = await queryRows<ClaimRecord>(
      m,
      `INSERT INTO compensation_claims (claim_no, loan_id, agreement_id, risk_fund_id, bank_id, mode, days_overdue, principal_fen,
                                        interest_fen, fund_share_percent, bank_share_percent, fund_amount_fen, bank_amount_fen,
                                        filed_on, filed_by, decision_reason)
       VALUES ('CC-' || to_char($13::date, 'YYYY') || '-' || lpad(nextval('compensation_claim_no_seq')::text, 6, '0'),
               $1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)
       RETURNING ${CLAIM_COLUMNS}`,
      [
        c.loanId,
        c.agreementId,
        c.riskFundId,
        c.bankId,
        c.mode,
        c.daysOverdue,
        c.principalFen.toString(),
        c.interestFen.toString(),
        c.fundSharePercent,
        c.bankSharePercent,
        c.fundAmountFen.toString(),
        c.bankAmountFen.toString(),
        c.filedOn,
        c.actor,
        null,
      ],
    );
    return row;
  }

  async markPaid(
    m: EntityManager,
    claimId: string,
    p: { actor: string; paidOn: string; entryId: string; coverEntryId: string },
  ): Promise<ClaimRecord> {
    const [paid] = await updateReturning<ClaimRecord>(
      m,
      `UPDATE compensation_claims SET status = 'PAID', decided_by = $2, decided_at = now(), paid_on = $3, entry_id = $4,
              cover_entry_id = $5, version = version + 1, updated_at = now()
        WHERE id = $1 RETURNING ${CLAIM_COLUMNS}`,
      [claimId, p.actor, p.paidOn, p.entryId, p.coverEntryId],
    );
    return paid;
  }

  async markRejected(m: EntityManager, claimId: string, actor: string, reason: string): Promise<ClaimRecord> {
    const [row] = await updateReturning<ClaimRecord>(
      m,
      `UPDATE compensation_claims SET status = 'REJECTED', decided_by = $2, decided_at = now(), decision_reason = $3,
              version = version + 1, updated_at = now()
        WHERE id = $1 RETURNING ${CLAIM_COLUMNS}`,
      [claimId, actor, reason],
    );
    return row;
  }

  /** Records a recovery and adds it to the claim's totals; answers the claim after it. */
  async addRecovery(m: EntityManager, r: NewRecovery): Promise<ClaimRecord> {
    await m.query(
      `INSERT INTO compensation_recoveries (claim_id, amount_fen, fund_part_fen, bank_part_fen, recovered_on, memo, entry_id,
                                            cover_entry_id, idempotency_key, created_by)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
      [
        r.claimId,
        r.amountFen.toString(),
        r.fundPartFen.toString(),
        r.bankPartFen.toString(),
        r.recoveredOn,
        r.memo,
        r.entryId,
        r.coverEntryId,
        r.key,
        r.actor,
      ],
    );
    const [row] = await updateReturning<ClaimRecord>(
      m,
      `UPDATE compensation_claims SET recovered_fen = recovered_fen + $2, fund_recovered_fen = fund_recovered_fen + $3,
              version = version + 1, updated_at = now()
        WHERE id = $1 RETURNING ${CLAIM_COLUMNS}`,
      [r.claimId, r.amountFen.toString(), r.fundPartFen.toString()],
    );
    return row;
  }

  recoveries(claimId: string): Promise<RecoveryRecord[]> {
    return queryRows<RecoveryRecord>(
      this.dataSource.manager,
      `SELECT id, amount_fen, fund_part_fen, bank_part_fen, to_char(recovered_on, 'YYYY-MM-DD') AS recovered_on, memo, entry_id
         FROM compensation_recoveries WHERE claim_id = $1 ORDER BY id`,
      [claimId],
    );
  }

  async page(
    filter: { status?: string; bankId?: string; riskFundId?: string; loanId?: string },
    scopeBankId: string | null,
    page: PageQuery,
  ): Promise<{ rows: ClaimRecord[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (scopeBankId !== null) where.push(`bank_id = $${params.push(scopeBankId)}`);
    if (filter.status) where.push(`status = $${params.push(filter.status)}`);
    if (filter.bankId) where.push(`bank_id = $${params.push(filter.bankId)}`);
    if (filter.riskFundId) where.push(`risk_fund_id = $${params.push(filter.riskFundId)}`);
    if (filter.loanId) where.push(`loan_id = $${params.push(filter.loanId)}`);
    where.push(areaCondition(params, { district: '(SELECT rf.district_id FROM risk_funds rf WHERE rf.id = risk_fund_id)' }));
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const m = this.dataSource.manager;
    const count = await queryOne<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM compensation_claims ${clause}`,
      params,
    );
    const rows = await queryRows<ClaimRecord>(
      m,
      `SELECT ${CLAIM_COLUMNS} FROM compensation_claims ${clause} ORDER BY id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { rows, total: count?.total ?? 0 };
  }
}
