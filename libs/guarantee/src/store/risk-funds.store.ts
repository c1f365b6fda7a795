import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { areaCondition, offsetOf, queryPrepared, queryRows, type PageQuery } from '#libs/common';
import type { Fen } from '#libs/money';
import type { FundSummary } from '../domain/capacity.js';
import type { FundRecord, MovementRecord } from '../domain/risk-funds.js';

/** The risk fund row as locked, with its district's facts. */
export interface LockedFundRow {
  id: string;
  district_id: string;
  district_code: string;
  district_name: string;
  heavy_task: boolean;
  name: string;
  status: 'ACTIVE' | 'CLOSED';
  minimum_fund_fen: string;
  npl_overdue_days: number;
}

/** Covered outstanding of a district and the part beyond its fund's NPL line. */
export interface NplFiguresRow {
  npl_overdue_days: number;
  outstanding: string;
  npl: string;
}

export interface NewMovement {
  kind: string;
  source: string | null;
  amountFen: Fen;
  businessDate: string;
  documentRef: string | null;
  memo: string | null;
  contributionId: string | null;
  entryId: string | null;
  coverEntryId: string | null;
  key: string;
  actor: string;
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

// Balances come from the ledger (the only truth about money), read beside the fund row.
const FUND_SQL = `
  SELECT rf.*, d.code AS district_code, d.name AS district_name, d.heavy_task,
         coalesce(bal.balance_fen, 0) AS balance_fen, cap.capital,
         coalesce(inc.balance_fen, 0) AS interest_fen, coalesce(comp.balance_fen, 0) AS compensation_fen,
         coalesce(rec.balance_fen, 0) AS recovery_fen, coalesce(av.balance_fen, 0) AS available_fen,
         coalesce(sf.balance_fen, 0) AS shortfall_fen
    FROM risk_funds rf
    JOIN districts d ON d.id = rf.district_id
    LEFT JOIN ledger_accounts bal ON bal.code = 'RF:' || rf.id || ':BALANCE'
    LEFT JOIN ledger_accounts inc ON inc.code = 'RF:' || rf.id || ':INTEREST_INCOME'
    LEFT JOIN ledger_accounts comp ON comp.code = 'RF:' || rf.id || ':COMPENSATION_EXPENSE'
    LEFT JOIN ledger_accounts rec ON rec.code = 'RF:' || rf.id || ':RECOVERY_INCOME'
    LEFT JOIN ledger_accounts av ON av.code = 'RF:' || rf.id || ':COVER:AVAILABLE'
    LEFT JOIN ledger_accounts sf ON sf.code = 'RF:' || rf.id || ':COVER:SHORTFALL'
    LEFT JOIN LATERAL (
      SELECT jsonb_object_agg(split_part(code, ':', 4), balance_fen::text) AS capital
        FROM ledger_accounts WHERE code LIKE 'RF:' || rf.id || ':CAPITAL:%') cap ON true`;

/** risk_funds and risk_fund_movements, with the district facts and ledger balances every rule reads. */
@Injectable()
export class RiskFundsStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private m(m: EntityManager | null): EntityManager {
    return m ?? this.dataSource.manager;
  }

  /** FOR UPDATE of the fund row: every change to a fund's money or cover holds this lock first. */
  async lock(m: EntityManager, fundId: string): Promise<LockedFundRow | undefined> {
    const [r] = await queryRows<LockedFundRow>(
      m,
      `SELECT rf.id, rf.district_id, d.code AS district_code, d.name AS district_name, d.heavy_task, rf.name, rf.status,
              rf.minimum_fund_fen, rf.npl_overdue_days
         FROM risk_funds rf JOIN districts d ON d.id = rf.district_id
        WHERE rf.id = $1 FOR UPDATE OF rf`,
      [fundId],
    );
    return r;
  }

  /**
   * The lock of `lock`, on the risk fund of a covered loan, found from the loan in the same statement (its agreement's
   * fund); with `bankId`, only a loan of that bank. Undefined when there is none. Sent at once (a step of `together`).
   */
  lockOfCoveredLoan(
    m: EntityManager,
    loanId: string,
    bankId: string | null,
  ): Promise<LockedFundRow | undefined> {
    return queryRows<LockedFundRow>(
      m,
      `SELECT rf.id, rf.district_id, d.code AS district_code, d.name AS district_name, d.heavy_task, rf.name, rf.status,
              rf.minimum_fund_fen, rf.npl_overdue_days
         FROM risk_funds rf JOIN districts d ON d.id = rf.district_id
        WHERE rf.id = (SELECT g.risk_fund_id FROM loans l JOIN guarantee_agreements g ON g.id = l.agreement_id
                        WHERE l.id = $1 AND l.channel = 'BANK_COVERED' AND ($2::bigint IS NULL OR l.bank_id = $2::bigint))
          FOR UPDATE OF rf`,
      [loanId, bankId],
    ).then(([r]) => r);
  }

