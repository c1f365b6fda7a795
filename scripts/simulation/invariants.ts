import type { DataSource } from 'typeorm';
import { formatYuan, yuan } from '#libs/money';
import {
  checkReportAgainstLedger,
  checkReportInvariants,
  monthBounds,
  type CapacityContext,
  type MonthlyReportData,
} from '#libs/reporting';
import { addDays } from '#libs/schedules';
import type { World } from './world.js';

/** Checks the month's stored report against the rules and the ledger; returns what failed (empty when all hold). */
export type InvariantCheck = (ds: DataSource, month: string, world: World) => Promise<string[]>;

const fen = yuan;
const monthEndOf = (month: string): string => monthBounds(month).end;

/**
 * The balance of every RF/GA/MAF account at `date`, replayed from scratch: the sum of its postings whose journal
 * entry's business date is on or before `date`, signed on the account's normal side. Independent of how the report
 * reads them (it subtracts later postings from the stored balance).
 */
export async function ledgerBalancesAt(ds: DataSource, date: string): Promise<Map<string, bigint>> {
  const rows = (await ds.query(
    `SELECT a.code, coalesce(sum(CASE WHEN p.side = a.normal_side THEN p.amount_fen ELSE -p.amount_fen END)
                             FILTER (WHERE e.business_date <= $1), 0)::text AS fen
       FROM ledger_accounts a
       LEFT JOIN ledger_postings p ON p.account_id = a.id
       LEFT JOIN journal_entries e ON e.id = p.entry_id
      WHERE a.code LIKE 'RF:%' OR a.code LIKE 'GA:%' OR a.code LIKE 'MAF:%'
      GROUP BY a.code`,
    [date],
  )) as { code: string; fen: string }[];
  return new Map(rows.map((r) => [r.code, BigInt(r.fen)]));
}

/**
 * The month-end invariants of the simulation (docs/simulation.md):
 * 1. fund cash ≥ 0 (each mutual-aid fund);
 * 2. NPL ≤ covered outstanding (each district and bank row);
 * 3. capacity left = ⌊multiple × cover available⌋, which is multiple × balance − exposure less at most
 *    (multiple − 1) fen per live covered loan (each loan reserves ⌈its exposure ÷ multiple⌉ of cover);
 * 4. the report's totals = the sum of its district rows;
 * 5. every account figure of the report = the ledger's balance at the month end.
 * Then the reporting library's checks (checkReportInvariants, checkReportAgainstLedger) over the same report and
 * this file's own ledger replay.
 */
export const checkMonthEnd: InvariantCheck = async (ds, month, world) => {
  const [snap] = (await ds.query(
    `SELECT data FROM report_snapshots WHERE period = $1 ORDER BY version DESC LIMIT 1`,
    [month],
  )) as { data: MonthlyReportData }[];
  if (!snap) return [`no stored report for ${month}`];
  return checkReport(ds, snap.data, world);
};

