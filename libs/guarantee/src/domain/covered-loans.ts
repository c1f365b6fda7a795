import type { ErrorCode, FieldError } from '#libs/common';
import type { LoanRow, NewLoan, InstallmentPayment, ScheduleLine } from '#libs/loans';
import type { LoanRequestFacts } from '#libs/products';
import { formatYuan, parseDecimal, pow10, type Fen } from '#libs/money';
import { addDays, type ScheduleRequest } from '#libs/schedules/domain';
import type { BorrowerType, CoverState, Refusal } from './covers.js';

/** A bank may register a loan it will disburse up to this many days ahead (the reservation holds capacity). */
export const MAX_DAYS_AHEAD = 60;

/** A bank-covered loan as guarantee reads it: the bank's columns are always set on this channel. */
export interface CoveredLoanRow {
  id: string;
  loan_no: string;
  bank_id: string;
  bank_loan_ref: string;
  agreement_id: string;
  product_version_id: string;
  borrower_type: BorrowerType;
  household_id: string | null;
  entity_id: string | null;
  district_id: string;
  principal_fen: string;
  term_months: number;
  annual_rate_percent: string;
  purpose: string;
  status: string;
  disbursement_date: string;
  maturity_date: string | null;
  outstanding_principal_fen: string;
  days_overdue: number;
  arrears_bucket: string;
  non_performing: boolean;
  status_reported_on: string | null;
  status_reported_days: number | null;
  flags: string[];
  closed_on: string | null;
  status_reason: string | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  version: number;
}

/** A loans row of the BANK_COVERED channel, its bank columns narrowed (they are set for every covered loan). */
export function asCoveredLoan(r: LoanRow): CoveredLoanRow {
  if (
    r.channel !== 'BANK_COVERED' ||
    r.bank_id === null ||
    r.bank_loan_ref === null ||
    r.agreement_id === null ||
    r.annual_rate_percent === null ||
    r.disbursement_date === null
  )
    throw new Error(`loan ${r.id} is not a registered bank-covered loan`);
  return {
    ...r,
    bank_id: r.bank_id,
    bank_loan_ref: r.bank_loan_ref,
    agreement_id: r.agreement_id,
    annual_rate_percent: r.annual_rate_percent,
    disbursement_date: r.disbursement_date,
  };
}

export function coveredLoanView(r: CoveredLoanRow) {
  return {
    id: r.id,
    loanNo: r.loan_no,
    bankId: r.bank_id,
    bankLoanRef: r.bank_loan_ref,
    agreementId: r.agreement_id,
    productVersionId: r.product_version_id,
    borrowerType: r.borrower_type,
    householdId: r.household_id,
    entityId: r.entity_id,
    districtId: r.district_id,
    principal: formatYuan(BigInt(r.principal_fen)),
    termMonths: r.term_months,
    annualRatePercent: r.annual_rate_percent.replace(/\.?0+$/, ''),
    purpose: r.purpose,
    status: r.status,
    disbursementDate: r.disbursement_date,
    maturityDate: r.maturity_date,
    outstandingPrincipal: formatYuan(BigInt(r.outstanding_principal_fen)),
    daysOverdue: r.days_overdue,
    arrearsBucket: r.arrears_bucket,
    nonPerforming: r.non_performing,
    /** the bank's latest status report (by as-of date), the basis the close of business ages the loan from */
    lastStatusReport:
      r.status_reported_on === null
        ? null
        : { asOf: r.status_reported_on, daysOverdue: r.status_reported_days },
    recoveryExhausted: r.flags.includes('RECOVERY_EXHAUSTED'),
    compensated: r.flags.includes('COMPENSATED'),
    closedOn: r.closed_on,
    statusReason: r.status_reason,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    version: r.version,
  };
}
export type CoveredLoanView = ReturnType<typeof coveredLoanView>;

