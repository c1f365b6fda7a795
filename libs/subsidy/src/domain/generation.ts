import type { FieldError } from '#libs/common';
import type { Fen } from '#libs/money';
import { isBusinessDate } from '#libs/schedules/domain';
import type { SettlementPeriod } from './calendar.js';
import {
  adjustmentLines,
  claimContentHash,
  type ContentHasher,
  lineKey,
  orderLines,
  type ClaimKind,
  type ClaimLine,
} from './claims.js';
import { shareText, type PeriodSubsidy, type SubsidyLoanFacts } from './earning.js';
import type { LoanSubsidyTerms, PolicyType } from './policy.js';

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

export type GenerationAction = 'CREATED' | 'UNCHANGED' | 'VERSIONED' | 'ADJUSTMENT' | 'NOTHING_TO_CLAIM';

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

/** Every rule a generation request breaks before anything is read: two dates, the as-of date not in the future. */
export function generationRequestErrors(periodEnd: unknown, asOf: unknown, today: string): FieldError[] {
  const errors: FieldError[] = [];
  if (!isBusinessDate(periodEnd))
    errors.push({ field: 'periodEnd', code: 'FORMAT', message: 'periodEnd must be a date YYYY-MM-DD' });
  if (!isBusinessDate(asOf))
    errors.push({ field: 'asOf', code: 'FORMAT', message: 'asOf must be a date YYYY-MM-DD' });
  else if ((asOf as string) > today)
    errors.push({ field: 'asOf', code: 'FUTURE', message: `asOf may not be after today (${today})` });
  return errors;
}

/**
 * Why the claims of a period cannot be generated now (null: they can): the date must end one of the programme's
 * periods, the period must have ended by `asOf`, and the programme must be active. A closed programme's refusal
 * wins the error code.
 */
export function generationRefusal(
  p: { code: string; status: 'ACTIVE' | 'CLOSED'; period_end_day: number; period_end_months: number[] },
  period: SettlementPeriod | null,
  asOf: string,
): { code: 'SUBSIDY_PROGRAMME_CLOSED' | 'SUBSIDY_PERIOD_INVALID'; errors: FieldError[] } | null {
  const rules: FieldError[] = [];
  if (!period) {
    rules.push({
      field: 'periodEnd',
      code: 'NOT_A_PERIOD_END',
      message: `periods of programme ${p.code} end on day ${p.period_end_day} of months ${p.period_end_months.join(', ')}`,
    });
  } else if (asOf <= period.end) {
    rules.push({
      field: 'periodEnd',
      code: 'NOT_ENDED',
      message: `the period ending ${period.end} has not ended on ${asOf}`,
    });
  }
  if (p.status !== 'ACTIVE')
    rules.push({ field: 'programmeId', code: 'CLOSED', message: `programme ${p.code} is closed` });
  if (!rules.length) return null;
  return {
    code: p.status !== 'ACTIVE' ? 'SUBSIDY_PROGRAMME_CLOSED' : 'SUBSIDY_PERIOD_INVALID',
    errors: rules,
  };
}

/** The final lines and the instalments still pending of one payee in one period. */
export interface PayeeGroup {
  payeeType: 'BANK' | 'FUND';
  payeeId: string;
  lines: ClaimLine[];
  pendingKeys: Set<string>;
}

/**
 * The loans' periods due in the settlement period, grouped by payee (the bank of a covered loan, the fund of a
 * mutual-aid loan): final periods become lines, periods within their grace and unpaid are counted as pending.
 * Payees that already have claims in the period take part even without a loan in it any more (their claims may
 * need an adjustment). Groups come BANK before FUND, then by payee id.
 */
export function payeeGroups(
  loans: readonly ProgrammeLoan[],
  periodsByLoan: ReadonlyMap<string, readonly PeriodSubsidy[]>,
  period: { start: string; end: string },
  existingPayees: readonly { payee_type: 'BANK' | 'FUND'; payee_id: string }[],
): PayeeGroup[] {
  const groups = new Map<string, PayeeGroup>();
  const groupOf = (payeeType: 'BANK' | 'FUND', payeeId: string) => {
    const key = `${payeeType}:${payeeId}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { payeeType, payeeId, lines: [], pendingKeys: new Set() }));
    return g;
  };
  for (const loan of loans) {
    const g = groupOf(loan.payeeType, loan.payeeId);
    for (const ps of periodsByLoan.get(loan.id) ?? []) {
      if (ps.dueDate < period.start || ps.dueDate > period.end) continue;
      if (ps.outcome === 'PENDING') g.pendingKeys.add(`${loan.id}:${ps.number}`);
      else g.lines.push(lineOf(loan, ps));
    }
  }
  for (const e of existingPayees) groupOf(e.payee_type, e.payee_id);
  return [...groups.values()].sort((a, b) =>
    a.payeeType !== b.payeeType
      ? a.payeeType < b.payeeType
        ? -1
        : 1
      : Number(BigInt(a.payeeId) - BigInt(b.payeeId)),
  );
}

/**
 * What a payee's claim of the period should contain now. Without an approved claim: an ORIGINAL with every
 * final line that charged interest (a period without interest, after a payoff, has nothing to subsidise or
 * forfeit). Otherwise an ADJUSTMENT: each instalment's earnings now less what approved claims claimed for it,
 * ignoring instalments back within their grace (a reversed payment: settled by a later generation, once final).
 */
export function claimContent(
  current: readonly ClaimLine[],
  hasApproved: boolean,
  claimed: readonly { loan_id: string; installment_number: number; fen: string }[],
  pendingKeys: ReadonlySet<string>,
  hashOf: ContentHasher,
): { kind: ClaimKind; lines: ClaimLine[]; hash: string } {
  let kind: ClaimKind;
  let lines: ClaimLine[];
  if (!hasApproved) {
    kind = 'ORIGINAL';
    lines = orderLines(current.filter((l) => l.interestFen > 0n));
  } else {
    kind = 'ADJUSTMENT';
    const claimedMap = new Map<string, Fen>();
    for (const c of claimed) {
      const key = lineKey({ loanId: c.loan_id, installmentNumber: c.installment_number });
      if (!pendingKeys.has(key)) claimedMap.set(key, BigInt(c.fen));
    }
    lines = adjustmentLines(current, claimedMap);
  }
  return { kind, lines, hash: claimContentHash(kind, lines, hashOf) };
}

/**
 * What generation does with a payee's group: keep a DRAFT with the same content (UNCHANGED), write nothing when
 * there is neither a draft nor a line (NOTHING_TO_CLAIM), else write a claim that supersedes the draft
 * (VERSIONED) or is new (ADJUSTMENT or CREATED).
 */
export function generationAction(
  draft: { kind: ClaimKind; content_hash: string } | undefined,
  content: { kind: ClaimKind; lines: readonly ClaimLine[]; hash: string },
): GenerationAction {
  if (draft && draft.kind === content.kind && draft.content_hash === content.hash) return 'UNCHANGED';
  if (!draft && !content.lines.length) return 'NOTHING_TO_CLAIM';
  return draft ? 'VERSIONED' : content.kind === 'ADJUSTMENT' ? 'ADJUSTMENT' : 'CREATED';
}
