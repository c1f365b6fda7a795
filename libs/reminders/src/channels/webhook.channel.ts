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

/**
 * Webhook: the reminder's JSON body POSTed to the bank's or fund's endpoint, signed (HMAC-SHA256 over timestamp and
 * raw body) with the endpoint's secret. The receiver de-duplicates on X-Reminder-Id: a retry after a lost answer
 * carries the same id.
 */
@Injectable()
export class WebhookChannel implements ReminderChannel {
  readonly kind = 'WEBHOOK' as const;

  constructor(private readonly settings: ReminderSettings) {}

  async send(reminder: OutboundReminder, endpoint: ResolvedEndpoint): Promise<DeliveryReceipt> {
    if (!endpoint.url || !endpoint.secret)
      throw new DeliveryError('webhook endpoint has no URL or secret', false);
    const res = await signedPost({
      url: endpoint.url,
      secret: endpoint.secret,
      body: JSON.stringify(reminder.payload),
      reminderId: reminder.outboxId,
      // Transport time, not business time: the receiver checks it against its own wall clock.
      nowSeconds: Math.floor(Date.now() / 1000),
      timeoutMs: this.settings.httpTimeoutMs,
    });
    return { providerRef: null, httpStatus: res.status };
  }
}
