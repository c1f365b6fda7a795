import type { EntityManager } from 'typeorm';
import { queryRows } from '#libs/common';

/**
 * The set-based SQL of the monthly report. Every query is one statement over the whole portfolio, grouped by
 * district, bank, agreement or fund; nothing walks loans one by one. $1 = first day and $2 = last day of the month, or
 * $1 = the last day where a query needs only that.
 */

/** Balance at month end and net movement within the month, per ledger account of the report (RF, GA, MAF). */
export interface AccountFigure {
  code: string;
  end_fen: string;
  month_fen: string;
}

/**
 * Balance at month end = the account's balance now minus what was posted with a business date after the month
 * (the ledger keeps balance = replay of postings, so this equals replaying every posting up to the month end, and
 * reads only the postings since the month began). Signed on the account's normal side.
 */
export const ACCOUNT_FIGURES_SQL = `
  WITH acc AS (
    SELECT a.id, a.code, a.normal_side, a.balance_fen FROM ledger_accounts a
     WHERE a.code LIKE 'RF:%' OR a.code LIKE 'GA:%' OR a.code LIKE 'MAF:%'
  ), moved AS (
    SELECT p.account_id,
           sum(CASE WHEN p.side = acc.normal_side THEN p.amount_fen ELSE -p.amount_fen END) FILTER (WHERE e.business_date > $2) AS after_fen,
           sum(CASE WHEN p.side = acc.normal_side THEN p.amount_fen ELSE -p.amount_fen END) FILTER (WHERE e.business_date <= $2) AS month_fen
      FROM journal_entries e
      JOIN ledger_postings p ON p.entry_id = e.id
      JOIN acc ON acc.id = p.account_id
     WHERE e.business_date >= $1
     GROUP BY p.account_id
  )
  SELECT acc.code, (acc.balance_fen - coalesce(m.after_fen, 0))::text AS end_fen, coalesce(m.month_fen, 0)::text AS month_fen
    FROM acc LEFT JOIN moved m ON m.account_id = acc.id`;

export interface StructureRow {
  district_id: string;
  district_code: string;
  district_name: string;
  heavy_task: boolean;
  risk_fund_id: string | null;
  risk_fund_name: string | null;
  minimum_fund_fen: string | null;
  npl_overdue_days: number | null;
}

/**
 * The districts the month reports on: those with risk-fund money, covered loans or a mutual-aid fund by the month end
 * (a district registered later does not change an old month's report).
 */
export const STRUCTURE_SQL = `
  SELECT d.id::text AS district_id, d.code AS district_code, d.name AS district_name, d.heavy_task,
         rf.id::text AS risk_fund_id, rf.name AS risk_fund_name, rf.minimum_fund_fen::text, rf.npl_overdue_days
    FROM districts d LEFT JOIN risk_funds rf ON rf.district_id = d.id
   WHERE EXISTS (SELECT 1 FROM ledger_accounts a JOIN ledger_postings p ON p.account_id = a.id JOIN journal_entries e ON e.id = p.entry_id
                  WHERE a.code = 'RF:' || rf.id || ':BALANCE' AND e.business_date <= $1)
      OR EXISTS (SELECT 1 FROM loans l WHERE l.district_id = d.id AND l.disbursement_date <= $1)
      OR EXISTS (SELECT 1 FROM mutual_aid_funds f JOIN villages v ON v.id = f.village_id
                   JOIN ledger_accounts a ON a.code = 'MAF:' || f.id || ':CASH' JOIN ledger_postings p ON p.account_id = a.id
                   JOIN journal_entries e ON e.id = p.entry_id
                  WHERE v.district_id = d.id AND e.business_date <= $1)
   ORDER BY d.code, d.id`;

export interface AgreementRow {
  agreement_id: string;
  agreement_no: string;
  risk_fund_id: string;
  district_id: string;
  bank_id: string;
  bank_code: string;
  bank_name: string;
  leverage_multiple: string;
  npl_threshold_percent: string;
}

/** Agreements in force at some point up to the month end (a terminated one still shows the exposure it kept). */
export const AGREEMENTS_SQL = `
  SELECT ga.id::text AS agreement_id, ga.agreement_no, ga.risk_fund_id::text, rf.district_id::text, ga.bank_id::text,
         b.code AS bank_code, b.name AS bank_name, ga.leverage_multiple::text, ga.npl_threshold_percent::text
    FROM guarantee_agreements ga JOIN risk_funds rf ON rf.id = ga.risk_fund_id JOIN banks b ON b.id = ga.bank_id
   WHERE ga.valid_from <= $1
   ORDER BY rf.district_id, b.code, ga.id`;