/** The invariants above for one monthly report (stored or not). */
export async function checkReport(ds: DataSource, r: MonthlyReportData, world: World): Promise<string[]> {
  const failures: string[] = [];
  const end = monthEndOf(r.month);
  const led = await ledgerBalancesAt(ds, end);
  const bal = (code: string) => led.get(code) ?? 0n;
  const same = (what: string, reported: string, ledger: bigint) => {
    if (fen(reported) !== ledger)
      failures.push(`${what}: report ${reported} ≠ ledger ${formatYuan(ledger)} at ${end}`);
  };

  for (const f of r.funds) {
    if (fen(f.cash) < 0n) failures.push(`fund cash ≥ 0: fund ${f.fundName} holds ${f.cash}`);
    same(`fund ${f.fundName} cash`, f.cash, bal(`MAF:${f.fundId}:CASH`));
    same(`fund ${f.fundName} outstanding`, f.outstanding, bal(`MAF:${f.fundId}:LOANS`));
  }

  const live = (await ds.query(
    `SELECT l.bank_id::text AS bank_id, count(*)::int AS n FROM loans l
      WHERE l.channel = 'BANK_COVERED' AND l.district_id = $1 AND l.disbursement_date <= $2
        AND (l.closed_on IS NULL OR l.closed_on > $2) GROUP BY l.bank_id`,
    [world.districtId, end],
  )) as { bank_id: string; n: number }[];
  for (const b of r.banks) {
    if (fen(b.nplPrincipal) > fen(b.coveredOutstanding))
      failures.push(
        `NPL ≤ covered outstanding: bank ${b.bankCode} NPL ${b.nplPrincipal} > ${b.coveredOutstanding}`,
      );
    same(
      `agreement ${b.agreementNo} exposure`,
      b.coveredOutstanding,
      bal(`GA:${b.agreementId}:EXPOSURE:OUTSTANDING`),
    );
  }
  for (const d of r.districts) {
    if (fen(d.nplPrincipal) > fen(d.coveredOutstanding))
      failures.push(
        `NPL ≤ covered outstanding: district ${d.districtCode} NPL ${d.nplPrincipal} > ${d.coveredOutstanding}`,
      );
    if (!d.riskFundId) continue;
    const balance = bal(`RF:${d.riskFundId}:BALANCE`);
    same(`risk fund ${d.districtCode} balance`, d.fundBalance, balance);
    const multiple = BigInt(d.leverageCap); // whole multiples in the simulation
    const available = bal(`RF:${d.riskFundId}:COVER:AVAILABLE`);
    const capacity = available > 0n ? multiple * available : 0n;
    same(`district ${d.districtCode} capacity left (multiple × cover available)`, d.capacityLeft, capacity);
    const exposure = r.banks
      .filter((b) => b.districtId === d.districtId)
      .reduce((s, b) => s + fen(b.coveredOutstanding), 0n);
    const loans = live.reduce((s, x) => s + x.n, 0);
    const ideal = multiple * balance - exposure;
    const slack = BigInt(loans) * (multiple - 1n);
    if (ideal >= 0n && (capacity > ideal || capacity < ideal - slack)) {
      failures.push(
        `capacity = multiple × balance − exposure: district ${d.districtCode} capacity ${formatYuan(capacity)}, ` +
          `multiple × balance − exposure ${formatYuan(ideal)} (per-loan rounding allows ${formatYuan(slack)})`,
      );
    }
  }

  const sum = (f: (d: MonthlyReportData['districts'][number]) => string) =>
    r.districts.reduce((s, d) => s + fen(f(d)), 0n);
  const totals: [string, string, bigint][] = [
    ['fundBalance', r.totals.fundBalance, sum((d) => d.fundBalance)],
    ['coveredOutstanding', r.totals.coveredOutstanding, sum((d) => d.coveredOutstanding)],
    ['nplPrincipal', r.totals.nplPrincipal, sum((d) => d.nplPrincipal)],
    ['subsidyPaid', r.totals.subsidyPaid, sum((d) => d.subsidyPaid)],
    ['compensationPaid', r.totals.compensationPaid, sum((d) => d.compensationPaid)],
    ['mutualAidCapital', r.totals.mutualAidCapital, sum((d) => d.mutualAidCapital)],
    ['mutualAidOutstanding', r.totals.mutualAidOutstanding, sum((d) => d.mutualAidOutstanding)],
  ];
  for (const [name, total, rows] of totals) {
    if (fen(total) !== rows)
      failures.push(`report total ${name} ${total} ≠ sum of its rows ${formatYuan(rows)}`);
  }
  const fundOutstanding = r.funds.reduce((s, f) => s + fen(f.outstanding), 0n);
  if (fen(r.totals.mutualAidOutstanding) !== fundOutstanding)
    failures.push(
      `report total mutualAidOutstanding ${r.totals.mutualAidOutstanding} ≠ sum of fund rows ${formatYuan(fundOutstanding)}`,
    );
  const newLoans = r.districts.reduce((s, d) => s + d.newCoveredLoans, 0);
  if (r.totals.newCoveredLoans !== newLoans)
    failures.push(`report total newCoveredLoans ${r.totals.newCoveredLoans} ≠ ${newLoans}`);

  // and the reporting library's own checks of a report (ratios, PAR30, every total, capacity bounds, ledger figures),
  // fed with this file's independent ledger replay
  // (its capacity lower bound allows 1 fen of rounding per covered loan paid out by then, and the cover still pending)
  const paidOut = (await ds.query(
    `SELECT district_id::text, count(*)::int AS n FROM loans
      WHERE channel = 'BANK_COVERED' AND disbursement_date <= $1 AND status IN ('DISBURSED', 'CLOSED', 'WRITTEN_OFF')
      GROUP BY district_id`,
    [end],
  )) as { district_id: string; n: number }[];
  const capacity = new Map<string, CapacityContext>();
  for (const d of r.districts) {
    capacity.set(d.districtId, {
      coveredLoans: paidOut.find((x) => x.district_id === d.districtId)?.n ?? 0,
      pendingCoverFen: r.banks
        .filter((b) => b.districtId === d.districtId)
        .reduce((s, b) => s + bal(`GA:${b.agreementId}:COVER:PENDING`), 0n),
    });
  }
  const beforeStart = await ledgerBalancesAt(ds, addDays(`${r.month}-01`, -1));
  for (const v of [
    ...checkReportInvariants(r, { capacity }),
    ...checkReportAgainstLedger(r, { atEnd: led, beforeStart }),
  ]) {
    failures.push(`${v.rule} ${v.where} ${v.field}: ${v.message}`);
  }
  return failures;
}
