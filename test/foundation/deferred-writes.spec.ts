import pg from 'pg';
import { combine, flushDeferred, runIdempotent, transaction, writeOrDefer } from '#libs/common';
import { createTestDatabase, type TestDatabase } from '#libs/testing';

/**
 * Appends deferred inside runIdempotent (audit rows, loan events) travel with the stored response in one
 * statement, land in the same transaction, are read back by a flushing reader, and vanish with work that fails.
 */
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase(4);
  await db.dataSource.query(`CREATE TABLE deferred_probe (id serial PRIMARY KEY, label text NOT NULL, n int)`);
  await db.dataSource.query(`CREATE TABLE deferred_other (id serial PRIMARY KEY, label text NOT NULL)`);
});
afterAll(async () => db.drop());

const insert = (label: string, n: number) => ({ sql: `INSERT INTO deferred_probe (label, n) VALUES ($1, $2)`, params: [label, n] });
const labels = async () =>
  ((await db.dataSource.query(`SELECT label FROM deferred_probe ORDER BY id`)) as { label: string }[]).map((r) => r.label);

/** Statements sent through node-postgres while `fn` runs. */
async function statements<T>(fn: () => Promise<T>): Promise<{ result: T; sent: string[] }> {
  const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
  const original = proto.query;
  const sent: string[] = [];
  proto.query = function (this: unknown, ...a: unknown[]) {
    const q = a[0] as string | { text: string };
    sent.push(typeof q === 'string' ? q : q.text);
    return original.apply(this, a);
  };
  try {
    return { result: await fn(), sent };
  } finally {
    proto.query = original;
  }
}

