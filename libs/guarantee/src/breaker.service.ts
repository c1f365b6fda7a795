import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '#libs/audit';
import { DomainError, offsetOf, type Page, type PageQuery } from '#libs/common';
import { formatYuan, type Fen } from '#libs/money';
import { actorName } from './bank-scope.js';
import { nplAtOrAbove, percentString } from './domain/leverage.js';
import { trimDecimal } from './domain/covers.js';

export type BreakerState = 'NORMAL' | 'SUSPENDED';

/** The figures a district's breaker is decided on. */
export interface BreakerFigures {
  districtId: string;
  nplOverdueDays: number;
  outstandingFen: Fen;
  nplFen: Fen;
  ratioPercent: string;
  thresholdPercent: string;
  state: BreakerState;
}

export interface BreakerChange extends BreakerFigures {
  from: BreakerState;
}

interface FigureRow {
  district_id: string;
  npl_overdue_days: number;
  threshold: string;
  outstanding: string;
  npl: string;
}

/**
 * One statement for any set of districts: covered outstanding and the part more than `npl_overdue_days` overdue,
 * over the district's disbursed BANK_COVERED loans (a compensated loan has left the covered book). The threshold
 * is the strictest of the district's active agreements (default 5 %): one district, one breaker, so a bank with a
 * laxer agreement cannot keep lending where another bank's agreement already calls a halt.
 */
const FIGURES_SQL = `
  SELECT rf.district_id, rf.npl_overdue_days,
         coalesce((SELECT min(g.npl_threshold_percent) FROM guarantee_agreements g
                    WHERE g.risk_fund_id = rf.id AND g.status = 'ACTIVE'), 5)::text AS threshold,
         coalesce(sum(l.outstanding_principal_fen), 0)::text AS outstanding,
         coalesce(sum(l.outstanding_principal_fen) FILTER (WHERE l.days_overdue > rf.npl_overdue_days), 0)::text AS npl
    FROM risk_funds rf
    LEFT JOIN loans l ON l.district_id = rf.district_id AND l.channel = 'BANK_COVERED' AND l.status = 'DISBURSED'
   WHERE $1::bigint[] IS NULL OR rf.district_id = ANY($1::bigint[])
   GROUP BY rf.id, rf.district_id, rf.npl_overdue_days
   ORDER BY rf.district_id`;

function figuresOf(r: FigureRow): BreakerFigures {
  const outstanding = BigInt(r.outstanding);
  const npl = BigInt(r.npl);
  const threshold = trimDecimal(r.threshold);
  return {
    districtId: r.district_id,
    nplOverdueDays: r.npl_overdue_days,
    outstandingFen: outstanding,
    nplFen: npl,
    ratioPercent: percentString(npl, outstanding),
    thresholdPercent: threshold,
    state: nplAtOrAbove(npl, outstanding, threshold) ? 'SUSPENDED' : 'NORMAL',
  };
}

const figuresView = (f: BreakerFigures) => ({
  coveredOutstanding: formatYuan(f.outstandingFen),
  nonPerforming: formatYuan(f.nplFen),
  nplOverdueDays: f.nplOverdueDays,
  ratioPercent: f.ratioPercent,
  thresholdPercent: f.thresholdPercent,
});

/**
 * The NPL circuit breaker (SPEC §2.2). Every operation that changes a district's covered book (registration,
 * repayment, status report, compensation, agreement terms, the fund's npl_overdue_days) calls `evaluate` in its own
 * transaction, after its change and under the fund lock, so the recorded state is always the state of the committed
 * book; the close of business, which ages covered loans by the calendar, calls `reevaluateAll` after its covered
 * step. Every change of state is an event row and an audit row. Registration refuses with DISTRICT_SUSPENDED while
 * the state is SUSPENDED.
 */
