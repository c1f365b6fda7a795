import { formatYuan, type Fen } from '#libs/money';
import { trimDecimal } from './covers.js';
import { nplAtOrAbove, percentString } from './leverage.js';

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

/** A district's covered book as read: outstanding, the part beyond the fund's line, the strictest threshold. */
export interface FigureRecord {
  district_id: string;
  npl_overdue_days: number;
  threshold: string;
  outstanding: string;
  npl: string;
}

/** A district_breaker_events row as the history shows it. */
export interface BreakerEventRecord {
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
}

/** The breaker's decision: SUSPENDED when the NPL ratio reaches the threshold (it trips AT the threshold). */
export function figuresOf(r: FigureRecord): BreakerFigures {
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

export const figuresView = (f: BreakerFigures) => ({
  coveredOutstanding: formatYuan(f.outstandingFen),
  nonPerforming: formatYuan(f.nplFen),
  nplOverdueDays: f.nplOverdueDays,
  ratioPercent: f.ratioPercent,
  thresholdPercent: f.thresholdPercent,
});

/** The districts whose state the new figures change (a district never decided before was NORMAL). */
export function changesOf(figures: BreakerFigures[], recorded: Map<string, BreakerState>): BreakerChange[] {
  const out: BreakerChange[] = [];
  for (const f of figures) {
    const from = recorded.get(f.districtId) ?? 'NORMAL';
    if (from !== f.state) out.push({ ...f, from });
  }
  return out;
}

/** The audit action of a change of state. */
export const breakerAction = (c: BreakerChange): 'DISTRICT_BREAKER_TRIPPED' | 'DISTRICT_BREAKER_RESET' =>
  c.state === 'SUSPENDED' ? 'DISTRICT_BREAKER_TRIPPED' : 'DISTRICT_BREAKER_RESET';

export const breakerEventView = (e: BreakerEventRecord) => ({
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
});

/**
 * The breaker as a bank sees it (a bank with an agreement in the district): the district's state, threshold and
 * whether it lends (the decision binds every bank), but money figures of its own covered loans only, and a history of
 * the changes of state without another bank's figures, causes or actors.
 */
export function bankBreakerView(
  d: { id: string; code: string; name: string },
  live: BreakerFigures | undefined,
  own: BreakerFigures | undefined,
  recorded: { state: BreakerState; changed_at: Date; evaluated_at: Date } | undefined,
  history: { rows: BreakerEventRecord[]; total: number; page: number; pageSize: number },
) {
  const full = districtBreakerView(d, live, recorded, history);
  return {
    ...full,
    scope: 'OWN_BANK' as const,
    live:
      live && own
        ? {
            state: live.state,
            thresholdPercent: live.thresholdPercent,
            nplOverdueDays: live.nplOverdueDays,
            ownBank: {
              coveredOutstanding: formatYuan(own.outstandingFen),
              nonPerforming: formatYuan(own.nplFen),
              ratioPercent: own.ratioPercent,
            },
          }
        : null,
    history: {
      ...full.history,
      items: history.rows.map((e) => ({
        id: e.id,
        from: e.from_state,
        to: e.to_state,
        thresholdPercent: trimDecimal(e.threshold),
        at: e.at,
      })),
    },
  };
}

/** The threshold of a district whose fund has no active agreement (SPEC §2.2: 5 %). */
export const DEFAULT_NPL_THRESHOLD_PERCENT = '5';

/** GET /districts/:id/breaker: recorded state, the live figures, and the history of changes (newest first). */
export function districtBreakerView(
  d: { id: string; code: string; name: string },
  live: BreakerFigures | undefined,
  recorded: { state: BreakerState; changed_at: Date; evaluated_at: Date } | undefined,
  history: { rows: BreakerEventRecord[]; total: number; page: number; pageSize: number },
) {
  return {
    districtId: d.id,
    districtCode: d.code,
    districtName: d.name,
    hasRiskFund: live !== undefined,
    state: recorded?.state ?? 'NORMAL',
    changedAt: recorded?.changed_at ?? null,
    evaluatedAt: recorded?.evaluated_at ?? null,
    /** what the breaker would decide now; equal to `state` after any change to the district's covered book */
    live: live ? { state: live.state, ...figuresView(live) } : null,
    history: {
      items: history.rows.map(breakerEventView),
      page: history.page,
      pageSize: history.pageSize,
      total: history.total,
    },
  };
}
