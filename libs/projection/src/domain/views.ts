import { formatDecimal, formatYuan } from '#libs/money';
import type { EventSummary, FigureUnit, ProjectionResult, SeriesKey } from './model.js';

/** A figure as the API prints it: yuan for money, a plain integer for counts, four decimals for ratios. */
export function figureText(unit: FigureUnit, v: bigint): string {
  if (unit === 'fen') return formatYuan(v);
  if (unit === 'decimal4') return formatDecimal({ units: v, scale: 4 }, 4);
  return v.toString();
}

export interface BandView {
  month: string;
  p10: string;
  p50: string;
  p90: string;
}

export interface SeriesView extends Omit<SeriesKey, 'unit'> {
  unit: FigureUnit;
  /** reference lines of the fan chart: the risk fund's minimum, the leverage cap */
  minimum: string | null;
  cap: string | null;
  bands: BandView[];
}

export interface ResultView {
  asOf: string;
  months: string[];
  runs: number;
  series: SeriesView[];
  events: EventSummary[];
}

/** The stored and served form of a projection's result (JSON: figures as strings). */
export function resultView(r: ProjectionResult, references: ReadonlyMap<string, { minimum?: string; cap?: string }>): ResultView {
  return {
    asOf: r.asOf,
    months: r.months,
    runs: r.runs,
    series: r.series.map((s) => ({
      key: s.key,
      scope: s.scope,
      id: s.id,
      figure: s.figure,
      unit: s.unit,
      minimum: references.get(s.key)?.minimum ?? null,
      cap: references.get(s.key)?.cap ?? null,
      bands: s.bands.map((b) => ({
        month: b.month,
        p10: figureText(s.unit, b.p10),
        p50: figureText(s.unit, b.p50),
        p90: figureText(s.unit, b.p90),
      })),
    })),
    events: r.events,
  };
}

/** The export's tables: one row per series and month, and the events (cells already formatted). */
export function resultTables(r: ResultView): { name: string; columns: string[]; rows: string[][] }[] {
  return [
    {
      name: 'bands',
      columns: ['series', 'scope', 'id', 'figure', 'month', 'P10', 'P50', 'P90'],
      rows: r.series.flatMap((s) => s.bands.map((b) => [s.key, s.scope, s.id ?? '', s.figure, b.month, b.p10, b.p50, b.p90])),
    },
    {
      name: 'events',
      columns: ['event', 'scope', 'id', 'probability %', 'runs', 'first month P10', 'P50', 'P90'],
      rows: r.events.map((e) => [
        e.event,
        e.scope,
        e.id,
        e.probabilityPercent,
        String(e.runs),
        e.firstMonth?.p10 ?? '',
        e.firstMonth?.p50 ?? '',
        e.firstMonth?.p90 ?? '',
      ]),
    },
  ];
}
