import type { districtCompliance } from '#libs/funding';
import { formatYuan, parseDecimal, pow10, type Fen } from '#libs/money';
import type { RawFigures } from '../store/report.queries.js';
import { monthBounds } from './month.js';
import { rankDistricts, type RankedDistrict, type RankingInput } from './ranking.js';
import { fraction, percentText, ratioText, type Fraction } from './ratios.js';

/** Leverage multiple used for a district without an agreement (SPEC §2.2 default). */
export const DEFAULT_LEVERAGE_MULTIPLE = '10';

export interface MatchingView {
  year: number;
  cityAllocation: string;
  districtMatch: string;
  requiredRatio: string;
  actualRatio: string | null;
  requiredMatch: string;
  shortfall: string;
  compliant: boolean;
}

export interface DistrictReportRow {
  districtId: string;
  districtCode: string;
  districtName: string;
  heavyTask: boolean;
  riskFundId: string | null;
  fundBalance: string;
  requiredMinimum: string;
  minimumShortfall: string;
  belowMinimum: boolean;
  coveredOutstanding: string;
  /** covered outstanding ÷ fund balance (a multiple, 4 decimals); null without fund money. */
  leverageRatio: string | null;
  leverageCap: string;
  leverageUsePercent: string | null;
  capacityLeft: string;
  newCoveredLoans: number;
  newCoveredAmount: string;
  nplOverdueDays: number;
  nplPrincipal: string;
  nplRatioPercent: string | null;
  compensationPaid: string;
  recoveries: string;
  subsidyPaid: string;
  repaymentRatePercent: string | null;
  mutualAidCapital: string;
  mutualAidOutstanding: string;
  utilisationPercent: string | null;
  matching: MatchingView;
}

export interface BankReportRow {
  districtId: string;
  districtCode: string;
  districtName: string;
  bankId: string;
  bankCode: string;
  bankName: string;
  agreementId: string;
  agreementNo: string;
  fundBalance: string;
  coveredOutstanding: string;
  leverageRatio: string | null;
  leverageCap: string;
  leverageUsePercent: string | null;
  capacityLeft: string;
  newCoveredLoans: number;
  newCoveredAmount: string;
  nplPrincipal: string;
  nplRatioPercent: string | null;
  subsidyPaid: string;
  repaymentRatePercent: string | null;
  /** The fund's share of this bank's claims paid in the month, and the fund's part of their recoveries. */
  compensationPaid: string;
  recoveries: string;
}

export interface FundReportRow {
  fundId: string;
  fundName: string;
  villageId: string;
  villageName: string;
  districtId: string;
  capital: string;
  outstanding: string;
  cash: string;
  utilisationPercent: string | null;
  par30Principal: string;
  par30Percent: string | null;
  repaymentRatePercent: string | null;
  householdsServed: number;
  poorHouseholdsServed: number;
}

export interface MonthlyReportData {
  kind: 'MONTHLY';
  month: string;
  periodStart: string;
  periodEnd: string;
  districts: DistrictReportRow[];
  banks: BankReportRow[];
  funds: FundReportRow[];
  ranking: RankedDistrict[];
  totals: {
    fundBalance: string;
    coveredOutstanding: string;
    leverageRatio: string | null;
    newCoveredLoans: number;
    newCoveredAmount: string;
    nplPrincipal: string;
    nplRatioPercent: string | null;
    compensationPaid: string;
    recoveries: string;
    subsidyPaid: string;
    mutualAidCapital: string;
    mutualAidOutstanding: string;
  };
}

/** Assembled figures of one month before ranking (the ranking needs the previous month's inputs too). */
export interface MonthFigures {
  data: Omit<MonthlyReportData, 'ranking'>;
  rankingInputs: RankingInput[];
}

const dec = (text: string): Fraction => {
  const d = parseDecimal(text);
  if (!d || d.units < 0n) throw new RangeError(`not a non-negative decimal: ${text}`);
  return { num: d.units, den: pow10(d.scale) };
};
const trim = (s: string) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
const big = (s: string | null | undefined): Fen => (s ? BigInt(s) : 0n);
const sum = (xs: Fen[]): Fen => xs.reduce((a, b) => a + b, 0n);
const y = formatYuan;
const CAPITAL_PARTS = ['CENTRAL', 'CITY', 'DISTRICT', 'SOE', 'DONATION', 'MEMBER', 'ACCUMULATED'] as const;

