import ExcelJS from 'exceljs';
import { tablesToCsv, tablesToXlsx } from '#libs/common';
import { ENGINE_KERNEL } from '../kernel.js';
import type { BookSnapshot, ScenarioSpec } from './model.js';
import { bandsOf, eventsOf } from './monte-carlo.js';
import { rngOf, runSeed } from './prng.js';
import { BASELINE_SCENARIO } from './scenario.js';
import { monthEndsAfter, simulateRun } from './simulate.js';
import {
  EVENT_KINDS,
  EVENT_ZH,
  exportHeading,
  FIGURE_ZH,
  resultTables,
  resultView,
  SCOPE_ZH,
  type ResultView,
} from './views.js';

/** The projection export: Chinese headers and labels, figures exact in the CSV and number cells in the XLSX. */
const HAN = /\p{Script=Han}/u;
const AS_OF = '2026-03-10';

/** A book with a fund, a risk fund under an agreement and a subsidy budget: every scope's figures are banded. */
const BOOK: BookSnapshot = {
  asOf: AS_OF,
  loans: [],
  funds: [
    {
      id: '1',
      villageId: '1',
      districtId: '1',
      name: 'fund',
      cashFen: 1_000_000n,
      capitalFen: 2_000_000n,
      lendingCapPercent: '90',
      newLoans: null,
    },
  ],
  riskFunds: [
    {
      id: '7',
      districtId: '1',
      name: 'rf',
      balanceFen: 10_000_000n,
      availableFen: 9_600_000n,
      heavyTask: true,
      minimumFen: 10_500_000n,
      nplOverdueDays: 90,
    },
  ],
  agreements: [
    {
      id: '3',
      riskFundId: '7',
      bankId: '2',
      leverageMultiple: '10',
      nplThresholdPercent: '5',
      fundSharePercent: '80',
      bankSharePercent: '20',
      triggerDays: 90,
    },
  ],
  budgets: [
    { programmeId: '5', year: 2026, budgetFen: 5_000_000n, committedFen: 1_000_000n, cashFen: 4_000_000n },
  ],
  benchmarkRatePercent: '3.45',
};

function project(spec: ScenarioSpec): ResultView {
  const runs = Array.from({ length: spec.runs }, (_, k) =>
    simulateRun({ snapshot: BOOK, scenario: spec, kernel: ENGINE_KERNEL, rng: rngOf(runSeed(spec.seed, k)) }),
  );
  const months = monthEndsAfter(AS_OF, spec.horizonMonths).map((d) => d.slice(0, 7));
  return resultView(
    { asOf: AS_OF, months, runs: runs.length, series: bandsOf(runs), events: eventsOf(runs) },
    new Map(),
  );
}

const SPEC: ScenarioSpec = { ...structuredClone(BASELINE_SCENARIO), horizonMonths: 3, runs: 2, seed: 11 };
const result = project(SPEC);
const head = { id: '42', scenario: '还款率85%', scenarioVersion: 3, seed: 11 };

