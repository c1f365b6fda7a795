import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Endpoint signing secrets are needed in clear to sign requests, so they cannot be hashed; they are kept encrypted
 * (AES-256-GCM) so a database dump alone does not let anyone forge reminders.
 *
 * Keys, each derived with HKDF under a purpose label of its own (no key reveals another, or the secret it came from):
 * - the dedicated key, from REMINDER_SECRET_KEY when it is set: new secrets are sealed under it, and JWT_SECRET can
 *   then be rotated without touching the endpoints;
 * - the legacy key, from JWT_SECRET: what every secret was sealed under before REMINDER_SECRET_KEY existed, and what
 *   new secrets are still sealed under while it is unset.
 * Opening tries the dedicated key first, then the legacy key (GCM's tag tells a wrong key apart), so setting
 * REMINDER_SECRET_KEY keeps every stored secret readable. Once every endpoint's secret has been rotated
 * (POST /api/v1/reminder-endpoints/{id}/rotate-secret) after REMINDER_SECRET_KEY was set, JWT_SECRET no longer
 * matters to them. A secret that neither key opens (JWT_SECRET rotated too early, or REMINDER_SECRET_KEY changed):
 * deliveries fail with a reason saying so, and an ADMIN rotates that endpoint's secret and hands it to the receiver.
 */
const VERSION = 'v1';
const AAD = Buffer.from('mae:reminder-endpoint-secret');
const SALT = 'mae-reminder-endpoints';

export interface SecretBoxKeys {
  /** REMINDER_SECRET_KEY: the dedicated key material (unset: seal under the legacy key). */
  secretKey?: string | null;
  /** JWT_SECRET: the legacy key material, for secrets sealed before the dedicated key existed. */
  legacySecret?: string | null;
}

export class SecretBox {
  /** Sealing key first, then the keys opening also tries, in that order. */
  private readonly keys: Buffer[];

  /** A string is the legacy form (the JWT_SECRET-derived key alone). */
  constructor(keys: SecretBoxKeys | string) {
    const { secretKey, legacySecret } =
      typeof keys === 'string' ? { secretKey: null, legacySecret: keys } : keys;
    this.keys = [];
    if (secretKey) this.keys.push(derive(secretKey, 'secret-box-dedicated-v1'));
    if (legacySecret) this.keys.push(derive(legacySecret, 'secret-box-v1'));
    if (!this.keys.length) throw new Error('SecretBox needs REMINDER_SECRET_KEY or JWT_SECRET');
  }

  /** The box of a deployment: REMINDER_SECRET_KEY when set, JWT_SECRET as the legacy key. */
  static fromConfig(config: { REMINDER_SECRET_KEY?: string; JWT_SECRET: string }): SecretBox {
    return new SecretBox({ secretKey: config.REMINDER_SECRET_KEY, legacySecret: config.JWT_SECRET });
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys[0], iv);
    cipher.setAAD(AAD);
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [
      VERSION,
      iv.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
      ct.toString('base64url'),
    ].join(':');
  }

  /** The secret, or null when no key of this box opens it (sealed under another key) or it is corrupt. */
  open(sealed: string): string | null {
    const [version, iv, tag, ct] = sealed.split(':');
    if (version !== VERSION || !iv || !tag || ct === undefined) return null;
    for (const key of this.keys) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), {
          authTagLength: 16,
        });
        decipher.setAAD(AAD);
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString(
          'utf8',
        );
      } catch {
        // not this key (or corrupt): try the next
      }
    }
    return null;
  }
}

function derive(material: string, label: string): Buffer {
  return Buffer.from(hkdfSync('sha256', material, SALT, label, 32));
}
