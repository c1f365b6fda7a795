import {
  CSV_CONTENT_TYPE,
  RequestContext,
  tablesToCsv,
  tablesToXlsx,
  XLSX_CONTENT_TYPE,
  type ExportCell,
  type ExportFile,
  type ExportTable,
} from '#libs/common';

/** A report section: a named table of already formatted cells (money as yuan strings, never computed here). */
export type ReportTable = ExportTable;
export type { ExportFile };

/** Chinese headers of the report columns, by the column's key (the English header on request). */
const HEADERS: Record<string, string> = {
  id: '编号',
  name: '名称',
  district: '区县',
  village: '村',
  entity: '经营主体',
  businessType: '经营类型',
  status: '状态',
  liquidationThreshold: '清算阈值',
  alertMargin: '预警区间',
  classKind: '股份类别',
  amount: '金额',
  year: '年度',
  revenue: '营业收入',
  netProfit: '净利润',
  netAssets: '净资产',
  threshold: '阈值',
  alertLine: '预警线',
  headroom: '距阈值',
  assessment: '评估',
  recordDate: '股权登记日',
  paidOn: '支付日期',
  distributable: '可分配收益',
  entitled: '应分配',
  specialClasses: '专项股份',
  otherClasses: '其他股份',
  paidToDate: '已支付',
  outstanding: '未支付',
  households: '受益户数',
  people: '受益人数',
  dividendsEntitled: '应分红',
  dividendsPaid: '已分红',
  operatorOwes: '经营方应付',
  householdsBenefited: '受益户数',
  peopleBenefited: '受益人数',
  specialFund: '专项资金',
  capital: '股本',
  latestYear: '最近年度',
  latestNetAssets: '最近净资产',
  projectsReporting: '报送项目数',
  projectId: '项目编号',
  districtId: '区县编号',
  code: '代码',
  projects: '项目数',
  flaggedForLiquidation: '须清算项目数',
};

const SHEETS: Record<string, string> = {
  Project: '项目',
  Capital: '股本构成',
  'Net assets vs threshold': '净资产与清算阈值',
  'Dividends by year': '历年分红',
  Totals: '合计',
  Projects: '项目',
  'By year': '按年度',
  Districts: '区县',
};

/** Codes shown as their Chinese labels. */
const LABELS: Record<string, Record<string, string>> = {
  status: {
    DRAFT: '草稿',
    INJECTED: '已注资',
    ACTIVE: '运营中',
    LIQUIDATION_REQUIRED: '须清算',
    LIQUIDATED: '已清算',
  },
  assessment: { OK: '正常', NEAR_THRESHOLD: '接近阈值', LIQUIDATION_REQUIRED: '须清算' },
  classKind: {
    SPECIAL_COLLECTIVE: '专项资金（村集体）',
    SPECIAL_HOUSEHOLDS: '专项资金（贫困户）',
    COLLECTIVE_ASSETS: '村集体资产',
    FARMER_ASSETS: '农户资产',
    PRIVATE_CAPITAL: '社会资本',
    TOTAL: '合计',
  },
};

/**
 * The tables in the reader's language: Chinese headers "中文 (key)" and codes as their Chinese labels, unless the
 * request asked for English (Accept-Language en), which keeps the keys and codes as the API speaks them.
 */
export function localizeTables(tables: ReportTable[], lang: 'en' | 'zh-CN'): ReportTable[] {
  if (lang === 'en') return tables;
  const header = (c: string) => (HEADERS[c] ? `${HEADERS[c]} (${c})` : c);
  return tables.map((t) => ({
    ...t,
    name: SHEETS[t.name] ? `${SHEETS[t.name]} (${t.name})` : t.name,
    columns: t.columns.map(header),
    moneyColumns: t.moneyColumns?.map(header),
    numberColumns: t.numberColumns?.map(header),
    rows: t.rows.map((r) =>
      r.map((v: ExportCell, i) => (typeof v === 'string' && LABELS[t.columns[i]]?.[v]) || v),
    ),
  }));
}

/** Sections one after another, each with its name and header, separated by a blank line (RFC 4180 cells, CRLF). */
export function toCsv(tables: ReportTable[]): Buffer {
  return tablesToCsv(tables);
}

/** One worksheet per section, header frozen and filtered. */
export function toXlsx(tables: ReportTable[]): Promise<Buffer> {
  return tablesToXlsx(tables, { columnWidth: 18, freezeHeader: true });
}

/** Chinese by default (a fund office's spreadsheet); English when the request's Accept-Language asked for it. */
export async function render(
  tables: ReportTable[],
  format: 'csv' | 'xlsx',
  basename: string,
): Promise<ExportFile> {
  const localized = localizeTables(tables, RequestContext.exportLang());
  if (format === 'csv') {
    return { contentType: CSV_CONTENT_TYPE, filename: `${basename}.csv`, body: toCsv(localized) };
  }
  return { contentType: XLSX_CONTENT_TYPE, filename: `${basename}.xlsx`, body: await toXlsx(localized) };
}
