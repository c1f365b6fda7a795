import { Injectable } from '@nestjs/common';
import { ReminderSettings } from '../settings.js';
import {
  DeliveryError,
  type DeliveryReceipt,
  type OutboundReminder,
  type ReminderChannel,
  type ResolvedEndpoint,
} from './channel.js';
import { signedPost } from './signed-post.js';

/** What an SMS gateway is asked to send: a registered template with its parameters (and the rendered text). */
export interface SmsMessage {
  phone: string;
  signName: string | null;
  templateCode: string;
  params: Record<string, string>;
  text: string;
  /** Our reference (the outbox id): gateways use it to refuse a duplicate. */
  reference: string;
}

/**
 * The SMS gateway adapter interface. A provider (a carrier's or a cloud vendor's SMS API) implements `send` and is
 * bound to this token; the engine ships an HTTP adapter for a gateway speaking signed JSON.
 */
export abstract class SmsGateway {
  abstract send(endpoint: ResolvedEndpoint, message: SmsMessage): Promise<DeliveryReceipt>;
}

/**
 * A gateway reached by a signed JSON POST (the same signature scheme as webhooks) answering
 * `{ "messageId": "…" }`. Anything else than 2xx is a failure, retryable or not as for webhooks.
 */
@Injectable()
export class HttpSmsGateway extends SmsGateway {
  constructor(private readonly settings: ReminderSettings) {
    super();
  }

  async send(endpoint: ResolvedEndpoint, message: SmsMessage): Promise<DeliveryReceipt> {
    if (!endpoint.url || !endpoint.secret)
      throw new DeliveryError('SMS gateway endpoint has no URL or secret', false);
    const res = await signedPost({
      url: endpoint.url,
      secret: endpoint.secret,
      body: JSON.stringify(message),
      reminderId: message.reference,
      // Transport time, not business time: the receiver checks it against its own wall clock.
      nowSeconds: Math.floor(Date.now() / 1000),
      timeoutMs: this.settings.httpTimeoutMs,
    });
    let messageId: string | null = null;
    try {
      const parsed = JSON.parse(res.body) as { messageId?: unknown };
      if (typeof parsed.messageId === 'string') messageId = parsed.messageId.slice(0, 200);
    } catch {
      // A gateway that accepted the message without a JSON answer still accepted it.
    }
    return { providerRef: messageId, httpStatus: res.status };
  }
}

/** SMS: the template of the reminder's event, sent to the borrower's phone through the bound gateway. */
@Injectable()
export class SmsChannel implements ReminderChannel {
  readonly kind = 'SMS' as const;

  constructor(private readonly gateway: SmsGateway) {}

  async send(reminder: OutboundReminder, endpoint: ResolvedEndpoint): Promise<DeliveryReceipt> {
    if (!reminder.phone) throw new DeliveryError('the borrower has no phone number in the registry', false);
    return this.gateway.send(endpoint, {
      phone: reminder.phone,
      signName: endpoint.signName,
      templateCode: reminder.rendered.templateCode,
      params: { ...reminder.rendered.params },
      text: reminder.rendered.text,
      reference: reminder.outboxId,
    });
  }
}
