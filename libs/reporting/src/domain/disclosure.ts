/**
 * Public disclosure (阳光扶贫): the content of a noticeboard posting and its renderings. Pure: the figures come in
 * already formatted (yuan strings), nothing here reads a clock or a database.
 *
 * What is public and what never is: a borrower is shown by a masked name only (张*明; an enterprise or cooperative
 * by its registered name), never by ID number, phone, household id or address; loans by their loan number, amount,
 * term, purpose and dates; funds, distributions and subsidy as totals; an asset-income dividend run by its totals
 * and each household's amount under its masked head's name.
 */

export type DisclosureScope = 'VILLAGE' | 'DISTRICT';

export interface NoticeLine {
  loanNo: string;
  village: string;
  borrower: string;
  principal: string;
  termMonths: number;
  purpose: string;
  /** the last day an objection may be raised (the end of the public notice) */
  objectionDeadline: string | null;
}

export interface DisbursedLine {
  loanNo: string;
  village: string;
  borrower: string;
  channel: string;
  principal: string;
  termMonths: number;
  disbursedOn: string;
  status: string;
}

export interface FeeDistributionLine {
  fund: string;
  year: number;
  distributable: string;
  capital: string;
  riskReserve: string;
  publicWelfare: string;
  administration: string;
  dividends: string;
}

export interface FundLine {
  fund: string;
  village: string;
  capital: string;
  loansOutstanding: string;
  cash: string;
  /** loans outstanding ÷ capital, in percent with 2 decimals; null without capital */
  utilisationPercent: string | null;
}

export interface SubsidyLine {
  year: number;
  loans: number;
  paid: string;
}

/** One household's dividend of a run: the head's name masked, the amount it was entitled to and was paid. */
export interface DividendHouseholdLine {
  household: string;
  entitled: string;
  paid: string;
}

/** An asset-income dividend (distribution) run paid in the posting's period (the year up to its date). */
export interface DividendRunLine {
  village: string;
  project: string;
  /** the business year the dividends are of */
  year: number;
  recordDate: string;
  paidOn: string;
  /** paid out to every holder (the collective, the households, the other classes) */
  distributed: string;
  /** of which to households */
  toHouseholds: string;
  householdsBenefited: number;
  peopleBenefited: number;
  households: DividendHouseholdLine[];
}

export interface DisclosureContent {
  scope: DisclosureScope;
  code: string;
  name: string;
  district: string;
  asOf: string;
  notices: NoticeLine[];
  disbursed: DisbursedLine[];
  feeDistributions: FeeDistributionLine[];
  funds: FundLine[];
  subsidy: SubsidyLine[];
  /** absent from postings published before dividends were disclosed */
  dividends?: DividendRunLine[];
}

/**
 * A person's name as a noticeboard shows it: the first and last character kept, the middle masked (张三明 → 张*明,
 * 欧阳小明 → 欧**明); a two-character name keeps its first (张三 → 张*); one character becomes *.
 */
export function maskName(name: string): string {
  const chars = [...name.trim()];
  if (chars.length <= 1) return '*';
  if (chars.length === 2) return `${chars[0]}*`;
  return chars[0] + '*'.repeat(chars.length - 2) + chars[chars.length - 1];
}

/** A borrower as shown: a household head or family farm masked, an enterprise or cooperative by its name. */
export function publicBorrower(b: {
  householdName: string | null;
  entityName: string | null;
  entityKind: string | null;
}): string {
  if (b.householdName) return maskName(b.householdName);
  if (b.entityName) return b.entityKind === 'FAMILY_FARM' ? maskName(b.entityName) : b.entityName;
  return '*';
}

export const LOAN_STATUS_ZH: Record<string, string> = {
  DISBURSED: '已放款',
  CLOSED: '已结清',
  WRITTEN_OFF: '已核销',
  IN_PUBLIC_NOTICE: '公示中',
  APPROVED: '已审批',
};
export const CHANNEL_ZH: Record<string, string> = {
  MUTUAL_AID: '互助资金借款',
  BANK_COVERED: '银行担保贷款',
};

