import { formatDecimal, maxFen, minFen, percentToRatio, roundDiv, type Fen } from '#libs/money';
import { CAPITAL_SOURCES, type CapitalSource } from './accounts.js';

/** The ledger balances a position is made of (normal-side balances, in fen). */
export interface FundBalances {
  cashFen: Fen;
  loansFen: Fen;
  interestReceivableFen: Fen;
  capitalBySourceFen: Record<CapitalSource, Fen>;
  capitalAccumulatedFen: Fen;
}

export interface FundPosition {
  capitalBySourceFen: Record<CapitalSource | 'ACCUMULATED', Fen>;
  capitalFen: Fen;
  cashFen: Fen;
  loansOutstandingFen: Fen;
  interestReceivableFen: Fen;
  lendingCapPercent: string;
  /** cap % × capital, rounded down: principal outstanding may not exceed it. */
  lendingCapFen: Fen;
  /** lendingCap − outstanding; negative when a withdrawal or loss has pushed the fund over its cap. */
  capHeadroomFen: Fen;
  /** max(0, min(cash, headroom)): what a new loan may take right now. */
  availableToLendFen: Fen;
  /** outstanding ÷ lending cap, in percent with 2 decimals; null when the cap is zero. */
  capUtilisationPercent: string | null;
  memberCount: number;
  poorMemberCount: number;
}

export function capitalOf(b: FundBalances): Fen {
  return CAPITAL_SOURCES.reduce((sum, s) => sum + b.capitalBySourceFen[s], b.capitalAccumulatedFen);
}

/**
 * The lending cap of a capital: floor(capital × percent / 100). Rounding down is exact for the rule it serves
 * (an integer outstanding ≤ capital × p ⇔ outstanding ≤ floor(capital × p)) and never lends a fen too many.
 */
export function lendingCapOf(capitalFen: Fen, lendingCapPercent: string): Fen {
  const r = percentToRatio(lendingCapPercent);
  return roundDiv(capitalFen * r.num, r.den, 'DOWN');
}

/** Everything an administrator (or the origination rules) needs about a fund's money, from ledger facts alone. */
export function computePosition(
  b: FundBalances,
  lendingCapPercent: string,
  members: { all: number; poor: number },
): FundPosition {
  const capitalFen = capitalOf(b);
  const lendingCapFen = lendingCapOf(capitalFen, lendingCapPercent);
  const capHeadroomFen = lendingCapFen - b.loansFen;
  const availableToLendFen = maxFen(0n, minFen(b.cashFen, capHeadroomFen));
  const capUtilisationPercent =
    lendingCapFen > 0n
      ? formatDecimal({ units: roundDiv(b.loansFen * 10000n, lendingCapFen, 'HALF_UP'), scale: 2 }, 2)
      : null;
  return {
    capitalBySourceFen: { ...b.capitalBySourceFen, ACCUMULATED: b.capitalAccumulatedFen },
    capitalFen,
    cashFen: b.cashFen,
    loansOutstandingFen: b.loansFen,
    interestReceivableFen: b.interestReceivableFen,
    lendingCapPercent,
    lendingCapFen,
    capHeadroomFen,
    availableToLendFen,
    capUtilisationPercent,
    memberCount: members.all,
    poorMemberCount: members.poor,
  };
}
