import { divHalfUp, percentToRatio, reduce, remembered, roundDiv, type Ratio } from '#libs/money';
import { addMonthsClamped, epochDay, formatDate, requireDate, type CalendarDate } from './dates.js';
import { monthsPerPeriod, validateScheduleRequest } from './rules.js';
import {
  ScheduleTermsError,
  type Installment,
  type Schedule,
  type ScheduleRequest,
  type ScheduleRounding,
} from './types.js';

/**
 * The repayment-schedule engine (SPEC §5). Exact arithmetic only: the rate is a bigint rational, (1+r)^m is an
 * exact bigint power, and each component (interest, instalment, principal share) is rounded once, to the fen or
 * to the instalment multiple, in the request's mode. Principal always sums to the loan: the last instalment takes
 * whatever balance remains.
 */
export function generateSchedule(req: ScheduleRequest): Schedule {
  const errors = validateScheduleRequest(req);
  if (errors.length) throw new ScheduleTermsError(errors);
  return req.method === 'BULLET' ? bullet(req) : amortising(req);
}

/** Interest of one period on a balance, by the day count (SPEC §5 "dayCount"). */
interface InterestRule {
  /** PERIOD: balance × num / den, whatever the days. */
  periodNum: bigint;
  periodDen: bigint;
  /** the same periodic rate as one object */
  periodic: Readonly<Ratio>;
  /** ⌊periodDen / 2⌋, for divHalfUp */
  periodHalf: bigint;
  /** ACTUAL_*: balance × num × days / den (den = rate den × 360 or 365); null for PERIOD. */
  actual: Ratio | null;
}

function interestRule(
  annual: Ratio,
  periodsPerYear: bigint,
  dayCount: ScheduleRequest['dayCount'],
): InterestRule {
  const periodic = reduce({ num: annual.num, den: annual.den * periodsPerYear });
  const basis = dayCount === 'ACTUAL_360' ? 360n : dayCount === 'ACTUAL_365' ? 365n : 0n;
  return {
    periodNum: periodic.num,
    periodDen: periodic.den,
    periodic: Object.freeze(periodic),
    periodHalf: periodic.den / 2n,
    actual: basis === 0n ? null : reduce({ num: annual.num, den: annual.den * basis }),
  };
}

/** interestRule of a rate text, periods per year and day count, remembered like the rate itself. */
const interestRuleOf = (percent: string, periodsPerYear: number, dayCount: ScheduleRequest['dayCount']) =>
  rulesByKey(`${percent}|${periodsPerYear}|${dayCount}`);
const rulesByKey = remembered((key: string): Readonly<InterestRule> => {
  const [percent, perYear, dayCount] = key.split('|');
  return Object.freeze(
    interestRule(annualRatio(percent), BigInt(perYear), dayCount as ScheduleRequest['dayCount']),
  );
});

function interestFor(rule: InterestRule, balanceFen: bigint, days: number, mode: ScheduleRounding): bigint {
  if (balanceFen === 0n) return 0n;
  if (rule.actual === null) {
    // the balance is never negative (principal is clamped to it): HALF_UP by the rule's precomputed half divisor
    return mode === 'HALF_UP'
      ? divHalfUp(balanceFen * rule.periodNum, rule.periodDen, rule.periodHalf)
      : roundDiv(balanceFen * rule.periodNum, rule.periodDen, mode);
  }
  return roundDiv(balanceFen * rule.actual.num * BigInt(days), rule.actual.den, mode);
}

/**
 * A period's principal stays within [0, balance]. Below 0 happens when the interest exceeds the rounded instalment
 * (a coarse multiple, or ACTUAL_* interest of a long quarter at a high rate): the period then pays its interest in
 * full and no principal, because interest is never capitalised. Above the balance happens when a rounded-up
 * instalment would overpay: the balance is cleared and later instalments carry only what is left (possibly zero).
 */
const clamp = (v: bigint, max: bigint): bigint => (v < 0n ? 0n : v > max ? max : v);

/**
 * The level instalment of an annuity of m periods at r = a/b, exactly: A = P·a·(a+b)^m / (b·((a+b)^m − b^m)),
 * rounded once to the multiple. Powers are bigint, so nothing is lost however long the term.
 */
export function levelInstallmentFen(
  principalFen: bigint,
  periodic: Ratio,
  periods: number,
  multipleFen: bigint,
  mode: ScheduleRounding,
): bigint {
  const m = BigInt(periods);
  if (periodic.num === 0n) return roundDiv(principalFen, m * multipleFen, mode) * multipleFen;
  const f = annuityFactor(periodic, periods);
  return roundDiv(principalFen * f.num, f.den * multipleFen, mode) * multipleFen;
}

/**
 * a·(a+b)^m / (b·((a+b)^m − b^m)), the instalment per fen of principal, unrounded: the same for every loan at one
 * periodic rate and term, so remembered (bounded) rather than raising 100-digit powers per schedule.
 */
const FACTORS = new WeakMap<Ratio, Map<number, Readonly<Ratio>>>();
function annuityFactor(periodic: Ratio, periods: number): Readonly<Ratio> {
  // by the periodic rate's object (the remembered interest rule's, see interestRuleOf), then by the term
  let byTerm = FACTORS.get(periodic);
  if (!byTerm) FACTORS.set(periodic, (byTerm = new Map()));
  let f = byTerm.get(periods);
  if (f === undefined) {
    const m = BigInt(periods);
    const c = periodic.num + periodic.den;
    const cm = c ** m;
    f = Object.freeze({ num: periodic.num * cm, den: periodic.den * (cm - periodic.den ** m) });
    byTerm.set(periods, f);
  }
  return f;
}

