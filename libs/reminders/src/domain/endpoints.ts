import type { FieldError } from '#libs/common';

/**
 * The rules of a reminder endpoint (where a bank's, a fund's or the default reminders go), as a pure function of
 * the endpoint and the facts looked up for it: every failed rule at once.
 */

export type EndpointScopeValue = 'BANK' | 'FUND' | 'DEFAULT';
export type EndpointChannel = 'WEBHOOK' | 'SMS' | 'LOG';

/** WEBHOOK and SMS endpoints post to a URL and sign with a secret; LOG only writes the log. */
export const needsRemote = (channel: EndpointChannel): boolean => channel !== 'LOG';

export interface EndpointDraft {
  scope: EndpointScopeValue;
  bankId: string | null;
  fundId: string | null;
  channel: EndpointChannel;
  url: string | null;
  signName: string | null;
}

/**
 * A BANK endpoint names an existing bank and a FUND endpoint an existing fund, and no other scope names either; a
 * remote channel has a URL (https in production) and LOG has none; only SMS has a signature.
 */
export function endpointErrors(
  e: EndpointDraft,
  facts: { bankExists: boolean; fundExists: boolean; isProduction: boolean },
): FieldError[] {
  const errors: FieldError[] = [];
  if (e.scope === 'BANK' && !e.bankId)
    errors.push({ field: 'bankId', code: 'REQUIRED', message: 'a BANK endpoint names its bank' });
  if (e.scope !== 'BANK' && e.bankId)
    errors.push({ field: 'bankId', code: 'NOT_ALLOWED', message: `a ${e.scope} endpoint has no bank` });
  if (e.scope === 'FUND' && !e.fundId)
    errors.push({ field: 'fundId', code: 'REQUIRED', message: 'a FUND endpoint names its fund' });
  if (e.scope !== 'FUND' && e.fundId)
    errors.push({ field: 'fundId', code: 'NOT_ALLOWED', message: `a ${e.scope} endpoint has no fund` });
  if (e.bankId && e.scope === 'BANK' && !facts.bankExists)
    errors.push({ field: 'bankId', code: 'UNKNOWN_BANK', message: `bank ${e.bankId} does not exist` });
  if (e.fundId && e.scope === 'FUND' && !facts.fundExists)
    errors.push({
      field: 'fundId',
      code: 'UNKNOWN_FUND',
      message: `mutual-aid fund ${e.fundId} does not exist`,
    });
  if (needsRemote(e.channel) && !e.url)
    errors.push({
      field: 'url',
      code: 'REQUIRED',
      message: `a ${e.channel} endpoint needs the URL it posts to`,
    });
  if (!needsRemote(e.channel) && e.url)
    errors.push({ field: 'url', code: 'NOT_ALLOWED', message: 'a LOG endpoint posts nowhere' });
  if (e.url && facts.isProduction && !e.url.startsWith('https://'))
    errors.push({
      field: 'url',
      code: 'HTTPS_REQUIRED',
      message: 'reminders carry personal data: https only in production',
    });
  if (e.signName && e.channel !== 'SMS')
    errors.push({
      field: 'signName',
      code: 'NOT_ALLOWED',
      message: 'only SMS endpoints have a signature (短信签名)',
    });
  return errors;
}

/** How a scope is named in a message. */
export function scopeName(scope: EndpointScopeValue, bankId: string | null, fundId: string | null): string {
  return scope === 'BANK' ? `bank ${bankId}` : scope === 'FUND' ? `fund ${fundId}` : 'the default scope';
}