/** One covered loan in full: its view, its cover in yuan and its frozen schedule with what was paid. */
export function coveredLoanDetail(
  row: CoveredLoanRow,
  cover: CoverState | undefined,
  installments: readonly {
    number: number;
    due_date: string;
    principal_fen: string;
    interest_fen: string;
    paid_principal_fen: string;
    paid_interest_fen: string;
    status: string;
  }[],
) {
  return {
    ...coveredLoanView(row),
    cover: cover
      ? {
          status: cover.status,
          multiple: cover.multiple,
          pending: formatYuan(cover.pendingFen),
          outstanding: formatYuan(cover.outstandingFen),
          coverUsed: formatYuan(cover.coverUsedFen),
          released: formatYuan(cover.releasedFen),
        }
      : null,
    installments: installments.map((i) => ({
      number: i.number,
      dueDate: i.due_date,
      principal: formatYuan(BigInt(i.principal_fen)),
      interest: formatYuan(BigInt(i.interest_fen)),
      paidPrincipal: formatYuan(BigInt(i.paid_principal_fen)),
      paidInterest: formatYuan(BigInt(i.paid_interest_fen)),
      status: i.status,
    })),
  };
}

export interface RepaymentReport {
  paidOn: string;
  principalFen: Fen;
  interestFen: Fen;
}
export interface StatusReport {
  asOf: string;
  daysOverdue: number;
  recoveryExhausted?: boolean;
}

export interface BulkRowResult {
  row: number;
  bankLoanRef: string;
  kind: 'REPAYMENT' | 'STATUS';
  outcome: 'APPLIED' | 'REPLAYED' | 'FAILED';
  loan?: CoveredLoanView;
  error?: { code: string; status: number; detail: string; errors?: FieldError[] };
}

/** The answer to a bulk report: every row's result and the counts by outcome. */
export function bulkSummary(results: BulkRowResult[]) {
  return {
    results,
    applied: results.filter((r) => r.outcome === 'APPLIED').length,
    replayed: results.filter((r) => r.outcome === 'REPLAYED').length,
    failed: results.filter((r) => r.outcome === 'FAILED').length,
  };
}

// ─── registration ─────────────────────────────────────────────────────────────────────────────────────────────

/** The disbursement date a bank may register: at most MAX_DAYS_AHEAD days after today. */
export function disbursementDateRefusal(disbursementDate: string, today: string): Refusal | null {
  if (disbursementDate <= addDays(today, MAX_DAYS_AHEAD)) return null;
  return {
    code: 'VALIDATION_FAILED',
    detail: 'invalid disbursement date',
    errors: [
      {
        field: 'disbursementDate',
        code: 'INVALID',
        message: `at most ${MAX_DAYS_AHEAD} days ahead of today (${today})`,
      },
    ],
  };
}

export const borrowerField = (t: BorrowerType): 'householdId' | 'entityId' =>
  t === 'HOUSEHOLD' ? 'householdId' : 'entityId';

export function refTaken(ref: string): Refusal {
  return {
    code: 'BANK_LOAN_REF_TAKEN',
    detail: `the bank already registered loan ${ref}`,
    errors: [
      { field: 'bankLoanRef', code: 'BANK_LOAN_REF_TAKEN', message: 'already registered by this bank' },
    ],
  };
}

export function noAgreement(borrowerType: BorrowerType, districtId: string): Refusal {
  return {
    code: 'COVERED_LOAN_NO_AGREEMENT',
    detail: `the bank has no cooperation agreement with the risk fund of district ${districtId}`,
    errors: [
      {
        field: borrowerField(borrowerType),
        code: 'COVERED_LOAN_NO_AGREEMENT',
        message: "no agreement covers the borrower's district",
      },
    ],
  };
}

/** A borrower that does not exist is a field of the request, not a missing resource. */
export function unknownBorrower(borrowerType: BorrowerType, detail: string): Refusal {
  return {
    code: 'VALIDATION_FAILED',
    detail,
    errors: [{ field: borrowerField(borrowerType), code: 'NOT_FOUND', message: detail }],
  };
}

/**
 * The guarantee side of a registration: the cover rules on the disbursement date, the agreement in force today
 * too (the cover starts today), and the district's recorded breaker.
 */