@Injectable()
export class BreakerService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  /** Current figures, read live (nothing written). */
  async figures(manager: EntityManager | null, districtIds: string[] | null): Promise<BreakerFigures[]> {
    const rows = (await (manager ?? this.dataSource.manager).query(FIGURES_SQL, [
      districtIds,
    ])) as FigureRow[];
    return rows.map(figuresOf);
  }

  /**
   * Re-decides the breaker of the given districts (null = every district with a risk fund) from one set-based
   * read, and records each district whose state changed. Returns the changes.
   */
  async evaluate(
    manager: EntityManager,
    districtIds: string[] | null,
    cause: string,
  ): Promise<BreakerChange[]> {
    const figures = await this.figures(manager, districtIds);
    if (!figures.length) return [];
    const ids = figures.map((f) => f.districtId);
    // New districts start NORMAL; then lock every row in id order (the fixed order) before reading its state.
    await manager.query(
      `INSERT INTO district_breakers (district_id, state, npl_fen, outstanding_fen, ratio_percent, threshold_percent)
       SELECT unnest($1::bigint[]), 'NORMAL', 0, 0, 0, 5 ON CONFLICT (district_id) DO NOTHING`,
      [ids],
    );
    const current = (await manager.query(
      `SELECT district_id, state FROM district_breakers WHERE district_id = ANY($1::bigint[]) ORDER BY district_id FOR UPDATE`,
      [ids],
    )) as { district_id: string; state: BreakerState }[];
    const stateOf = new Map(current.map((c) => [c.district_id, c.state]));
    await manager.query(
      `UPDATE district_breakers b
          SET state = x.state, npl_fen = x.npl, outstanding_fen = x.outstanding, ratio_percent = x.ratio,
              threshold_percent = x.threshold, evaluated_at = now(),
              changed_at = CASE WHEN b.state <> x.state THEN now() ELSE b.changed_at END
         FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::numeric[], $6::numeric[])
              AS x(district_id, state, npl, outstanding, ratio, threshold)
        WHERE b.district_id = x.district_id`,
      [
        ids,
        figures.map((f) => f.state),
        figures.map((f) => f.nplFen.toString()),
        figures.map((f) => f.outstandingFen.toString()),
        figures.map((f) => f.ratioPercent),
        figures.map((f) => f.thresholdPercent),
      ],
    );
    const changes: BreakerChange[] = [];
    for (const f of figures) {
      const from = stateOf.get(f.districtId) ?? 'NORMAL';
      if (from === f.state) continue;
      changes.push({ ...f, from });
      await manager.query(
        `INSERT INTO district_breaker_events (district_id, from_state, to_state, npl_fen, outstanding_fen, ratio_percent,
                                              threshold_percent, cause, actor)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
        [
          f.districtId,
          from,
          f.state,
          f.nplFen.toString(),
          f.outstandingFen.toString(),
          f.ratioPercent,
          f.thresholdPercent,
          cause,
          actorName(),
        ],
      );
      await this.audit.record(manager, {
        action: f.state === 'SUSPENDED' ? 'DISTRICT_BREAKER_TRIPPED' : 'DISTRICT_BREAKER_RESET',
        entityType: 'district',
        entityId: f.districtId,
        before: { state: from },
        after: { state: f.state, cause, ...figuresView(f) },
      });
    }
    return changes;
  }

  /**
   * Re-decides the breaker of every district with a risk fund, for a change no single fund's operation saw (the
   * close of business ageing covered loans by the calendar). One short transaction per fund, in fund id order: the
   * fund row is locked first (the library's order, fund → agreement → loan/cover), as every operation that changes a
   * district's covered book holds it while it evaluates, so the state recorded here is the state of the committed
   * book and a concurrent registration, report or claim can neither be missed nor overwritten by a stale decision.
   * Idempotent: a district whose state does not change gets only its figures refreshed. Returns the changes.
   */
  async reevaluateAll(cause: string): Promise<BreakerChange[]> {
    const funds = (await this.dataSource.query(`SELECT id::text AS id FROM risk_funds ORDER BY id`)) as {
      id: string;
    }[];
    const changes: BreakerChange[] = [];
    for (const f of funds) {
      changes.push(...(await this.dataSource.transaction((m) => this.reevaluateFund(m, f.id, cause))));
    }
    return changes;
  }

  /**
   * Locks the risk fund (FOR UPDATE, the same row lock as `GuaranteeService.lockFund`) and re-decides its district,
   * in the caller's transaction. A caller that already holds the fund lock may call it too (the lock is re-entrant
   * within a transaction).
   */
  async reevaluateFund(manager: EntityManager, fundId: string, cause: string): Promise<BreakerChange[]> {
    const [fund] = (await manager.query(
      `SELECT district_id::text AS district_id FROM risk_funds WHERE id = $1 FOR UPDATE`,
      [fundId],
    )) as { district_id: string }[];
    if (!fund) return [];
    return this.evaluate(manager, [fund.district_id], cause);
  }

  /** The recorded state (NORMAL when never evaluated). Read inside the caller's transaction. */
  async state(manager: EntityManager | null, districtId: string): Promise<BreakerState> {
    const [row] = (await (manager ?? this.dataSource.manager).query(
      `SELECT state FROM district_breakers WHERE district_id = $1`,
      [districtId],
    )) as { state: BreakerState }[];
    return row?.state ?? 'NORMAL';
  }

  /** GET /districts/:id/breaker: recorded state, the live figures, and the history of changes (newest first). */
  async view(districtId: string, page: PageQuery) {
    const [d] = (await this.dataSource.query(`SELECT id, code, name FROM districts WHERE id = $1`, [
      districtId,
    ])) as {
      id: string;
      code: string;
      name: string;
    }[];
    if (!d) throw new DomainError('NOT_FOUND', `district ${districtId} not found`);
    const [live] = await this.figures(null, [districtId]);
    const [rec] = (await this.dataSource.query(
      `SELECT state, changed_at, evaluated_at FROM district_breakers WHERE district_id = $1`,
      [districtId],
    )) as { state: BreakerState; changed_at: Date; evaluated_at: Date }[];
    const [{ total }] = (await this.dataSource.query(
      `SELECT count(*)::int AS total FROM district_breaker_events WHERE district_id = $1`,
      [districtId],
    )) as { total: number }[];
    const events = (await this.dataSource.query(
      `SELECT id, from_state, to_state, npl_fen, outstanding_fen, ratio_percent::text AS ratio, threshold_percent::text AS threshold,
              cause, actor, at
         FROM district_breaker_events WHERE district_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3`,
      [districtId, page.pageSize, offsetOf(page)],
    )) as {
      id: string;
      from_state: string;
      to_state: string;
      npl_fen: string;
      outstanding_fen: string;
      ratio: string;
      threshold: string;
      cause: string;
      actor: string;
      at: Date;
    }[];
    const history: Page<Record<string, unknown>> = {
      items: events.map((e) => ({
        id: e.id,
        from: e.from_state,
        to: e.to_state,
        nonPerforming: formatYuan(BigInt(e.npl_fen)),
        coveredOutstanding: formatYuan(BigInt(e.outstanding_fen)),
        ratioPercent: e.ratio,
        thresholdPercent: trimDecimal(e.threshold),
        cause: e.cause,
        actor: e.actor,
        at: e.at,
      })),
      page: page.page,
      pageSize: page.pageSize,
      total,
    };
    return {
      districtId: d.id,
      districtCode: d.code,
      districtName: d.name,
      hasRiskFund: live !== undefined,
      state: rec?.state ?? 'NORMAL',
      changedAt: rec?.changed_at ?? null,
      evaluatedAt: rec?.evaluated_at ?? null,
      /** what the breaker would decide now; equal to `state` after any change to the district's covered book */
      live: live ? { state: live.state, ...figuresView(live) } : null,
      history,
    };
  }
}
