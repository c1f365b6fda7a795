import { formatYuan, parseDecimal, pow10, type Fen } from '#libs/money';
import type { DistrictReportRow, MonthlyReportData } from './report.js';
import { fraction, percentText, ratioText } from './ratios.js';

/**
 * The invariants a monthly report must satisfy at its month end (issue 15), checked from the report alone:
 * - FUND_CASH_NEGATIVE: a mutual-aid fund's cash (or a risk fund's balance) below zero;
 * - NPL_EXCEEDS_COVERED / PAR30_EXCEEDS_OUTSTANDING: more non-performing (at risk) than outstanding;
 * - CAPACITY_MISMATCH: capacity left ≠ multiple × (balance − the fund money backing the covered outstanding), i.e.
 *   multiple × balance − exposure when every agreement of the district has the same multiple. Each loan's backing is
 *   ⌈outstanding / multiple⌉ (rounded up per loan) and capacity is rounded down, so the reported capacity is never
 *   above ⌊multiple × (balance − Σ exposure ÷ its multiple)⌋, and, given the context (how many covered loans and how
 *   much backing is reserved for loans not yet paid out), never below ⌊multiple × (that − reserved − 1 fen per loan)⌋;
 * - TOTAL_MISMATCH: a total (the report's totals, a district's bank rows or mutual-aid funds) ≠ the sum of its rows;
 * - RATIO_MISMATCH: a leverage, NPL or utilisation ratio ≠ its numerator ÷ denominator at the report's rounding.
 * For an unscoped report (a bank's scoped view has no totals). Pure: the store-level check (every figure = the
 * ledger's balance at the month end) is ReportLedgerCheckStore (store/ledger-check.store.ts), which also gives the
 * capacity check its context.
 */
export type InvariantRule =
  | 'FUND_CASH_NEGATIVE'
  | 'NPL_EXCEEDS_COVERED'
  | 'PAR30_EXCEEDS_OUTSTANDING'
  | 'CAPACITY_MISMATCH'
  | 'TOTAL_MISMATCH'
  | 'RATIO_MISMATCH'
  | 'LEDGER_MISMATCH';

export interface InvariantViolation {
  rule: InvariantRule;
  /** Where in the report: `totals`, `district 370302`, `bank ZBRCB in 370302`, `fund 12`. */
  where: string;
  /** The figure concerned (the report's field name). */
  field: string;
  message: string;
}

/** Per district: what the capacity's lower bound allows for (from the loan book and the ledger). */
export interface CapacityContext {
  /** Covered loans whose backing was rounded up (each by less than 1 fen of fund money). */
  coveredLoans: number;
  /** Fund money reserved for covered loans not yet paid out (COVER:PENDING), in fen. */
  pendingCoverFen: Fen;
}

export interface InvariantContext {
  /** By district id; a district without context is checked against the upper bound only. */
  capacity?: ReadonlyMap<string, CapacityContext>;
}

/** A yuan string of the report ("-8000.00") as fen. */
const fen = (yuanText: string): Fen => {
  const d = parseDecimal(yuanText);
  if (!d || d.scale > 2) throw new RangeError(`not a yuan amount: ${yuanText}`);
  return d.units * pow10(2 - d.scale);
};
/** A positive decimal multiple ("10", "8.5") as num/den. */
const multipleOf = (text: string): { num: bigint; den: bigint } => {
  const d = parseDecimal(text);
  if (!d || d.units <= 0n) throw new RangeError(`not a positive multiple: ${text}`);
  return { num: d.units, den: pow10(d.scale) };
};
const sum = (xs: Fen[]): Fen => xs.reduce((a, b) => a + b, 0n);
const floorDiv = (a: bigint, b: bigint): bigint => {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
};

/**
 * ⌊multiple × (balance − Σ exposure_b ÷ multiple_b − extraFen)⌋, at least 0: the capacity a fund money balance leaves
 * at `multiple` once the backing of every bank's exposure (at that bank's multiple) and `extraFen` are taken out.
 */