describe('deferred writes', () => {
  it('combine renumbers each write after the ones before it, the last as the main statement', () => {
    const c = combine([insert('a', 1), { sql: `UPDATE t SET x = $2 WHERE id = $1`, params: [7, 8] }, insert('b', 2)]);
    expect(c.sql).toBe(
      'WITH w0 AS (INSERT INTO deferred_probe (label, n) VALUES ($1, $2)), w1 AS (UPDATE t SET x = $4 WHERE id = $3) ' +
        'INSERT INTO deferred_probe (label, n) VALUES ($5, $6)',
    );
    expect(c.params).toEqual(['a', 1, 7, 8, 'b', 2]);
  });

  it('inside runIdempotent, appends go out with the stored response: one statement, same transaction', async () => {
    const { sent } = await statements(() =>
      db.dataSource.transaction((m) =>
        runIdempotent(m, 'probe', 'key-00000001', { a: 1 }, async () => {
          await writeOrDefer(m, insert('one', 1).sql, insert('one', 1).params);
          await writeOrDefer(m, `INSERT INTO deferred_other (label) VALUES ($1)`, ['other']);
          return { done: true };
        }),
      ),
    );
    const writes = sent.filter((s) => /deferred_|idempotency_keys/.test(s));
    // the claim, then one statement carrying both appends and the response
    expect(writes).toHaveLength(2);
    expect(writes[1]).toMatch(/^WITH w0 AS \(INSERT INTO deferred_probe.*w1 AS \(INSERT INTO deferred_other.*UPDATE idempotency_keys/s);
    expect(await db.dataSource.query(`SELECT label FROM deferred_other`)).toEqual([{ label: 'other' }]);
    // two appends to one table never share a statement (CTEs run in no defined order): their ids keep their order
    await db.dataSource.transaction((m) =>
      runIdempotent(m, 'probe', 'key-00000007', {}, async () => {
        await writeOrDefer(m, insert('two', 2).sql, insert('two', 2).params);
        await writeOrDefer(m, insert('two-b', 2).sql, insert('two-b', 2).params);
        return 0;
      }),
    );
    expect(await labels()).toEqual(['one', 'two', 'two-b']);
    const [{ response }] = await db.dataSource.query(`SELECT response FROM idempotency_keys WHERE key = 'key-00000001'`);
    expect(response).toEqual({ done: true });
  });

  it('a reader that flushes sees its own transaction’s deferred rows; outside a batch a write is sent at once', async () => {
    await db.dataSource.transaction((m) =>
      runIdempotent(m, 'probe', 'key-00000002', {}, async () => {
        await writeOrDefer(m, insert('three', 3).sql, insert('three', 3).params);
        expect((await m.query(`SELECT count(*)::int AS n FROM deferred_probe WHERE label = 'three'`))[0].n).toBe(0);
        await flushDeferred(m);
        expect((await m.query(`SELECT count(*)::int AS n FROM deferred_probe WHERE label = 'three'`))[0].n).toBe(1);
        return 1;
      }),
    );
    await db.dataSource.transaction(async (m) => {
      await writeOrDefer(m, insert('four', 4).sql, insert('four', 4).params);
      expect((await m.query(`SELECT count(*)::int AS n FROM deferred_probe WHERE label = 'four'`))[0].n).toBe(1);
    });
    expect(await labels()).toEqual(['one', 'two', 'two-b', 'three', 'four']);
  });

  it('work that fails takes its deferred writes with it, also under an outer batch that goes on (a savepoint)', async () => {
    await db.dataSource.transaction((m) =>
      runIdempotent(m, 'probe', 'key-00000003', {}, async () => {
        await writeOrDefer(m, insert('outer', 5).sql, insert('outer', 5).params);
        await m.query('SAVEPOINT row1');
        const failed = await runIdempotent(m, 'probe', 'key-00000004', {}, async () => {
          await writeOrDefer(m, insert('failed-row', 6).sql, insert('failed-row', 6).params);
          throw new Error('row refused');
        }).catch((e: Error) => e.message);
        expect(failed).toBe('row refused');
        await m.query('ROLLBACK TO SAVEPOINT row1');
        return 2;
      }),
    );
    expect(await labels()).toEqual(['one', 'two', 'two-b', 'three', 'four', 'outer']);
    const rolledBack = await db.dataSource
      .transaction((m) =>
        runIdempotent(m, 'probe', 'key-00000005', {}, async () => {
          await writeOrDefer(m, insert('never', 7).sql, insert('never', 7).params);
          throw new Error('refused');
        }),
      )
      .catch((e: Error) => e.message);
    expect(rolledBack).toBe('refused');
    expect(await labels()).not.toContain('never');
  });

  it('inside a savepoint (a nested transaction) writes go out at once and roll back with it; what was deferred outside stays', async () => {
    await db.dataSource.query(`DELETE FROM deferred_probe`);
    await db.dataSource.transaction((m) =>
      runIdempotent(m, 'probe', 'key-00000008', {}, async () => {
        await writeOrDefer(m, insert('kept', 1).sql, insert('kept', 1).params);
        // a row that fails: its savepoint is rolled back, and its write with it
        const failed = await m
          .transaction(async (inner) => {
            await writeOrDefer(inner, insert('row-rolled-back', 2).sql, insert('row-rolled-back', 2).params);
            throw new Error('row refused');
          })
          .catch((e: Error) => e.message);
        expect(failed).toBe('row refused');
        // a row whose own idempotent work succeeds inside a savepoint that is then rolled back
        await m
          .transaction(async (inner) => {
            await runIdempotent(inner, 'probe', 'key-00000009', {}, async () => {
              await writeOrDefer(inner, insert('inner-rolled-back', 3).sql, insert('inner-rolled-back', 3).params);
              return 3;
            });
            throw new Error('later refusal');
          })
          .catch(() => undefined);
        // a row that succeeds
        await m.transaction((inner) => writeOrDefer(inner, insert('row-kept', 4).sql, insert('row-kept', 4).params));
        return 8;
      }),
    );
    expect(await labels()).toEqual(['row-kept', 'kept']);
    const keys = (await db.dataSource.query(`SELECT key FROM idempotency_keys WHERE key IN ('key-00000008', 'key-00000009')`)) as { key: string }[];
    expect(keys.map((k) => k.key)).toEqual(['key-00000008']);
  });

  it('refuses to defer a statement with a WITH of its own', async () => {
    await expect(
      db.dataSource.transaction((m) =>
        runIdempotent(m, 'probe', 'key-00000006', {}, () => writeOrDefer(m, 'WITH x AS (SELECT 1) INSERT INTO deferred_probe (label) SELECT $1 FROM x', ['w'])),
      ),
    ).rejects.toThrow(/without a WITH of its own/);
  });

  it('inside transaction(), the appends and the response go out with COMMIT, and a failure among them keeps nothing', async () => {
    // whether the statement with the response had been answered when COMMIT went out
    let answered = false;
    let answeredAtCommit: boolean | undefined;
    const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
    const query = proto.query;
    proto.query = function (this: unknown, ...a: unknown[]) {
      const text = (a[0] as { text?: string }).text ?? String(a[0]);
      if (text === 'COMMIT') answeredAtCommit = answered;
      const out = query.apply(this, a);
      if (/UPDATE idempotency_keys/.test(text)) (out as Promise<unknown>).finally(() => (answered = true));
      return out;
    };
    let run: Awaited<ReturnType<typeof statements<unknown>>>;
    try {
      run = await statements(() =>
        transaction(db.dataSource, (m) =>
          runIdempotent(m, 'probe', 'key-00000011', { a: 11 }, async () => {
            await writeOrDefer(m, insert('eleven', 11).sql, insert('eleven', 11).params);
            return { done: 11 };
          }),
        ),
      );
    } finally {
      proto.query = query;
    }
    expect(run.result).toEqual({ replayed: false, result: { done: 11 } });
    const tail = run.sent.slice(run.sent.findIndex((s) => /UPDATE idempotency_keys/.test(s)));
    // the statement with the response is the work's last, and COMMIT follows it without waiting (one round trip)
    expect(tail.map((s) => s.slice(0, 24))).toEqual([expect.stringMatching(/^WITH w0 AS \(INSERT INTO/), 'COMMIT']);
    expect(answeredAtCommit).toBe(false);
    expect(answered).toBe(true);
    const [{ response }] = await db.dataSource.query(`SELECT response FROM idempotency_keys WHERE key = 'key-00000011'`);
    expect(response).toEqual({ done: 11 });
    expect(await labels()).toContain('eleven');
    // an append that fails fails the transaction: the claim, the appends and the response are all gone
    const failed = await transaction(db.dataSource, (m) =>
      runIdempotent(m, 'probe', 'key-00000012', {}, async () => {
        await writeOrDefer(m, `INSERT INTO deferred_probe (label, n) VALUES ('kept?', 12)`, []);
        await writeOrDefer(m, `INSERT INTO deferred_other (label) VALUES (NULL)`, []);
        return 12;
      }),
    ).catch((e: unknown) => e);
    expect(String(failed)).toMatch(/null value/);
    expect(await db.dataSource.query(`SELECT key FROM idempotency_keys WHERE key = 'key-00000012'`)).toEqual([]);
    expect(await labels()).not.toContain('kept?');
  });
});
