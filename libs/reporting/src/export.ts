import { tablesToCsv, tablesToXlsx } from '#libs/common';
import type { MonthlyReportData } from './domain/report.js';

type Cell = string | number | boolean | null;

/** One section of the report as a table of already formatted cells (nothing is computed here). */
export interface ReportTable {
  /** Sheet name (Chinese with English in brackets). */
  name: string;
  columns: string[];
  /** Indexes of columns holding yuan strings: XLSX number cells so a spreadsheet can sum them. */
  money: number[];
  /** Indexes of ratio, percent, cap and score columns: XLSX number cells with the values' fixed decimals. */
  numbers?: number[];
  rows: Cell[][];
}

const yes = (b: boolean) => (b ? '是 (yes)' : '否 (no)');

/** The report's sections: districts, banks, village funds, ranking. Headers are Chinese with English in brackets. */
export function reportTables(r: MonthlyReportData): ReportTable[] {
  const districts: ReportTable = {
    name: '区县 (Districts)',
    columns: [
      '区县代码 (District code)', '区县 (District)', '脱贫任务重 (Heavy-task)', '风险补偿金余额 (Fund balance)', '最低要求 (Required minimum)',
      '缺口 (Shortfall)', '低于最低 (Below minimum)', '担保贷款余额 (Covered outstanding)', '放大倍数 (Leverage ratio)', '倍数上限 (Leverage cap)',
      '杠杆使用率% (Leverage use %)', '剩余额度 (Capacity left)', '新增笔数 (New covered loans)', '新增金额 (New covered amount)',
      '不良本金 (NPL principal)', '不良率% (NPL ratio %)', '代偿支出 (Compensation paid)', '追偿收回 (Recoveries)', '贴息支付 (Subsidy paid)',
      '还款率% (Repayment rate %)', '互助资金本金 (Mutual-aid capital)', '互助借款余额 (Mutual-aid outstanding)', '使用率% (Utilisation %)',
      '市级拨付 (City allocation)', '区县配套 (District match)', '要求比例 (Required ratio)', '应配套 (Required match)', '配套缺口 (Matching shortfall)',
      '配套达标 (Matching compliant)',
    ],
    money: [3, 4, 5, 7, 11, 13, 14, 16, 17, 18, 20, 21, 23, 24, 26, 27],
    numbers: [8, 9, 10, 15, 19, 22, 25],
    rows: r.districts.map((d) => [
      d.districtCode, d.districtName, yes(d.heavyTask), d.fundBalance, d.requiredMinimum, d.minimumShortfall, yes(d.belowMinimum),
      d.coveredOutstanding, d.leverageRatio, d.leverageCap, d.leverageUsePercent, d.capacityLeft, d.newCoveredLoans, d.newCoveredAmount,
      d.nplPrincipal, d.nplRatioPercent, d.compensationPaid, d.recoveries, d.subsidyPaid, d.repaymentRatePercent, d.mutualAidCapital,
      d.mutualAidOutstanding, d.utilisationPercent, d.matching.cityAllocation, d.matching.districtMatch, d.matching.requiredRatio,
      d.matching.requiredMatch, d.matching.shortfall, yes(d.matching.compliant),
    ]),
  };
  const banks: ReportTable = {
    name: '合作银行 (Banks)',
    columns: [
      '区县代码 (District code)', '区县 (District)', '银行代码 (Bank code)', '银行 (Bank)', '协议号 (Agreement no)', '风险补偿金余额 (Fund balance)',
      '担保贷款余额 (Covered outstanding)', '放大倍数 (Leverage ratio)', '倍数上限 (Leverage cap)', '杠杆使用率% (Leverage use %)', '剩余额度 (Capacity left)',
      '新增笔数 (New covered loans)', '新增金额 (New covered amount)', '不良本金 (NPL principal)', '不良率% (NPL ratio %)', '代偿支出 (Compensation paid)',
      '追偿收回 (Recoveries)', '贴息支付 (Subsidy paid)', '还款率% (Repayment rate %)',
    ],
    money: [5, 6, 10, 12, 13, 15, 16, 17],
    numbers: [7, 8, 9, 14, 18],
    rows: r.banks.map((b) => [
      b.districtCode, b.districtName, b.bankCode, b.bankName, b.agreementNo, b.fundBalance, b.coveredOutstanding, b.leverageRatio, b.leverageCap,
      b.leverageUsePercent, b.capacityLeft, b.newCoveredLoans, b.newCoveredAmount, b.nplPrincipal, b.nplRatioPercent, b.compensationPaid,
      b.recoveries, b.subsidyPaid, b.repaymentRatePercent,
    ]),
  };
  const funds: ReportTable = {
    name: '村级互助资金 (Village funds)',
    columns: [
      '资金编号 (Fund id)', '互助资金 (Fund)', '村 (Village)', '本金 (Capital)', '借款余额 (Outstanding)', '现金 (Cash)', '使用率% (Utilisation %)',
      '逾期30天以上本金 (PAR30 principal)', 'PAR30% (PAR30 %)', '还款率% (Repayment rate %)', '服务农户 (Households served)',
      '其中贫困户 (Poor households served)',
    ],
    money: [3, 4, 5, 7],
    numbers: [6, 8, 9],
    rows: r.funds.map((f) => [
      f.fundId, f.fundName, f.villageName, f.capital, f.outstanding, f.cash, f.utilisationPercent, f.par30Principal, f.par30Percent,
      f.repaymentRatePercent, f.householdsServed, f.poorHouseholdsServed,
    ]),
  };
  const ranking: ReportTable = {
    name: '月排名 (Ranking)',
    columns: [
      '名次 (Rank)', '区县代码 (District code)', '区县 (District)', '综合得分 (Score)', '还款率分 (Repayment component)', '不良率分 (NPL component)',
      '使用率分 (Utilisation component)', '杠杆分 (Leverage component)', '上月名次 (Previous rank)', '名次变化 (Rank change)', '得分变化 (Score change)',
    ],
    money: [],
    numbers: [3, 4, 5, 6, 7, 10],
    rows: r.ranking.map((k) => [
      k.rank, k.districtCode, k.districtName, k.score, k.components.repaymentRate, k.components.npl, k.components.utilisation,
      k.components.leverageUse, k.previousRank, k.rankChange, k.scoreChange,
    ]),
  };
  return [districts, banks, funds, ranking];
}

/**
 * RFC 4180 with CRLF and a UTF-8 BOM (so Excel reads Chinese): each section is its name on a line of its own, its
 * header and rows, and an empty line between sections.
 */
export function reportCsv(r: MonthlyReportData, version?: number): Buffer {
  return tablesToCsv(reportTables(r), { title: `月度放大倍数报告 (Monthly leverage-ratio report) ${r.month}`, meta: { asOfDate: r.periodEnd, version } });
}

/**
 * One sheet per section after an About sheet (title, as-of date, version); money columns as number cells with a
 * #,##0.00 format, ratios, percents, caps and scores as number cells with their fixed decimals, filters on every header.
 */
export async function reportXlsx(r: MonthlyReportData, version?: number): Promise<Buffer> {
  const tables = reportTables(r).map((t) => ({
    ...t,
    moneyColumns: t.money.map((i) => t.columns[i]),
    numberColumns: (t.numbers ?? []).map((i) => t.columns[i]),
  }));
  return tablesToXlsx(tables, {
    columnWidth: 18,
    freezeHeader: true,
    title: `月度放大倍数报告 (Monthly leverage-ratio report) ${r.month}`,
    meta: { asOfDate: r.periodEnd, version },
  });
}
