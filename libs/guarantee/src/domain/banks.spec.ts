import { apiKeyActor, bankView, containsPattern, keyView } from './banks.js';

describe('banks and their keys', () => {
  it('searches names literally', () => {
    expect(containsPattern('50%_off\\')).toBe('%50\\%\\_off\\\\%');
  });

  it('never shows a key’s secret, only its public part, and whether it is active', () => {
    const at = new Date('2026-03-01T00:00:00Z');
    const v = keyView({
      id: '1',
      bank_id: '2',
      public_id: 'abc123',
      key_hash: 'ff',
      label: 'core',
      created_by: 'admin',
      created_at: at,
      last_used_at: null,
      revoked_at: at,
      revoked_by: 'admin',
    });
    expect(v).not.toHaveProperty('key_hash');
    expect(v).toMatchObject({ active: false, lastUsedAt: null, revokedAt: at.toISOString() });
    expect(v.keyPreview).toContain('abc123');
    expect(bankView({ id: '2', code: 'B', name: 'Bank', created_at: at }).createdAt).toBe(at.toISOString());
  });

  it('acts for the bank through the key', () => {
    expect(apiKeyActor('abc123', '7')).toEqual({
      userId: null,
      username: 'bank-key:abc123',
      role: 'BANK_OFFICER',
      bankId: 7,
      via: 'api-key',
    });
  });
});
