import type { FieldError } from '#libs/common';
import {
  formatDecimal,
  formatYuan,
  parseDecimal,
  pow10,
  reduce,
  roundDiv,
  type Fen,
  type Ratio,
} from '#libs/money';

/**
 * Leverage arithmetic, exact on bigint rationals. A multiple is a decimal string ("10", "8.5"); the fund money a
 * loan consumes is rounded UP and the capacity a fund offers is rounded DOWN, so capacity is never overstated.
 *
 * The two roundings are consistent: a reservation of L succeeds exactly when L ≤ capacityFor(available, m), since
 * for integers L, A and a positive rational m = p/q:  L ≤ ⌊A·p/q⌋  ⇔  L·q ≤ A·p  ⇔  ⌈L·q/p⌉ ≤ A.
 */
export function parseMultiple(text: string): Ratio {
  const d = parseDecimal(text);
  if (!d || d.units <= 0n) throw new RangeError(`leverage multiple must be a positive decimal: ${text}`);
  return reduce({ num: d.units, den: pow10(d.scale) });
}

/** Fund money that backs a covered principal of `amountFen` at multiple m: ⌈amount / m⌉. */
export function coverFor(amountFen: Fen, multiple: Ratio): Fen {
  if (amountFen < 0n) throw new RangeError('amount must not be negative');
  return roundDiv(amountFen * multiple.den, multiple.num, 'UP');
}

/** Covered principal that `availableFen` of fund money can still back at multiple m: ⌊available × m⌋. */
export function capacityFor(availableFen: Fen, multiple: Ratio): Fen {
  if (availableFen <= 0n) return 0n;
  return roundDiv(availableFen * multiple.num, multiple.den, 'DOWN');
}

/** num / den as a decimal string with `decimals` places (half up); "0.0000" when den is zero. */
export function ratioString(num: bigint, den: bigint, decimals = 4): string {
  if (den === 0n) return formatDecimal({ units: 0n, scale: decimals });
  return formatDecimal({ units: roundDiv(num * pow10(decimals), den, 'HALF_UP'), scale: decimals });
}

/** num / den in percent with `decimals` places ("5.2500" for 0.0525). */
export function percentString(num: bigint, den: bigint, decimals = 4): string {
  return ratioString(num * 100n, den, decimals);
}

/** Whether npl / outstanding ≥ threshold percent, exactly (the circuit breaker trips AT the threshold). */
export function nplAtOrAbove(nplFen: Fen, outstandingFen: Fen, thresholdPercent: string): boolean {
  if (outstandingFen <= 0n) return false;
  const t = parseDecimal(thresholdPercent);
  if (!t) throw new RangeError(`not a decimal: ${thresholdPercent}`);
  // npl / outstanding ≥ t.units / (100 · 10^scale)
  return nplFen * 100n * pow10(t.scale) >= t.units * outstandingFen;
}

/** The minimum-fund rule (SPEC §2.2): only a heavy-task district is bound by it. */
export function minimumShortfall(heavyTask: boolean, balanceFen: Fen, minimumFen: Fen): Fen {
  if (!heavyTask) return 0n;
  return balanceFen >= minimumFen ? 0n : minimumFen - balanceFen;
}

export interface WithdrawalFacts {
  amountFen: Fen;
  balanceFen: Fen;
  sourceCapitalFen: Fen;
  source: string;
  /** fund money backing no loan (the memo ledger's AVAILABLE) */
  availableCoverFen: Fen;
  heavyTask: boolean;
  minimumFen: Fen;
}

/**
 * The facts of a withdrawal from the ledger's balances (an account without entries holds 0): the fund's MONEY
 * balance, the source's capital in it, and the cover the fund has AVAILABLE.
 */
export function withdrawalFactsOf(
  balances: ReadonlyMap<string, Fen>,
  accounts: { balance: string; sourceCapital: string; available: string },
  w: { amountFen: Fen; source: string },
  fund: { heavyTask: boolean; minimumFen: Fen },
): WithdrawalFacts {
  return {
    amountFen: w.amountFen,
    balanceFen: balances.get(accounts.balance) ?? 0n,
    sourceCapitalFen: balances.get(accounts.sourceCapital) ?? 0n,
    source: w.source,
    availableCoverFen: balances.get(accounts.available) ?? 0n,
    heavyTask: fund.heavyTask,
    minimumFen: fund.minimumFen,
  };
}

