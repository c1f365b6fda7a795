import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { EntitiesStore } from '#libs/households';
import { queryRows } from '#libs/common';
import type { FrozenTerms, LoanTermsFacts } from '../domain/loan-terms.js';

/** A loan of a programme with its product's policy and its frozen subsidy terms, if any. */
export interface LoanRow extends LoanTermsFacts {
  id: string;
  loan_no: string;
  channel: 'MUTUAL_AID' | 'BANK_COVERED';
  borrower_type: 'HOUSEHOLD' | 'ENTITY';
  entity_id: string | null;
  bank_id: string | null;
  fund_id: string | null;
  principal_fen: string;
  term_months: number;
  annual_rate_percent: string | null;
  benchmark_rate_percent: string | null;
  method: string;
  frequency: string;
  day_count: string;
  rounding: 'HALF_UP' | 'HALF_EVEN';
  status: string;
  flags: string[];
  contract_date: string | null;
  product_version_id: string;
  subsidy_policy: unknown;
  frozen_policy: unknown;
  frozen_rate: string | null;
  frozen_cap: string | null;
}

const LOAN_COLUMNS = `l.id::text, l.loan_no, l.channel, l.borrower_type, l.entity_id::text, l.bank_id::text, l.fund_id::text,
  l.principal_fen::text, l.term_months, l.annual_rate_percent::text, l.benchmark_rate_percent::text, l.method, l.frequency,
  l.day_count, l.rounding, l.status, l.flags, coalesce(l.contract_date, l.disbursement_date) AS contract_date,
  l.product_version_id::text, pv.subsidy_policy, t.policy AS frozen_policy, t.subsidy_rate_percent::text AS frozen_rate,
  t.basis_cap_fen::text AS frozen_cap`;

/** A loan instalment as the subsidy reads it (fen as text). */
export interface SubsidyInstallmentRow {
  loan_id: string;
  number: number;
  period_start: string;
  due_date: string;
  days: number;
  principal_fen: string;
  interest_fen: string;
  original_interest_fen: string;
  paid_interest_fen: string;
  interest_paid_on: string | null;
}

/**
 * The reads the subsidy computation makes of loans, instalments and linked households (owned by other
 * libraries: read here, never written), and all SQL over `subsidy_loan_terms`.
 */
@Injectable()
export class EarningsStore {
  /**
   * The disbursed (or closed / written-off) loans whose product version names the programme in its policy and
   * that have an instalment due in [from, to] (one loan when `loanId` is given).
   */
  programmeLoans(
    m: EntityManager,
    programme: { id: string; district_id: string | null },
    from: string,
    to: string,
    loanId: string | null,
  ): Promise<LoanRow[]> {
    return queryRows<LoanRow>(
      m,
      `SELECT ${LOAN_COLUMNS}
         FROM loans l
         JOIN product_versions pv ON pv.id = l.product_version_id
         LEFT JOIN subsidy_loan_terms t ON t.loan_id = l.id
        WHERE pv.subsidy_policy->>'programmeId' = $1
          AND l.status IN ('DISBURSED','CLOSED','WRITTEN_OFF')
          AND ($2::bigint IS NULL OR l.district_id = $2)
          AND ($5::bigint IS NULL OR l.id = $5)
          AND EXISTS (SELECT 1 FROM loan_installments i WHERE i.loan_id = l.id AND i.due_date BETWEEN $3 AND $4)
        ORDER BY l.id`,
      [programme.id, programme.district_id, from, to, loanId],
    );
  }

  /** Frozen once: later generations read these, whatever happens to benchmark rows or linked households. */
  async freezeTerms(m: EntityManager, programmeId: string, fresh: readonly FrozenTerms[]): Promise<void> {
    await m.query(
      `INSERT INTO subsidy_loan_terms (loan_id, programme_id, product_version_id, policy, subsidy_rate_percent, basis_cap_fen,
                                       benchmark_rate_percent, linked_poor_count)
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::jsonb[], $5::numeric[], $6::bigint[], $7::numeric[], $8::int[])
       ON CONFLICT (loan_id) DO NOTHING`,
      [
        fresh.map((f) => f.loanId),
        fresh.map(() => programmeId),
        fresh.map((f) => f.versionId),
        fresh.map((f) => JSON.stringify(f.policy)),
        fresh.map((f) => f.rate),
        fresh.map((f) => f.cap),
        fresh.map((f) => f.benchmark),
        fresh.map((f) => f.linked),
      ],
    );
  }

  /** The number of POOR households counted for each operating entity (a household shared by several counts once). */
  async linkedPoorCounts(m: EntityManager, entityIds: string[]): Promise<Map<string, number>> {
    // the households' registry decides which entity each poor household is counted for (one line per household)
    return new EntitiesStore().countedPoorCounts(m, entityIds);
  }

  /** Every instalment of the loans, by loan and number, with the day its interest was paid in full. */
  installments(m: EntityManager, loanIds: string[]): Promise<SubsidyInstallmentRow[]> {
    return queryRows<SubsidyInstallmentRow>(
      m,
      // interest_paid_on is the repayment engine's "interest paid in full" date; an instalment recorded as paid
      // without it (a bank's statement import) counts as paid in full on its paid_on date
      `SELECT loan_id::text, number, period_start, due_date, days, principal_fen::text, interest_fen::text,
              coalesce(original_interest_fen, interest_fen)::text AS original_interest_fen, paid_interest_fen::text,
              coalesce(interest_paid_on, CASE WHEN paid_interest_fen = interest_fen THEN paid_on END) AS interest_paid_on
         FROM loan_installments WHERE loan_id = ANY($1::bigint[]) ORDER BY loan_id, number`,
      [loanIds],
    );
  }

  /** The programme a loan's product version names, with the programme's district. */
  async loanProgramme(
    m: EntityManager,
    loanId: string,
  ): Promise<{ programme_id: string | null; district_id: string | null } | undefined> {
    const [found] = await queryRows<{ programme_id: string | null; district_id: string | null }>(
      m,
      `SELECT pv.subsidy_policy->>'programmeId' AS programme_id, p.district_id::text
         FROM loans l JOIN product_versions pv ON pv.id = l.product_version_id
         LEFT JOIN subsidy_programmes p ON p.id::text = pv.subsidy_policy->>'programmeId'
        WHERE l.id = $1`,
      [loanId],
    );
    return found;
  }
}
