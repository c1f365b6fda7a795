import { csvCell, csvFile, type ExportCell } from '#libs/common';
import type { ComplianceReport } from './funding.service.js';

/**
 * The compliance report as CSV (RFC 4180, CRLF, UTF-8 with BOM so Excel reads Chinese): one row per district,
 * then one per SOE; headers in Chinese with English in brackets. Figures are the report's yuan strings.
 */
export function complianceCsv(r: ComplianceReport): Buffer {
  const lines: string[] = [];
  const row = (cells: ExportCell[]) => lines.push(cells.map(csvCell).join(','));
  row([
    '年度 (Year)',
    '区县代码 (District code)',
    '区县 (District)',
    '市级拨付 (City allocation)',
    '区县配套 (District match)',
    '要求比例 (Required ratio)',
    '实际比例 (Actual ratio)',
    '应配套 (Required match)',
    '缺口 (Shortfall)',
    '是否达标 (Compliant)',
    '国企出资 (SOE contributions)',
  ]);
  for (const d of r.districts) {
    row([
      r.year,
      d.districtCode,
      d.districtName,
      d.cityAllocation,
      d.districtMatch,
      d.requiredRatio,
      d.actualRatio,
      d.requiredMatch,
      d.shortfall,
      d.compliant ? '是 (YES)' : '否 (NO)',
      d.soeContributions,
    ]);
  }
  row([
    r.year,
    '',
    '合计 (Total)',
    r.totals.cityAllocation,
    r.totals.districtMatch,
    r.rule.ratio,
    null,
    r.totals.requiredMatch,
    r.totals.shortfall,
    `${r.totals.compliantDistricts}/${r.totals.districts}`,
    null,
  ]);
  lines.push('');
  row([
    '年度 (Year)',
    '国有企业 (SOE)',
    '利润基数 (Profit base)',
    `应出资 ${r.rule.soeProfitPercent}% (Expected)`,
    '实际出资 (Actual)',
    '缺口 (Shortfall)',
    '是否达标 (Compliant)',
  ]);
  for (const s of r.soe) {
    row([
      r.year,
      s.name,
      s.profitBase,
      s.expected,
      s.actual,
      s.shortfall,
      s.compliant === null ? null : s.compliant ? '是 (YES)' : '否 (NO)',
    ]);
  }
  return csvFile(lines);
}
