import { tablesToCsv, tablesToXlsx, type ExportTable, type Lang } from '#libs/common';
import type { ComplianceReport } from './funding.service.js';

/**
 * The compliance report as tables: one row per district with the total, then one per SOE. Headers and yes/no in
 * Chinese (a finance office's spreadsheet), English with `lang` 'en'; money and ratios are number cells in XLSX.
 */
export function complianceTables(r: ComplianceReport, lang: Lang = 'zh-CN'): ExportTable[] {
  const zh = lang !== 'en';
  const t = (chinese: string, english: string) => (zh ? chinese : english);
  const yesNo = (v: boolean | null) => (v === null ? null : v ? t('是', 'YES') : t('否', 'NO'));
  const money = {
    city: t('市级拨付', 'City allocation'),
    match: t('区县配套', 'District match'),
    requiredMatch: t('应配套', 'Required match'),
    shortfall: t('缺口', 'Shortfall'),
    soe: t('国企出资', 'SOE contributions'),
  };
  const ratios = { required: t('要求比例', 'Required ratio'), actual: t('实际比例', 'Actual ratio') };
  const districts: ExportTable = {
    name: t('区县配套', 'District matching'),
    columns: [
      t('年度', 'Year'),
      t('区县代码', 'District code'),
      t('区县', 'District'),
      money.city,
      money.match,
      ratios.required,
      ratios.actual,
      money.requiredMatch,
      money.shortfall,
      t('是否达标', 'Compliant'),
      money.soe,
    ],
    moneyColumns: [money.city, money.match, money.requiredMatch, money.shortfall, money.soe],
    numberColumns: [ratios.required, ratios.actual],
    rows: [
      ...r.districts.map((d) => [
        r.year,
        d.districtCode,
        d.districtName,
        d.cityAllocation,
        d.districtMatch,
        d.requiredRatio,
        d.actualRatio,
        d.requiredMatch,
        d.shortfall,
        yesNo(d.compliant),
        d.soeContributions,
      ]),
      [
        r.year,
        '',
        t('合计', 'Total'),
        r.totals.cityAllocation,
        r.totals.districtMatch,
        r.rule.ratio,
        null,
        r.totals.requiredMatch,
        r.totals.shortfall,
        `${r.totals.compliantDistricts}/${r.totals.districts}`,
        null,
      ],
    ],
  };
  const soeMoney = {
    base: t('利润基数', 'Profit base'),
    expected: t(`应出资 ${r.rule.soeProfitPercent}%`, `Expected ${r.rule.soeProfitPercent}%`),
    actual: t('实际出资', 'Actual'),
    shortfall: t('缺口', 'Shortfall'),
  };
  const soe: ExportTable = {
    name: t('国企出资', 'SOE contributions'),
    columns: [t('年度', 'Year'), t('国有企业', 'SOE'), soeMoney.base, soeMoney.expected, soeMoney.actual, soeMoney.shortfall, t('是否达标', 'Compliant')],
    moneyColumns: [soeMoney.base, soeMoney.expected, soeMoney.actual, soeMoney.shortfall],
    rows: r.soe.map((s) => [r.year, s.name, s.profitBase, s.expected, s.actual, s.shortfall, yesNo(s.compliant)]),
  };
  return [districts, soe];
}

const titleOf = (r: ComplianceReport, lang: Lang) =>
  lang === 'en' ? `Matching-fund compliance ${r.year}` : `${r.year} 年度财政配套资金合规情况`;

/** As CSV (RFC 4180, CRLF, UTF-8 with BOM so Excel reads Chinese): the title, then each table under its name. */
export function complianceCsv(r: ComplianceReport, lang: Lang = 'zh-CN'): Buffer {
  return tablesToCsv(complianceTables(r, lang), { title: titleOf(r, lang) });
}

/** As an XLSX workbook: a sheet per table, frozen headers and filters, number cells. */
export function complianceXlsx(r: ComplianceReport, lang: Lang = 'zh-CN'): Promise<Buffer> {
  return tablesToXlsx(complianceTables(r, lang), { columnWidth: 16, freezeHeader: true, title: titleOf(r, lang) });
}