export function guaranteeSideProblems(f: {
  onDisbursement: FieldError[];
  today: string;
  disbursementDate: string;
  /** the cover rules as of today; asked for only when `needsToday` says so */
  onToday: FieldError[] | null;
  breakerSuspended: boolean;
  districtCode: string;
}): FieldError[] {
  const problems = [...f.onDisbursement];
  if (f.onToday) problems.push(...f.onToday.filter((p) => p.code === 'AGREEMENT_NOT_ACTIVE'));
  if (!problems.some((p) => p.code === 'DISTRICT_SUSPENDED') && f.breakerSuspended) {
    problems.push({
      field: 'agreementId',
      code: 'DISTRICT_SUSPENDED',
      message: `the circuit breaker of district ${f.districtCode} is tripped: new covered lending is suspended`,
    });
  }
  return problems;
}

/** Whether the agreement must also be checked as of today: the loan is disbursed later and in force then. */
export const needsTodayCheck = (
  onDisbursement: FieldError[],
  today: string,
  disbursementDate: string,
): boolean => today !== disbursementDate && !onDisbursement.some((p) => p.code === 'AGREEMENT_NOT_ACTIVE');

/** Only household microcredit and entity loans are lent by banks under cover. */
export function productKindProblem(code: string, kind: string): FieldError | null {
  if (kind === 'HOUSEHOLD_MICROCREDIT' || kind === 'ENTITY_LOAN') return null;
  return {
    field: 'productCode',
    code: 'PRODUCT_NOT_COVERABLE',
    message: `product ${code} is ${kind}; banks lend under cover with HOUSEHOLD_MICROCREDIT or ENTITY_LOAN products`,
  };
}

/** Two decimal strings equal as numbers, exactly ("4.85" = "4.850000"); false when either is not a decimal. */
export function sameDecimal(a: string, b: string): boolean {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  if (!x || !y) return false;
  const scale = Math.max(x.scale, y.scale);
  return x.units * pow10(scale - x.scale) === y.units * pow10(scale - y.scale);
}

/**
 * A covered loan carries the policy rate: the rate in force on its contract (disbursement) date for its term,
 * i.e. the benchmark plus the product's markup (or the product's fixed rate). Products define no band, so a rate
 * the bank sends must equal it exactly (decimal comparison, no floats); leaving it out takes the policy rate.
 */
export function contractRateProblem(
  sent: string | undefined,
  policy: { annualRatePercent: string; benchmarkRatePercent?: string | null; markupPercent?: string | null },
  contractDate: string,
): FieldError | null {
  if (sent === undefined || sent === null || sent === '') return null;
  if (sameDecimal(sent, policy.annualRatePercent)) return null;
  const how =
    policy.benchmarkRatePercent != null && policy.markupPercent != null
      ? ` (benchmark ${policy.benchmarkRatePercent} + markup ${policy.markupPercent})`
      : '';
  return {
    field: 'annualRatePercent',
    code: 'RATE_NOT_IN_FORCE',
    message: `the rate in force for this product and term on ${contractDate} is ${policy.annualRatePercent}${how}; ${sent} was sent`,
  };
}

/**
 * The borrower's credit line counts every active covered loan of theirs, at every bank (APPROVED at its principal,
 * DISBURSED at its outstanding principal), not just this request: a household's line is the product's maximum
 * (50,000.00), an entity's is the per-linked-poor-household amount × its counted linked poor households, capped
 * at the product's maximum (3,000,000.00). Reported only when the request alone is within the product's caps
 * (else the product's own AMOUNT_ABOVE_* failure says it).
 */
