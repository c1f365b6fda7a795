import { formatYuan } from '#libs/money';
import { programmeAccounts, type ProgrammeAccounts, type ProgrammeSource } from './accounts.js';
import type { SettlementCalendar, SettlementPeriod } from './calendar.js';
import type { SettlementMode } from './programme.js';

/** The programme columns the views and rules read (a structural subset of the stored row). */
export interface ProgrammeFacts {
  id: string;
  code: string;
  name: string;
  district_id: string | null;
  settlement_mode: SettlementMode;
  period_end_months: number[];
  period_end_day: number;
  grace_days: number;
  status: 'ACTIVE' | 'CLOSED';
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

export interface ProgrammeView {
  id: string;
  code: string;
  name: string;
  districtId: string | null;
  settlementMode: SettlementMode;
  calendar: { periodEndMonths: number[]; periodEndDay: number };
  graceDays: number;
  status: 'ACTIVE' | 'CLOSED';
  accounts: ProgrammeAccounts;
  position: {
    /** Cash not yet committed to a claim. */
    available: string;
    /** Cash set aside for approved claims not yet paid out. */
    setAside: string;
    payableToBanks: string;
    payableToBorrowers: string;
    expense: string;
    fundedBySource: Record<ProgrammeSource, string>;
  };
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface BudgetView {
  programmeId: string;
  year: number;
  budget: string;
  committed: string;
  remaining: string;
  /** Approved claims' remainders waiting for budget or money. */
  queued: string;
  queuedClaims: number;
}

export const calendarOf = (
  p: Pick<ProgrammeFacts, 'period_end_months' | 'period_end_day'>,
): SettlementCalendar => ({
  endMonths: p.period_end_months,
  endDay: p.period_end_day,
});

/** The ledger accounts a programme's position is read from. */
export function positionAccounts(programmeId: string): string[] {
  const a = programmeAccounts(programmeId);
  return [a.budget, a.settlement, a.expense, a.payableBank, a.payableBorrower, ...Object.values(a.funding)];
}

/** A programme with its money position, from its row and the balances of `positionAccounts`. */
export function programmeView(r: ProgrammeFacts, balances: ReadonlyMap<string, bigint>): ProgrammeView {
  const a = programmeAccounts(r.id);
  const b = (code: string) => formatYuan(balances.get(code) ?? 0n);
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    districtId: r.district_id,
    settlementMode: r.settlement_mode,
    calendar: { periodEndMonths: r.period_end_months, periodEndDay: r.period_end_day },
    graceDays: r.grace_days,
    status: r.status,
    accounts: a,
    position: {
      available: b(a.budget),
      setAside: b(a.settlement),
      payableToBanks: b(a.payableBank),
      payableToBorrowers: b(a.payableBorrower),
      expense: b(a.expense),
      fundedBySource: Object.fromEntries(
        Object.entries(a.funding).map(([s, code]) => [s, b(code)]),
      ) as Record<ProgrammeSource, string>,
    },
    createdBy: r.created_by,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

/** A year's budget: what approved claims committed of it, what remains, and what waits in the queue. */
export function budgetView(
  programmeId: string,
  r: { year: number; budget_fen: string; committed_fen: string; queued: string; queued_claims: number },
): BudgetView {
  return {
    programmeId,
    year: r.year,
    budget: formatYuan(BigInt(r.budget_fen)),
    committed: formatYuan(BigInt(r.committed_fen)),
    remaining: formatYuan(BigInt(r.budget_fen) - BigInt(r.committed_fen)),
    queued: formatYuan(BigInt(r.queued)),
    queuedClaims: r.queued_claims,
  };
}

/** The periods of a year, each with what was claimed for it (periods without claims show zeros). */
export function periodsWithClaims(
  periods: readonly SettlementPeriod[],
  sums: readonly { period_end: string; claims: number; total: string; approved: string; queued: string }[],
): (SettlementPeriod & { claims: number; total: string; approved: string; queued: string })[] {
  const byEnd = new Map(sums.map((s) => [s.period_end, s]));
  return periods.map((x) => {
    const s = byEnd.get(x.end);
    return {
      ...x,
      claims: s?.claims ?? 0,
      total: formatYuan(BigInt(s?.total ?? 0)),
      approved: formatYuan(BigInt(s?.approved ?? 0)),
      queued: formatYuan(BigInt(s?.queued ?? 0)),
    };
  });
}
