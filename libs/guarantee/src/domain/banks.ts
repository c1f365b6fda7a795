import type { Actor } from '#libs/common';
import { maskedApiKey } from './api-key.js';
import type { BankApiKeyRow, BankRow } from '../store/rows.generated.js';

/** A banks row. */
/** A banks row. */
export type BankRecord = BankRow;

/** A bank_api_keys row. */
/** A bank_api_keys row. */
export type ApiKeyRecord = BankApiKeyRow;

export interface BankView {
  id: string;
  code: string;
  name: string;
  createdAt: string;
}

export interface ApiKeyView {
  id: string;
  bankId: string;
  publicId: string;
  /** prefix and public id only: the secret is never shown again */
  keyPreview: string;
  label: string;
  createdBy: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
  active: boolean;
}

export const bankView = (r: BankRecord): BankView => ({
  id: r.id,
  code: r.code,
  name: r.name,
  createdAt: new Date(r.created_at).toISOString(),
});

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export const keyView = (r: ApiKeyRecord): ApiKeyView => ({
  id: r.id,
  bankId: r.bank_id,
  publicId: r.public_id,
  keyPreview: maskedApiKey(r.public_id),
  label: r.label,
  createdBy: r.created_by,
  createdAt: new Date(r.created_at).toISOString(),
  lastUsedAt: iso(r.last_used_at),
  revokedAt: iso(r.revoked_at),
  revokedBy: r.revoked_by,
  active: r.revoked_at === null,
});

/** A name search: the text anywhere in the name, its LIKE wildcards taken literally. */
export const containsPattern = (q: string): string => '%' + q.replace(/[%_\\]/g, '\\$&') + '%';

/** The actor a valid bank API key stands for: the bank's officer, through the key. */
export const apiKeyActor = (publicId: string, bankId: string): Actor => ({
  userId: null,
  username: `bank-key:${publicId}`,
  role: 'BANK_OFFICER',
  bankId: Number(bankId),
  via: 'api-key',
});

export const API_KEY_NOTICE = 'Store this key now: it is shown only once and cannot be recovered.';
