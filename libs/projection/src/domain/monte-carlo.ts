import { formatDecimal } from '#libs/money';
import type { Kernel } from './kernel.js';
import type {
  Band,
  BookSnapshot,
  EventSummary,
  FigureUnit,
  ProjectionResult,
  RunResult,
  ScenarioSpec,
  SeriesKey,
} from './model.js';
import { rngOf, runSeed } from './prng.js';
import { monthEndsAfter, simulateRun } from './simulate.js';

/**
 * The p-th percentile of sorted values by the nearest-rank rule: the smallest value with at least p % of the
 * values at or below it (P50 of [1, 2, 3, 4] is 2). Exact on bigints: no interpolation, so every band is a figure
 * some run actually produced.
 */
export function percentile<T>(sorted: ArrayLike<T>, p: number): T {
  if (!sorted.length) throw new RangeError('no values');
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

const byBigint = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/**
 * Values in ascending order: in a BigInt64Array, whose sort is the engine's own numeric one, when every value fits
 * in 64 bits (a figure of a book always does); else by comparing bigints. The same order either way.
 */
export function sortedBigints(values: bigint[]): ArrayLike<bigint> {
  for (const v of values) if (v < INT64_MIN || v > INT64_MAX) return values.sort(byBigint);
  return BigInt64Array.from(values).sort();
}

const UNITS: Record<string, FigureUnit> = {
  households: 'count',
  householdsCumulative: 'count',
  par30Percent: 'decimal4',
  leverage: 'decimal4',
  breaker: 'flag',
  coveredRegistered: 'count',
  coveredRefused: 'count',
};

/** What a series key (`fund:12:cash`, `total:maOutstanding`) names. */
export function seriesKeyOf(key: string): SeriesKey {
  const parts = key.split(':');
  if (parts[0] === 'total') return { key, scope: 'total', id: null, figure: parts[1], unit: UNITS[parts[1]] ?? 'fen' };
  const scope = parts[0] as SeriesKey['scope'];
  return { key, scope, id: parts[1], figure: parts[2], unit: UNITS[parts[2]] ?? 'fen' };
}

/** P10/P50/P90 per month of every figure, over the runs. */
export function bandsOf(runs: readonly RunResult[]): (SeriesKey & { bands: Band[] })[] {
  if (!runs.length) return [];
  const keys = new Set<string>();
  for (const r of runs) for (const m of r.months) for (const k of m.values.keys()) keys.add(k);
  const months = runs[0].months.map((m) => m.month);
  return [...keys].sort().map((key) => ({
    ...seriesKeyOf(key),
    bands: months.map((month, i) => {
      const values = sortedBigints(runs.map((r) => r.months[i].values.get(key) ?? 0n));
      return { month, p10: percentile(values, 10), p50: percentile(values, 50), p90: percentile(values, 90) };
    }),
  }));
}

/** How often each event happened over the runs and in which month, P10/P50/P90 of the months it happened in. */
export function eventsOf(runs: readonly RunResult[]): EventSummary[] {
  const keys = new Set<string>();
  for (const r of runs) for (const k of r.events.keys()) keys.add(k);
  return [...keys].sort().map((key) => {
    const [event, scope, id] = key.split(':');
    const months = runs.map((r) => r.events.get(key)).filter((m): m is string => m !== undefined).sort();
    const pct = BigInt(Math.round((months.length * 10_000) / runs.length));
    return {
      key,
      event: event as EventSummary['event'],
      scope: scope as EventSummary['scope'],
      id,
      probabilityPercent: formatDecimal({ units: pct, scale: 2 }, 2),
      runs: months.length,
      firstMonth: months.length
        ? { p10: percentile(months, 10), p50: percentile(months, 50), p90: percentile(months, 90) }
        : null,
    };
  });
}

export interface MonteCarloInput {
  snapshot: BookSnapshot;
  scenario: ScenarioSpec;
  kernel: Kernel;
  /** called after each run with the number done (the job's progress) */
  onRun?: (done: number, total: number) => void;
}

/** N seeded runs of the simulator (run k seeded from the scenario's seed and k) and their bands and events. */
export function runMonteCarlo({ snapshot, scenario, kernel, onRun }: MonteCarloInput): ProjectionResult {
  const runs: RunResult[] = [];
  for (let k = 0; k < scenario.runs; k++) {
    runs.push(simulateRun({ snapshot, scenario, kernel, rng: rngOf(runSeed(scenario.seed, k)) }));
    onRun?.(k + 1, scenario.runs);
  }
  return {
    asOf: snapshot.asOf,
    months: monthEndsAfter(snapshot.asOf, scenario.horizonMonths).map((m) => m.slice(0, 7)),
    runs: runs.length,
    series: bandsOf(runs),
    events: eventsOf(runs),
  };
}
