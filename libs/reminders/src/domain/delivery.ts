import { formatYuan, type Fen } from '#libs/money';
import type { ReminderPayload } from '../channels/channel.js';
import { offsetLabel, stillRelevant } from './offsets.js';
import { quietUntil, type QuietHours } from './quiet-hours.js';
import { renderReminder, type RenderedReminder } from './templates.js';

/**
 * The decision a delivery attempt takes under the outbox row's lock, as a pure function of what the row, its
 * instalment, its loan and the chosen endpoint say, the time, and the settings: settle the reminder (paid, no longer
 * reminded, window closed, no endpoint, quiet hours, unreadable secret), or send it with this body.
 */

/** What a claim reads about the reminder (the fields the decision looks at). */
export interface ClaimFacts {
  id: string;
  installmentId: string;
  offsetDays: number;
  remindOn: string;
  dueDate: string;
  number: number;
  installmentStatus: string;
  owedFen: Fen;
  loan: {
    id: string;
    loanNo: string;
    status: string;
    channel: string;
    fundId: string | null;
    bankId: string | null;
    bankLoanRef: string | null;
  };
  borrower: {
    type: string;
    householdId: string | null;
    entityId: string | null;
    name: string | null;
    phone: string | null;
  };
  endpoint: { id: string | null; channel: string | null; hasSecret: boolean; secretReadable: boolean };
}

export type SettleState = 'SKIPPED_PAID' | 'CANCELLED' | 'SUPERSEDED' | 'FAILED' | 'DEFERRED';

export type ClaimDecision =
  | { kind: 'settle'; state: SettleState; reason: string; deferredUntil?: Date }
  | { kind: 'send'; rendered: RenderedReminder; payload: ReminderPayload };

/**
 * Paid (or the loan closed) → SKIPPED_PAID; written off or the loan not outstanding → CANCELLED; the offset's window
 * closed → SUPERSEDED; no endpoint → FAILED; an SMS in quiet hours → DEFERRED to their end; an endpoint secret the
 * server cannot read → FAILED; else the rendered reminder and its body.
 */
export function claimDecision(
  f: ClaimFacts,
  at: { now: Date; today: string; quietHours: QuietHours },
): ClaimDecision {
  if (f.installmentStatus === 'PAID' || f.owedFen <= 0n || f.loan.status === 'CLOSED') {
    return {
      kind: 'settle',
      state: 'SKIPPED_PAID',
      reason: 'the instalment was paid before the reminder went out',
    };
  }
  if (f.installmentStatus === 'WRITTEN_OFF' || f.loan.status !== 'DISBURSED') {
    return {
      kind: 'settle',
      state: 'CANCELLED',
      reason: `the loan is ${f.loan.status} and the instalment ${f.installmentStatus}: no longer reminded`,
    };
  }
  if (!stillRelevant(f.offsetDays, f.dueDate, at.today)) {
    return {
      kind: 'settle',
      state: 'SUPERSEDED',
      reason: `the ${offsetLabel(f.offsetDays)} window closed before delivery (today ${at.today}); a later reminder takes over`,
    };
  }
  if (!f.endpoint.id || !f.endpoint.channel) {
    return {
      kind: 'settle',
      state: 'FAILED',
      reason: 'no active reminder endpoint for this loan (bank, fund or default)',
    };
  }
  if (f.endpoint.channel === 'SMS') {
    const until = quietUntil(at.now, at.quietHours);
    if (until) {
      return {
        kind: 'settle',
        state: 'DEFERRED',
        reason: `SMS quiet hours: deferred to ${until.toISOString()}`,
        deferredUntil: until,
      };
    }
  }
  if (f.endpoint.hasSecret && !f.endpoint.secretReadable) {
    return {
      kind: 'settle',
      state: 'FAILED',
      reason: `the secret of endpoint ${f.endpoint.id} cannot be read (server key changed?): rotate the endpoint secret`,
    };
  }
  const rendered = renderReminder({
    offsetDays: f.offsetDays,
    installmentNumber: f.number,
    dueDate: f.dueDate,
    amountDueFen: f.owedFen,
    sendDate: at.today,
  });
  const payload: ReminderPayload = {
    id: f.id,
    event: rendered.event,
    offset: offsetLabel(f.offsetDays),
    offsetDays: f.offsetDays,
    remindOn: f.remindOn,
    sentOn: at.today,
    loan: {
      id: f.loan.id,
      loanNo: f.loan.loanNo,
      channel: f.loan.channel,
      fundId: f.loan.fundId,
      bankId: f.loan.bankId,
      bankLoanRef: f.loan.bankLoanRef,
    },
    installment: {
      id: f.installmentId,
      number: f.number,
      dueDate: f.dueDate,
      amountDue: formatYuan(f.owedFen),
    },
    borrower: { ...f.borrower },
    message: rendered.text,
    template: { code: rendered.templateCode, params: rendered.params },
  };
  return { kind: 'send', rendered, payload };
}

/** What a failed send comes to: retried with backoff while retryable and attempts remain, else failed for good. */
export function sendFailure(
  err: { reason: string; retryable: boolean },
  attempt: number,
  maxAttempts: number,
): { kind: 'RETRY' | 'FAILED'; reason: string } {
  const final = !err.retryable || attempt >= maxAttempts;
  const reason = final && err.retryable ? `${err.reason} (gave up after ${attempt} attempts)` : err.reason;
  return { kind: final ? 'FAILED' : 'RETRY', reason };
}