export function borrowerLimitProblem(input: {
  borrowerType: BorrowerType;
  amountFen: Fen;
  activeFen: Fen;
  maxPrincipalFen: Fen;
  maxPerLinkedHouseholdFen: Fen | null;
  linkedPoorCount: number | null;
}): FieldError | null {
  let lineFen = input.maxPrincipalFen;
  let how = `the product's maximum ${formatYuan(input.maxPrincipalFen)}`;
  if (input.borrowerType === 'ENTITY' && input.maxPerLinkedHouseholdFen !== null) {
    const n = input.linkedPoorCount ?? 0;
    const linked = input.maxPerLinkedHouseholdFen * BigInt(n);
    if (linked < lineFen) {
      lineFen = linked;
      how = `${n} linked poor household(s) × ${formatYuan(input.maxPerLinkedHouseholdFen)}`;
    }
  }
  if (input.amountFen > lineFen) return null; // the request alone is over the line: the product's rule reports it
  if (input.activeFen + input.amountFen <= lineFen) return null;
  const room = lineFen - input.activeFen;
  return {
    field: 'amount',
    code: 'BORROWER_LIMIT_EXCEEDED',
    message:
      `the borrower already owes ${formatYuan(input.activeFen)} on active covered loans; the credit line is ` +
      `${formatYuan(lineFen)} (${how}), so at most ${formatYuan(room < 0n ? 0n : room)} more can be lent`,
  };
}

export const productNotFound = (code: string): FieldError => ({
  field: 'productCode',
  code: 'NOT_FOUND',
  message: `product ${code} not found`,
});

/** The field names the product's eligibility failures are reported under, for a covered registration. */
export function eligibilityFields(borrowerType: BorrowerType) {
  const borrower = borrowerField(borrowerType);
  return {
    productId: 'productCode',
    borrowerType: 'borrowerType',
    amount: 'amount',
    householdStatus: borrower,
    borrowerAge: borrower,
    linkedPoorHouseholds: borrower,
  };
}

/** The refusal of a registration: named by its first problem when that is an error code, else product rules. */
export function registrationRefusal(
  bankLoanRef: string,
  problems: FieldError[],
  isErrorCode: (code: string) => code is ErrorCode,
): Refusal | null {
  if (!problems.length) return null;
  const first = problems[0].code as string;
  return {
    code: isErrorCode(first) ? first : 'PRODUCT_RULES_NOT_MET',
    detail: `loan ${bankLoanRef} cannot be covered: ${problems.map((p) => p.code).join(', ')}`,
    errors: problems,
  };
}

/** The product terms a covered loan is scheduled by. */
export interface CoveredTerms {
  versionId: string;
  method: string;
  frequency: string;
  dayCount: string;
  rounding: string;
  installmentMultipleFen: Fen;
}

/** The schedule request of a covered loan: the product's method, its contract rate, no principal grace. */
export function scheduleRequestOf(
  t: CoveredTerms,
  loan: {
    principalFen: Fen;
    annualRatePercent: string;
    installments: number;
    termMonths: number;
    disbursementDate: string;
  },
): ScheduleRequest {
  return {
    principalFen: loan.principalFen,
    annualRatePercent: loan.annualRatePercent,
    numberOfInstallments: loan.installments,
    frequency: t.frequency as ScheduleRequest['frequency'],
    termMonths: loan.termMonths,
    method: t.method as ScheduleRequest['method'],
    dayCount: t.dayCount as ScheduleRequest['dayCount'],
    disbursementDate: loan.disbursementDate,
    rounding: t.rounding as ScheduleRequest['rounding'],
    installmentMultipleFen: t.installmentMultipleFen,
    principalGraceInstallments: 0,
  };
}

/**
 * The loans row of a registration. A loan whose disbursement date is today or earlier is registered DISBURSED at
 * once (the bank has already paid out); a later date leaves it APPROVED with its cover reserved.
 */