  /** The breaker's lock of a fund (the same row lock as `lock`); answers the fund's district. */
  async lockDistrictOf(m: EntityManager, fundId: string): Promise<string | undefined> {
    const [fund] = (await m.query(
      `SELECT district_id::text AS district_id FROM risk_funds WHERE id = $1 FOR UPDATE`,
      [fundId],
    )) as { district_id: string }[];
    return fund?.district_id;
  }

  async allIds(): Promise<string[]> {
    const rows = (await this.dataSource.query(`SELECT id::text AS id FROM risk_funds ORDER BY id`)) as {
      id: string;
    }[];
    return rows.map((r) => r.id);
  }

  /** The fund with its district's facts and ledger balances (sent at once: it can be a step of `together`). */
  summary(m: EntityManager | null, fundId: string): Promise<FundSummary | undefined> {
    return queryRows<FundSummary>(this.m(m), `${FUND_SUMMARY_SQL} WHERE rf.id = $1`, [fundId]).then(
      ([s]) => s,
    );
  }

  async summaryOfDistrict(m: EntityManager, districtId: string): Promise<FundSummary | undefined> {
    const [s] = (await m.query(`${FUND_SUMMARY_SQL} WHERE rf.district_id = $1`, [
      districtId,
    ])) as FundSummary[];
    return s;
  }

  async districtOf(m: EntityManager | null, fundId: string): Promise<string> {
    const [f] = (await this.m(m).query(`SELECT district_id FROM risk_funds WHERE id = $1`, [fundId])) as {
      district_id: string;
    }[];
    return f.district_id;
  }

  async district(
    m: EntityManager | null,
    districtId: string,
  ): Promise<{ id: string; code: string; name: string } | undefined> {
    const [d] = (await this.m(m).query(`SELECT id, code, name FROM districts WHERE id = $1`, [
      districtId,
    ])) as {
      id: string;
      code: string;
      name: string;
    }[];
    return d;
  }

  /**
   * The district's covered outstanding and the part more than its fund's `npl_overdue_days` overdue (the default
   * line when the district has no fund yet), as the breaker counts them (BreakerStore's figures): the outstanding is
   * the agreements' EXPOSURE:OUTSTANDING balances (the exposure follows each loan's principal exactly) plus the
   * disbursed covered loans no agreement carries, the overdue part the few loans past the line (a partial index).
   * Both equal the sum over every disbursed covered loan (libs/guarantee/test/breaker-figures.spec.ts), which took 13 ms over 20,000
   * loans under the fund's lock; this runs in 0.3 ms. A district without a fund has no agreements: its loans are
   * summed.
   */
  nplFigures(
    m: EntityManager | null,
    districtId: string,
    defaultNplOverdueDays: number,
  ): Promise<NplFiguresRow> {
    // sent at once: it can be a step of `together`; prepared (in a transaction): planning it took 2 ms, running it 0.3
    return queryPrepared<NplFiguresRow>(
      this.m(m),
      `SELECT coalesce(rf.npl_overdue_days, $2::int) AS npl_overdue_days,
              (CASE WHEN rf.id IS NULL
                    THEN coalesce((SELECT sum(l.outstanding_principal_fen) FROM loans l
                                    WHERE l.district_id = x.district_id AND l.channel = 'BANK_COVERED'
                                      AND l.status = 'DISBURSED'), 0)
                    ELSE coalesce((SELECT sum(a.balance_fen) FROM guarantee_agreements g
                                     JOIN ledger_accounts a ON a.code = 'GA:' || g.id || ':EXPOSURE:OUTSTANDING'
                                    WHERE g.risk_fund_id = rf.id), 0)
                       + coalesce((SELECT sum(l.outstanding_principal_fen) FROM loans l
                                    WHERE l.district_id = x.district_id AND l.channel = 'BANK_COVERED'
                                      AND l.status = 'DISBURSED' AND l.agreement_id IS NULL), 0)
               END)::text AS outstanding,
              coalesce((SELECT sum(l.outstanding_principal_fen) FROM loans l
                         WHERE l.district_id = x.district_id AND l.channel = 'BANK_COVERED' AND l.status = 'DISBURSED'
                           AND l.days_overdue > 0 AND l.days_overdue > coalesce(rf.npl_overdue_days, $2::int)), 0)::text
                AS npl
         FROM (SELECT $1::bigint AS district_id) x
         LEFT JOIN risk_funds rf ON rf.district_id = x.district_id`,
      [districtId, defaultNplOverdueDays],
    ).then(([row]) => row);
  }

