import { SecretBox } from './secret-box.js';

const JWT = 'a-jwt-secret-of-some-length';
const KEY = 'a-dedicated-reminder-key-of-32-characters';
const SECRET = 'whsec_0123456789abcdef';

describe('SecretBox', () => {
  it('opens what it sealed, with a fresh IV each time', () => {
    for (const box of [
      new SecretBox(JWT),
      new SecretBox({ legacySecret: JWT }),
      new SecretBox({ secretKey: KEY }),
      new SecretBox({ secretKey: KEY, legacySecret: JWT }),
    ]) {
      const a = box.seal(SECRET);
      const b = box.seal(SECRET);
      expect(a).toMatch(/^v1:[\w-]+:[\w-]+:[\w-]+$/);
      expect(a).not.toBe(b);
      expect(a).not.toContain(SECRET);
      expect(box.open(a)).toBe(SECRET);
      expect(box.open(b)).toBe(SECRET);
    }
    expect(new SecretBox(JWT).open(new SecretBox(JWT).seal(''))).toBe('');
  });

  it('answers null for a wrong key, a tampered or truncated ciphertext, or another format', () => {
    const sealed = new SecretBox({ secretKey: KEY }).seal(SECRET);
    expect(new SecretBox({ secretKey: `${KEY}-other` }).open(sealed)).toBeNull();
    expect(new SecretBox(JWT).open(sealed)).toBeNull();
    // A JWT_SECRET rotated without a dedicated key: the legacy secrets no longer open.
    expect(new SecretBox('a-rotated-jwt-secret-value').open(new SecretBox(JWT).seal(SECRET))).toBeNull();
    const box = new SecretBox({ secretKey: KEY });
    const [v, iv, tag, ct] = sealed.split(':');
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    expect(box.open([v, iv, tag, flip(ct)].join(':'))).toBeNull();
    expect(box.open([v, iv, flip(tag), ct].join(':'))).toBeNull();
    expect(box.open([v, iv, tag.slice(0, 8), ct].join(':'))).toBeNull();
    expect(box.open([v, iv, tag].join(':'))).toBeNull();
    expect(box.open(['v2', iv, tag, ct].join(':'))).toBeNull();
    expect(box.open('garbage')).toBeNull();
  });

  it('keys the dedicated and the legacy key apart, even from the same material', () => {
    const same = 'one-value-used-for-both-variables-here';
    expect(new SecretBox(same).open(new SecretBox({ secretKey: same }).seal(SECRET))).toBeNull();
    expect(new SecretBox({ secretKey: same }).open(new SecretBox(same).seal(SECRET))).toBeNull();
  });

  it('with both keys, seals under the dedicated key and still opens secrets sealed under the legacy key', () => {
    const legacySealed = new SecretBox(JWT).seal(SECRET);
    const both = SecretBox.fromConfig({ REMINDER_SECRET_KEY: KEY, JWT_SECRET: JWT });
    expect(both.open(legacySealed)).toBe(SECRET);
    const newSealed = both.seal(SECRET);
    // Sealed under the dedicated key: the legacy key alone cannot open it, the dedicated key alone can …
    expect(new SecretBox(JWT).open(newSealed)).toBeNull();
    expect(new SecretBox({ secretKey: KEY }).open(newSealed)).toBe(SECRET);
    // … so JWT_SECRET can then be rotated: new secrets still open, legacy ones no longer do.
    const rotated = SecretBox.fromConfig({
      REMINDER_SECRET_KEY: KEY,
      JWT_SECRET: 'a-rotated-jwt-secret-value',
    });
    expect(rotated.open(newSealed)).toBe(SECRET);
    expect(rotated.open(legacySealed)).toBeNull();
  });

  it('without REMINDER_SECRET_KEY, seals under the key derived from JWT_SECRET, as before it existed', () => {
    const box = SecretBox.fromConfig({ JWT_SECRET: JWT });
    expect(new SecretBox(JWT).open(box.seal(SECRET))).toBe(SECRET);
    expect(
      SecretBox.fromConfig({ REMINDER_SECRET_KEY: undefined, JWT_SECRET: JWT }).open(box.seal(SECRET)),
    ).toBe(SECRET);
  });

  it('opens a secret sealed by the previous implementation (fixed vector)', () => {
    // Sealed before REMINDER_SECRET_KEY existed: HKDF(JWT_SECRET, 'mae-reminder-endpoints', 'secret-box-v1').
    expect(new SecretBox(JWT).open(LEGACY_VECTOR)).toBe(SECRET);
    expect(SecretBox.fromConfig({ REMINDER_SECRET_KEY: KEY, JWT_SECRET: JWT }).open(LEGACY_VECTOR)).toBe(
      SECRET,
    );
  });
});

const LEGACY_VECTOR = 'v1:5uP18f6kXEQ8GRF_:Om4JpqVu_g4OSwoFtseufw:bhoB-A4teY8zZozOsTBdT-PrdxNMPA';
