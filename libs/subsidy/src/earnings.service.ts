import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { DomainError, type FieldError, ID_PATTERN } from '#libs/common';
import { formatYuan } from '#libs/money';
import { normalizePercent, RatesService } from '#libs/products';
import type { ProgrammeLoan } from './domain/generation.js';
import {
  freshTerms,
  programmeLoan,
  termsFactsMissing,
  termsRefusalDetail,
  type FrozenTerms,
} from './domain/loan-terms.js';
import {
  loanPeriodSubsidies,
  shareText,
  type PeriodSubsidy,
  type SubsidyInstallmentFacts,
} from './domain/earning.js';
import { parsePolicy, type LoanSubsidyTerms } from './domain/policy.js';
import { EarningsStore, type LoanRow } from './store/earnings.store.js';
import { ProgrammesStore } from './store/programmes.store.js';

/**
 * What each loan of a programme earns, period by period: the loan facts, its frozen subsidy terms (frozen here
 * the first time a loan is computed for a claim) and its instalments, through the pure earning rules.
 */
@Injectable()
export class EarningsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly rates: RatesService,
    private readonly store: EarningsStore = new EarningsStore(),
    private readonly programmes: ProgrammesStore = new ProgrammesStore(),
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
    const rows = await this.store.programmeLoans(m, programme, from, to, opts.loanId ?? null);
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
    const linked = await this.store.linkedPoorCounts(
      m,
      rows.filter((r) => r.frozen_rate === null && r.borrower_type === 'ENTITY').map((r) => r.entity_id!),
    );
    const fresh: FrozenTerms[] = [];
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
        const missing = termsFactsMissing(r, parsed.policy, {
          benchmarkRatePercent: benchmark,
          annualRatePercent: r.annual_rate_percent,
        });
        if (missing) {
          errors.push(missing);
          continue;
        }
        if (parsed.policy.type === 'FULL_BENCHMARK' && benchmark === null) {
          const key = `${r.term_months}:${r.contract_date}`;
          try {
            benchmark = benchmarks.get(key) ?? (await this.rates.rateFor(r.term_months, r.contract_date!, m));
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
        const computed = freshTerms(r, parsed.policy, {
          annualRatePercent: normalizePercent(r.annual_rate_percent ?? '0'),
          benchmarkRatePercent: benchmark,
          linkedPoorCount: linked.get(r.entity_id!) ?? 0,
        });
        terms = computed.terms;
        fresh.push(computed.frozen);
      }
      out.push(programmeLoan(r, parsed.policy, terms));
    }
    if (errors.length) {
      throw new DomainError('SUBSIDY_POLICY_INVALID', termsRefusalDetail(errors), errors);
    }
    if (freeze && fresh.length) {
      await this.store.freezeTerms(m, programmeId, fresh);
    }
    return out;
  }

  /** Every instalment of the loans, grouped by loan, with the day its interest was paid in full. */
  async installments(m: EntityManager, loanIds: string[]): Promise<Map<string, SubsidyInstallmentFacts[]>> {
    const out = new Map<string, SubsidyInstallmentFacts[]>();
    if (!loanIds.length) return out;
    const rows = await this.store.installments(m, loanIds);
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
    const found = await this.store.loanProgramme(m, loanId);
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
    const graceDays = await this.programmes.graceDays(m, found.programme_id);
    const periods = (await this.periods(m, [loan], graceDays ?? 0, asOf)).get(loan.id) ?? [];
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