export function newCoveredLoan(r: {
  bankId: string;
  bankLoanRef: string;
  agreementId: string;
  terms: CoveredTerms;
  borrowerType: BorrowerType;
  householdId: string | null;
  entityId: string | null;
  districtId: string;
  villageId: string | null;
  principalFen: Fen;
  termMonths: number;
  annualRatePercent: string;
  purpose: string;
  disbursementDate: string;
  schedule: readonly ScheduleLine[];
  today: string;
  actor: string;
}): NewLoan {
  const disbursed = r.disbursementDate <= r.today;
  return {
    loan_no: `CL-${r.bankId}-${r.bankLoanRef}`,
    channel: 'BANK_COVERED',
    product_version_id: r.terms.versionId,
    borrower_type: r.borrowerType,
    household_id: r.householdId,
    entity_id: r.entityId,
    district_id: r.districtId,
    village_id: r.villageId,
    bank_id: r.bankId,
    agreement_id: r.agreementId,
    bank_loan_ref: r.bankLoanRef,
    principal_fen: r.principalFen,
    term_months: r.termMonths,
    annual_rate_percent: r.annualRatePercent,
    purpose: r.purpose,
    method: r.terms.method,
    frequency: r.terms.frequency,
    day_count: r.terms.dayCount,
    rounding: r.terms.rounding,
    installment_multiple_fen: r.terms.installmentMultipleFen,
    status: disbursed ? 'DISBURSED' : 'APPROVED',
    contract_date: r.disbursementDate,
    disbursement_date: r.disbursementDate,
    maturity_date: r.schedule[r.schedule.length - 1].dueDate,
    approved_on: r.today,
    outstanding_principal_fen: disbursed ? r.principalFen : 0n,
    created_by: r.actor,
  };
}

// ─── the bank confirms or cancels ─────────────────────────────────────────────────────────────────────────────

export function loanStateConflict(
  loan: Pick<CoveredLoanRow, 'bank_loan_ref' | 'status'>,
  expected: string,
  why: string,
): Refusal {
  return {
    code: 'COVERED_LOAN_STATE_CONFLICT',
    detail: `loan ${loan.bank_loan_ref} is ${loan.status}: ${why}`,
    errors: [
      {
        field: 'loanId',
        code: 'COVERED_LOAN_STATE_CONFLICT',
        message: `status is ${loan.status}, not ${expected}`,
      },
    ],
  };
}

/** A registered loan can be confirmed once its disbursement date has come. */
export function confirmRefusal(loan: CoveredLoanRow, today: string): Refusal | null {
  if (loan.status !== 'APPROVED')
    return loanStateConflict(loan, 'APPROVED', 'only a registered, not yet disbursed loan can be confirmed');
  if (loan.disbursement_date > today)
    return {
      code: 'COVERED_LOAN_STATE_CONFLICT',
      detail: `loan ${loan.bank_loan_ref} is to be disbursed on ${loan.disbursement_date}, after today ${today}`,
      errors: [{ field: 'disbursementDate', code: 'COVERED_LOAN_STATE_CONFLICT', message: 'not yet due' }],
    };
  return null;
}

export function cancelRefusal(loan: CoveredLoanRow): Refusal | null {
  if (loan.status === 'APPROVED') return null;
  return loanStateConflict(loan, 'APPROVED', 'a disbursed loan is closed by repayments, not cancelled');
}

// ─── what the bank reports ────────────────────────────────────────────────────────────────────────────────────

function notDisbursed(loan: CoveredLoanRow): FieldError | null {
  return loan.status === 'DISBURSED'
    ? null
    : {
        field: 'loanId',
        code: 'COVERED_LOAN_STATE_CONFLICT',
        message: `the loan is ${loan.status}, not DISBURSED`,
      };
}

/** A date the bank reports: not after today, not before the disbursement. */
function reportDateProblems(field: string, date: string, loan: CoveredLoanRow, today: string): FieldError[] {
  const out: FieldError[] = [];
  if (date > today) out.push({ field, code: 'DATE_IN_FUTURE', message: `may not be after today (${today})` });
  if (date < loan.disbursement_date)
    out.push({ field, code: 'INVALID', message: `before the disbursement on ${loan.disbursement_date}` });
  return out;
}

/** Every reason a repayment report is refused, at once; named by the most specific one. */
export function repaymentRefusal(loan: CoveredLoanRow, r: RepaymentReport, today: string): Refusal | null {
  const problems: FieldError[] = [];
  const state = notDisbursed(loan);
  if (state) problems.push(state);
  problems.push(...reportDateProblems('paidOn', r.paidOn, loan, today));
  const outstanding = BigInt(loan.outstanding_principal_fen);
  if (r.principalFen > outstanding)
    problems.push({
      field: 'principal',
      code: 'COVERED_REPAYMENT_EXCEEDS_OUTSTANDING',
      message: `only ${formatYuan(outstanding)} of principal is outstanding`,
    });
  if (r.principalFen + r.interestFen <= 0n)
    problems.push({
      field: 'principal',
      code: 'INVALID',
      message: 'a repayment must repay principal or interest',
    });
  if (!problems.length) return null;
  const code: ErrorCode = problems.find((p) => p.code === 'COVERED_LOAN_STATE_CONFLICT')
    ? 'COVERED_LOAN_STATE_CONFLICT'
    : problems.find((p) => p.code === 'COVERED_REPAYMENT_EXCEEDS_OUTSTANDING')
      ? 'COVERED_REPAYMENT_EXCEEDS_OUTSTANDING'
      : 'VALIDATION_FAILED';
  return { code, detail: `repayment of loan ${loan.bank_loan_ref} refused`, errors: problems };
}