function capacityBound(
  multiple: { num: bigint; den: bigint },
  balanceFen: Fen,
  exposures: { fen: Fen; multiple: { num: bigint; den: bigint } }[],
  extraFen: Fen,
): Fen {
  // X = balance − extra − Σ e·den_b/num_b, over the common denominator D = Π num_b
  const D = exposures.reduce((d, e) => d * e.multiple.num, 1n);
  let N = (balanceFen - extraFen) * D;
  for (const e of exposures) N -= (e.fen * e.multiple.den * D) / e.multiple.num; // exact: num_b divides D
  if (N <= 0n) return 0n;
  return floorDiv(multiple.num * N, multiple.den * D);
}

export function checkReportInvariants(
  data: MonthlyReportData,
  context: InvariantContext = {},
): InvariantViolation[] {
  const out: InvariantViolation[] = [];
  const add = (rule: InvariantRule, where: string, field: string, message: string) =>
    out.push({ rule, where, field, message });
  const eqTotal = (where: string, field: string, reported: Fen, rows: Fen[], what: string) => {
    const s = sum(rows);
    if (reported !== s)
      add(
        'TOTAL_MISMATCH',
        where,
        field,
        `${field} ${formatYuan(reported)} ≠ ${formatYuan(s)}, the sum of ${what}`,
      );
  };
  const eqCount = (where: string, field: string, reported: number, rows: number[], what: string) => {
    const s = rows.reduce((a, b) => a + b, 0);
    if (reported !== s)
      add('TOTAL_MISMATCH', where, field, `${field} ${reported} ≠ ${s}, the sum of ${what}`);
  };
  const eqRatio = (
    where: string,
    field: string,
    reported: string | null,
    expected: string | null,
    what: string,
  ) => {
    if (reported !== expected)
      add('RATIO_MISMATCH', where, field, `${field} ${reported ?? 'null'} ≠ ${expected ?? 'null'} (${what})`);
  };
  const ratio = (num: Fen, den: Fen) => ratioText(fraction(num, den));
  const percent = (num: Fen, den: Fen) => percentText(fraction(num, den));

  for (const f of data.funds) {
    const where = `fund ${f.fundId}`;
    const cash = fen(f.cash);
    const outstanding = fen(f.outstanding);
    const par30 = fen(f.par30Principal);
    if (cash < 0n) add('FUND_CASH_NEGATIVE', where, 'cash', `cash ${f.cash} is below zero`);
    if (par30 > outstanding)
      add(
        'PAR30_EXCEEDS_OUTSTANDING',
        where,
        'par30Principal',
        `PAR30 ${f.par30Principal} exceeds outstanding ${f.outstanding}`,
      );
    eqRatio(
      where,
      'utilisationPercent',
      f.utilisationPercent,
      percent(outstanding, fen(f.capital)),
      'outstanding ÷ capital',
    );
    eqRatio(where, 'par30Percent', f.par30Percent, percent(par30, outstanding), 'PAR30 ÷ outstanding');
  }

  const byDistrict = new Map<string, DistrictReportRow>(data.districts.map((d) => [d.districtId, d]));
  for (const d of data.districts) {
    const where = `district ${d.districtCode}`;
    const balance = fen(d.fundBalance);
    const covered = fen(d.coveredOutstanding);
    const npl = fen(d.nplPrincipal);
    if (balance < 0n)
      add('FUND_CASH_NEGATIVE', where, 'fundBalance', `risk fund balance ${d.fundBalance} is below zero`);
    if (npl > covered)
      add(
        'NPL_EXCEEDS_COVERED',
        where,
        'nplPrincipal',
        `NPL ${d.nplPrincipal} exceeds covered outstanding ${d.coveredOutstanding}`,
      );
    eqRatio(
      where,
      'leverageRatio',
      d.leverageRatio,
      ratio(covered, balance),
      'covered outstanding ÷ fund balance',
    );
    eqRatio(where, 'nplRatioPercent', d.nplRatioPercent, percent(npl, covered), 'NPL ÷ covered outstanding');

    const banks = data.banks.filter((b) => b.districtId === d.districtId);
    const funds = data.funds.filter((f) => f.districtId === d.districtId);
    const of = 'its bank rows';
    eqTotal(
      where,
      'coveredOutstanding',
      covered,
      banks.map((b) => fen(b.coveredOutstanding)),
      of,
    );
    eqTotal(
      where,
      'nplPrincipal',
      npl,
      banks.map((b) => fen(b.nplPrincipal)),
      of,
    );
    eqTotal(
      where,
      'newCoveredAmount',
      fen(d.newCoveredAmount),
      banks.map((b) => fen(b.newCoveredAmount)),
      of,
    );
    eqCount(
      where,
      'newCoveredLoans',
      d.newCoveredLoans,
      banks.map((b) => b.newCoveredLoans),
      of,
    );
    eqTotal(
      where,
      'compensationPaid',
      fen(d.compensationPaid),
      banks.map((b) => fen(b.compensationPaid)),
      of,
    );
    eqTotal(
      where,
      'recoveries',
      fen(d.recoveries),
      banks.map((b) => fen(b.recoveries)),
      of,
    );
    eqTotal(
      where,
      'mutualAidCapital',
      fen(d.mutualAidCapital),
      funds.map((f) => fen(f.capital)),
      'its mutual-aid funds',
    );
    eqTotal(
      where,
      'mutualAidOutstanding',
      fen(d.mutualAidOutstanding),
      funds.map((f) => fen(f.outstanding)),
      'its mutual-aid funds',
    );
    // subsidy paid to village funds counts for the district but for no bank: the banks add up to at most the district
    const bankSubsidy = sum(banks.map((b) => fen(b.subsidyPaid)));
    if (bankSubsidy > fen(d.subsidyPaid))
      add(
        'TOTAL_MISMATCH',
        where,
        'subsidyPaid',
        `its banks were paid ${formatYuan(bankSubsidy)} of subsidy, more than the district's ${d.subsidyPaid}`,
      );

    // capacity: the district at its cap, each bank at its own multiple, all from the one pool of fund money
    const exposures = banks.map((b) => ({
      fen: fen(b.coveredOutstanding),
      multiple: multipleOf(b.leverageCap),
    }));
    const ctx = context.capacity?.get(d.districtId);
    const checkCapacity = (w: string, reportedText: string, multipleText: string, bankBalance: Fen) => {
      const reported = fen(reportedText);
      const m = multipleOf(multipleText);
      const upper = capacityBound(m, bankBalance, exposures, 0n);
      const lower = ctx
        ? capacityBound(m, bankBalance, exposures, ctx.pendingCoverFen + BigInt(ctx.coveredLoans))
        : 0n;
      if (reported < 0n || reported > upper || reported < lower) {
        add(
          'CAPACITY_MISMATCH',
          w,
          'capacityLeft',
          `capacity left ${reportedText} at multiple ${multipleText} is outside [${formatYuan(lower)}, ${formatYuan(upper)}]: multiple × (balance ${formatYuan(bankBalance)} − backing of the covered outstanding${ctx ? `, less ${ctx.coveredLoans} loans' rounding and ${formatYuan(ctx.pendingCoverFen)} reserved` : ''})`,
        );
      }
    };
    checkCapacity(where, d.capacityLeft, d.leverageCap, balance);
    for (const b of banks) {
      const w = `bank ${b.bankCode} in ${d.districtCode}`;
      const bBalance = fen(b.fundBalance);
      const bCovered = fen(b.coveredOutstanding);
      const bNpl = fen(b.nplPrincipal);
      if (bBalance !== balance)
        add(
          'TOTAL_MISMATCH',
          w,
          'fundBalance',
          `fund balance ${b.fundBalance} ≠ the district's ${d.fundBalance}`,
        );
      if (bNpl > bCovered)
        add(
          'NPL_EXCEEDS_COVERED',
          w,
          'nplPrincipal',
          `NPL ${b.nplPrincipal} exceeds covered outstanding ${b.coveredOutstanding}`,
        );
      eqRatio(
        w,
        'leverageRatio',
        b.leverageRatio,
        ratio(bCovered, bBalance),
        'covered outstanding ÷ fund balance',
      );
      eqRatio(w, 'nplRatioPercent', b.nplRatioPercent, percent(bNpl, bCovered), 'NPL ÷ covered outstanding');
      checkCapacity(w, b.capacityLeft, b.leverageCap, bBalance);
    }
  }
  for (const b of data.banks)
    if (!byDistrict.has(b.districtId))
      add(
        'TOTAL_MISMATCH',
        `bank ${b.bankCode}`,
        'districtId',
        `bank row of district ${b.districtCode}, which has no district row`,
      );
  for (const f of data.funds)
    if (!byDistrict.has(f.districtId))
      add(
        'TOTAL_MISMATCH',
        `fund ${f.fundId}`,
        'districtId',
        `fund of district ${f.districtId}, which has no district row`,
      );

  const t = data.totals;
  const rows = (pick: (r: DistrictReportRow) => string) => data.districts.map((r) => fen(pick(r)));
  const of = 'the district rows';
  eqTotal(
    'totals',
    'fundBalance',
    fen(t.fundBalance),
    rows((r) => r.fundBalance),
    of,
  );
  eqTotal(
    'totals',
    'coveredOutstanding',
    fen(t.coveredOutstanding),
    rows((r) => r.coveredOutstanding),
    of,
  );
  eqCount(
    'totals',
    'newCoveredLoans',
    t.newCoveredLoans,
    data.districts.map((r) => r.newCoveredLoans),
    of,
  );
  eqTotal(
    'totals',
    'newCoveredAmount',
    fen(t.newCoveredAmount),
    rows((r) => r.newCoveredAmount),
    of,
  );
  eqTotal(
    'totals',
    'nplPrincipal',
    fen(t.nplPrincipal),
    rows((r) => r.nplPrincipal),
    of,
  );
  eqTotal(
    'totals',
    'compensationPaid',
    fen(t.compensationPaid),
    rows((r) => r.compensationPaid),
    of,
  );
  eqTotal(
    'totals',
    'recoveries',
    fen(t.recoveries),
    rows((r) => r.recoveries),
    of,
  );
  eqTotal(
    'totals',
    'subsidyPaid',
    fen(t.subsidyPaid),
    rows((r) => r.subsidyPaid),
    of,
  );
  eqTotal(
    'totals',
    'mutualAidCapital',
    fen(t.mutualAidCapital),
    rows((r) => r.mutualAidCapital),
    of,
  );
  eqTotal(
    'totals',
    'mutualAidOutstanding',
    fen(t.mutualAidOutstanding),
    rows((r) => r.mutualAidOutstanding),
    of,
  );
  if (fen(t.nplPrincipal) > fen(t.coveredOutstanding))
    add(
      'NPL_EXCEEDS_COVERED',
      'totals',
      'nplPrincipal',
      `NPL ${t.nplPrincipal} exceeds covered outstanding ${t.coveredOutstanding}`,
    );
  eqRatio(
    'totals',
    'leverageRatio',
    t.leverageRatio,
    ratio(fen(t.coveredOutstanding), fen(t.fundBalance)),
    'covered outstanding ÷ fund balance',
  );
  eqRatio(
    'totals',
    'nplRatioPercent',
    t.nplRatioPercent,
    percent(fen(t.nplPrincipal), fen(t.coveredOutstanding)),
    'NPL ÷ covered outstanding',
  );
  return out;
}

