import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Endpoint signing secrets are needed in clear to sign requests, so they cannot be hashed; they are kept encrypted
 * (AES-256-GCM) so a database dump alone does not let anyone forge reminders. The key is derived with HKDF from the
 * deployment's JWT_SECRET under a purpose label of its own (neither key reveals the other). Rotating JWT_SECRET
 * makes the stored secrets unreadable: deliveries then fail with a reason saying so, and an ADMIN rotates each
 * endpoint's secret (POST /api/v1/reminders/endpoints/{id}/rotate-secret) and hands it to the receiver.
 */
const VERSION = 'v1';
const AAD = Buffer.from('mae:reminder-endpoint-secret');

export class SecretBox {
  private readonly key: Buffer;

  constructor(masterSecret: string) {
    this.key = Buffer.from(hkdfSync('sha256', masterSecret, 'mae-reminder-endpoints', 'secret-box-v1', 32));
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(AAD);
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [
      VERSION,
      iv.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
      ct.toString('base64url'),
    ].join(':');
  }

  /** The secret, or null when it was sealed under another key (JWT_SECRET rotated) or is corrupt. */
  open(sealed: string): string | null {
    const [version, iv, tag, ct] = sealed.split(':');
    if (version !== VERSION || !iv || !tag || ct === undefined) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(AAD);
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      return null;
    }
  }
}