/** ⌊multiple × available⌋: the covered principal a bank may still add (the guarantee library's capacity rule). */
const capacity = (multiple: Fraction, availableFen: Fen): Fen => (availableFen > 0n ? (multiple.num * availableFen) / multiple.den : 0n);

/** covered ÷ (cap × balance). */
const leverageUse = (covered: Fen, cap: Fraction, balance: Fen): Fraction | null => fraction(covered * cap.den, cap.num * balance);

/** Pure assembly of a month's rows from the raw SQL figures: all arithmetic in bigint, ratios exact. */
/**
 * The funding library's matching rule, passed in by the caller (domain/ imports no other library's values: their
 * index brings Nest and stores along).
 */
export interface MatchingRules {
  districtCompliance: typeof districtCompliance;
  /** the matching ratio when the year has no rule of its own */
  defaultMatchingRatio: string;
}

export function assembleMonth(month: string, raw: RawFigures, rules: MatchingRules): MonthFigures {
  const { start, end } = monthBounds(month);
  const year = Number(month.slice(0, 4));
  const acct = new Map(raw.accounts.map((a) => [a.code, a]));
  const endOf = (code: string): Fen => big(acct.get(code)?.end_fen);
  const flowOf = (code: string): Fen => big(acct.get(code)?.month_fen);

  const covered = new Map(raw.loans.filter((l) => l.kind === 'C').map((l) => [`${l.district_id}:${l.bank_id}`, l]));
  const mutual = new Map(raw.loans.filter((l) => l.kind === 'M').map((l) => [l.fund_id!, l]));
  const fresh = new Map(raw.newLoans.map((n) => [`${n.district_id}:${n.bank_id}`, n]));
  const compensated = new Map(raw.compensation.map((c) => [`${c.district_id}:${c.bank_id}`, c]));
  const subsidy = new Map<string, Fen>();
  for (const s of raw.subsidy) {
    const k = `${s.district_id}:${s.bank_id ?? '-'}`;
    subsidy.set(k, (subsidy.get(k) ?? 0n) + big(s.paid_fen));
  }
  const matching = new Map(raw.matching.map((x) => [x.district_id, x]));
  const ratio = raw.matchingRatio ? trim(raw.matchingRatio) : rules.defaultMatchingRatio;

  // capital as the lending cap measures it: every source plus accumulated capital (the funds library's rule)
  const fundFen = new Map<string, { capital: Fen; outstanding: Fen }>();
  const funds: FundReportRow[] = raw.funds.map((f) => {
    const p = `MAF:${f.fund_id}:`;
    const capital = sum(CAPITAL_PARTS.map((s) => endOf(`${p}CAPITAL:${s}`)));
    const outstanding = endOf(`${p}LOANS`);
    fundFen.set(f.fund_id, { capital, outstanding });
    const l = mutual.get(f.fund_id);
    return {
      fundId: f.fund_id,
      fundName: f.fund_name,
      villageId: f.village_id,
      villageName: f.village_name,
      districtId: f.district_id,
      capital: y(capital),
      outstanding: y(outstanding),
      cash: y(endOf(`${p}CASH`)),
      utilisationPercent: percentText(fraction(outstanding, capital)),
      par30Principal: y(big(l?.par30_fen)),
      par30Percent: percentText(fraction(big(l?.par30_fen), outstanding)),
      repaymentRatePercent: percentText(fraction(big(l?.paid_due_fen), big(l?.due_fen))),
      householdsServed: l?.households ?? 0,
      poorHouseholdsServed: l?.poor_households ?? 0,
    };
  });

  const banks: BankReportRow[] = [];
  const districts: DistrictReportRow[] = [];
  const rankingInputs: RankingInput[] = [];
  for (const d of raw.structure) {
    const rf = d.risk_fund_id;
    const balance = rf ? endOf(`RF:${rf}:BALANCE`) : 0n;
    const available = rf ? endOf(`RF:${rf}:COVER:AVAILABLE`) : 0n;
    const minimum = d.heavy_task && d.minimum_fund_fen !== null ? big(d.minimum_fund_fen) : 0n;
    const nplDays = d.npl_overdue_days ?? 90;
    const agreements = raw.agreements.filter((a) => a.district_id === d.district_id);
    let dCovered = 0n;
    let dNpl = 0n;
    let dDue = 0n;
    let dPaid = 0n;
    let dNewCount = 0;
    let dNewFen = 0n;
    let dSubsidyBanks = 0n;
    for (const a of agreements) {
      const exposure = endOf(`GA:${a.agreement_id}:EXPOSURE:OUTSTANDING`);
      const multiple = dec(a.leverage_multiple);
      const l = covered.get(`${d.district_id}:${a.bank_id}`);
      const n = fresh.get(`${d.district_id}:${a.bank_id}`);
      const sub = subsidy.get(`${d.district_id}:${a.bank_id}`) ?? 0n;
      const comp = compensated.get(`${d.district_id}:${a.bank_id}`);
      dCovered += exposure;
      dNpl += big(l?.npl_fen);
      dDue += big(l?.due_fen);
      dPaid += big(l?.paid_due_fen);
      dNewCount += n?.count ?? 0;
      dNewFen += big(n?.amount_fen);
      dSubsidyBanks += sub;
      banks.push({
        districtId: d.district_id,
        districtCode: d.district_code,
        districtName: d.district_name,
        bankId: a.bank_id,
        bankCode: a.bank_code,
        bankName: a.bank_name,
        agreementId: a.agreement_id,
        agreementNo: a.agreement_no,
        fundBalance: y(balance),
        coveredOutstanding: y(exposure),
        leverageRatio: ratioText(fraction(exposure, balance)),
        leverageCap: trim(a.leverage_multiple),
        leverageUsePercent: percentText(leverageUse(exposure, multiple, balance)),
        capacityLeft: y(capacity(multiple, available)),
        newCoveredLoans: n?.count ?? 0,
        newCoveredAmount: y(big(n?.amount_fen)),
        nplPrincipal: y(big(l?.npl_fen)),
        nplRatioPercent: percentText(fraction(big(l?.npl_fen), exposure)),
        subsidyPaid: y(sub),
        repaymentRatePercent: percentText(fraction(big(l?.paid_due_fen), big(l?.due_fen))),
        compensationPaid: y(big(comp?.compensation_fen)),
        recoveries: y(big(comp?.recoveries_fen)),
      });
    }
    // the district's cap: the highest multiple among its agreements (what its fund may be levered to), else the default
    const capText = agreements.length
      ? agreements.map((a) => trim(a.leverage_multiple)).reduce((m, x) => (dec(x).num * dec(m).den > dec(m).num * dec(x).den ? x : m))
      : DEFAULT_LEVERAGE_MULTIPLE;
    const cap = dec(capText);
    const dFunds = funds.filter((f) => f.districtId === d.district_id);
    const maCapital = sum(dFunds.map((f) => fundFen.get(f.fundId)!.capital));
    const maOutstanding = sum(dFunds.map((f) => fundFen.get(f.fundId)!.outstanding));
    for (const f of dFunds) {
      const l = mutual.get(f.fundId);
      dDue += big(l?.due_fen);
      dPaid += big(l?.paid_due_fen);
    }
    // subsidy paid to village funds (payee FUND) counts for the district but for no bank
    const dSubsidy = dSubsidyBanks + (subsidy.get(`${d.district_id}:-`) ?? 0n);
    const mt = matching.get(d.district_id);
    const c = rules.districtCompliance(
      {
        districtId: d.district_id,
        districtCode: d.district_code,
        districtName: d.district_name,
        cityAllocationFen: big(mt?.city_fen),
        districtMatchFen: big(mt?.district_fen),
        soe: [],
      },
      { year, ratio, soeProfitPercent: '0', isDefault: raw.matchingRatio === null },
    );
    const nplRatio = fraction(dNpl, dCovered);
    const use = leverageUse(dCovered, cap, balance);
    const utilisation = fraction(maOutstanding, maCapital);
    const repayment = fraction(dPaid, dDue);
    districts.push({
      districtId: d.district_id,
      districtCode: d.district_code,
      districtName: d.district_name,
      heavyTask: d.heavy_task,
      riskFundId: rf,
      fundBalance: y(balance),
      requiredMinimum: y(minimum),
      minimumShortfall: y(minimum > balance ? minimum - balance : 0n),
      belowMinimum: d.heavy_task && balance < minimum,
      coveredOutstanding: y(dCovered),
      leverageRatio: ratioText(fraction(dCovered, balance)),
      leverageCap: capText,
      leverageUsePercent: percentText(use),
      capacityLeft: y(capacity(cap, available)),
      newCoveredLoans: dNewCount,
      newCoveredAmount: y(dNewFen),
      nplOverdueDays: nplDays,
      nplPrincipal: y(dNpl),
      nplRatioPercent: percentText(nplRatio),
      compensationPaid: y(rf ? flowOf(`RF:${rf}:COMPENSATION_EXPENSE`) : 0n),
      recoveries: y(rf ? flowOf(`RF:${rf}:RECOVERY_INCOME`) : 0n),
      subsidyPaid: y(dSubsidy),
      repaymentRatePercent: percentText(repayment),
      mutualAidCapital: y(maCapital),
      mutualAidOutstanding: y(maOutstanding),
      utilisationPercent: percentText(utilisation),
      matching: {
        year,
        cityAllocation: y(c.cityAllocationFen),
        districtMatch: y(c.districtMatchFen),
        requiredRatio: c.requiredRatio,
        actualRatio: c.actualRatio,
        requiredMatch: y(c.requiredMatchFen),
        shortfall: y(c.shortfallFen),
        compliant: c.compliant,
      },
    });
    rankingInputs.push({
      districtId: d.district_id,
      districtCode: d.district_code,
      districtName: d.district_name,
      repaymentRate: repayment,
      npl: nplRatio,
      utilisation,
      leverageUse: use,
    });
  }

  return {
    data: { kind: 'MONTHLY', month, periodStart: start, periodEnd: end, districts, banks, funds, totals: reportTotals(districts) },
    rankingInputs,
  };
}

