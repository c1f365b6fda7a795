import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { DomainError, queryRows, type FieldError, ID_PATTERN } from '#libs/common';
import { formatYuan } from '#libs/money';
import { normalizePercent, RatesService } from '#libs/products';
import type { ClaimLine } from './domain/claims.js';
import {
  loanPeriodSubsidies,
  shareText,
  type PeriodSubsidy,
  type SubsidyInstallmentFacts,
  type SubsidyLoanFacts,
} from './domain/earning.js';
import {
  loanSubsidyTerms,
  parsePolicy,
  policyJson,
  type LoanSubsidyTerms,
  type PolicyType,
} from './domain/policy.js';

/** A loan of a programme with what its subsidy is computed from. */
export interface ProgrammeLoan {
  id: string;
  loanNo: string;
  channel: 'MUTUAL_AID' | 'BANK_COVERED';
  payeeType: 'BANK' | 'FUND';
  payeeId: string;
  facts: SubsidyLoanFacts;
  policyType: PolicyType;
  terms: LoanSubsidyTerms;
}

interface LoanRow {
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

/**
 * What each loan of a programme earns, period by period: the loan facts, its frozen subsidy terms (frozen here
 * the first time a loan is computed for a claim) and its instalments, through the pure earning rules.
 */
@Injectable()
export class EarningsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly rates: RatesService,
  ) {}

  /**
   * The disbursed (or closed / written-off) loans whose product version names this programme in its policy and
   * that have an instalment due in [from, to], with their subsidy terms, frozen now when they are not yet.
   * Refuses with SUBSIDY_POLICY_INVALID naming every product version or loan whose terms cannot be read.
   */
  async programmeLoans(
    m: EntityManager,
    programme: { id: string; district_id: string | null },
    from: string,
    to: string,
    opts: { freeze: boolean; loanId?: string } = { freeze: true },
  ): Promise<ProgrammeLoan[]> {
    const rows = await queryRows<LoanRow>(
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
      [programme.id, programme.district_id, from, to, opts.loanId ?? null],
    );
    return this.withTerms(m, programme.id, rows, opts.freeze);
  }

  private async withTerms(
    m: EntityManager,
    programmeId: string,
    rows: LoanRow[],
    freeze: boolean,
  ): Promise<ProgrammeLoan[]> {
    const errors: FieldError[] = [];
    const out: ProgrammeLoan[] = [];
    const linked = await this.linkedPoorCounts(
      m,
      rows.filter((r) => r.frozen_rate === null && r.borrower_type === 'ENTITY').map((r) => r.entity_id!),
    );
    const fresh: {
      loanId: string;
      versionId: string;
      policy: Record<string, string>;
      rate: string;
      cap: string;
      benchmark: string | null;
      linked: number | null;
    }[] = [];
    const benchmarks = new Map<string, string>();
    for (const r of rows) {
      const parsed = parsePolicy(
        r.frozen_policy ?? r.subsidy_policy,
        `productVersions[${r.product_version_id}].subsidyPolicy`,
      );
      if (!parsed.ok) {
        errors.push(...parsed.errors);
        continue;
      }
      let terms: LoanSubsidyTerms;
      if (r.frozen_rate !== null) {
        terms = { ratePercent: normalizePercent(r.frozen_rate), basisCapFen: BigInt(r.frozen_cap!) };
      } else {
        let benchmark: string | null =
          r.benchmark_rate_percent === null ? null : normalizePercent(r.benchmark_rate_percent);
        if (parsed.policy.type === 'FULL_BENCHMARK' && benchmark === null) {
          if (!r.contract_date) {
            errors.push({
              field: `loans[${r.id}].contractDate`,
              code: 'MISSING',
              message: `loan ${r.loan_no} has no contract date for its benchmark rate`,
            });
            continue;
          }
          const key = `${r.term_months}:${r.contract_date}`;
          try {
            benchmark = benchmarks.get(key) ?? (await this.rates.rateFor(r.term_months, r.contract_date, m));
            benchmarks.set(key, benchmark);
          } catch (e) {
            if (!(e instanceof DomainError)) throw e;
            errors.push({
              field: `loans[${r.id}].benchmarkRate`,
              code: e.code,
              message: `loan ${r.loan_no}: ${e.detail}`,
            });
            continue;
          }
        }
        if (parsed.policy.type === 'CAPPED' && r.annual_rate_percent === null) {
          errors.push({
            field: `loans[${r.id}].annualRatePercent`,
            code: 'MISSING',
            message: `loan ${r.loan_no} has no contract rate`,
          });
          continue;
        }
        const linkedPoor = r.borrower_type === 'ENTITY' ? (linked.get(r.entity_id!) ?? 0) : null;
        terms = loanSubsidyTerms(parsed.policy, {
          borrowerType: r.borrower_type,
          annualRatePercent: normalizePercent(r.annual_rate_percent ?? '0'),
          benchmarkRatePercent: benchmark,
          linkedPoorCount: linkedPoor,
        });
        fresh.push({
          loanId: r.id,
          versionId: r.product_version_id,
          policy: policyJson(parsed.policy),
          rate: terms.ratePercent,
          cap: terms.basisCapFen.toString(),
          benchmark,
          linked: linkedPoor,
        });
      }
      out.push({
        id: r.id,
        loanNo: r.loan_no,
        channel: r.channel,
        payeeType: r.channel === 'BANK_COVERED' ? 'BANK' : 'FUND',
        payeeId: (r.channel === 'BANK_COVERED' ? r.bank_id : r.fund_id)!,
        facts: {
          principalFen: BigInt(r.principal_fen),
          termMonths: r.term_months,
          method: r.method,
          frequency: r.frequency,
          dayCount: r.day_count,
          rounding: r.rounding,
          status: r.status,
          flags: r.flags,
        },
        policyType: parsed.policy.type,
        terms,
      });
    }
    if (errors.length) {
      throw new DomainError(
        'SUBSIDY_POLICY_INVALID',
        `the subsidy of ${new Set(errors.map((e) => e.field.split('.')[0])).size} product version(s) or loan(s) cannot be computed: ${errors.map((e) => e.message).join('; ')}`,
        errors,
      );
    }
    if (freeze && fresh.length) {
      // frozen once: later generations read these, whatever happens to benchmark rows or linked households
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
    return out;
  }

  private async linkedPoorCounts(m: EntityManager, entityIds: string[]): Promise<Map<string, number>> {
    if (!entityIds.length) return new Map();
    const rows = await queryRows<{ entity_id: string; n: number }>(
      m,
      `SELECT l.entity_id::text, count(*) FILTER (WHERE h.status = 'POOR')::int AS n
         FROM entity_linked_households l JOIN households h ON h.id = l.household_id
        WHERE l.entity_id = ANY($1::bigint[]) GROUP BY l.entity_id`,
      [entityIds],
    );
    return new Map(rows.map((r) => [r.entity_id, r.n]));
  }

  /** Every instalment of the loans, grouped by loan, with the day its interest was paid in full. */
  async installments(m: EntityManager, loanIds: string[]): Promise<Map<string, SubsidyInstallmentFacts[]>> {
    const out = new Map<string, SubsidyInstallmentFacts[]>();
    if (!loanIds.length) return out;
    const rows = await queryRows<{
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
    }>(
      m,
      // interest_paid_on is the repayment engine's "interest paid in full" date; an instalment recorded as paid
      // without it (a bank's statement import) counts as paid in full on its paid_on date
      `SELECT loan_id::text, number, period_start, due_date, days, principal_fen::text, interest_fen::text,
              coalesce(original_interest_fen, interest_fen)::text AS original_interest_fen, paid_interest_fen::text,
              coalesce(interest_paid_on, CASE WHEN paid_interest_fen = interest_fen THEN paid_on END) AS interest_paid_on
         FROM loan_installments WHERE loan_id = ANY($1::bigint[]) ORDER BY loan_id, number`,
      [loanIds],
    );
    for (const r of rows) {
      let list = out.get(r.loan_id);
      if (!list) out.set(r.loan_id, (list = []));
      list.push({
        number: r.number,
        periodStart: r.period_start,
        dueDate: r.due_date,
        days: r.days,
        principalFen: BigInt(r.principal_fen),
        interestFen: BigInt(r.interest_fen),
        originalInterestFen: BigInt(r.original_interest_fen),
        paidInterestFen: BigInt(r.paid_interest_fen),
        interestPaidOn: r.interest_paid_on,
      });
    }
    return out;
  }

  /** The periods of each loan, as of `asOf`, under the programme's grace days. */
  async periods(
    m: EntityManager,
    loans: ProgrammeLoan[],
    graceDays: number,
    asOf: string,
  ): Promise<Map<string, PeriodSubsidy[]>> {
    const inst = await this.installments(
      m,
      loans.map((l) => l.id),
    );
    return new Map(
      loans.map((l) => [l.id, loanPeriodSubsidies(l.facts, l.terms, inst.get(l.id) ?? [], graceDays, asOf)]),
    );
  }

  /** One loan's subsidy period by period (a preview: nothing is frozen or written). */
  async loanPreview(loanId: string, asOf: string) {
    if (!ID_PATTERN.test(loanId)) throw new DomainError('NOT_FOUND', `loan ${loanId} not found`);
    const m = this.dataSource.manager;
    const [found] = await queryRows<{ programme_id: string | null; district_id: string | null }>(
      m,
      `SELECT pv.subsidy_policy->>'programmeId' AS programme_id, p.district_id::text
         FROM loans l JOIN product_versions pv ON pv.id = l.product_version_id
         LEFT JOIN subsidy_programmes p ON p.id::text = pv.subsidy_policy->>'programmeId'
        WHERE l.id = $1`,
      [loanId],
    );
    if (!found) throw new DomainError('NOT_FOUND', `loan ${loanId} not found`);
    if (!found.programme_id) return { loanId, programmeId: null, policy: null, periods: [], totals: null };
    const [loan] = await this.programmeLoans(
      m,
      { id: found.programme_id, district_id: found.district_id },
      '1900-01-01',
      '2199-12-31',
      {
        freeze: false,
        loanId,
      },
    );
    if (!loan) return { loanId, programmeId: found.programme_id, policy: null, periods: [], totals: null };
    const [grace] = await queryRows<{ grace_days: number }>(
      m,
      `SELECT grace_days FROM subsidy_programmes WHERE id = $1`,
      [found.programme_id],
    );
    const periods = (await this.periods(m, [loan], grace?.grace_days ?? 0, asOf)).get(loan.id) ?? [];
    const sum = (f: (p: PeriodSubsidy) => bigint) => formatYuan(periods.reduce((s, p) => s + f(p), 0n));
    return {
      loanId,
      loanNo: loan.loanNo,
      programmeId: found.programme_id,
      policy: {
        type: loan.policyType,
        ratePercent: loan.terms.ratePercent,
        basisCap: formatYuan(loan.terms.basisCapFen),
      },
      asOf,
      periods: periods.map((p) => ({
        number: p.number,
        periodStart: p.periodStart,
        dueDate: p.dueDate,
        days: p.days,
        balance: formatYuan(p.balanceFen),
        basis: formatYuan(p.basisFen),
        yearShare: shareText(p.share),
        interest: formatYuan(p.interestFen),
        interestPaid: formatYuan(p.paidInterestFen),
        interestPaidOn: p.interestPaidOn,
        subsidy: formatYuan(p.computedFen),
        outcome: p.outcome,
        forfeitReason: p.reason,
      })),
      totals: {
        earned: sum((p) => p.earnedFen),
        forfeited: sum((p) => p.forfeitedFen),
        pending: sum((p) => (p.outcome === 'PENDING' ? p.computedFen : 0n)),
      },
    };
  }
}

/** A computed period as a claim line (ORIGINAL form: the line claims what it earned). */
export function lineOf(loan: ProgrammeLoan, p: PeriodSubsidy): ClaimLine {
  if (p.outcome === 'PENDING') throw new RangeError('a pending period is not a claim line');
  return {
    loanId: loan.id,
    installmentNumber: p.number,
    periodStart: p.periodStart,
    dueDate: p.dueDate,
    days: p.days,
    policyType: loan.policyType,
    ratePercent: p.ratePercent,
    balanceFen: p.balanceFen,
    basisFen: p.basisFen,
    yearShare: shareText(p.share),
    interestFen: p.interestFen,
    originalInterestFen: p.originalInterestFen,
    interestPaidFen: p.paidInterestFen,
    interestPaidOn: p.interestPaidOn,
    computedFen: p.computedFen,
    outcome: p.outcome,
    reason: p.reason,
    earnedFen: p.earnedFen,
    forfeitedFen: p.forfeitedFen,
    claimedBeforeFen: 0n,
    subsidyFen: p.earnedFen,
  };
}
