import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { queryRows } from '#libs/common';
import {
  checkReportAgainstLedger,
  checkReportInvariants,
  type CapacityContext,
  type InvariantViolation,
  type LedgerBalances,
} from '../domain/invariants.js';
import { addDays } from '#libs/schedules';
import type { MonthlyReportData } from '../domain/report.js';

/**
 * Balances replayed from the postings: Σ signed postings of the entries with business date ≤ the date, per account
 * of the report (RF, GA, MAF). Deliberately not the report's way (the balance now minus what came after): a report
 * figure that differs from this has a ledger, a balance row or a report query out of step.
 */
const BALANCES_AS_OF_SQL = `
  SELECT a.code, d.as_of::text AS as_of,
         sum(CASE WHEN p.side = a.normal_side THEN p.amount_fen ELSE -p.amount_fen END)::text AS balance_fen
    FROM unnest($1::date[]) AS d(as_of)
    JOIN journal_entries e ON e.business_date <= d.as_of
    JOIN ledger_postings p ON p.entry_id = e.id
    JOIN ledger_accounts a ON a.id = p.account_id
   WHERE a.code LIKE 'RF:%' OR a.code LIKE 'GA:%' OR a.code LIKE 'MAF:%'
   GROUP BY a.code, d.as_of`;

/** Per district at a date: covered loans paid out by then (an upper bound of the loans whose backing was rounded). */
const COVERED_LOANS_SQL = `
  SELECT district_id::text, count(*)::int AS loans
    FROM loans
   WHERE channel = 'BANK_COVERED' AND disbursement_date <= $1 AND status IN ('DISBURSED','CLOSED','WRITTEN_OFF')
   GROUP BY district_id`;

/** The invariant checks of a stored or computed monthly report against the ledger and the loan book. */
@Injectable()
export class ReportLedgerCheckStore {
  /** The ledger's balances at the month end and at the day before the month began. */
  async balances(m: EntityManager, start: string, end: string): Promise<LedgerBalances> {
    const before = addDays(start, -1);
    const rows = await queryRows<{ code: string; as_of: string; balance_fen: string }>(
      m,
      BALANCES_AS_OF_SQL,
      [[before, end]],
    );
    const atEnd = new Map<string, bigint>();
    const beforeStart = new Map<string, bigint>();
    for (const r of rows) (r.as_of === end ? atEnd : beforeStart).set(r.code, BigInt(r.balance_fen));
    return { atEnd, beforeStart };
  }

  /** Per district: covered loans by the month end and the fund money reserved for loans not yet paid out. */
  async capacityContext(
    m: EntityManager,
    data: MonthlyReportData,
    balances: LedgerBalances,
  ): Promise<Map<string, CapacityContext>> {
    const counts = await queryRows<{ district_id: string; loans: number }>(m, COVERED_LOANS_SQL, [
      data.periodEnd,
    ]);
    const loans = new Map(counts.map((c) => [c.district_id, c.loans]));
    const out = new Map<string, CapacityContext>();
    for (const d of data.districts) {
      const pending = data.banks
        .filter((b) => b.districtId === d.districtId)
        .reduce((s, b) => s + (balances.atEnd.get(`GA:${b.agreementId}:COVER:PENDING`) ?? 0n), 0n);
      out.set(d.districtId, { coveredLoans: loans.get(d.districtId) ?? 0, pendingCoverFen: pending });
    }
    return out;
  }

  /** Every violation of the report: its own invariants and each account figure against the ledger. */
  async violations(m: EntityManager, data: MonthlyReportData): Promise<InvariantViolation[]> {
    const balances = await this.balances(m, data.periodStart, data.periodEnd);
    const capacity = await this.capacityContext(m, data, balances);
    return [...checkReportInvariants(data, { capacity }), ...checkReportAgainstLedger(data, balances)];
  }
}