export interface DisclosureTable {
  name: string;
  columns: string[];
  moneyColumns: string[];
  numberColumns?: string[];
  rows: (string | number | null)[][];
}

/** The posting as tables (Chinese headers with English in brackets), for CSV and the HTML page alike. */
export function disclosureTables(c: DisclosureContent): DisclosureTable[] {
  const tables: DisclosureTable[] = [
    {
      name: '公示中的借款 (Loans under public notice)',
      columns: [
        '借款编号 (Loan no)',
        '村 (Village)',
        '借款人 (Borrower)',
        '金额 (Amount)',
        '期限(月) (Term, months)',
        '用途 (Purpose)',
        '异议截止日 (Objection deadline)',
      ],
      moneyColumns: ['金额 (Amount)'],
      rows: c.notices.map((n) => [
        n.loanNo,
        n.village,
        n.borrower,
        n.principal,
        n.termMonths,
        n.purpose,
        n.objectionDeadline,
      ]),
    },
    {
      name: '已发放借款 (Loans disbursed)',
      columns: [
        '借款编号 (Loan no)',
        '村 (Village)',
        '借款人 (Borrower)',
        '类别 (Channel)',
        '金额 (Amount)',
        '期限(月) (Term, months)',
        '放款日期 (Disbursed on)',
        '状态 (Status)',
      ],
      moneyColumns: ['金额 (Amount)'],
      rows: c.disbursed.map((d) => [
        d.loanNo,
        d.village,
        d.borrower,
        CHANNEL_ZH[d.channel] ?? d.channel,
        d.principal,
        d.termMonths,
        d.disbursedOn,
        LOAN_STATUS_ZH[d.status] ?? d.status,
      ]),
    },
    {
      name: '占用费分配 (Usage-fee distributions)',
      columns: [
        '互助资金 (Fund)',
        '年度 (Year)',
        '可分配 (Distributable)',
        '转增本金 (Capital)',
        '风险准备 (Risk reserve)',
        '公益金 (Public welfare)',
        '管理费 (Administration)',
        '社员分红 (Dividends)',
      ],
      moneyColumns: [
        '可分配 (Distributable)',
        '转增本金 (Capital)',
        '风险准备 (Risk reserve)',
        '公益金 (Public welfare)',
        '管理费 (Administration)',
        '社员分红 (Dividends)',
      ],
      rows: c.feeDistributions.map((f) => [
        f.fund,
        f.year,
        f.distributable,
        f.capital,
        f.riskReserve,
        f.publicWelfare,
        f.administration,
        f.dividends,
      ]),
    },
    {
      name: '互助资金规模及使用 (Fund capital and use)',
      columns: [
        '互助资金 (Fund)',
        '村 (Village)',
        '本金 (Capital)',
        '借款余额 (Loans outstanding)',
        '现金 (Cash)',
        '使用率% (Utilisation %)',
      ],
      moneyColumns: ['本金 (Capital)', '借款余额 (Loans outstanding)', '现金 (Cash)'],
      numberColumns: ['使用率% (Utilisation %)'],
      rows: c.funds.map((f) => [
        f.fund,
        f.village,
        f.capital,
        f.loansOutstanding,
        f.cash,
        f.utilisationPercent,
      ]),
    },
    {
      name: '贴息资金支付 (Interest subsidy paid)',
      columns: ['年度 (Year)', '贷款笔数 (Loans)', '支付金额 (Paid)'],
      moneyColumns: ['支付金额 (Paid)'],
      rows: c.subsidy.map((s) => [s.year, s.loans, s.paid]),
    },
  ];
  // a posting published before dividends were disclosed is shown as it was, without their tables
  const dividends = c.dividends;
  if (!dividends) return tables;
  return [
    ...tables,
    {
      name: '资产收益分红 (Asset-income dividends)',
      columns: [
        '村 (Village)',
        '项目 (Project)',
        '分红年度 (Year)',
        '股权登记日 (Record date)',
        '发放日期 (Paid on)',
        '分红总额 (Distributed)',
        '其中到户 (To households)',
        '受益户数 (Households)',
        '受益人数 (People)',
      ],
      moneyColumns: ['分红总额 (Distributed)', '其中到户 (To households)'],
      rows: dividends.map((d) => [
        d.village,
        d.project,
        d.year,
        d.recordDate,
        d.paidOn,
        d.distributed,
        d.toHouseholds,
        d.householdsBenefited,
        d.peopleBenefited,
      ]),
    },
    {
      name: '分红到户明细 (Dividends by household)',
      columns: [
        '村 (Village)',
        '项目 (Project)',
        '分红年度 (Year)',
        '发放日期 (Paid on)',
        '户主 (Household)',
        '应分金额 (Entitled)',
        '实发金额 (Paid)',
      ],
      moneyColumns: ['应分金额 (Entitled)', '实发金额 (Paid)'],
      rows: dividends.flatMap((d) =>
        d.households.map((h) => [d.village, d.project, d.year, d.paidOn, h.household, h.entitled, h.paid]),
      ),
    },
  ];
}