describe('the projection export', () => {
  it('has a Chinese label for every figure, scope and event kind a projection bands', () => {
    expect(new Set(result.series.map((s) => s.scope))).toEqual(
      new Set(['total', 'fund', 'riskFund', 'programme']),
    );
    for (const s of result.series) {
      expect(HAN.test(FIGURE_ZH[s.figure] ?? ''), `figure ${s.key}`).toBe(true);
      expect(HAN.test(SCOPE_ZH[s.scope] ?? ''), `scope ${s.scope}`).toBe(true);
    }
    for (const e of EVENT_KINDS) expect(HAN.test(EVENT_ZH[e]), e).toBe(true);
    expect(result.events.map((e) => e.event)).toContain('RISK_FUND_BELOW_MINIMUM');
  });

  it('writes Chinese headers and labels by default, the codes in English, the figures as exact decimal strings', () => {
    const [bands, events] = resultTables(result);
    expect(bands.name).toBe('预测区间');
    expect(bands.columns).toEqual(['序列', '范围', '编号', '指标', '月份', 'P10', 'P50（中位数）', 'P90']);
    expect(bands.rows.find((r) => r[0] === 'riskFund:7:balance')).toEqual([
      'riskFund:7:balance',
      '风险补偿金',
      '7',
      '风险补偿金余额（元）',
      '2026-03',
      '100000.00',
      '100000.00',
      '100000.00',
    ]);
    expect(bands.rows.find((r) => r[0] === 'total:householdsCumulative')?.slice(1, 4)).toEqual([
      '全市合计',
      '',
      '累计服务农户（户）',
    ]);
    expect(events.rows[0].slice(0, 5)).toEqual(['风险补偿金低于最低要求', '风险补偿金', '7', '100.00', 2]);
    const en = resultTables(result, 'en');
    expect(en.map((t) => t.name)).toEqual(['bands', 'events']);
    expect(en[0].columns).toEqual(['series', 'scope', 'id', 'figure', 'month', 'P10', 'P50', 'P90']);
    expect(en[0].rows.find((r) => r[0] === 'riskFund:7:balance')?.slice(1, 4)).toEqual([
      'riskFund',
      '7',
      'balance',
    ]);
    expect(en[1].rows[0][0]).toBe('RISK_FUND_BELOW_MINIMUM');

    const csv = tablesToCsv(resultTables(result), exportHeading(result, head)).toString('utf8').split('\r\n');
    expect(csv.slice(0, 9)).toEqual([
      '\uFEFF预测 (Projection) 42：还款率85%，截至 2026-03-10，2 次模拟',
      '截至日期 (As of),2026-03-10',
      '预测编号 (Projection),42',
      '场景 (Scenario),还款率85%',
      '场景版本 (Scenario version),3',
      '随机种子 (Seed),11',
      '模拟次数 (Runs),2',
      '预测月数 (Months),3 (2026-03 ~ 2026-05)',
      '',
    ]);
    expect(csv).toContain(
      'riskFund:7:balance,风险补偿金,7,风险补偿金余额（元）,2026-03,100000.00,100000.00,100000.00',
    );
    expect(csv).toContain('riskFund:7:leverage,风险补偿金,7,放大倍数（倍）,2026-03,0.0000,0.0000,0.0000');
  });

  it('writes the figures as number cells in the XLSX with their unit’s decimals, and the run’s scenario, seed and date', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(
      (await tablesToXlsx(resultTables(result), {
        columnWidth: 18,
        freezeHeader: true,
        ...exportHeading(result, head),
      })) as never,
    );
    expect(wb.worksheets.map((w) => w.name)).toEqual(['预测区间', '预测事件', '报表信息 (About)']);
    const ws = wb.worksheets[0];
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(ws.autoFilter).toBe('A1:H1');
    const rowOf = (key: string) => ws.getRows(2, ws.rowCount - 1)!.find((r) => r.getCell(1).value === key)!;
    const money = rowOf('riskFund:7:balance').getCell(6);
    expect([money.value, money.numFmt]).toEqual([100000, '#,##0.00']);
    const count = rowOf('total:householdsCumulative').getCell(7);
    expect([typeof count.value, count.numFmt]).toEqual(['number', '0']);
    const ratio = rowOf('riskFund:7:leverage').getCell(8);
    expect([ratio.value, ratio.numFmt]).toEqual([0, '0.0000']);
    const probability = wb.worksheets[1].getCell('D2');
    expect([probability.value, probability.numFmt]).toEqual([100, '0.00']);
    expect(wb.worksheets[1].getCell('E2').value).toBe(2);
    expect(wb.worksheets[2].getSheetValues().flat()).toEqual(
      expect.arrayContaining([
        '截至日期 (As of)',
        '2026-03-10',
        '场景 (Scenario)',
        '还款率85%',
        '场景版本 (Scenario version)',
        '3',
        '随机种子 (Seed)',
        '11',
      ]),
    );
  });
});
