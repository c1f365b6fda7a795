import type { FieldError } from '#libs/common';
import { allocate, formatYuan, parseDecimal, type Fen } from '#libs/money';
import type { CompensationMode } from './agreements.js';
import { trimDecimal, type Refusal } from './covers.js';
import type { CompensationClaimRow } from '../store/rows.generated.js';

/** A compensation_claims row (numerics as text, dates as YYYY-MM-DD). */
/** A compensation_claims row (numerics as text, dates as YYYY-MM-DD). */
export type ClaimRecord = CompensationClaimRow;

/** A compensation_recoveries row as the claim view lists it. */
export interface RecoveryRecord {
  id: string;
  amount_fen: string;
  fund_part_fen: string;
  bank_part_fen: string;
  recovered_on: string;
  memo: string | null;
  entry_id: string | null;
}

const f = (s: string | null) => formatYuan(BigInt(s ?? '0'));

export function claimView(r: ClaimRecord) {
  return {
    id: r.id,
    claimNo: r.claim_no,
    loanId: r.loan_id,
    agreementId: r.agreement_id,
    riskFundId: r.risk_fund_id,
    bankId: r.bank_id,
    mode: r.mode,
    daysOverdue: r.days_overdue,
    principal: f(r.principal_fen),
    interest: f(r.interest_fen),
    claimed: formatYuan(BigInt(r.principal_fen) + BigInt(r.interest_fen)),
    fundSharePercent: trimDecimal(r.fund_share_percent),
    bankSharePercent: trimDecimal(r.bank_share_percent),
    fundAmount: f(r.fund_amount_fen),
    bankAmount: f(r.bank_amount_fen),
    status: r.status,
    filedOn: r.filed_on,
    filedBy: r.filed_by,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at,
    decisionReason: r.decision_reason,
    paidOn: r.paid_on,
    entryId: r.entry_id,
    coverEntryId: r.cover_entry_id,
    recovered: f(r.recovered_fen),
    fundRecovered: f(r.fund_recovered_fen),
    version: r.version,
  };
}
export type ClaimView = ReturnType<typeof claimView>;

export const recoveryView = (r: RecoveryRecord) => ({
  id: r.id,
  amount: f(r.amount_fen),
  fundPart: f(r.fund_part_fen),
  bankPart: f(r.bank_part_fen),
  recoveredOn: r.recovered_on,
  memo: r.memo,
  entryId: r.entry_id,
});

/** "80.00" → 8000n: the loss shares as integers of one scale, the ratios `allocate` splits by. */
export function shareRatios(fundPercent: string, bankPercent: string): [bigint, bigint] {
  const a = parseDecimal(fundPercent);
  const b = parseDecimal(bankPercent);
  if (!a || !b) throw new RangeError('loss shares must be decimals');
  const scale = a.scale > b.scale ? a.scale : b.scale;
  const up = (d: { units: bigint; scale: number }) => d.units * 10n ** BigInt(scale - d.scale);
  return [up(a), up(b)];
}

/** An amount split exactly by the loss shares (the parts always sum to it): [fund's part, bank's part]. */
export function splitByShares(amountFen: Fen, fundPercent: string, bankPercent: string): [Fen, Fen] {
  const [fund, bank] = allocate(amountFen, shareRatios(fundPercent, bankPercent));
  return [fund, bank];
}

/**
 * Every reason a loan cannot be claimed now, all at once (empty = eligible). Pure: the caller reads the facts
 * under its locks.
 */