/** percentToRatio of a rate text, remembered: a book's loans share a few rates. */
const annualRatio = remembered((percent: string): Readonly<Ratio> => Object.freeze(percentToRatio(percent)));

function amortising(req: ScheduleRequest): Schedule {
  const mode = req.rounding;
  const P = req.principalFen;
  const n = req.numberOfInstallments;
  const grace = req.principalGraceInstallments;
  const amortisingCount = n - grace;
  const mpp = monthsPerPeriod(req.frequency as 'MONTHLY' | 'QUARTERLY');
  const rule = interestRuleOf(req.annualRatePercent, 12 / mpp, req.dayCount);
  const multiple = req.installmentMultipleFen;

  // The per-instalment constants of each method, computed once.
  let levelFen = 0n; // EQUAL_INSTALLMENT: the instalment computed as for PERIOD, kept for ACTUAL_* too (SPEC §5)
  let principalShareFen = 0n; // EQUAL_PRINCIPAL and FLAT: round(P / (n − g)) to the fen
  if (req.method === 'EQUAL_INSTALLMENT') {
    levelFen = levelInstallmentFen(P, rule.periodic, amortisingCount, multiple, mode);
  } else if (req.method === 'EQUAL_PRINCIPAL' || req.method === 'FLAT') {
    principalShareFen = roundDiv(P, BigInt(amortisingCount), mode);
  }

  const anchor = requireDate(req.disbursementDate, 'disbursementDate');
  const installments: Installment[] = new Array(n);
  let startText = req.disbursementDate;
  let startDay = epochDay(anchor);
  let balance = P;
  let totalInterest = 0n;
  for (let k = 1; k <= n; k++) {
    const due: CalendarDate = addMonthsClamped(anchor, k * mpp);
    const dueDay = epochDay(due);
    const days = dueDay - startDay;
    // FLAT charges interest on the original principal every period (by the period's days under ACTUAL_*); the
    // others on the balance outstanding.
    const interest = interestFor(rule, req.method === 'FLAT' ? P : balance, days, mode);
    let principal: bigint;
    let levelTotal = false;
    if (k === n) principal = balance;
    else if (k <= grace) principal = 0n;
    else {
      switch (req.method) {
        case 'EQUAL_INSTALLMENT': {
          const share = levelFen - interest;
          principal = clamp(share, balance);
          // unclamped, the instalment is the level one: its total needs no sum
          levelTotal = principal === share;
          break;
        }
        case 'EQUAL_PRINCIPAL':
          principal = clamp(principalShareFen, balance);
          break;
        case 'FLAT': {
          const instalment = roundDiv(principalShareFen + interest, multiple, mode) * multiple;
          principal = clamp(instalment - interest, balance);
          break;
        }
        default: // INTEREST_ONLY: all principal at the end
          principal = 0n;
      }
    }
    balance -= principal;
    totalInterest += interest;
    const dueText = formatDate(due);
    installments[k - 1] = {
      number: k,
      periodStart: startText,
      dueDate: dueText,
      days,
      principalFen: principal,
      interestFen: interest,
      // an unclamped level instalment is its own total (principal = level − interest): no sum to make
      totalFen: levelTotal ? levelFen : principal + interest,
      balanceAfterFen: balance,
    };
    startText = dueText;
    startDay = dueDay;
  }
  return {
    installments,
    totals: { principalFen: P, interestFen: totalInterest, totalFen: P + totalInterest },
    rounding: mode,
  };
}

/**
 * 利随本清: one instalment of principal and interest at maturity. The term is termMonths (AT_MATURITY) or the
 * instalments' months (a BULLET quoted as 12 MONTHLY periods is one payment after 12 months). PERIOD interest is
 * P × rate × months / 12; ACTUAL_* interest runs by the calendar days of the term.
 */
function bullet(req: ScheduleRequest): Schedule {
  const mode = req.rounding;
  const P = req.principalFen;
  const months =
    req.frequency === 'AT_MATURITY'
      ? (req.termMonths as number)
      : req.numberOfInstallments * monthsPerPeriod(req.frequency);
  const annual = annualRatio(req.annualRatePercent);
  const anchor = requireDate(req.disbursementDate, 'disbursementDate');
  const due = addMonthsClamped(anchor, months);
  const days = epochDay(due) - epochDay(anchor);
  let interest: bigint;
  if (req.dayCount === 'PERIOD') interest = roundDiv(P * annual.num * BigInt(months), annual.den * 12n, mode);
  else
    interest = roundDiv(
      P * annual.num * BigInt(days),
      annual.den * (req.dayCount === 'ACTUAL_360' ? 360n : 365n),
      mode,
    );
  const installment: Installment = {
    number: 1,
    periodStart: req.disbursementDate,
    dueDate: formatDate(due),
    days,
    principalFen: P,
    interestFen: interest,
    totalFen: P + interest,
    balanceAfterFen: 0n,
  };
  return {
    installments: [installment],
    totals: { principalFen: P, interestFen: interest, totalFen: P + interest },
    rounding: mode,
  };
}