const esc = (v: unknown) =>
  String(v ?? '').replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!,
  );

/**
 * The printable notice page: plain HTML (no script), A4 with margins when printed, tables that repeat their header
 * on every printed page and never split a row, the objection deadline stated above the loans under notice.
 */
export function disclosureHtml(c: DisclosureContent, meta: { id: string; publishedAt: string }): string {
  const title = `${c.name}扶贫资金公示`;
  const deadline = c.notices
    .map((n) => n.objectionDeadline)
    .filter(Boolean)
    .sort()
    .at(-1);
  const sections = disclosureTables(c)
    .map((t) => {
      const head = t.columns.map((h) => `<th>${esc(h.replace(/ \(.*\)$/, ''))}</th>`).join('');
      const body = t.rows.length
        ? t.rows
            .map(
              (r) =>
                `<tr>${r.map((v, i) => `<td${t.moneyColumns.includes(t.columns[i]) ? ' class="num"' : ''}>${esc(v)}</td>`).join('')}</tr>`,
            )
            .join('\n')
        : `<tr><td colspan="${t.columns.length}" class="none">无</td></tr>`;
      return `<h2>${esc(t.name.replace(/ \(.*\)$/, ''))}</h2>\n<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
  body { font-family: "SimSun", "Songti SC", "Noto Serif CJK SC", serif; margin: 2em auto; max-width: 60em; color: #000; }
  h1 { text-align: center; font-size: 1.6em; margin-bottom: 0.2em; }
  .sub { text-align: center; margin: 0 0 1em; }
  h2 { font-size: 1.15em; border-left: 4px solid #b00; padding-left: 0.4em; margin-top: 1.4em; }
  table { width: 100%; border-collapse: collapse; font-size: 0.9em; }
  th, td { border: 1px solid #444; padding: 0.25em 0.4em; }
  th { background: #eee; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  td.none { text-align: center; color: #666; }
  .objection { border: 1px solid #b00; padding: 0.5em; margin: 1em 0; }
  footer { margin-top: 2em; font-size: 0.85em; }
  @page { size: A4; margin: 15mm 12mm; }
  @media print {
    body { margin: 0; max-width: none; font-size: 10.5pt; }
    thead { display: table-header-group; }
    tr { page-break-inside: avoid; break-inside: avoid; }
    h2 { page-break-after: avoid; break-after: avoid; }
    th { background: #eee !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  }
</style>
</head>
<body>
<h1>${esc(title)}</h1>
<p class="sub">${esc(c.district)} · 截至 ${esc(c.asOf)} · 公示编号 ${esc(meta.id)}</p>
${deadline ? `<p class="objection">以下借款正在公示。如有异议，请于 <strong>${esc(deadline)}</strong> 前向村民委员会或乡镇扶贫办反映。</p>` : ''}
${sections}
<footer>本公示于 ${esc(meta.publishedAt.slice(0, 10))} 发布，内容为发布时的快照，此后不作修改。姓名已按规定隐去部分字符，不公开身份证号码和联系电话。</footer>
</body>
</html>
`;
}
