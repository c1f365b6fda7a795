import { Injectable, Logger } from '@nestjs/common';
import { maskPhone } from '../personal-data.js';
import type { DeliveryReceipt, OutboundReminder, ReminderChannel } from './channel.js';

/**
 * Development channel: the reminder is written to the log instead of leaving the building. The phone number is
 * masked (138****5678) as everywhere in logs; the message itself names no one.
 */
@Injectable()
export class LogChannel implements ReminderChannel {
  readonly kind = 'LOG' as const;
  private readonly logger = new Logger('ReminderLogChannel');

  async send(reminder: OutboundReminder): Promise<DeliveryReceipt> {
    this.logger.log(
      {
        reminderId: reminder.outboxId,
        event: reminder.rendered.event,
        loanNo: reminder.payload.loan.loanNo,
        to: maskPhone(reminder.phone),
        text: reminder.rendered.text,
      },
      'reminder (log channel)',
    );
    return { providerRef: `log-${reminder.outboxId}`, httpStatus: null };
  }
}