export function claimProblems(facts: {
  loanStatus: string;
  coverStatus: string | null;
  mode: CompensationMode;
  daysOverdue: number;
  triggerDays: number;
  recoveryExhausted: boolean;
  liveClaimNo: string | null;
}): FieldError[] {
  const out: FieldError[] = [];
  if (facts.loanStatus !== 'DISBURSED' || facts.coverStatus !== 'ACTIVE') {
    out.push({
      field: 'loanId',
      code: 'LOAN_NOT_COVERED',
      message: `the loan is ${facts.loanStatus} with cover ${facts.coverStatus ?? 'none'}: only a disbursed loan under active cover can be claimed`,
    });
  }
  // SPEC §2.2: compensation starts at the trigger (90 days) in both modes; FINAL_LOSS further waits for the bank's
  // recovery efforts, it never pays earlier (a bank cannot end recovery on a current loan and claim it).
  if (facts.daysOverdue < facts.triggerDays) {
    out.push({
      field: 'loanId',
      code: 'OVERDUE_BELOW_TRIGGER',
      message:
        facts.mode === 'ADVANCE'
          ? `the loan is ${facts.daysOverdue} days overdue; the agreement compensates in advance at ${facts.triggerDays}`
          : `the loan is ${facts.daysOverdue} days overdue; the agreement compensates a final loss from ${facts.triggerDays}`,
    });
  }
  if (facts.mode === 'FINAL_LOSS' && !facts.recoveryExhausted) {
    out.push({
      field: 'loanId',
      code: 'RECOVERY_NOT_EXHAUSTED',
      message:
        'the agreement compensates the final loss: the bank must first report its recovery efforts exhausted',
    });
  }
  if (facts.liveClaimNo !== null) {
    out.push({
      field: 'loanId',
      code: 'ALREADY_CLAIMED',
      message: `claim ${facts.liveClaimNo} already covers this loan`,
    });
  }
  return out;
}

export function notEligible(bankLoanRef: string, problems: FieldError[]): Refusal | null {
  if (!problems.length) return null;
  return {
    code: 'CLAIM_NOT_ELIGIBLE',
    detail: `loan ${bankLoanRef} cannot be claimed: ${problems.map((p) => p.code).join(', ')}`,
    errors: problems,
  };
}

export const alreadyClaimed = (loanId: string): Refusal => ({
  code: 'CLAIM_NOT_ELIGIBLE',
  detail: `loan ${loanId} is already claimed`,
  errors: [{ field: 'loanId', code: 'ALREADY_CLAIMED', message: 'a claim already covers this loan' }],
});

/**
 * The scheduled interest due by `onDate` and not paid, from the frozen instalments: with the covered principal
 * still outstanding, the basis of a claim (in ADVANCE mode the bank accelerates the loan at the trigger).
 */
export function interestDue(
  installments: readonly { due_date: string; interest_fen: string; paid_interest_fen: string }[],
  onDate: string,
): Fen {
  return installments
    .filter((i) => i.due_date <= onDate)
    .reduce((acc, i) => acc + BigInt(i.interest_fen) - BigInt(i.paid_interest_fen), 0n);
}

/** A claim is paid only for the loan as it was filed: still disbursed, under active cover, for the same principal. */
export function changedSinceFiling(
  claim: Pick<ClaimRecord, 'claim_no' | 'principal_fen'>,
  loan: { bankLoanRef: string; status: string },
  cover: { status: string; outstandingFen: Fen } | undefined,
): Refusal | null {
  const principal = BigInt(claim.principal_fen);
  if (loan.status === 'DISBURSED' && cover?.status === 'ACTIVE' && cover.outstandingFen === principal)
    return null;
  return {
    code: 'CLAIM_STATE_CONFLICT',
    detail: `loan ${loan.bankLoanRef} changed since claim ${claim.claim_no} was filed (${loan.status}, covered ${formatYuan(cover?.outstandingFen ?? 0n)} vs claimed ${formatYuan(principal)}): reject it and let the bank refile`,
    errors: [{ field: 'claimId', code: 'CLAIM_STATE_CONFLICT', message: 'the loan changed since filing' }],
  };
}

export const fundCannotPay = (amountFen: Fen, why: string): Refusal => ({
  code: 'RISK_FUND_INSUFFICIENT',
  detail: `the fund cannot pay ${formatYuan(amountFen)}: ${why}`,
  errors: [
    { field: 'claimId', code: 'RISK_FUND_INSUFFICIENT', message: 'the fund balance is below the amount due' },
  ],
});