  async insert(
    m: EntityManager,
    f: { districtId: string; name: string; minimumFen: Fen; nplOverdueDays: number; actor: string },
  ): Promise<string> {
    const [row] = (await m.query(
      `INSERT INTO risk_funds (district_id, name, minimum_fund_fen, npl_overdue_days, created_by)
       VALUES ($1,$2,$3,$4,$5) RETURNING id`,
      [f.districtId, f.name, f.minimumFen.toString(), f.nplOverdueDays, f.actor],
    )) as { id: string }[];
    return row.id;
  }

  async update(
    m: EntityManager,
    id: string,
    p: {
      name: string | null;
      minimumFen: Fen | null;
      nplOverdueDays: number | null;
      status: 'CLOSED' | null;
    },
  ): Promise<void> {
    await m.query(
      `UPDATE risk_funds SET name = coalesce($2, name), minimum_fund_fen = coalesce($3::bigint, minimum_fund_fen),
              npl_overdue_days = coalesce($4, npl_overdue_days), status = coalesce($5, status),
              version = version + 1, updated_at = now()
        WHERE id = $1`,
      [id, p.name, p.minimumFen === null ? null : p.minimumFen.toString(), p.nplOverdueDays, p.status],
    );
  }

  async record(m: EntityManager | null, id: string): Promise<FundRecord | undefined> {
    const [row] = (await this.m(m).query(`${FUND_SQL} WHERE rf.id = $1`, [id])) as FundRecord[];
    return row;
  }

  async page(
    filter: { districtId?: string; status?: string; heavyTask?: boolean },
    page: PageQuery,
  ): Promise<{ rows: FundRecord[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.districtId) where.push(`rf.district_id = $${params.push(filter.districtId)}`);
    if (filter.status) where.push(`rf.status = $${params.push(filter.status)}`);
    if (filter.heavyTask !== undefined) where.push(`d.heavy_task = $${params.push(filter.heavyTask)}`);
    where.push(areaCondition(params, { district: 'rf.district_id' }));
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = (await this.dataSource.query(
      `SELECT count(*)::int AS total FROM risk_funds rf JOIN districts d ON d.id = rf.district_id ${clause}`,
      params,
    )) as { total: number }[];
    const rows = (await this.dataSource.query(
      `${FUND_SQL} ${clause} ORDER BY rf.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    )) as FundRecord[];
    return { rows, total };
  }

  async insertMovement(m: EntityManager, fundId: string, mv: NewMovement): Promise<MovementRecord> {
    const [row] = (await m.query(
      `INSERT INTO risk_fund_movements (risk_fund_id, kind, source, amount_fen, business_date, document_ref, memo, contribution_id,
                                        entry_id, cover_entry_id, idempotency_key, created_by)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) RETURNING *`,
      [
        fundId,
        mv.kind,
        mv.source,
        mv.amountFen.toString(),
        mv.businessDate,
        mv.documentRef,
        mv.memo,
        mv.contributionId,
        mv.entryId,
        mv.coverEntryId,
        mv.key,
        mv.actor,
      ],
    )) as MovementRecord[];
    return row;
  }

  async movementsPage(
    fundId: string,
    filter: { kind?: string; source?: string; from?: string; to?: string },
    page: PageQuery,
  ): Promise<{ rows: MovementRecord[]; total: number }> {
    const params: unknown[] = [fundId];
    const where = ['risk_fund_id = $1'];
    if (filter.kind) where.push(`kind = $${params.push(filter.kind)}`);
    if (filter.source) where.push(`source = $${params.push(filter.source)}`);
    if (filter.from) where.push(`business_date >= $${params.push(filter.from)}`);
    if (filter.to) where.push(`business_date <= $${params.push(filter.to)}`);
    const clause = `WHERE ${where.join(' AND ')}`;
    const [{ total }] = (await this.dataSource.query(
      `SELECT count(*)::int AS total FROM risk_fund_movements ${clause}`,
      params,
    )) as { total: number }[];
    const rows = (await this.dataSource.query(
      `SELECT * FROM risk_fund_movements ${clause} ORDER BY business_date, id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    )) as MovementRecord[];
    return { rows, total };
  }
}