/** Every reason a status report is refused, at once. */
export function statusRefusal(loan: CoveredLoanRow, r: StatusReport, today: string): Refusal | null {
  const problems: FieldError[] = [];
  const state = notDisbursed(loan);
  if (state) problems.push(state);
  problems.push(...reportDateProblems('asOf', r.asOf, loan, today));
  if (!problems.length) return null;
  return {
    code:
      problems[0].code === 'COVERED_LOAN_STATE_CONFLICT'
        ? 'COVERED_LOAN_STATE_CONFLICT'
        : 'VALIDATION_FAILED',
    detail: `status report on loan ${loan.bank_loan_ref} refused`,
    errors: problems,
  };
}

/** The loan after a repayment report: the outstanding principal, and when nothing is left, closed and current. */
export function afterRepayment(loan: CoveredLoanRow, r: RepaymentReport) {
  const outstandingFen = BigInt(loan.outstanding_principal_fen) - r.principalFen;
  const closed = outstandingFen === 0n;
  return {
    outstandingFen,
    closed,
    patch: closed
      ? {
          outstanding_principal_fen: outstandingFen,
          status: 'CLOSED' as const,
          closed_on: r.paidOn,
          days_overdue: 0,
          arrears_bucket: 'CURRENT',
          non_performing: false,
        }
      : { outstanding_principal_fen: outstandingFen },
  };
}

/** What each unpaid frozen instalment (a loan_installments row, amounts as text) still has due. */
export function installmentDues(
  open: readonly {
    id: string;
    principal_fen: string;
    paid_principal_fen: string;
    interest_fen: string;
    paid_interest_fen: string;
  }[],
): { id: string; principalDueFen: Fen; interestDueFen: Fen }[] {
  return open.map((o) => ({
    id: o.id,
    principalDueFen: BigInt(o.principal_fen) - BigInt(o.paid_principal_fen),
    interestDueFen: BigInt(o.interest_fen) - BigInt(o.paid_interest_fen),
  }));
}

/**
 * The columns a status report sets on the loan: the reported days, their ageing (bucket and non-performing, on the
 * fund's line), the flags the report leaves, and the report's date and days as the basis the close of business
 * ages the loan from.
 */
export function statusUpdate(
  r: Pick<StatusReport, 'asOf' | 'daysOverdue'>,
  ageing: { bucket: string; nonPerforming: boolean },
  flags: string[],
) {
  return {
    days_overdue: r.daysOverdue,
    arrears_bucket: ageing.bucket,
    non_performing: ageing.nonPerforming,
    flags,
    status_reported_on: r.asOf,
    status_reported_days: r.daysOverdue,
  };
}

/**
 * The reported payment settles the frozen instalments oldest first, principal and interest separately. Interest
 * beyond the schedule (e.g. default interest the bank charged) is recorded on the report, not here.
 */
export function allocateToInstallments(
  open: readonly { id: string; principalDueFen: Fen; interestDueFen: Fen }[],
  r: Pick<RepaymentReport, 'principalFen' | 'interestFen'>,
): InstallmentPayment[] {
  let principal = r.principalFen;
  let interest = r.interestFen;
  const out: InstallmentPayment[] = [];
  for (const o of open) {
    if (principal <= 0n && interest <= 0n) break;
    const p = o.principalDueFen < principal ? o.principalDueFen : principal;
    const i = o.interestDueFen < interest ? o.interestDueFen : interest;
    principal -= p;
    interest -= i;
    if (p > 0n || i > 0n) out.push({ installmentId: o.id, principalFen: p, interestFen: i });
  }
  return out;
}

