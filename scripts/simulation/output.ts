import { tablesToCsv } from '#libs/common';
import { leverageChartSvg } from '#libs/reporting';
import type { MonthRow, SimulationResult } from './engine.js';

export const COLUMNS: { key: keyof MonthRow; title: string; money?: boolean }[] = [
  { key: 'month', title: 'month' },
  { key: 'fundCash', title: 'fund cash', money: true },
  { key: 'maOutstanding', title: 'outstanding', money: true },
  { key: 'par30Percent', title: 'PAR30 %' },
  { key: 'coveredOutstanding', title: 'covered', money: true },
  { key: 'npl', title: 'NPL', money: true },
  { key: 'leverage', title: 'leverage' },
  { key: 'capacityLeft', title: 'capacity left', money: true },
  { key: 'subsidyPaid', title: 'subsidy paid', money: true },
  { key: 'remindersSent', title: 'reminders sent' },
  { key: 'breaker', title: 'breaker' },
];

const cell = (r: MonthRow, k: keyof MonthRow): string => String(r[k] ?? '-');

/** The month-by-month table as fixed-width text (Markdown pipe table, right-aligned numbers). */
export function tableText(rows: MonthRow[]): string {
  const widths = COLUMNS.map((c) => Math.max(c.title.length, ...rows.map((r) => cell(r, c.key).length)));
  const line = (cells: string[]) =>
    `| ${cells.map((s, i) => (i === 0 || COLUMNS[i].key === 'breaker' ? s.padEnd(widths[i]) : s.padStart(widths[i]))).join(' | ')} |`;
  return [
    line(COLUMNS.map((c) => c.title)),
    `|${widths.map((w, i) => (i === 0 || COLUMNS[i].key === 'breaker' ? ` ${'-'.repeat(w)} ` : ` ${'-'.repeat(w - 1)}: `)).join('|')}|`,
    ...rows.map((r) => line(COLUMNS.map((c) => cell(r, c.key)))),
  ].join('\n');
}

export function tableCsv(rows: MonthRow[]): Buffer {
  return tablesToCsv(
    [
      {
        name: 'simulation',
        columns: COLUMNS.map((c) => c.title),
        moneyColumns: COLUMNS.filter((c) => c.money).map((c) => c.title),
        rows: rows.map((r) => COLUMNS.map((c) => r[c.key])),
      },
    ],
    { tableNames: false },
  );
}

/** The district's leverage ratio month by month (the reporting library's chart), without any database id. */
export function chartSvg(result: SimulationResult, title: string): string {
  return leverageChartSvg(
    {
      months: result.rows.map((r) => r.month),
      districts: [
        {
          districtId: 'sim',
          districtCode: '370399',
          districtName: '模拟区',
          cap: '10',
          ratios: result.rows.map((r) => (r.leverage === '-' ? null : r.leverage)),
        },
      ],
    },
    title,
  );
}

/** Everything deterministic the run prints: the table, the year-end distributions and the activity counters. */
export function summaryText(result: SimulationResult): string {
  const lines = [tableText(result.rows), ''];
  for (const d of result.feeDistributions) {
    lines.push(
      `fee distribution ${d.year}: distributable ${d.distributable} → ` +
        Object.entries(d.shares)
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
    );
  }
  lines.push(
    'activity: ' +
      Object.entries(result.counters)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
  );
  const refusals = Object.entries(result.refusals).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (refusals.length) lines.push('refused: ' + refusals.map(([k, v]) => `${k} ${v}`).join(', '));
  return lines.join('\n');
}
