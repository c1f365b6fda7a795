import type { EntityManager } from 'typeorm';
import { queryRows } from '#libs/common';

/**
 * Marks the waiting reminders (QUEUED or DEFERRED: never one being sent or already settled) of instalments that are
 * now paid SKIPPED_PAID, in the caller's transaction, and returns how many it marked. Only an instalment that really
 * is paid (status PAID, or nothing left owed) is touched, so a caller may pass every instalment it wrote.
 *
 * Why a plain function and not a call to ReminderDeliveryService: the paths that settle instalments (repayments and
 * early payoffs in `#libs/repayment`, bank-reported repayments of covered loans in `#libs/guarantee`) must skip the
 * reminders in their own transaction, yet must not import the reminders' Nest module (its delivery queue needs BullMQ
 * and Redis, and the dependency would run the wrong way). This file has no Nest or Redis dependency of its own and no state: a
 * settling path imports it from `#libs/reminders` and calls it with its EntityManager. libs/reminders imports
 * neither of those libraries, so there is no import cycle; keep it that way (reminders reads loan_installments by SQL).
 * `ReminderDeliveryService.skipPaid` delegates here. (reminder_outbox belongs to this library: the statement lives in its store.)
 */
export async function skipPaidReminders(
  manager: EntityManager,
  installmentIds: readonly (string | bigint)[],
): Promise<number> {
  if (!installmentIds.length) return 0;
  const rows = await queryRows<{ id: string }>(
    manager,
    `UPDATE reminder_outbox o SET state = 'SKIPPED_PAID', last_error = NULL, deferred_until = NULL, updated_at = now()
       FROM loan_installments i
      WHERE o.installment_id = ANY($1::bigint[]) AND i.id = o.installment_id AND o.state IN ('QUEUED', 'DEFERRED')
        AND (i.status = 'PAID' OR i.principal_fen + i.interest_fen + i.penalty_fen
                                 <= i.paid_principal_fen + i.paid_interest_fen + i.paid_penalty_fen)
      RETURNING o.id`,
    [installmentIds.map(String)],
  );
  return rows.length;
}
