import type { FieldError } from '#libs/common';
import { parseDecimal, parseYuan } from '#libs/money';
import { isBusinessDate } from '#libs/schedules/domain';
import { PRODUCT_KINDS, type Behaviour, type CoveredDemand, type ScenarioSpec } from './model.js';

export const MAX_HORIZON_MONTHS = 120;
export const MAX_RUNS = 1000;
export const MAX_COVERED_LOANS_PER_MONTH = 1000;

/** The scenario of "everything as agreed": nobody late, nobody defaults, no new demand, no policy change. */
export const BASELINE_SCENARIO: ScenarioSpec = {
  horizonMonths: 12,
  runs: 1,
  seed: 1,
  behaviour: {},
  newDemand: { applicationsPerVillagePerMonth: 0, amount: { min: '2000.00', max: '10000.00', step: '500.00' }, termMonths: [12] },
  recoveries: { percentOfCompensation: 0, afterMonths: 6 },
  policies: [],
};

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isInt = (x: unknown, lo: number, hi: number): x is number => Number.isInteger(x) && (x as number) >= lo && (x as number) <= hi;
const isNum = (x: unknown, lo: number, hi: number): x is number => typeof x === 'number' && Number.isFinite(x) && x >= lo && x <= hi;
const isAmount = (x: unknown): x is string => typeof x === 'string' && parseYuan(x, { allowZero: true }).ok;
const isPositiveDecimal = (x: unknown): x is string => {
  if (typeof x !== 'string') return false;
  const d = parseDecimal(x);
  return d !== null && d.units > 0n;
};
const isId = (x: unknown): x is string => typeof x === 'string' && /^[1-9]\d{0,18}$/.test(x);
const isMonth = (x: unknown): x is string => typeof x === 'string' && /^\d{4}-\d{2}$/.test(x) && isBusinessDate(`${x}-01`);

/**
 * Checks a scenario's content and fills the defaults of what it leaves out; every problem at once (field paths as
 * `behaviour.MUTUAL_AID.latePercent`). Probabilities are percents of loans (behaviour, not money).
 */
