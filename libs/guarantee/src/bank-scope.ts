import { DomainError, RequestContext } from '#libs/common';

/**
 * A bank (its BANK_OFFICER users and its API keys) sees and touches only its own data. Services call these with
 * the bank a row belongs to; other roles are not restricted here (their @Roles already limit them).
 */
export function scopedBankId(): string | null {
  const actor = RequestContext.actor();
  if (actor?.role !== 'BANK_OFFICER') return null;
  // A BANK_OFFICER without a bank cannot exist (users_bank_officer_has_bank); refuse rather than see everything.
  if (actor.bankId === null || actor.bankId === undefined)
    throw new DomainError('FORBIDDEN', 'this bank officer is bound to no bank');
  return String(actor.bankId);
}

/**
 * Refuses a bank's actor another bank's row with 404, the same answer as for a row that does not exist, so one
 * bank cannot even learn which ids another bank has.
 */
export function assertOwnBank(
  bankId: string | number | null | undefined,
  what: string,
  id: string | number,
): void {
  const own = scopedBankId();
  if (own !== null && String(bankId) !== own) throw new DomainError('NOT_FOUND', `${what} ${id} not found`);
}

/** API keys may not mint or revoke keys: a leaked key must not be able to make itself permanent. */
export function assertNotApiKey(action: string): void {
  if (RequestContext.actor()?.via === 'api-key') {
    throw new DomainError('FORBIDDEN', `${action} needs a signed-in user, not an API key`);
  }
}

export const actorName = (): string => RequestContext.actor()?.username ?? 'system';
