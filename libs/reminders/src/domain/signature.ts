import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Webhook and SMS-gateway request signing. The sender puts the Unix time in `X-Reminder-Timestamp` and
 * `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>` in `X-Reminder-Signature`. The timestamp is inside
 * the signed text, so a captured request cannot be replayed later with a fresh timestamp; receivers refuse
 * timestamps outside their tolerance (default 5 minutes) and de-duplicate on `X-Reminder-Id`.
 */
export const SIGNATURE_HEADER = 'x-reminder-signature';
export const TIMESTAMP_HEADER = 'x-reminder-timestamp';
export const REMINDER_ID_HEADER = 'x-reminder-id';
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** A new endpoint secret: 32 random bytes, printable. */
export function newSecret(): string {
  return `rsec_${randomBytes(32).toString('base64url')}`;
}

export function sign(secret: string, timestamp: number, rawBody: string | Buffer): string {
  const mac = createHmac('sha256', secret);
  mac.update(`${timestamp}.`);
  mac.update(rawBody);
  return `sha256=${mac.digest('hex')}`;
}

export type VerifyFailure = 'MISSING_HEADER' | 'BAD_TIMESTAMP' | 'STALE_TIMESTAMP' | 'BAD_SIGNATURE';

/** What a receiver does with a request: recompute the signature over the raw bytes and check the timestamp. */
export function verifySignature(input: {
  secret: string;
  rawBody: string | Buffer;
  timestamp: string | undefined;
  signature: string | undefined;
  nowSeconds: number;
  toleranceSeconds?: number;
}): { ok: true } | { ok: false; reason: VerifyFailure } {
  if (!input.timestamp || !input.signature) return { ok: false, reason: 'MISSING_HEADER' };
  if (!/^\d{1,12}$/.test(input.timestamp)) return { ok: false, reason: 'BAD_TIMESTAMP' };
  const ts = Number(input.timestamp);
  if (Math.abs(input.nowSeconds - ts) > (input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) {
    return { ok: false, reason: 'STALE_TIMESTAMP' };
  }
  const expected = Buffer.from(sign(input.secret, ts, input.rawBody));
  const given = Buffer.from(input.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return { ok: false, reason: 'BAD_SIGNATURE' };
  return { ok: true };
}
