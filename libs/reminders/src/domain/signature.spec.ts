import { createHmac } from 'node:crypto';
import { newSecret, sign, verifySignature } from './signature.js';

describe('reminder request signatures', () => {
  const secret = newSecret();
  const body = JSON.stringify({ id: '1', message: '您的贷款将于2026年3月22日到期,应还¥861.17' });
  const ts = 1_773_000_000;

  it('is HMAC-SHA256 of "<timestamp>.<raw body>" with the endpoint secret, as any receiver can recompute', () => {
    const expected = createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex');
    expect(sign(secret, ts, body)).toBe(`sha256=${expected}`);
    expect(
      verifySignature({
        secret,
        rawBody: body,
        timestamp: String(ts),
        signature: sign(secret, ts, body),
        nowSeconds: ts + 10,
      }),
    ).toEqual({ ok: true });
  });

  it('refuses a changed body, another secret, a replayed (old) timestamp and a swapped timestamp', () => {
    const sig = sign(secret, ts, body);
    const check = (over: Partial<Parameters<typeof verifySignature>[0]>) =>
      verifySignature({
        secret,
        rawBody: body,
        timestamp: String(ts),
        signature: sig,
        nowSeconds: ts,
        ...over,
      });
    expect(check({ rawBody: body.replace('861.17', '1.17') })).toEqual({
      ok: false,
      reason: 'BAD_SIGNATURE',
    });
    expect(check({ secret: newSecret() })).toEqual({ ok: false, reason: 'BAD_SIGNATURE' });
    expect(check({ nowSeconds: ts + 301 })).toEqual({ ok: false, reason: 'STALE_TIMESTAMP' });
    expect(check({ timestamp: String(ts + 5), nowSeconds: ts + 5 })).toEqual({
      ok: false,
      reason: 'BAD_SIGNATURE',
    });
    expect(check({ signature: undefined })).toEqual({ ok: false, reason: 'MISSING_HEADER' });
    expect(check({ timestamp: '1e9' })).toEqual({ ok: false, reason: 'BAD_TIMESTAMP' });
    expect(newSecret()).not.toBe(secret);
    expect(secret).toMatch(/^rsec_[A-Za-z0-9_-]{43}$/);
  });
});
