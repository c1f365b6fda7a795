import type { FieldError } from '#libs/common';
import type { ProgrammeLoan } from './generation.js';
import { loanSubsidyTerms, policyJson, type LoanSubsidyTerms, type SubsidyPolicy } from './policy.js';

/** The loan facts the subsidy terms and the claim lines are made from (fen as text, dates as 'YYYY-MM-DD'). */
export interface LoanTermsFacts {
  id: string;
  loan_no: string;
  channel: 'MUTUAL_AID' | 'BANK_COVERED';
  borrower_type: 'HOUSEHOLD' | 'ENTITY';
  bank_id: string | null;
  fund_id: string | null;
  principal_fen: string;
  term_months: number;
  method: string;
  frequency: string;
  day_count: string;
  rounding: 'HALF_UP' | 'HALF_EVEN';
  status: string;
  flags: string[];
  contract_date: string | null;
  product_version_id: string;
}

/** Subsidy terms frozen for a loan the first time it is computed for a claim. */
export interface FrozenTerms {
  loanId: string;
  versionId: string;
  policy: Record<string, string>;
  rate: string;
  cap: string;
  benchmark: string | null;
  linked: number | null;
}

/**
 * Why the terms of a loan not yet frozen cannot be computed (null: they can): a FULL_BENCHMARK policy needs the
 * contract date to look the benchmark up (when the loan did not record one), a CAPPED policy the contract rate.
 */
export function termsFactsMissing(
  r: Pick<LoanTermsFacts, 'id' | 'loan_no' | 'contract_date'>,
  policy: SubsidyPolicy,
  facts: { benchmarkRatePercent: string | null; annualRatePercent: string | null },
): FieldError | null {
  if (policy.type === 'FULL_BENCHMARK' && facts.benchmarkRatePercent === null && !r.contract_date) {
    return {
      field: `loans[${r.id}].contractDate`,
      code: 'MISSING',
      message: `loan ${r.loan_no} has no contract date for its benchmark rate`,
    };
  }
  if (policy.type === 'CAPPED' && facts.annualRatePercent === null) {
    return {
      field: `loans[${r.id}].annualRatePercent`,
      code: 'MISSING',
      message: `loan ${r.loan_no} has no contract rate`,
    };
  }
  return null;
}

/**
 * A loan's subsidy terms under its policy, and the row that freezes them: an operating entity counts its linked
 * POOR households (for the policy's per-household cap), a household none.
 */
export function freshTerms(
  r: Pick<LoanTermsFacts, 'id' | 'product_version_id' | 'borrower_type'>,
  policy: SubsidyPolicy,
  facts: { annualRatePercent: string; benchmarkRatePercent: string | null; linkedPoorCount: number },
): { terms: LoanSubsidyTerms; frozen: FrozenTerms } {
  const linkedPoor = r.borrower_type === 'ENTITY' ? facts.linkedPoorCount : null;
  const terms = loanSubsidyTerms(policy, {
    borrowerType: r.borrower_type,
    annualRatePercent: facts.annualRatePercent,
    benchmarkRatePercent: facts.benchmarkRatePercent,
    linkedPoorCount: linkedPoor,
  });
  return {
    terms,
    frozen: {
      loanId: r.id,
      versionId: r.product_version_id,
      policy: policyJson(policy),
      rate: terms.ratePercent,
      cap: terms.basisCapFen.toString(),
      benchmark: facts.benchmarkRatePercent,
      linked: linkedPoor,
    },
  };
}

/** A programme loan: the bank of a covered loan or the fund of a mutual-aid loan is paid its subsidy. */
export function programmeLoan(
  r: LoanTermsFacts,
  policy: SubsidyPolicy,
  terms: LoanSubsidyTerms,
): ProgrammeLoan {
  return {
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
    policyType: policy.type,
    terms,
  };
}

/** The detail of a refusal naming how many product versions or loans cannot be computed, and why. */
export function termsRefusalDetail(errors: readonly FieldError[]): string {
  return `the subsidy of ${new Set(errors.map((e) => e.field.split('.')[0])).size} product version(s) or loan(s) cannot be computed: ${errors.map((e) => e.message).join('; ')}`;
}
