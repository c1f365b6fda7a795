import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Bank API keys: `mae_live_<public id>_<secret>`. The recognisable prefix lets secret scanners and people spot a
 * leaked key; the public id (12 characters, not secret) finds the row without scanning; the secret is 32 random
 * bytes (256 bits), so a plain SHA-256 of the whole key is a safe verifier (a slow password hash buys nothing
 * against a key that cannot be guessed, and would cost every request). Only the hash is stored.
 */
export const API_KEY_PREFIX = 'mae_live_';

const PUBLIC_ID_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';
const KEY_PATTERN = /^mae_live_([a-z2-9]{12})_([A-Za-z0-9_-]{43})$/;

/** Builds a key from caller-supplied randomness (the domain does no I/O): 12 bytes for the id, 32 for the secret. */
export function formatApiKey(
  idBytes: Uint8Array,
  secretBytes: Uint8Array,
): { publicId: string; key: string } {
  if (idBytes.length < 12 || secretBytes.length !== 32)
    throw new RangeError('need 12 id bytes and 32 secret bytes');
  let publicId = '';
  for (let i = 0; i < 12; i++) publicId += PUBLIC_ID_ALPHABET[idBytes[i] % PUBLIC_ID_ALPHABET.length];
  const secret = Buffer.from(secretBytes).toString('base64url');
  return { publicId, key: `${API_KEY_PREFIX}${publicId}_${secret}` };
}

/** The public id of a well-formed key, or null (a malformed key is refused before any lookup). */
export function parseApiKey(key: string): { publicId: string } | null {
  const m = KEY_PATTERN.exec(key);
  return m ? { publicId: m[1] } : null;
}

/** What may be shown of a key after creation: prefix and public id, never the secret. */
export const maskedApiKey = (publicId: string): string => `${API_KEY_PREFIX}${publicId}_…`;

/** What the database keeps of a key: the SHA-256 of the whole key, hex. */
export function apiKeyHash(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Whether a presented key is the one whose hash was stored, compared in constant time. */
export function apiKeyMatches(storedHashHex: string, key: string): boolean {
  const expected = Buffer.from(storedHashHex, 'hex');
  const actual = Buffer.from(apiKeyHash(key), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