export function parseScenario(input: unknown): { spec: ScenarioSpec; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const bad = (field: string, message: string) => errors.push({ field, code: 'INVALID', message });
  const o = isObj(input) ? input : {};
  if (!isObj(input)) bad('spec', 'must be an object');
  const spec: ScenarioSpec = structuredClone(BASELINE_SCENARIO);
  if (o.horizonMonths !== undefined) {
    if (isInt(o.horizonMonths, 1, MAX_HORIZON_MONTHS)) spec.horizonMonths = o.horizonMonths;
    else bad('horizonMonths', `must be an integer from 1 to ${MAX_HORIZON_MONTHS}`);
  }
  if (o.runs !== undefined) {
    if (isInt(o.runs, 1, MAX_RUNS)) spec.runs = o.runs;
    else bad('runs', `must be an integer from 1 to ${MAX_RUNS}`);
  }
  if (o.seed !== undefined) {
    if (isInt(o.seed, 0, 2 ** 31 - 1)) spec.seed = o.seed;
    else bad('seed', 'must be a non-negative integer');
  }
  if (o.behaviour !== undefined) {
    if (!isObj(o.behaviour)) bad('behaviour', 'must be an object by product kind');
    else
      for (const [kind, b] of Object.entries(o.behaviour)) {
        const f = `behaviour.${kind}`;
        if (!(PRODUCT_KINDS as readonly string[]).includes(kind)) {
          bad(f, `unknown product kind (one of ${PRODUCT_KINDS.join(', ')})`);
          continue;
        }
        if (!isObj(b)) {
          bad(f, 'must be an object');
          continue;
        }
        const late = b.latePercent ?? 0;
        const def = b.defaultPercent ?? 0;
        const days = isObj(b.lateDays) ? b.lateDays : { min: 1, max: 30 };
        if (!isNum(late, 0, 100)) bad(`${f}.latePercent`, 'must be a percent from 0 to 100');
        if (!isNum(def, 0, 100)) bad(`${f}.defaultPercent`, 'must be a percent from 0 to 100');
        if (isNum(late, 0, 100) && isNum(def, 0, 100) && late + def > 100)
          bad(f, 'latePercent + defaultPercent must not exceed 100');
        if (!isInt(days.min, 0, 3650) || !isInt(days.max, 0, 3650) || (days.min as number) > (days.max as number))
          bad(`${f}.lateDays`, 'must be {min, max} whole days with min ≤ max');
        spec.behaviour[kind as keyof ScenarioSpec['behaviour']] = {
          latePercent: late as number,
          defaultPercent: def as number,
          lateDays: { min: days.min as number, max: days.max as number },
        } satisfies Behaviour;
      }
  }
  if (o.newDemand !== undefined) {
    const d = isObj(o.newDemand) ? o.newDemand : {};
    if (!isObj(o.newDemand)) bad('newDemand', 'must be an object');
    if (d.applicationsPerVillagePerMonth !== undefined) {
      if (isNum(d.applicationsPerVillagePerMonth, 0, 500))
        spec.newDemand.applicationsPerVillagePerMonth = d.applicationsPerVillagePerMonth;
      else bad('newDemand.applicationsPerVillagePerMonth', 'must be a number from 0 to 500');
    }
    if (d.amount !== undefined) {
      const a = isObj(d.amount) ? d.amount : {};
      if (!isAmount(a.min) || !isAmount(a.max) || !isAmount(a.step)) bad('newDemand.amount', 'must be {min, max, step} in yuan');
      else if (parseYuan(a.min).ok === false || parseYuan(a.step).ok === false) bad('newDemand.amount', 'min and step must be positive');
      else {
        const lo = parseYuan(a.min);
        const hi = parseYuan(a.max);
        if (lo.ok && hi.ok && lo.fen > hi.fen) bad('newDemand.amount', 'min must not exceed max');
        else spec.newDemand.amount = { min: a.min, max: a.max, step: a.step };
      }
    }
    if (d.termMonths !== undefined) {
      if (Array.isArray(d.termMonths) && d.termMonths.length && d.termMonths.every((t) => isInt(t, 1, 360)))
        spec.newDemand.termMonths = d.termMonths as number[];
      else bad('newDemand.termMonths', 'must be a non-empty list of terms in months');
    }
  }
  if (o.recoveries !== undefined) {
    const r = isObj(o.recoveries) ? o.recoveries : {};
    if (!isNum(r.percentOfCompensation ?? 0, 0, 100)) bad('recoveries.percentOfCompensation', 'must be a percent from 0 to 100');
    else if (!isInt(r.afterMonths ?? 6, 1, 120)) bad('recoveries.afterMonths', 'must be 1 to 120 months');
    else spec.recoveries = { percentOfCompensation: (r.percentOfCompensation ?? 0) as number, afterMonths: (r.afterMonths ?? 6) as number };
  }
  if (o.policies !== undefined) {
    if (!Array.isArray(o.policies)) bad('policies', 'must be a list');
    else
      o.policies.forEach((p: unknown, i) => {
        const f = `policies[${i}]`;
        if (!isObj(p) || !isMonth(p.fromMonth)) return bad(`${f}.fromMonth`, 'must be a month YYYY-MM');
        if (p.leverageMultiple !== undefined && !isPositiveDecimal(p.leverageMultiple))
          bad(`${f}.leverageMultiple`, 'must be a positive decimal');
        if (p.benchmarkRatePercent !== undefined && !isPositiveDecimal(p.benchmarkRatePercent))
          bad(`${f}.benchmarkRatePercent`, 'must be a positive decimal percent');
        for (const list of ['topUps', 'withdrawals'] as const) {
          const items = p[list];
          if (items === undefined) continue;
          if (!Array.isArray(items) || !items.every((t) => isObj(t) && (t.target === 'FUND' || t.target === 'RISK_FUND') && typeof t.id === 'string' && isAmount(t.amount)))
            bad(`${f}.${list}`, 'must be a list of {target: FUND|RISK_FUND, id, amount}');
        }
        if (p.subsidyBudget !== undefined) {
          const b = p.subsidyBudget;
          if (!isObj(b) || typeof b.programmeId !== 'string' || !isInt(b.year, 2000, 2200) || !isAmount(b.amount))
            bad(`${f}.subsidyBudget`, 'must be {programmeId, year, amount}');
        }
        if (p.fundRules !== undefined) {
          const r = p.fundRules;
          if (!isObj(r) || (r.lendingCapPercent !== undefined && !isPositiveDecimal(r.lendingCapPercent)) || (r.maxLoanAmount !== undefined && !isAmount(r.maxLoanAmount)))
            bad(`${f}.fundRules`, 'must be {fundId?, lendingCapPercent?, maxLoanAmount?}');
        }
        spec.policies.push(p as unknown as ScenarioSpec['policies'][number]);
      });
  }
  if (o.coveredDemand !== undefined) {
    if (!Array.isArray(o.coveredDemand)) bad('coveredDemand', 'must be a list');
    else {
      spec.coveredDemand = [];
      o.coveredDemand.forEach((d: unknown, i) => {
        const parsed = parseCoveredDemand(d, `coveredDemand[${i}]`, bad);
        if (parsed) spec.coveredDemand!.push(parsed);
      });
    }
  }
  return { spec, errors };
}

