import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { areaCondition, offsetOf, queryOne, type PageQuery } from '#libs/common';
import type { AgreementJoinRecord, AgreementRecord, AgreementTerms } from '../domain/agreements.js';
import type { AgreementBalances } from '../domain/capacity.js';

/** A guarantee_agreements row. */
export type AgreementRow = AgreementRecord;

const SELECT = `SELECT g.*, rf.district_id, b.code AS bank_code
                  FROM guarantee_agreements g JOIN risk_funds rf ON rf.id = g.risk_fund_id JOIN banks b ON b.id = g.bank_id`;

const CAPACITY_SQL = `
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

/** guarantee_agreements: the cooperation terms between a district fund and a bank. */
@Injectable()
export class AgreementsStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private m(m: EntityManager | null): EntityManager {
    return m ?? this.dataSource.manager;
  }

  /** An agreement row (locked with `lock`); sent at once, so it can be a step of `together`. */
  row(
    m: EntityManager | null,
    agreementId: string,
    lock?: 'FOR SHARE' | 'FOR UPDATE',
  ): Promise<AgreementRow | undefined> {
    return queryOne<AgreementRow>(
      this.m(m),
      `SELECT * FROM guarantee_agreements WHERE id = $1 ${lock ?? ''}`,
      [agreementId],
    );
  }

  /** The agreement of a loan (found from the loan in the statement; sent at once, a step of `together`). */
  ofLoan(m: EntityManager, loanId: string): Promise<AgreementRow | undefined> {
    return queryOne<AgreementRow>(
      m,
      `SELECT g.* FROM guarantee_agreements g WHERE g.id = (SELECT l.agreement_id FROM loans l WHERE l.id = $1)`,
      [loanId],
    );
  }

  /** The agreement of a bank with the fund of a district (one per fund and bank). */
  async ofDistrictAndBank(
    m: EntityManager,
    districtId: string,
    bankId: string,
  ): Promise<{ id: string; risk_fund_id: string } | undefined> {
    const [agreement] = (await m.query(
      `SELECT g.id, g.risk_fund_id FROM guarantee_agreements g JOIN risk_funds rf ON rf.id = g.risk_fund_id
        WHERE rf.district_id = $1 AND g.bank_id = $2`,
      [districtId, bankId],
    )) as { id: string; risk_fund_id: string }[];
    return agreement;
  }

  /** Every agreement of a fund (or of a bank) with the memo-ledger balances its capacity is computed from. */
  async balances(
    m: EntityManager,
    by: { riskFundId: string } | { bankId: string },
  ): Promise<AgreementBalances[]> {
    return (await m.query(
      'riskFundId' in by
        ? `${CAPACITY_SQL} WHERE g.risk_fund_id = $1 ORDER BY g.id`
        : `${CAPACITY_SQL} WHERE g.bank_id = $1 ORDER BY g.risk_fund_id, g.id`,
      ['riskFundId' in by ? by.riskFundId : by.bankId],
    )) as AgreementBalances[];
  }

  async joined(m: EntityManager | null, id: string): Promise<AgreementJoinRecord | undefined> {
    const [row] = (await this.m(m).query(`${SELECT} WHERE g.id = $1`, [id])) as AgreementJoinRecord[];
    return row;
  }

  async fundFacts(
    m: EntityManager,
    fundId: string,
  ): Promise<{ id: string; name: string; status: string } | undefined> {
    const [fund] = (await m.query(`SELECT id, name, status FROM risk_funds WHERE id = $1`, [fundId])) as {
      id: string;
      name: string;
      status: string;
    }[];
    return fund;
  }

  async insert(
    m: EntityManager,
    a: { agreementNo: string; riskFundId: string; bankId: string; terms: AgreementTerms; actor: string },
  ): Promise<string> {
    const t = a.terms;
    const [row] = (await m.query(
      `INSERT INTO guarantee_agreements (agreement_no, risk_fund_id, bank_id, leverage_multiple, entity_leverage_multiple,
         fund_share_percent, bank_share_percent, compensation_mode, trigger_days, npl_threshold_percent, valid_from, valid_to, created_by)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) RETURNING id`,
      [
        a.agreementNo,
        a.riskFundId,
        a.bankId,
        t.leverageMultiple,
        t.entityLeverageMultiple,
        t.fundSharePercent,
        t.bankSharePercent,
        t.compensationMode,
        t.triggerDays,
        t.nplThresholdPercent,
        t.validFrom,
        t.validTo,
        a.actor,
      ],
    )) as { id: string }[];
    return row.id;
  }

  async updateTerms(m: EntityManager, id: string, t: AgreementTerms, version: number): Promise<void> {
    await m.query(
      `UPDATE guarantee_agreements SET leverage_multiple = $2, entity_leverage_multiple = $3, fund_share_percent = $4, bank_share_percent = $5,
              compensation_mode = $6, trigger_days = $7, npl_threshold_percent = $8, valid_from = $9, valid_to = $10,
              version = version + 1, updated_at = now()
        WHERE id = $1 AND version = $11`,
      [
        id,
        t.leverageMultiple,
        t.entityLeverageMultiple,
        t.fundSharePercent,
        t.bankSharePercent,
        t.compensationMode,
        t.triggerDays,
        t.nplThresholdPercent,
        t.validFrom,
        t.validTo,
        version,
      ],
    );
  }

  async terminate(m: EntityManager, id: string, on: string): Promise<void> {
    await m.query(
      `UPDATE guarantee_agreements SET status = 'TERMINATED', terminated_on = $2, version = version + 1, updated_at = now() WHERE id = $1`,
      [id, on],
    );
  }

  async page(
    filter: { riskFundId?: string; bankId?: string; districtId?: string; status?: string; activeOn?: string },
    scopeBankId: string | null,
    page: PageQuery,
  ): Promise<{ rows: AgreementJoinRecord[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (scopeBankId !== null) where.push(`g.bank_id = $${params.push(scopeBankId)}`);
    if (filter.riskFundId) where.push(`g.risk_fund_id = $${params.push(filter.riskFundId)}`);
    if (filter.bankId) where.push(`g.bank_id = $${params.push(filter.bankId)}`);
    if (filter.districtId) where.push(`rf.district_id = $${params.push(filter.districtId)}`);
    if (filter.status) where.push(`g.status = $${params.push(filter.status)}`);
    if (filter.activeOn) {
      const p = params.push(filter.activeOn);
      where.push(
        `g.status = 'ACTIVE' AND g.valid_from <= $${p}::date AND (g.valid_to IS NULL OR g.valid_to >= $${p}::date)`,
      );
    }
    where.push(areaCondition(params, { district: 'rf.district_id' }));
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = (await this.dataSource.query(
      `SELECT count(*)::int AS total FROM guarantee_agreements g JOIN risk_funds rf ON rf.id = g.risk_fund_id ${clause}`,
      params,
    )) as { total: number }[];
    const rows = (await this.dataSource.query(
      `${SELECT} ${clause} ORDER BY g.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    )) as AgreementJoinRecord[];
    return { rows, total };
  }
}
