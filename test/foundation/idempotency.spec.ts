import { canonicalJson, DomainError, RequestContext, runIdempotent, type Actor } from '#libs/common';
import { createTestDatabase, type TestDatabase } from '#libs/testing';

/** runIdempotent: the Idempotency-Key machinery every money-moving POST relies on, against the real database. */
let db: TestDatabase;
let seq = 0;
const key = () => `key-${++seq}-${Math.random().toString(36).slice(2, 10)}`;

beforeAll(async () => {
  db = await createTestDatabase(12);
  await db.dataSource.query(`CREATE TABLE idem_effects (id serial PRIMARY KEY, key text NOT NULL)`);
});
afterAll(async () => db.drop());

const effects = async (k: string) => (await db.dataSource.query(`SELECT count(*)::int AS n FROM idem_effects WHERE key = $1`, [k]))[0].n;

/** One "operation": its effect and its idempotency row commit together. */
const operate = (k: string, body: unknown, hold = 0) =>
  db.dataSource.transaction((m) =>
    runIdempotent(m, 'test:op', k, body, async () => {
      await m.query(`INSERT INTO idem_effects (key) VALUES ($1)`, [k]);
      if (hold) await new Promise((r) => setTimeout(r, hold));
      return { id: 7n, amount: '10.00', at: k };
    }),
  );

describe('runIdempotent', () => {
  it('scopes a key to its caller: another user or a bank key sending the same key gets its own operation', async () => {
    const k = key();
    const as = (actor: Actor) => RequestContext.run({ requestId: k, actor }, () => operate(k, { amount: '3.00' }));
    const one = { userId: 1, username: 'fa.one', role: 'FUND_ADMIN', bankId: null, via: 'jwt' } as const;
    const two = { userId: 2, username: 'fa.two', role: 'FUND_ADMIN', bankId: null, via: 'jwt' } as const;
    const bankKey = { userId: null, username: 'bank-key:abc123', role: 'BANK_OFFICER', bankId: 1, via: 'api-key' } as const;
    expect((await as(one)).replayed).toBe(false);
    expect((await as(two)).replayed).toBe(false);
    expect((await as(bankKey)).replayed).toBe(false);
    expect((await as(one)).replayed).toBe(true);
    expect(await effects(k)).toBe(3);
    // and another caller's different body under the same key is not a conflict either
    expect((await RequestContext.run({ requestId: k, actor: { ...two, userId: 3 } }, () => operate(k, { amount: '4.00' }))).replayed).toBe(false);
  });

  it('runs the work once and replays the stored response for the same key and body', async () => {
    const k = key();
    const first = await operate(k, { amount: '10.00', to: 1 });
    const again = await operate(k, { to: 1, amount: '10.00' });
    expect(first).toEqual({ replayed: false, result: { id: 7n, amount: '10.00', at: k } });
    // The replay is the stored JSON (bigint as a string), whatever the key order of the body.
    expect(again).toEqual({ replayed: true, result: { id: '7', amount: '10.00', at: k } });
    expect(await effects(k)).toBe(1);
  });

  it('refuses the same key with a different body (409 IDEMPOTENCY_KEY_REUSED) and changes nothing', async () => {
    const k = key();
    await operate(k, { amount: '10.00' });
    const err = await operate(k, { amount: '10.01' }).catch((e) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(err.errors[0].field).toBe('Idempotency-Key');
    expect(await effects(k)).toBe(1);
  });

  it('under concurrent retries of one key runs the work exactly once; the others wait and replay', async () => {
    const k = key();
    const results = await Promise.all(Array.from({ length: 8 }, () => operate(k, { amount: '5.00' }, 50)));
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(results.filter((r) => r.replayed)).toHaveLength(7);
    expect(await effects(k)).toBe(1);
  });

  it('lets a retry proceed when the first attempt rolled back', async () => {
    const k = key();
    const failed = await db.dataSource
      .transaction((m) =>
        runIdempotent(m, 'test:op', k, { amount: '1.00' }, async () => {
          await m.query(`INSERT INTO idem_effects (key) VALUES ($1)`, [k]);
          throw new DomainError('CONFLICT', 'refused after writing');
        }),
      )
      .catch((e) => e);
    expect(failed.code).toBe('CONFLICT');
    expect(await effects(k)).toBe(0);
    expect((await operate(k, { amount: '1.00' })).replayed).toBe(false);
    expect(await effects(k)).toBe(1);
  });

  it('keeps scopes apart: one key may be used by two different operations', async () => {
    const k = key();
    await operate(k, { a: 1 });
    const other = await db.dataSource.transaction((m) => runIdempotent(m, 'test:other', k, { b: 2 }, async () => 'other'));
    expect(other).toEqual({ replayed: false, result: 'other' });
  });
});

describe('canonicalJson', () => {
  it('is independent of key order at any depth and writes bigint as a string', () => {
    expect(canonicalJson({ b: 1, a: { d: 2n, c: [3, { f: 1, e: 0 }] } })).toBe('{"a":{"c":[3,{"e":0,"f":1}],"d":"2"},"b":1}');
  });
});