/**
 * One line of new covered lending: `{riskFundId | agreementId, fromMonth, toMonth?, loansPerMonth, amount,
 * termMonths, productCode?, annualRatePercent?}`, the amount a yuan string (fixed) or `{min, max, step?}` (step default 0.01),
 * the terms one or a list of months. Null (and the problems reported) when it does not hold.
 */
function parseCoveredDemand(d: unknown, f: string, bad: (field: string, message: string) => void): CoveredDemand | null {
  if (!isObj(d)) {
    bad(f, 'must be an object');
    return null;
  }
  let ok = true;
  const no = (field: string, message: string) => {
    ok = false;
    bad(field, message);
  };
  if ((d.riskFundId === undefined) === (d.agreementId === undefined)) no(f, 'give exactly one of riskFundId, agreementId');
  else if (d.riskFundId !== undefined && !isId(d.riskFundId)) no(`${f}.riskFundId`, 'must be an id');
  else if (d.agreementId !== undefined && !isId(d.agreementId)) no(`${f}.agreementId`, 'must be an id');
  if (!isMonth(d.fromMonth)) no(`${f}.fromMonth`, 'must be a month YYYY-MM');
  if (d.toMonth !== undefined && (!isMonth(d.toMonth) || (isMonth(d.fromMonth) && d.toMonth < d.fromMonth)))
    no(`${f}.toMonth`, 'must be a month YYYY-MM, not before fromMonth');
  if (!isNum(d.loansPerMonth, 0, MAX_COVERED_LOANS_PER_MONTH))
    no(`${f}.loansPerMonth`, `must be a number from 0 to ${MAX_COVERED_LOANS_PER_MONTH}`);
  let amount: CoveredDemand['amount'] | null = null;
  if (typeof d.amount === 'string') {
    const r = parseYuan(d.amount);
    if (r.ok && r.fen > 0n) amount = { min: d.amount, max: d.amount, step: '0.01' };
  } else if (isObj(d.amount)) {
    const a = d.amount;
    const step = a.step ?? '0.01';
    const lo = isAmount(a.min) ? parseYuan(a.min) : null;
    const hi = isAmount(a.max) ? parseYuan(a.max) : null;
    const st = isAmount(step) ? parseYuan(step) : null;
    if (lo?.ok && hi?.ok && st?.ok && lo.fen > 0n && st.fen > 0n && lo.fen <= hi.fen) amount = { min: a.min as string, max: a.max as string, step: step as string };
  }
  if (!amount) no(`${f}.amount`, 'must be a positive amount in yuan, or {min, max, step?} with 0 < min ≤ max');
  const terms = typeof d.termMonths === 'number' ? [d.termMonths] : d.termMonths;
  if (!Array.isArray(terms) || !terms.length || !terms.every((t) => isInt(t, 1, 360)))
    no(`${f}.termMonths`, 'must be a term in months (1 to 360) or a non-empty list of them');
  if (d.productCode !== undefined && (typeof d.productCode !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(d.productCode)))
    no(`${f}.productCode`, 'must be a product code');
  if (d.annualRatePercent !== undefined && !isPositiveDecimal(d.annualRatePercent))
    no(`${f}.annualRatePercent`, 'must be a positive decimal percent');
  if (!ok) return null;
  return {
    ...(d.riskFundId !== undefined ? { riskFundId: d.riskFundId as string } : { agreementId: d.agreementId as string }),
    fromMonth: d.fromMonth as string,
    ...(d.toMonth !== undefined ? { toMonth: d.toMonth as string } : {}),
    loansPerMonth: d.loansPerMonth as number,
    amount: amount!,
    termMonths: terms as number[],
    ...(d.productCode !== undefined ? { productCode: d.productCode as string } : {}),
    ...(d.annualRatePercent !== undefined ? { annualRatePercent: d.annualRatePercent as string } : {}),
  };
}