export interface FundRow {
  fund_id: string;
  fund_name: string;
  village_id: string;
  village_name: string;
  district_id: string;
}

/** Mutual-aid funds with money by the month end (their cash account moved). */
export const FUNDS_SQL = `
  SELECT f.id::text AS fund_id, f.name AS fund_name, v.id::text AS village_id, v.name AS village_name, v.district_id::text
    FROM mutual_aid_funds f JOIN villages v ON v.id = f.village_id
   WHERE EXISTS (SELECT 1 FROM ledger_accounts a JOIN ledger_postings p ON p.account_id = a.id JOIN journal_entries e ON e.id = p.entry_id
                  WHERE a.code = 'MAF:' || f.id || ':CASH' AND e.business_date <= $1)
   ORDER BY v.district_id, f.id`;

/** Loan-level facts at month end, aggregated: kind C per (district, bank) of covered loans, kind M per mutual-aid fund. */
export interface LoanFigure {
  kind: 'C' | 'M';
  district_id: string | null;
  bank_id: string | null;
  fund_id: string | null;
  loans: number;
  outstanding_fen: string;
  npl_fen: string;
  par30_fen: string;
  due_fen: string;
  paid_due_fen: string;
  households: number;
  poor_households: number;
}

/**
 * What each instalment had received by the month end:
 * - mutual-aid loans: the repayment allocations (original rows at the repayment's value date, corrections at their
 *   business date), so backdated payments and reversals fall in the month they belong to;
 * - bank-covered loans (repaid at the bank; the engine holds the bank's figures): the paid amounts of an instalment
 *   once its paid date is on or before the month end. A part payment without a date counts from when it is dated.
 * A loan's outstanding principal at month end = principal − principal received by then; its days overdue = month
 * end − the due date of its oldest instalment still short of principal + interest. Loans written off on or before
 * the month end are out of the portfolio.
 * NPL (covered) = outstanding of loans more than the risk fund's npl_overdue_days (default 90) overdue;
 * PAR30 (mutual aid) = outstanding of loans more than 30 days overdue.
 * Repayment rate = Σ received (capped at what was due, per instalment) ÷ Σ principal + fee due, over instalments due
 * on or before the month end (cumulative since disbursement).
 * Households served = distinct borrowers with principal outstanding at month end; poor = status POOR, or GRADUATED
 * in a later year than the month's.
 */
