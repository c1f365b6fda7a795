import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { queryRows } from '#libs/common';

/** A live loan with what the snapshot needs beside its terms (the loan row for `termsOf`, plus its cover). */
export interface BookLoanRow {
  id: string;
  channel: 'MUTUAL_AID' | 'BANK_COVERED';
  kind: string;
  household_id: string | null;
  fund_id: string | null;
  agreement_id: string | null;
  risk_fund_id: string | null;
  cover_multiple: string | null;
  npl_overdue_days: number;
  term_months: number;
  subsidy_programme_id: string | null;
  subsidy_rate_percent: string | null;
  subsidy_basis_cap_fen: string | null;
}

export interface BookInstallmentRow {
  loan_id: string;
  number: number;
  period_start: string;
  due_date: string;
  days: number;
  principal_fen: string;
  interest_fen: string;
  original_interest_fen: string | null;
  paid_principal_fen: string;
  paid_interest_fen: string;
  paid_on: string | null;
  interest_paid_on: string | null;
}

export interface BookPaymentRow {
  loan_id: string;
  id: string;
  value_date: string;
  amount_fen: string;
}

export interface BookFundRow {
  id: string;
  village_id: string;
  district_id: string;
  name: string;
  lending_cap_percent: string;
  max_loan_fen: string;
  max_term_months: number;
  /** the product version of the fund's latest mutual-aid loan (new loans are made on it) */
  product_version_id: string | null;
  annual_rate_percent: string | null;
}

export interface BookRiskFundRow {
  id: string;
  district_id: string;
  name: string;
  heavy_task: boolean;
  minimum_fund_fen: string;
  npl_overdue_days: number;
}

export interface BookAgreementRow {
  id: string;
  risk_fund_id: string;
  bank_id: string;
  leverage_multiple: string;
  npl_threshold_percent: string;
  fund_share_percent: string;
  bank_share_percent: string;
  trigger_days: number;
  valid_from: string;
  valid_to: string | null;
}

export interface BookBudgetRow {
  programme_id: string;
  year: number;
  budget_fen: string;
  committed_fen: string;
}

/**
 * Reads the books once for a projection, as of a business date: live loans with their frozen schedules and
 * payments, funds, risk funds, agreements, subsidy budgets and the ledger balances at that date. Read only (these
 * tables belong to other libraries; a store may read them).
 */
@Injectable()
export class BookStore {
  /** Makes the caller's transaction read only: a projection cannot write the books even by mistake. */
  async readOnly(m: EntityManager): Promise<void> {
    await queryRows(m, `SET TRANSACTION READ ONLY`);
  }

  loans(m: EntityManager, asOf: string): Promise<BookLoanRow[]> {
    return queryRows(
      m,
      `SELECT l.id::text, l.channel, p.kind, l.household_id::text, l.fund_id::text,
              c.agreement_id::text, c.risk_fund_id::text, c.multiple::text AS cover_multiple,
              CASE WHEN l.channel = 'BANK_COVERED' THEN coalesce(rf.npl_overdue_days, 90)
                   ELSE coalesce(pv.npl_overdue_days, 90) END AS npl_overdue_days,
              l.term_months, st.programme_id::text AS subsidy_programme_id,
              st.subsidy_rate_percent::text, st.basis_cap_fen::text AS subsidy_basis_cap_fen
         FROM loans l
         JOIN product_versions pv ON pv.id = l.product_version_id
         JOIN products p ON p.id = pv.product_id
         LEFT JOIN guarantee_covers c ON c.loan_id = l.id AND c.status IN ('ACTIVE', 'CLOSED')
         LEFT JOIN risk_funds rf ON rf.id = c.risk_fund_id
         LEFT JOIN subsidy_loan_terms st ON st.loan_id = l.id
        WHERE l.status IN ('DISBURSED', 'CLOSED', 'WRITTEN_OFF') AND l.disbursement_date <= $1
          AND (l.closed_on IS NULL OR l.closed_on > $1)
          AND (l.channel = 'MUTUAL_AID' OR c.id IS NOT NULL)
        ORDER BY l.id`,
      [asOf],
    );
  }

  /** The loan rows themselves (for the repayment engine's `termsOf`). */
  loanRows<T>(m: EntityManager, ids: string[]): Promise<T[]> {
    return queryRows<T>(m, `SELECT * FROM loans WHERE id = ANY($1::bigint[]) ORDER BY id`, [ids]);
  }

  installments(m: EntityManager, ids: string[]): Promise<BookInstallmentRow[]> {
    return queryRows(
      m,
      `SELECT loan_id::text, number, period_start::text, due_date::text, days, principal_fen::text, interest_fen::text,
              original_interest_fen::text, paid_principal_fen::text, paid_interest_fen::text, paid_on::text,
              interest_paid_on::text
         FROM loan_installments WHERE loan_id = ANY($1::bigint[]) ORDER BY loan_id, number`,
      [ids],
    );
  }

  /** Posted repayments of mutual-aid loans up to the date (what the repayment engine replays). */
  payments(m: EntityManager, ids: string[], asOf: string): Promise<BookPaymentRow[]> {
    return queryRows(
      m,
      `SELECT loan_id::text, id::text, value_date::text, amount_fen::text FROM repayments
        WHERE loan_id = ANY($1::bigint[]) AND kind = 'REPAYMENT' AND status = 'POSTED' AND value_date <= $2
        ORDER BY loan_id, value_date, id`,
      [ids, asOf],
    );
  }