/** Ledger balances read independently of the report's own SQL, signed on each account's normal side. */
export interface LedgerBalances {
  /** Balance at the month end, by account code (an account without postings by then is absent: 0). */
  atEnd: ReadonlyMap<string, Fen>;
  /** Balance at the day before the month began, for the month's flows. */
  beforeStart: ReadonlyMap<string, Fen>;
}

/**
 * Every figure of the report that is an account balance (or a month's movement on an account) against the ledger:
 * a fund's cash, loans outstanding and capital (every MAF:<id>:CAPITAL:* account), a risk fund's balance, each bank's
 * covered outstanding (its agreement's EXPOSURE:OUTSTANDING), the compensation paid and recoveries of the month, and
 * capacity left = ⌊multiple × COVER:AVAILABLE⌋ from the ledger's available fund money.
 */
export function checkReportAgainstLedger(
  data: MonthlyReportData,
  ledger: LedgerBalances,
): InvariantViolation[] {
  const out: InvariantViolation[] = [];
  const at = (code: string) => ledger.atEnd.get(code) ?? 0n;
  const flow = (code: string) => at(code) - (ledger.beforeStart.get(code) ?? 0n);
  const cmp = (where: string, field: string, reported: string, expected: Fen, account: string) => {
    if (fen(reported) !== expected)
      out.push({
        rule: 'LEDGER_MISMATCH',
        where,
        field,
        message: `${field} ${reported} ≠ ${formatYuan(expected)}, the ledger's ${account} at ${data.periodEnd}`,
      });
  };
  for (const f of data.funds) {
    const p = `MAF:${f.fundId}:`;
    const capital = sum(
      [...ledger.atEnd].filter(([code]) => code.startsWith(`${p}CAPITAL:`)).map(([, v]) => v),
    );
    cmp(`fund ${f.fundId}`, 'cash', f.cash, at(`${p}CASH`), `${p}CASH`);
    cmp(`fund ${f.fundId}`, 'outstanding', f.outstanding, at(`${p}LOANS`), `${p}LOANS`);
    cmp(`fund ${f.fundId}`, 'capital', f.capital, capital, `${p}CAPITAL:*`);
  }
  for (const d of data.districts) {
    const where = `district ${d.districtCode}`;
    const rf = d.riskFundId;
    cmp(where, 'fundBalance', d.fundBalance, rf ? at(`RF:${rf}:BALANCE`) : 0n, `RF:${rf}:BALANCE`);
    cmp(
      where,
      'compensationPaid',
      d.compensationPaid,
      rf ? flow(`RF:${rf}:COMPENSATION_EXPENSE`) : 0n,
      `movement of RF:${rf}:COMPENSATION_EXPENSE in the month`,
    );
    cmp(
      where,
      'recoveries',
      d.recoveries,
      rf ? flow(`RF:${rf}:RECOVERY_INCOME`) : 0n,
      `movement of RF:${rf}:RECOVERY_INCOME in the month`,
    );
    const available = rf ? at(`RF:${rf}:COVER:AVAILABLE`) : 0n;
    const capacityAt = (multipleText: string) => {
      const m = multipleOf(multipleText);
      return available > 0n ? (available * m.num) / m.den : 0n;
    };
    cmp(
      where,
      'capacityLeft',
      d.capacityLeft,
      capacityAt(d.leverageCap),
      `⌊${d.leverageCap} × RF:${rf}:COVER:AVAILABLE⌋`,
    );
    for (const b of data.banks.filter((x) => x.districtId === d.districtId)) {
      const w = `bank ${b.bankCode} in ${d.districtCode}`;
      cmp(
        w,
        'coveredOutstanding',
        b.coveredOutstanding,
        at(`GA:${b.agreementId}:EXPOSURE:OUTSTANDING`),
        `GA:${b.agreementId}:EXPOSURE:OUTSTANDING`,
      );
      cmp(
        w,
        'capacityLeft',
        b.capacityLeft,
        capacityAt(b.leverageCap),
        `⌊${b.leverageCap} × RF:${rf}:COVER:AVAILABLE⌋`,
      );
    }
  }
  return out;
}