export const LOAN_FIGURES_SQL = `
  WITH alloc AS (
    SELECT ra.loan_id, ra.installment_number AS number,
           coalesce(sum(ra.amount_fen) FILTER (WHERE ra.component = 'PRINCIPAL'), 0) AS paid_p,
           coalesce(sum(ra.amount_fen) FILTER (WHERE ra.component = 'INTEREST'), 0) AS paid_i
      FROM repayment_allocations ra
      JOIN repayments r ON r.id = ra.repayment_id
      LEFT JOIN repayment_adjustments adj ON adj.id = ra.adjustment_id
     WHERE coalesce(adj.business_date, r.value_date) <= $1
     GROUP BY ra.loan_id, ra.installment_number
  ), live AS (
    SELECT l.id, l.channel, l.district_id, l.bank_id, l.fund_id, l.household_id, l.principal_fen
      FROM loans l
      LEFT JOIN write_offs w ON w.loan_id = l.id
     WHERE l.disbursement_date <= $1 AND l.status IN ('DISBURSED','CLOSED','WRITTEN_OFF')
       AND (w.written_off_on IS NULL OR w.written_off_on > $1)
       AND NOT (l.status = 'WRITTEN_OFF' AND w.loan_id IS NULL AND l.closed_on <= $1)
  ), inst AS (
    SELECT i.loan_id, i.due_date, i.principal_fen + i.interest_fen AS sched,
           CASE WHEN l.channel = 'MUTUAL_AID' THEN coalesce(a.paid_p, 0)
                WHEN i.paid_on <= $1 THEN i.paid_principal_fen ELSE 0 END AS pp,
           CASE WHEN l.channel = 'MUTUAL_AID' THEN coalesce(a.paid_i, 0)
                WHEN coalesce(i.interest_paid_on, i.paid_on) <= $1 THEN i.paid_interest_fen ELSE 0 END AS pi
      FROM live l
      JOIN loan_installments i ON i.loan_id = l.id
      LEFT JOIN alloc a ON a.loan_id = i.loan_id AND a.number = i.number
  ), per_loan AS (
    SELECT loan_id, sum(pp) AS paid_p,
           coalesce(sum(sched) FILTER (WHERE due_date <= $1), 0) AS due_fen,
           coalesce(sum(least(pp + pi, sched)) FILTER (WHERE due_date <= $1), 0) AS paid_due_fen,
           min(due_date) FILTER (WHERE due_date < $1 AND pp + pi < sched) AS oldest_unpaid
      FROM inst GROUP BY loan_id
  ), facts AS (
    SELECT l.channel, l.district_id, l.bank_id, l.fund_id, l.household_id,
           l.principal_fen - coalesce(p.paid_p, 0) AS outstanding_fen,
           coalesce(p.due_fen, 0) AS due_fen, coalesce(p.paid_due_fen, 0) AS paid_due_fen,
           CASE WHEN p.oldest_unpaid IS NULL THEN 0 ELSE $1::date - p.oldest_unpaid END AS days_overdue
      FROM live l LEFT JOIN per_loan p ON p.loan_id = l.id
  )
  SELECT 'C' AS kind, f.district_id::text, f.bank_id::text, NULL::text AS fund_id, count(*)::int AS loans,
         sum(f.outstanding_fen)::text AS outstanding_fen,
         coalesce(sum(f.outstanding_fen) FILTER (WHERE f.days_overdue > coalesce(rf.npl_overdue_days, 90)), 0)::text AS npl_fen,
         '0' AS par30_fen, sum(f.due_fen)::text AS due_fen, sum(f.paid_due_fen)::text AS paid_due_fen,
         0 AS households, 0 AS poor_households
    FROM facts f LEFT JOIN risk_funds rf ON rf.district_id = f.district_id
   WHERE f.channel = 'BANK_COVERED'
   GROUP BY f.district_id, f.bank_id
  UNION ALL
  SELECT 'M', NULL, NULL, f.fund_id::text, count(*)::int,
         sum(f.outstanding_fen)::text, '0',
         coalesce(sum(f.outstanding_fen) FILTER (WHERE f.days_overdue > 30), 0)::text,
         sum(f.due_fen)::text, sum(f.paid_due_fen)::text,
         count(DISTINCT f.household_id) FILTER (WHERE f.outstanding_fen > 0)::int,
         count(DISTINCT f.household_id) FILTER (WHERE f.outstanding_fen > 0 AND (h.status = 'POOR'
           OR (h.status = 'GRADUATED' AND h.graduated_year > extract(year FROM $1::date))))::int
    FROM facts f LEFT JOIN households h ON h.id = f.household_id
   WHERE f.channel = 'MUTUAL_AID'
   GROUP BY f.fund_id`;

export interface NewLoanRow {
  district_id: string;
  bank_id: string;
  count: number;
  amount_fen: string;
}

/** Covered loans paid out in the month (whatever became of them later in the month). */
export const NEW_LOANS_SQL = `
  SELECT district_id::text, bank_id::text, count(*)::int AS count, sum(principal_fen)::text AS amount_fen
    FROM loans
   WHERE channel = 'BANK_COVERED' AND disbursement_date BETWEEN $1 AND $2 AND status IN ('DISBURSED','CLOSED','WRITTEN_OFF')
   GROUP BY district_id, bank_id`;

export interface SubsidyRow {
  district_id: string;
  bank_id: string | null;
  paid_fen: string;
}

/**
 * Subsidy paid in the month: claims whose settlement entry (SUBSIDY_CLAIM_SETTLEMENT) has its business date in the
 * month, the paid (approved) amount attributed to districts by their loans' share of the claim's lines; the part a
 * proportional split leaves over (at most a few fen) goes to the largest share (then the lowest district id), so
 * the district figures always add up to what was paid. A clawback received counts negative.
 */
export const SUBSIDY_SQL = `
  WITH paid AS (
    SELECT c.id, c.bank_id, c.approved_fen, c.total_fen
      FROM subsidy_claims c JOIN journal_entries e ON e.id = c.payment_entry_id
     WHERE c.status = 'PAID' AND e.business_date BETWEEN $1 AND $2
  ), per AS (
    SELECT p.id, p.bank_id, l.district_id, sum(cl.subsidy_fen) AS s, p.approved_fen AS a, p.total_fen AS t
      FROM paid p JOIN subsidy_claim_lines cl ON cl.claim_id = p.id JOIN loans l ON l.id = cl.loan_id
     GROUP BY p.id, p.bank_id, l.district_id, p.approved_fen, p.total_fen
  ), scaled AS (
    SELECT per.*, CASE WHEN t = 0 THEN 0 ELSE trunc(s::numeric * a / t)::bigint END AS base,
           row_number() OVER (PARTITION BY id ORDER BY abs(s) DESC, district_id) AS rn
      FROM per
  ), fixed AS (
    SELECT scaled.*, a - sum(base) OVER (PARTITION BY id) AS rest FROM scaled
  )
  SELECT district_id::text, bank_id::text, sum(base + CASE WHEN rn = 1 THEN rest ELSE 0 END)::text AS paid_fen
    FROM fixed GROUP BY district_id, bank_id`;