export function claimStateConflict(
  claim: Pick<ClaimRecord, 'claim_no' | 'status'>,
  expected: string,
): Refusal {
  return {
    code: 'CLAIM_STATE_CONFLICT',
    detail: `claim ${claim.claim_no} is ${claim.status}, not ${expected}`,
    errors: [{ field: 'claimId', code: 'CLAIM_STATE_CONFLICT', message: `status is ${claim.status}` }],
  };
}

/** The decision is the fund's: never a bank's actor, never the person who filed. */
export function sameSide(
  claim: Pick<ClaimRecord, 'claim_no' | 'filed_by'>,
  actor: { role: string; username: string } | undefined,
): Refusal | null {
  if (actor && actor.role !== 'BANK_OFFICER' && actor.username !== claim.filed_by) return null;
  return {
    code: 'CLAIM_SAME_SIDE',
    detail: `claim ${claim.claim_no} must be decided on the fund's side, not by the filer`,
    errors: [
      { field: 'claimId', code: 'CLAIM_SAME_SIDE', message: 'a fund user other than the filer decides' },
    ],
  };
}

/** The reason is what the bank is told: blank (or whitespace) is no reason, whoever calls. */
export function rejectionReasonRefusal(reason: unknown): Refusal | null {
  if (typeof reason === 'string' && reason.trim().length >= 3) return null;
  return {
    code: 'VALIDATION_FAILED',
    detail: 'a rejection needs a reason',
    errors: [{ field: 'reason', code: 'INVALID', message: 'at least 3 characters other than spaces' }],
  };
}

/** Every reason a recovery is refused, at once: a paid claim, a date between the payment and today, within the claim. */
export function recoveryRefusal(
  claim: ClaimRecord,
  input: { amountFen: Fen; recoveredOn: string },
  today: string,
): Refusal | null {
  const problems: FieldError[] = [];
  if (claim.status !== 'PAID')
    problems.push({
      field: 'claimId',
      code: 'CLAIM_STATE_CONFLICT',
      message: `the claim is ${claim.status}, not PAID`,
    });
  if (input.recoveredOn > today)
    problems.push({ field: 'recoveredOn', code: 'DATE_IN_FUTURE', message: `may not be after today (${today})` });
  if (claim.paid_on && input.recoveredOn < claim.paid_on)
    problems.push({
      field: 'recoveredOn',
      code: 'INVALID',
      message: `before the compensation on ${claim.paid_on}`,
    });
  const claimed = BigInt(claim.principal_fen) + BigInt(claim.interest_fen);
  const recovered = BigInt(claim.recovered_fen);
  if (recovered + input.amountFen > claimed)
    problems.push({
      field: 'amount',
      code: 'RECOVERY_EXCEEDS_CLAIM',
      message: `${formatYuan(recovered)} of the ${formatYuan(claimed)} claimed is already recovered`,
    });
  if (!problems.length) return null;
  const code =
    problems[0].code === 'CLAIM_STATE_CONFLICT'
      ? 'CLAIM_STATE_CONFLICT'
      : problems.some((p) => p.code === 'RECOVERY_EXCEEDS_CLAIM')
        ? 'RECOVERY_EXCEEDS_CLAIM'
        : 'VALIDATION_FAILED';
  return { code, detail: `recovery on claim ${claim.claim_no} refused`, errors: problems };
}

/** The memo of the fund's payment entry: its share of what was claimed on the loan. */
export const compensationMemo = (claim: ClaimRecord, bankLoanRef: string): string =>
  `claim ${claim.claim_no}: fund's ${trimDecimal(claim.fund_share_percent)} % of ${formatYuan(BigInt(claim.principal_fen) + BigInt(claim.interest_fen))} on loan ${bankLoanRef}`;