  /**
   * What was paid after `from` up to `to`: posted mutual-aid repayments by value date, and each covered instalment
   * the bank reported paid (its principal and fee, on its paid date). A back-test replays these.
   */
  paymentsBetween(m: EntityManager, ids: string[], from: string, to: string): Promise<BookPaymentRow[]> {
    return queryRows(
      m,
      `SELECT loan_id::text, id::text, value_date::text, amount_fen::text FROM repayments
        WHERE loan_id = ANY($1::bigint[]) AND kind = 'REPAYMENT' AND status = 'POSTED' AND value_date > $2 AND value_date <= $3
       UNION ALL
       SELECT i.loan_id::text, i.number::text, i.paid_on::text, (i.paid_principal_fen + i.paid_interest_fen)::text
         FROM loan_installments i JOIN loans l ON l.id = i.loan_id
        WHERE i.loan_id = ANY($1::bigint[]) AND l.channel = 'BANK_COVERED' AND i.paid_on > $2 AND i.paid_on <= $3
       ORDER BY 1, 3, 2`,
      [ids, from, to],
    );
  }

  funds(m: EntityManager): Promise<BookFundRow[]> {
    return queryRows(
      m,
      `SELECT f.id::text, f.village_id::text, t.district_id::text, f.name, f.lending_cap_percent::text,
              f.max_loan_fen::text, f.max_term_months, last.product_version_id::text, last.annual_rate_percent::text
         FROM mutual_aid_funds f
         JOIN villages v ON v.id = f.village_id
         JOIN towns t ON t.id = v.town_id
         LEFT JOIN LATERAL (
           SELECT l.product_version_id, l.annual_rate_percent FROM loans l
            WHERE l.fund_id = f.id AND l.channel = 'MUTUAL_AID' AND l.disbursement_date IS NOT NULL
            ORDER BY l.disbursement_date DESC, l.id DESC LIMIT 1) last ON true
        WHERE f.status = 'ACTIVE'
        ORDER BY f.id`,
    );
  }

  /** The current versions of the active household covered-loan products (new covered loans' terms), by id. */
  coveredProductVersions(m: EntityManager): Promise<{ version_id: string }[]> {
    return queryRows(
      m,
      `SELECT pv.id::text AS version_id
         FROM products p JOIN product_versions pv ON pv.product_id = p.id AND pv.version = p.current_version
        WHERE p.active AND p.kind = 'HOUSEHOLD_MICROCREDIT'
        ORDER BY p.id`,
    );
  }

  riskFunds(m: EntityManager): Promise<BookRiskFundRow[]> {
    return queryRows(
      m,
      `SELECT rf.id::text, rf.district_id::text, rf.name, d.heavy_task, rf.minimum_fund_fen::text, rf.npl_overdue_days
         FROM risk_funds rf JOIN districts d ON d.id = rf.district_id
        WHERE rf.status = 'ACTIVE' ORDER BY rf.id`,
    );
  }

  agreements(m: EntityManager, asOf: string): Promise<BookAgreementRow[]> {
    return queryRows(
      m,
      `SELECT id::text, risk_fund_id::text, bank_id::text, leverage_multiple::text, npl_threshold_percent::text,
              fund_share_percent::text, bank_share_percent::text, trigger_days,
              valid_from::text, valid_to::text
         FROM guarantee_agreements
        WHERE status = 'ACTIVE' AND valid_from <= $1 AND (valid_to IS NULL OR valid_to >= $1)
        ORDER BY id`,
      [asOf],
    );
  }

  programmes(m: EntityManager): Promise<{ id: string; period_end_months: number[]; period_end_day: number; grace_days: number }[]> {
    return queryRows(
      m,
      `SELECT id::text, period_end_months, period_end_day, grace_days FROM subsidy_programmes ORDER BY id`,
    );
  }

  budgets(m: EntityManager): Promise<BookBudgetRow[]> {
    return queryRows(
      m,
      `SELECT programme_id::text, year, budget_fen::text, committed_fen::text FROM subsidy_budgets ORDER BY programme_id, year`,
    );
  }

  /** The balance of every account of the given prefixes at the end of `asOf` (entries by business date). */
  balances(m: EntityManager, prefixes: string[], asOf: string): Promise<{ code: string; fen: string }[]> {
    return queryRows(
      m,
      `SELECT a.code,
              coalesce(sum(CASE WHEN p.side = a.normal_side THEN p.amount_fen ELSE -p.amount_fen END)
                       FILTER (WHERE e.business_date <= $2), 0)::text AS fen
         FROM ledger_accounts a
         LEFT JOIN ledger_postings p ON p.account_id = a.id
         LEFT JOIN journal_entries e ON e.id = p.entry_id
        WHERE a.code LIKE ANY($1::text[])
        GROUP BY a.code`,
      [prefixes.map((p) => `${p}%`), asOf],
    );
  }

  /** The benchmark rate in force on the date for a one-year term. */
  async benchmark(m: EntityManager, asOf: string): Promise<string | null> {
    const rows = await queryRows<{ rate: string }>(
      m,
      `SELECT rate_percent::text AS rate FROM benchmark_rates
        WHERE effective_from <= $1 AND term_min_months <= 12 AND term_max_months >= 12
        ORDER BY effective_from DESC, id DESC LIMIT 1`,
      [asOf],
    );
    return rows[0]?.rate ?? null;
  }
}
