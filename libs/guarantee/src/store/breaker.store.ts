import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import {
  flushDeferred,
  hasDeferred,
  offsetOf,
  queryOne,
  queryRows,
  together,
  writeOrDefer,
  type PageQuery,
} from '#libs/common';
import type {
  BreakerChange,
  BreakerEventRecord,
  BreakerFigures,
  BreakerState,
  FigureRecord,
} from '../domain/breaker.js';

/**
 * One statement for any set of districts: covered outstanding and the part more than `npl_overdue_days` overdue,
 * over the district's disbursed BANK_COVERED loans (a compensated loan has left the covered book). The threshold
 * is the strictest of the district's active agreements (the given default when none): one district, one breaker,
 * so a bank with a laxer agreement cannot keep lending where another bank's agreement already calls a halt.
 *
 * Nothing here reads the whole covered book. The outstanding is the ledger's: every cover post keeps each
 * agreement's EXPOSURE:OUTSTANDING equal to the outstanding principal of its disbursed loans (consumed at
 * disbursement, released by every principal repayment and compensation), so the district's figure is the sum of
 * its agreements' balances, plus the disbursed covered loans no agreement carries (partial index
 * loans_covered_no_agreement). The non-performing part sums only the loans overdue at all (npl_overdue_days ≥ 1;
 * partial index loans_covered_overdue). libs/guarantee/test/breaker-figures.spec.ts checks both against the sum
 * over every covered loan.
 */
const FIGURES_SQL = `
  SELECT rf.district_id, rf.npl_overdue_days,
         coalesce((SELECT min(g.npl_threshold_percent) FROM guarantee_agreements g
                    WHERE g.risk_fund_id = rf.id AND g.status = 'ACTIVE'), $2::numeric)::text AS threshold,
         (coalesce((SELECT sum(a.balance_fen) FROM guarantee_agreements g
                      JOIN ledger_accounts a ON a.code = 'GA:' || g.id || ':EXPOSURE:OUTSTANDING'
                     WHERE g.risk_fund_id = rf.id AND ($3::bigint IS NULL OR g.bank_id = $3::bigint)), 0)
          + coalesce((SELECT sum(l.outstanding_principal_fen) FROM loans l
                       WHERE l.district_id = rf.district_id AND l.channel = 'BANK_COVERED' AND l.status = 'DISBURSED'
                         AND l.agreement_id IS NULL AND ($3::bigint IS NULL OR l.bank_id = $3::bigint)), 0))::text
           AS outstanding,
         coalesce((SELECT sum(l.outstanding_principal_fen) FROM loans l
                    WHERE l.district_id = rf.district_id AND l.channel = 'BANK_COVERED' AND l.status = 'DISBURSED'
                      AND l.days_overdue > 0 AND l.days_overdue > rf.npl_overdue_days
                      AND ($3::bigint IS NULL OR l.bank_id = $3::bigint)), 0)::text AS npl
    FROM risk_funds rf
   WHERE $1::bigint[] IS NULL OR rf.district_id = ANY($1::bigint[])
   ORDER BY rf.district_id`;