export interface BankCompensationRow {
  district_id: string;
  bank_id: string;
  compensation_fen: string;
  recoveries_fen: string;
}

/**
 * Compensation the fund paid and recoveries it received within the month, per (district, bank): the postings on the
 * fund's COMPENSATION_EXPENSE and RECOVERY_INCOME accounts of the entries a claim or a recovery of that bank
 * recorded, so the banks of a district add up to the district's figures (read from the same accounts).
 */
export const BANK_COMPENSATION_SQL = `
  WITH x AS (
    SELECT c.risk_fund_id, c.bank_id, c.entry_id FROM compensation_claims c WHERE c.entry_id IS NOT NULL
    UNION ALL
    SELECT c.risk_fund_id, c.bank_id, r.entry_id
      FROM compensation_recoveries r JOIN compensation_claims c ON c.id = r.claim_id WHERE r.entry_id IS NOT NULL
  )
  SELECT rf.district_id::text, x.bank_id::text,
         coalesce(sum(CASE WHEN p.side = a.normal_side THEN p.amount_fen ELSE -p.amount_fen END)
                  FILTER (WHERE a.code = 'RF:' || x.risk_fund_id || ':COMPENSATION_EXPENSE'), 0)::text AS compensation_fen,
         coalesce(sum(CASE WHEN p.side = a.normal_side THEN p.amount_fen ELSE -p.amount_fen END)
                  FILTER (WHERE a.code = 'RF:' || x.risk_fund_id || ':RECOVERY_INCOME'), 0)::text AS recoveries_fen
    FROM x
    JOIN journal_entries e ON e.id = x.entry_id AND e.business_date BETWEEN $1 AND $2
    JOIN ledger_postings p ON p.entry_id = e.id
    JOIN ledger_accounts a ON a.id = p.account_id
    JOIN risk_funds rf ON rf.id = x.risk_fund_id
   GROUP BY rf.district_id, x.bank_id`;

export interface MatchingRow {
  district_id: string;
  city_fen: string;
  district_fen: string;
}

/** CITY and DISTRICT contributions of the month's year received by the month end (year to date). */
export const MATCHING_SQL = `
  SELECT district_id::text,
         coalesce(sum(amount_fen) FILTER (WHERE source = 'CITY'), 0)::text AS city_fen,
         coalesce(sum(amount_fen) FILTER (WHERE source = 'DISTRICT'), 0)::text AS district_fen
    FROM contributions
   WHERE district_id IS NOT NULL AND year = extract(year FROM $1::date)::int AND received_on <= $1
   GROUP BY district_id`;

export const MATCHING_RULE_SQL = `SELECT ratio::text FROM funding_matching_rules WHERE year = $1`;

export interface RawFigures {
  accounts: AccountFigure[];
  structure: StructureRow[];
  agreements: AgreementRow[];
  funds: FundRow[];
  loans: LoanFigure[];
  newLoans: NewLoanRow[];
  subsidy: SubsidyRow[];
  compensation: BankCompensationRow[];
  matching: MatchingRow[];
  matchingRatio: string | null;
}

/** Every query of one month, read in the caller's transaction (run it REPEATABLE READ for one consistent view). */
export async function readFigures(m: EntityManager, start: string, end: string): Promise<RawFigures> {
  const p = [start, end];
  const accounts = await queryRows<AccountFigure>(m, ACCOUNT_FIGURES_SQL, p);
  const structure = await queryRows<StructureRow>(m, STRUCTURE_SQL, [end]);
  const agreements = await queryRows<AgreementRow>(m, AGREEMENTS_SQL, [end]);
  const funds = await queryRows<FundRow>(m, FUNDS_SQL, [end]);
  const loans = await queryRows<LoanFigure>(m, LOAN_FIGURES_SQL, [end]);
  const newLoans = await queryRows<NewLoanRow>(m, NEW_LOANS_SQL, p);
  const subsidy = await queryRows<SubsidyRow>(m, SUBSIDY_SQL, p);
  const compensation = await queryRows<BankCompensationRow>(m, BANK_COMPENSATION_SQL, p);
  const matching = await queryRows<MatchingRow>(m, MATCHING_SQL, [end]);
  const rule = await queryRows<{ ratio: string }>(m, MATCHING_RULE_SQL, [Number(end.slice(0, 4))]);
  return {
    accounts,
    structure,
    agreements,
    funds,
    loans,
    newLoans,
    subsidy,
    compensation,
    matching,
    matchingRatio: rule[0]?.ratio ?? null,
  };
}
