import { Injectable } from '@nestjs/common';
import type { FrozenInstallment, ReplayCheckpoint, ReplayPayment } from './domain/replay.js';
import type { PaymentsSummary } from './store/repayment.store.js';
import type { RepaymentTerms } from './domain/terms.js';

const MAX_LOANS = 5000;

/**
 * The replay checkpoint of the loans this process recorded repayments on lately: the state after their posted
 * repayments, so the next repayment that comes after all of them is applied to it alone instead of replaying the
 * loan's whole history (its cost then stays flat however many repayments the loan has). An entry is used only when
 * its key, the loan's terms, frozen schedule and the summary of its posted repayments (count, highest id, total,
 * latest value date: RepaymentStore.paymentsSummary), equals what the caller just read under the loan's lock; anything else (a repayment recorded by another process, a reversal, a rolled-back
 * transaction, a backdated payment) replays in full, and leaves a fresh checkpoint. The oldest entries go first.
 */
@Injectable()
export class ReplayCheckpoints {
  private readonly entries = new Map<string, { key: string; cp: ReplayCheckpoint }>();

  static key(terms: RepaymentTerms, schedule: readonly FrozenInstallment[], payments: PaymentsSummary) {
    const text = (v: unknown) =>
      JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
    return `${text(terms)}|${text(schedule)}|${payments.count}:${payments.lastId}:${payments.totalFen}:${payments.lastValueDate}`;
  }

  /** The summary of a loan's posted repayments once `payment` is posted too. */
  static withPayment(s: PaymentsSummary, payment: ReplayPayment): PaymentsSummary {
    return {
      count: s.count + 1,
      lastId: BigInt(payment.id) > BigInt(s.lastId) ? payment.id : s.lastId,
      totalFen: s.totalFen + payment.amountFen,
      lastValueDate:
        s.lastValueDate === null || payment.valueDate > s.lastValueDate ? payment.valueDate : s.lastValueDate,
    };
  }

  has(loanId: string): boolean {
    return this.entries.has(loanId);
  }

  get(loanId: string, key: string): ReplayCheckpoint | undefined {
    const e = this.entries.get(loanId);
    return e && e.key === key ? e.cp : undefined;
  }

  set(loanId: string, key: string, cp: ReplayCheckpoint): void {
    this.entries.delete(loanId);
    this.entries.set(loanId, { key, cp });
    if (this.entries.size > MAX_LOANS) this.entries.delete(this.entries.keys().next().value!);
  }
}

/** The summary (RepaymentStore.paymentsSummary) of a list of posted repayments read in full. */
export function summaryOf(payments: readonly ReplayPayment[]): PaymentsSummary {
  return payments.reduce<PaymentsSummary>((s, p) => ReplayCheckpoints.withPayment(s, p), {
    count: 0,
    lastId: '0',
    totalFen: 0n,
    lastValueDate: null,
  });
}
