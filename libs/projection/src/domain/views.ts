import type { ExportTable, Lang, ReportMeta } from '#libs/common';
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

/** What the export says about its run: the projection, its scenario and version, the seed the runs were drawn from. */
export interface ExportHead {
  id: string;
  /** the saved scenario's name; null for a scenario given inline */
  scenario: string | null;
  scenarioVersion: number | null;
  seed: number;
}

/** A series' scope in Chinese. */
export const SCOPE_ZH: Record<SeriesKey['scope'], string> = {
  total: '全市合计',
  fund: '村级互助资金',
  riskFund: '风险补偿金',
  programme: '贴息项目',
};

/** Every figure a projection bands, in Chinese with its unit (the simulator's figure names, simulate.ts). */
export const FIGURE_ZH: Record<string, string> = {
  cash: '现金余额（元）',
  roomToLend: '可贷额度（元）',
  outstanding: '借款余额（元）',
  par30: '逾期30天以上本金（元）',
  households: '在贷农户（户）',
  householdsCumulative: '累计服务农户（户）',
  maCash: '互助资金现金（元）',
  maOutstanding: '互助资金借款余额（元）',
  maNpl: '互助资金不良本金（元）',
  par30Percent: '逾期30天以上占比（%）',
  riskFundBalance: '风险补偿金余额（元）',
  balance: '风险补偿金余额（元）',
  available: '未占用余额（元）',
  capacityLeft: '剩余担保额度（元）',
  coveredOutstanding: '担保贷款余额（元）',
  npl: '担保贷款不良本金（元）',
  coveredNpl: '担保贷款不良本金（元）',
  leverage: '放大倍数（倍）',
  minimumShortfall: '低于最低要求的缺口（元）',
  breaker: '熔断（1=暂停新增）',
  spent: '已贴息（元）',
  budgetLeft: '预算余额（元）',
  subsidySpent: '贴息支出（元）',
  queued: '待预算支付的贴息（元）',
  coveredRegistered: '新增担保贷款（笔）',
  coveredRegisteredAmount: '新增担保贷款金额（元）',
  coveredRefused: '被拒担保贷款（笔）',
  coveredRefusedAmount: '被拒担保贷款金额（元）',
};

export const EVENT_KINDS = [
  'RISK_FUND_BELOW_MINIMUM',
  'BREAKER_TRIPS',
  'FUND_OUT_OF_ROOM',
  'SUBSIDY_BUDGET_EXHAUSTED',
] as const satisfies readonly EventSummary['event'][];

/** An event's kind in Chinese. */
export const EVENT_ZH: Record<EventSummary['event'], string> = {
  RISK_FUND_BELOW_MINIMUM: '风险补偿金低于最低要求',
  BREAKER_TRIPS: '触发熔断（暂停新增担保贷款）',
  FUND_OUT_OF_ROOM: '互助资金无可贷额度',
  SUBSIDY_BUDGET_EXHAUSTED: '贴息预算用尽',
};

/** The XLSX number format of a figure of each unit: yuan with thousands, whole counts and flags, four-decimal ratios. */
const UNIT_FORMAT: Record<FigureUnit, string> = { fen: '#,##0.00', count: '0', decimal4: '0.0000', flag: '0' };

/**
 * The export's tables: one row per series and month (P10/P50/P90), and the events. Chinese headers and codes as
 * Chinese labels by default, the codes as the API speaks them in English; the figures stay exact decimal strings
 * (the CSV writes them as they are) and become number cells in the XLSX with their unit's fixed decimals.
 */
export function resultTables(r: ResultView, lang: Lang = 'zh-CN'): ExportTable[] {
  const zh = lang !== 'en';
  const t = (chinese: string, english: string) => (zh ? chinese : english);
  const scope = (s: SeriesKey['scope']) => (zh ? (SCOPE_ZH[s] ?? s) : s);
  const bandColumns = [t('序列', 'series'), t('范围', 'scope'), t('编号', 'id'), t('指标', 'figure'), t('月份', 'month'), 'P10', t('P50（中位数）', 'P50'), 'P90'];
  const eventColumns = [
    t('事件', 'event'),
    t('范围', 'scope'),
    t('编号', 'id'),
    t('发生概率%', 'probability %'),
    t('发生次数', 'runs'),
    t('首次发生月份 P10', 'first month P10'),
    t('首次发生月份 P50', 'P50'),
    t('首次发生月份 P90', 'P90'),
  ];
  return [
    {
      name: t('预测区间', 'bands'),
      columns: bandColumns,
      numberColumns: bandColumns.slice(5),
      rowNumberFormats: r.series.flatMap((s) => s.bands.map(() => UNIT_FORMAT[s.unit])),
      rows: r.series.flatMap((s) =>
        s.bands.map((b) => [
          s.key,
          scope(s.scope),
          s.id ?? '',
          zh ? (FIGURE_ZH[s.figure] ?? s.figure) : s.figure,
          b.month,
          b.p10,
          b.p50,
          b.p90,
        ]),
      ),
    },
    {
      name: t('预测事件', 'events'),
      columns: eventColumns,
      numberColumns: [eventColumns[3], eventColumns[4]],
      rows: r.events.map((e) => [
        zh ? (EVENT_ZH[e.event] ?? e.event) : e.event,
        scope(e.scope),
        e.id,
        e.probabilityPercent,
        e.runs,
        e.firstMonth?.p10 ?? '',
        e.firstMonth?.p50 ?? '',
        e.firstMonth?.p90 ?? '',
      ]),
    },
  ];
}

/** The export's title and what it says about itself: as-of business date, scenario and version, seed, runs. */
export function exportHeading(r: ResultView, head: ExportHead, lang: Lang = 'zh-CN'): { title: string; meta: ReportMeta } {
  const zh = lang !== 'en';
  const scenario = head.scenario ?? (zh ? '临时场景' : 'inline scenario');
  return {
    title: zh
      ? `预测 (Projection) ${head.id}：${scenario}，截至 ${r.asOf}，${r.runs} 次模拟`
      : `projection ${head.id} as of ${r.asOf} (${r.runs} runs)`,
    meta: {
      asOfDate: r.asOf,
      more: [
        ['预测编号 (Projection)', head.id],
        ['场景 (Scenario)', scenario],
        ['场景版本 (Scenario version)', head.scenarioVersion === null ? (zh ? '无' : 'none') : String(head.scenarioVersion)],
        ['随机种子 (Seed)', String(head.seed)],
        ['模拟次数 (Runs)', String(r.runs)],
        ['预测月数 (Months)', `${r.months.length} (${r.months[0] ?? ''} ~ ${r.months.at(-1) ?? ''})`],
      ],
    },
  };
}
