import { keyFor, settle } from './submission-key.js';

describe('one Idempotency-Key per submission', () => {
  let n = 0;
  const fresh = () => `k${++n}`;

  it('gives a first submission a fresh key', () => {
    expect(keyFor(null, '{"a":1}', fresh)).toEqual({ body: '{"a":1}', key: expect.stringMatching(/^k\d+$/), open: true });
  });

  it('reuses the key when the same values are sent again after a lost answer or a server fault', () => {
    const first = keyFor(null, '{"amount":"10.00"}', fresh);
    for (const status of [0, 500, 503, undefined]) {
      const kept = settle(first, status);
      expect(kept).not.toBeNull();
      expect(keyFor(kept, '{"amount":"10.00"}', fresh).key).toBe(first.key);
    }
  });

  it('takes a new key for changed values, and after a refusal (the form was corrected or is tried anew)', () => {
    const first = keyFor(null, '{"amount":"10.00"}', fresh);
    const lost = settle(first, 0);
    expect(keyFor(lost, '{"amount":"11.00"}', fresh).key).not.toBe(first.key);
    for (const status of [400, 409, 422]) {
      const refused = settle(first, status);
      expect(refused).toBeNull();
      expect(keyFor(refused, '{"amount":"10.00"}', fresh).key).not.toBe(first.key);
    }
  });
});
