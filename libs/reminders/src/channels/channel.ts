import type { RenderedReminder } from '../domain/templates.js';

export const CHANNEL_KINDS = ['WEBHOOK', 'SMS', 'LOG'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** Where a reminder goes, with its secret opened (never logged, never returned by the API). */
export interface ResolvedEndpoint {
  id: string;
  channel: ChannelKind;
  name: string;
  url: string | null;
  signName: string | null;
  secret: string | null;
}

/** The JSON body a webhook receives (and, without the full phone number, what the outbox keeps). */
export interface ReminderPayload {
  id: string;
  event: RenderedReminder['event'];
  offset: string;
  offsetDays: number;
  remindOn: string;
  sentOn: string;
  loan: {
    id: string;
    loanNo: string;
    channel: string;
    fundId: string | null;
    bankId: string | null;
    bankLoanRef: string | null;
  };
  installment: { id: string; number: number; dueDate: string; amountDue: string };
  borrower: {
    type: string;
    householdId: string | null;
    entityId: string | null;
    name: string | null;
    phone: string | null;
  };
  message: string;
  template: { code: string; params: RenderedReminder['params'] };
}

/** One reminder on its way out. */
export interface OutboundReminder {
  outboxId: string;
  rendered: RenderedReminder;
  payload: ReminderPayload;
  /** The borrower's phone in full (SMS needs it); null when the registry has none. */
  phone: string | null;
}

export interface DeliveryReceipt {
  /** The receiver's or gateway's reference for the message, when it gives one. */
  providerRef: string | null;
  httpStatus: number | null;
}

/**
 * A delivery that did not go through. `retryable` says whether trying again later can help (receiver down, 5xx,
 * timeout, 429) or not (4xx refusal, no phone number, unreadable secret): the latter fail at once.
 */
export class DeliveryError extends Error {
  constructor(
    readonly reason: string,
    readonly retryable: boolean,
    readonly httpStatus: number | null = null,
  ) {
    super(reason);
    this.name = 'DeliveryError';
  }
}

/** A notification channel: every channel delivers the same reminder through the same call. */
export interface ReminderChannel {
  readonly kind: ChannelKind;
  send(reminder: OutboundReminder, endpoint: ResolvedEndpoint): Promise<DeliveryReceipt>;
}

export const REMINDER_CHANNELS = Symbol('REMINDER_CHANNELS');