/**
 * What a status report does. The latest report (by as-of date; of two for one date, the later received) is the
 * loan's status and the basis the close of business ages it from. A report for a date before the latest one arrived
 * late: it is recorded but superseded, so it changes nothing on the loan and never moves the basis back.
 */
export function statusEffect(loan: CoveredLoanRow, r: StatusReport) {
  const superseded = loan.status_reported_on !== null && r.asOf < loan.status_reported_on;
  const flags = new Set(loan.flags);
  if (r.recoveryExhausted === true) flags.add('RECOVERY_EXHAUSTED');
  if (r.recoveryExhausted === false) flags.delete('RECOVERY_EXHAUSTED');
  return { superseded, flags: [...flags].sort() };
}

/** The flags of a compensated loan: COMPENSATED added, sorted, once. */
export const compensatedFlags = (flags: readonly string[]): string[] =>
  [...new Set([...flags, 'COMPENSATED'])].sort();

/** The loan event of a repayment report. */
export function repaymentEvent(r: RepaymentReport, closed: boolean) {
  return {
    event: closed ? 'REPAID_IN_FULL' : 'REPAYMENT_REPORTED',
    data: { paidOn: r.paidOn, principal: formatYuan(r.principalFen), interest: formatYuan(r.interestFen) },
  };
}

/** The audit of a repayment report: the outstanding principal and status before and after. */
export function repaymentAudit(
  loan: CoveredLoanRow,
  after: CoveredLoanRow,
  r: RepaymentReport,
  outstandingFen: Fen,
) {
  return {
    before: { outstandingPrincipal: formatYuan(BigInt(loan.outstanding_principal_fen)), status: loan.status },
    after: {
      outstandingPrincipal: formatYuan(outstandingFen),
      status: after.status,
      principal: formatYuan(r.principalFen),
      interest: formatYuan(r.interestFen),
    },
  };
}

/** The loan event and the audit of a status report (a superseded one names the report that supersedes it). */
export function statusRecords(
  loan: CoveredLoanRow,
  after: CoveredLoanRow,
  r: StatusReport,
  superseded: boolean,
) {
  const supersededBy = superseded ? { supersededBy: loan.status_reported_on } : {};
  return {
    event: {
      asOf: r.asOf,
      daysOverdue: r.daysOverdue,
      nonPerforming: after.non_performing,
      recoveryExhausted: after.flags.includes('RECOVERY_EXHAUSTED'),
      ...supersededBy,
    },
    audit: {
      before: { daysOverdue: loan.days_overdue, nonPerforming: loan.non_performing, flags: loan.flags },
      after: {
        daysOverdue: after.days_overdue,
        nonPerforming: after.non_performing,
        flags: after.flags,
        asOf: r.asOf,
        ...supersededBy,
      },
    },
  };
}

/**
 * The facts the product's eligibility rules judge a covered loan on: the amount, term, purpose and borrower type
 * asked, the household's status and its borrower's age on the disbursement date (`ageOn`, the products rule), or
 * the poor households an entity drives; a covered loan always has the guarantee fund behind it.
 */
export function coveredLoanRequestFacts(
  input: { termMonths: number; purpose: string; borrowerType: BorrowerType; disbursementDate: string },
  amountFen: Fen,
  borrower: {
    household?: { status: string; birthDate: string } | null;
    entity?: { linkedPoorCount: number | null } | null;
  },
  ageOn: (birthDate: string, on: string) => number,
): LoanRequestFacts {
  const h = borrower.household;
  return {
    principalFen: amountFen,
    termMonths: input.termMonths,
    purpose: input.purpose,
    borrowerType: input.borrowerType,
    householdStatus: h?.status ?? null,
    borrowerAge: h ? ageOn(h.birthDate, input.disbursementDate) : null,
    linkedPoorHouseholds: borrower.entity?.linkedPoorCount ?? null,
    hasGuaranteeFund: true,
  };
}