/** district_breakers (the recorded state of each district) and district_breaker_events (its changes). */
@Injectable()
export class BreakerStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private m(m: EntityManager | null): EntityManager {
    return m ?? this.dataSource.manager;
  }

  figures(
    m: EntityManager | null,
    districtIds: string[] | null,
    defaultThresholdPercent: string,
    bankId: string | null = null,
  ): Promise<FigureRecord[]> {
    return queryRows<FigureRecord>(this.m(m), FIGURES_SQL, [districtIds, defaultThresholdPercent, bankId]);
  }

  /** Whether the bank has (or had) an agreement with the district's risk fund: the district is its business. */
  async bankHasAgreementInDistrict(districtId: string, bankId: string): Promise<boolean> {
    const row = await queryOne<{ one: number }>(
      this.dataSource.manager,
      `SELECT 1 AS one FROM guarantee_agreements g JOIN risk_funds rf ON rf.id = g.risk_fund_id
        WHERE rf.district_id = $1 AND g.bank_id = $2 LIMIT 1`,
      [districtId, bankId],
    );
    return row !== undefined;
  }

  /**
   * The breaker's reads, in one round trip (the statements go out before it returns, so it can be a step of a caller's
   * `together`): starts the districts never decided NORMAL (those with a risk fund, in district order), locks every
   * one's row in district order (the fixed order) with the state recorded, then reads the figures under that lock.
   * `null`: every district with a risk fund.
   */
  lockAndRead(
    m: EntityManager,
    districtIds: string[] | null,
    defaultThresholdPercent: string,
  ): Promise<{ recorded: Map<string, BreakerState>; figures: FigureRecord[] }> {
    return together(m, [
      () =>
        queryRows(
          m,
          `INSERT INTO district_breakers (district_id, state, npl_fen, outstanding_fen, ratio_percent, threshold_percent)
           SELECT rf.district_id, 'NORMAL', 0, 0, 0, $2::numeric FROM risk_funds rf
            WHERE $1::bigint[] IS NULL OR rf.district_id = ANY($1::bigint[])
            ORDER BY rf.district_id
           ON CONFLICT (district_id) DO NOTHING`,
          [districtIds, defaultThresholdPercent],
        ),
      () =>
        queryRows<{ district_id: string; state: BreakerState }>(
          m,
          `SELECT b.district_id, b.state FROM district_breakers b
            WHERE ($1::bigint[] IS NULL OR b.district_id = ANY($1::bigint[]))
              AND EXISTS (SELECT 1 FROM risk_funds rf WHERE rf.district_id = b.district_id)
            ORDER BY b.district_id FOR UPDATE OF b`,
          [districtIds],
        ),
      () => this.figures(m, districtIds, defaultThresholdPercent),
    ]).then(([, current, figures]) => ({
      recorded: new Map(current.map((c) => [c.district_id, c.state])),
      figures,
    }));
  }

  /**
   * Records the figures and the state decided for each district (changed_at moves only when the state does). Nothing
   * reads it later in the transaction but the breaker itself (which sends it first: `flushRecorded`), so inside
   * runIdempotent it goes out with the stored response (writeOrDefer).
   */
  async record(m: EntityManager, figures: BreakerFigures[]): Promise<void> {
    await writeOrDefer(
      m,
      `UPDATE district_breakers b
          SET state = x.state, npl_fen = x.npl, outstanding_fen = x.outstanding, ratio_percent = x.ratio,
              threshold_percent = x.threshold, evaluated_at = now(),
              changed_at = CASE WHEN b.state <> x.state THEN now() ELSE b.changed_at END
         FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::numeric[], $6::numeric[])
              AS x(district_id, state, npl, outstanding, ratio, threshold)
        WHERE b.district_id = x.district_id`,
      [
        figures.map((f) => f.districtId),
        figures.map((f) => f.state),
        figures.map((f) => f.nplFen.toString()),
        figures.map((f) => f.outstandingFen.toString()),
        figures.map((f) => f.ratioPercent),
        figures.map((f) => f.thresholdPercent),
      ],
    );
  }

  /**
   * Sends a recorded state still deferred in this transaction (see `record`), for a reader of district_breakers; a
   * no-op, with nothing awaited, when none is (the reader can then be a step of `together`).
   */
  async flushRecorded(m: EntityManager): Promise<void> {
    if (hasDeferred(m, 'district_breakers')) await flushDeferred(m, 'district_breakers');
  }

  /** Appends a change of state (deferred as `record` is; the history is read outside the transaction). */
  async insertEvent(m: EntityManager, c: BreakerChange, cause: string, actor: string): Promise<void> {
    await writeOrDefer(
      m,
      `INSERT INTO district_breaker_events (district_id, from_state, to_state, npl_fen, outstanding_fen, ratio_percent,
                                            threshold_percent, cause, actor)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
      [
        c.districtId,
        c.from,
        c.state,
        c.nplFen.toString(),
        c.outstandingFen.toString(),
        c.ratioPercent,
        c.thresholdPercent,
        cause,
        actor,
      ],
    );
  }

  /** Every risk fund, in id order. */
  async fundIds(): Promise<string[]> {
    const rows = await queryRows<{ id: string }>(
      this.dataSource.manager,
      `SELECT id::text AS id FROM risk_funds ORDER BY id`,
    );
    return rows.map((r) => r.id);
  }

  /** Locks the risk fund row (FOR UPDATE, the lock of GuaranteeService.lockFund); answers its district. */
  async lockFundDistrict(m: EntityManager, fundId: string): Promise<string | undefined> {
    const fund = await queryOne<{ district_id: string }>(
      m,
      `SELECT district_id::text AS district_id FROM risk_funds WHERE id = $1 FOR UPDATE`,
      [fundId],
    );
    return fund?.district_id;
  }

  district(districtId: string) {
    return queryOne<{ id: string; code: string; name: string }>(
      this.dataSource.manager,
      `SELECT id, code, name FROM districts WHERE id = $1`,
      [districtId],
    );
  }

  async state(m: EntityManager | null, districtId: string): Promise<BreakerState | undefined> {
    if (m && hasDeferred(m, 'district_breakers')) await this.flushRecorded(m);
    const row = await queryOne<{ state: BreakerState }>(
      this.m(m),
      `SELECT state FROM district_breakers WHERE district_id = $1`,
      [districtId],
    );
    return row?.state;
  }

  recorded(districtId: string) {
    return queryOne<{ state: BreakerState; changed_at: Date; evaluated_at: Date }>(
      this.dataSource.manager,
      `SELECT state, changed_at, evaluated_at FROM district_breakers WHERE district_id = $1`,
      [districtId],
    );
  }

  async eventsPage(
    districtId: string,
    page: PageQuery,
  ): Promise<{ rows: BreakerEventRecord[]; total: number }> {
    const m = this.dataSource.manager;
    const count = await queryOne<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM district_breaker_events WHERE district_id = $1`,
      [districtId],
    );
    const rows = await queryRows<BreakerEventRecord>(
      m,
      `SELECT id, from_state, to_state, npl_fen, outstanding_fen, ratio_percent::text AS ratio, threshold_percent::text AS threshold,
              cause, actor, at
         FROM district_breaker_events WHERE district_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3`,
      [districtId, page.pageSize, offsetOf(page)],
    );
    return { rows, total: count?.total ?? 0 };
  }
}