/** The detail of a refused withdrawal: the amount asked and the code of every rule it fails. */
export const withdrawalRefusalDetail = (amount: string, problems: readonly FieldError[]) =>
  `withdrawal of ${amount} refused: ${problems.map((p) => p.code).join(', ')}`;

/**
 * Every rule a withdrawal must pass, all reported at once. Breaking the cover means taking out fund money that
 * already backs reserved or disbursed covered loans (capacity would go below zero).
 */
export function withdrawalProblems(f: WithdrawalFacts): FieldError[] {
  const out: FieldError[] = [];
  if (f.amountFen > f.balanceFen) {
    out.push({
      field: 'amount',
      code: 'INSUFFICIENT_FUNDS',
      message: `the fund holds ${formatYuan(f.balanceFen)}, less than the ${formatYuan(f.amountFen)} asked`,
    });
  }
  if (f.amountFen > f.sourceCapitalFen) {
    out.push({
      field: 'source',
      code: 'SOURCE_CAPITAL_EXCEEDED',
      message: `${f.source} has ${formatYuan(f.sourceCapitalFen)} of capital in the fund; it cannot take back ${formatYuan(f.amountFen)}`,
    });
  }
  if (f.amountFen > f.availableCoverFen) {
    out.push({
      field: 'amount',
      code: 'WITHDRAWAL_BREAKS_COVER',
      message: `only ${formatYuan(f.availableCoverFen > 0n ? f.availableCoverFen : 0n)} of the fund backs no covered loan; withdrawing ${formatYuan(f.amountFen)} would leave covered loans beyond the leverage cap`,
    });
  }
  if (f.heavyTask && f.balanceFen - f.amountFen < f.minimumFen) {
    out.push({
      field: 'amount',
      code: 'FUND_BELOW_MINIMUM',
      message: `a heavy-task district must keep at least ${formatYuan(f.minimumFen)}; the balance would fall to ${formatYuan(f.balanceFen - f.amountFen)}`,
    });
  }
  return out;
}

export interface CoverFacts {
  amountFen: Fen;
  onDate: string;
  agreementStatus: string;
  validFrom: string;
  validTo: string | null;
  fundStatus: string;
  heavyTask: boolean;
  balanceFen: Fen;
  minimumFen: Fen;
  suspended: boolean;
  nplPercent: string;
  nplThresholdPercent: string;
  availableCoverFen: Fen;
  multiple: Ratio;
  multipleText: string;
}

/**
 * The guarantee-side rules for covering a new loan, all reported at once, in a fixed order (the first one names
 * the refusal): agreement in force, district not suspended, fund at or above its minimum, capacity available.
 */
export function coverProblems(f: CoverFacts): FieldError[] {
  const out: FieldError[] = [];
  const inForce =
    f.agreementStatus === 'ACTIVE' &&
    f.fundStatus === 'ACTIVE' &&
    f.validFrom <= f.onDate &&
    (f.validTo === null || f.onDate <= f.validTo);
  if (!inForce) {
    out.push({
      field: 'agreementId',
      code: 'AGREEMENT_NOT_ACTIVE',
      message:
        f.agreementStatus !== 'ACTIVE' || f.fundStatus !== 'ACTIVE'
          ? `the agreement (${f.agreementStatus}) or its fund (${f.fundStatus}) is not active`
          : `the agreement is valid ${f.validFrom} to ${f.validTo ?? 'open-ended'}, not on ${f.onDate}`,
    });
  }
  if (f.suspended) {
    out.push({
      field: 'agreementId',
      code: 'DISTRICT_SUSPENDED',
      message: `the district's NPL ratio ${f.nplPercent} % has reached the ${f.nplThresholdPercent} % threshold: new covered lending is suspended`,
    });
  }
  const short = minimumShortfall(f.heavyTask, f.balanceFen, f.minimumFen);
  if (short > 0n) {
    out.push({
      field: 'agreementId',
      code: 'FUND_BELOW_MINIMUM',
      message: `the heavy-task district's risk fund holds ${formatYuan(f.balanceFen)}, below its minimum ${formatYuan(f.minimumFen)}`,
    });
  }
  const capacity = capacityFor(f.availableCoverFen, f.multiple);
  if (f.amountFen > capacity) {
    out.push({
      field: 'amount',
      code: 'FUND_CAPACITY_EXCEEDED',
      message: `capacity left at multiple ${f.multipleText} is ${formatYuan(capacity)}, less than ${formatYuan(f.amountFen)}`,
    });
  }
  return out;
}