/** The report's totals: sums over its district rows (and the ratios of those sums), for any set of districts. */
export function reportTotals(districts: DistrictReportRow[]): MonthlyReportData['totals'] {
  // every yuan string came from formatYuan (always two decimals), so dropping the point gives back the fen
  const fenOf = (s: string) => BigInt(s.replace('.', ''));
  const tot = (f: (r: DistrictReportRow) => string) => sum(districts.map((r) => fenOf(f(r))));
  const tBalance = tot((r) => r.fundBalance);
  const tCovered = tot((r) => r.coveredOutstanding);
  const tNpl = tot((r) => r.nplPrincipal);
  return {
    fundBalance: y(tBalance),
    coveredOutstanding: y(tCovered),
    leverageRatio: ratioText(fraction(tCovered, tBalance)),
    newCoveredLoans: districts.reduce((s, r) => s + r.newCoveredLoans, 0),
    newCoveredAmount: y(tot((r) => r.newCoveredAmount)),
    nplPrincipal: y(tNpl),
    nplRatioPercent: percentText(fraction(tNpl, tCovered)),
    compensationPaid: y(tot((r) => r.compensationPaid)),
    recoveries: y(tot((r) => r.recoveries)),
    subsidyPaid: y(tot((r) => r.subsidyPaid)),
    mutualAidCapital: y(tot((r) => r.mutualAidCapital)),
    mutualAidOutstanding: y(tot((r) => r.mutualAidOutstanding)),
  };
}

/** The month's report: its figures and the ranking, with the change against the previous month's ranking. */
export function buildReport(current: MonthFigures, previous: MonthFigures | null): MonthlyReportData {
  const prevRanking = previous ? rankDistricts(previous.rankingInputs, null) : null;
  return { ...current.data, ranking: rankDistricts(current.rankingInputs, prevRanking) };
}
