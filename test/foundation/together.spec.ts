import pg from 'pg';
import { DataSource, QueryFailedError, type EntityManager } from 'typeorm';
import { Socket as NetSocket } from 'node:net';
import {
  buildDataSourceOptions,
  queryOne,
  queryPrepared,
  queryRows,
  sendAtCommit,
  sendWithCommit,
  together,
  transaction,
} from '#libs/common';
import { createTestDatabase, type TestDatabase } from '#libs/testing';

/**
 * together: the statements of several steps leave in one write and PostgreSQL runs them in the steps' order, each
 * seeing the writes before it; a step that sends late is refused instead of running out of order; a failure aborts
 * the transaction and reaches the caller; outside a transaction, and with pipelining off, the steps run one after
 * the other with the same results.
 */
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase(30);
  await db.dataSource.query(`CREATE TABLE together_probe (id int PRIMARY KEY, label text NOT NULL)`);
});
afterAll(async () => db.drop());
beforeEach(async () => db.dataSource.query(`TRUNCATE together_probe`));

/** What a transaction running `work` failed with; it must have kept nothing. */
async function failureOf(work: (m: EntityManager) => Promise<unknown>): Promise<unknown> {
  const failure = await db.dataSource.transaction(work).catch((e: unknown) => e);
  expect(await db.dataSource.query(`SELECT count(*)::int AS n FROM together_probe`)).toEqual([{ n: 0 }]);
  return failure;
}

type Socket = {
  write: (...args: unknown[]) => boolean;
  _writev?: unknown;
  _write: (...args: unknown[]) => void;
};

/** The bytes the transaction's connection wrote while `act` ran (synchronously: what went out before any answer). */
function written(m: EntityManager, act: () => unknown): { text: string; writes: number } {
  const client = (m.queryRunner as unknown as { databaseConnection: { connection: { stream: Socket } } })
    .databaseConnection;
  const socket = client.connection.stream;
  const chunks: Buffer[] = [];
  let writes = 0;
  const write = socket._write;
  const writev = socket._writev as ((chunks: { chunk: Buffer }[], cb: () => void) => void) | undefined;
  socket._write = function (this: unknown, chunk: unknown, ...rest: unknown[]) {
    writes++;
    chunks.push(Buffer.from(chunk as Buffer));
    return write.call(this, chunk, ...rest);
  };
  if (writev)
    socket._writev = function (this: unknown, list: { chunk: Buffer }[], cb: () => void) {
      writes++;
      for (const c of list) chunks.push(Buffer.from(c.chunk));
      return writev.call(this, list, cb);
    };
  try {
    act();
  } finally {
    socket._write = write;
    if (writev) socket._writev = writev;
  }
  return { text: Buffer.concat(chunks).toString('latin1'), writes };
}

it('sends every step before any answer, in one write, and runs them in order, each seeing the ones before', async () => {
  await db.dataSource.transaction(async (m) => {
    let batch!: Promise<[unknown[], unknown[], { id: number; label: string }[], { n: number } | undefined]>;
    const out = written(m, () => {
      batch = together(m, [
        () => queryRows(m, `INSERT INTO together_probe (id, label) VALUES (1, 'one') RETURNING id`),
        () =>
          queryPrepared(
            m,
            `UPDATE together_probe SET label = 'one, updated' WHERE id = $1 RETURNING id`,
            [1],
          ),
        () => queryRows<{ id: number; label: string }>(m, `SELECT id, label FROM together_probe /* third */`),
        () => queryOne<{ n: number }>(m, `SELECT count(*)::int AS n FROM together_probe /* fourth */`),
      ]);
    });
    // all four statements were on the wire before the first answer came back, in the steps' order
    expect(out.writes).toBe(1);
    const at = (s: string) => out.text.indexOf(s);
    expect(at('INSERT INTO together_probe')).toBeGreaterThanOrEqual(0);
    expect(at('INSERT INTO together_probe')).toBeLessThan(at('UPDATE together_probe'));
    expect(at('UPDATE together_probe')).toBeLessThan(at('/* third */'));
    expect(at('/* third */')).toBeLessThan(at('/* fourth */'));
    const [inserted, updated, rows, count] = await batch;
    expect(inserted).toEqual([{ id: 1 }]);
    expect(updated).toEqual([{ id: 1 }]);
    expect(rows).toEqual([{ id: 1, label: 'one, updated' }]);
    expect(count).toEqual({ n: 1 });
  });
});

it('lets a step send nothing, and a nested together be a step', async () => {
  await db.dataSource.transaction(async (m) => {
    const [none, [a, b], c] = await together(m, [
      () => Promise.resolve('nothing sent'),
      () =>
        together(m, [
          () => queryRows(m, `INSERT INTO together_probe VALUES (2, 'two') RETURNING label`),
          () => queryRows(m, `INSERT INTO together_probe VALUES (3, 'three') RETURNING label`),
        ]),
      () =>
        queryOne<{ labels: string }>(
          m,
          `SELECT string_agg(label, ',' ORDER BY id) AS labels FROM together_probe`,
        ),
    ]);
    expect(none).toBe('nothing sent');
    expect([a, b]).toEqual([[{ label: 'two' }], [{ label: 'three' }]]);
    expect(c).toEqual({ labels: 'two,three' });
  });
});

it('refuses a step that sends after waiting (it would run after the steps behind it), and nothing is kept', async () => {
  const failure = await failureOf(async (m) => {
    await together(m, [
      async () => {
        await Promise.resolve();
        return queryRows(m, `INSERT INTO together_probe VALUES (4, 'late')`);
      },
      () => queryRows(m, `INSERT INTO together_probe VALUES (5, 'on time')`),
    ]);
  });
  expect(String(failure)).toMatch(/sent after its batch went out/);
});

it('refuses a step before the last that sends again after its answer, even when nothing is left to overtake', async () => {
  const failure = await failureOf(async (m) => {
    await together(m, [
      async () => {
        await queryRows(m, `INSERT INTO together_probe VALUES (12, 'first')`);
        return queryRows(m, `INSERT INTO together_probe VALUES (13, 'then')`);
      },
      () => Promise.resolve('the last step sends nothing'),
    ]);
  });
  expect(String(failure)).toMatch(/sent after its batch went out/);
});

it('refuses other work on the connection while a batch is out', async () => {
  const failure = await failureOf(async (m) => {
    const batch = together(m, [
      () => queryRows(m, `SELECT pg_sleep(0.05)`),
      () => queryRows(m, `SELECT 1 AS one`),
    ]);
    const other = queryRows(m, `INSERT INTO together_probe VALUES (14, 'meanwhile')`);
    await Promise.all([batch, other]);
  });
  expect(String(failure)).toMatch(/sent after its batch went out/);
});

it('lets the last step send more once answered (a retry): it goes out after the whole batch', async () => {
  await db.dataSource.transaction(async (m) => {
    const [, [count]] = await together(m, [
      () => queryRows(m, `INSERT INTO together_probe VALUES (11, 'eleven')`),
      async () => {
        const [first] = await queryRows<{ n: number }>(m, `SELECT count(*)::int AS n FROM together_probe`);
        return queryRows<{ n: number }>(m, `SELECT $1::int + count(*)::int AS n FROM together_probe`, [
          first.n,
        ]);
      },
    ]);
    expect(count).toEqual({ n: 2 });
  });
});

it('throws the failing statement as TypeORM does; the steps after it fail with the transaction and nothing is kept', async () => {
  const after: unknown[] = [];
  const failure = await failureOf(async (m) => {
    await together(m, [
      () => queryRows(m, `INSERT INTO together_probe VALUES (6, 'six')`),
      () => queryRows(m, `INSERT INTO together_probe VALUES (6, 'again')`),
      () =>
        queryRows(m, `INSERT INTO together_probe VALUES (7, 'seven')`).catch((e: unknown) => {
          after.push(e);
          throw e;
        }),
    ]);
  });
  expect(failure).toBeInstanceOf(QueryFailedError);
  expect(failure).toMatchObject({ code: '23505', constraint: 'together_probe_pkey' });
  expect(after).toHaveLength(1);
  expect(after[0]).toMatchObject({ code: '25P02' }); // current transaction is aborted
  // the connection is clean for the next transaction
  await db.dataSource.transaction(async (m) => {
    const [[row]] = await together(m, [() => queryRows<{ n: number }>(m, `SELECT 8 AS n`)]);
    expect(row).toEqual({ n: 8 });
  });
});

it('outside a transaction runs the steps one after the other', async () => {
  const order: number[] = [];
  const [a, b] = await together(db.dataSource.manager, [
    () =>
      queryRows(db.dataSource.manager, `INSERT INTO together_probe VALUES (9, 'nine') RETURNING id`).finally(
        () => order.push(1),
      ),
    async () => {
      order.push(2);
      return queryOne<{ n: number }>(db.dataSource.manager, `SELECT count(*)::int AS n FROM together_probe`);
    },
  ]);
  expect(order).toEqual([1, 2]);
  expect(a).toEqual([{ id: 9 }]);
  expect(b).toEqual({ n: 1 });
});

it('with pipelining off (DB_PIPELINE=false), the same batch gives the same answers, one statement at a time', async () => {
  const url = db.dataSource.options as { url: string };
  const off = new DataSource(buildDataSourceOptions({ url: url.url, poolSize: 1, pipeline: false }));
  await off.initialize();
  try {
    // how many statements waited in the driver's queue when each was handed to it (node-postgres deprecates queueing
    // a statement behind an unanswered one without pipelining)
    const queued: number[] = [];
    const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
    const query = proto.query;
    proto.query = function (this: { _queryQueue?: unknown[] }, ...a: unknown[]) {
      queued.push(this._queryQueue?.length ?? -1);
      return query.apply(this, a);
    };
    try {
      await off.transaction(async (m) => {
        queued.length = 0;
        let batch!: Promise<[unknown[], { n: number } | undefined, { n: number } | undefined]>;
        const out = written(m, () => {
          batch = together(m, [
            () => queryRows(m, `INSERT INTO together_probe VALUES (10, 'ten') RETURNING id`),
            () => queryOne<{ n: number }>(m, `SELECT count(*)::int AS n FROM together_probe /* second */`),
            () => queryOne<{ n: number }>(m, `SELECT count(*)::int + 1 AS n FROM together_probe /* third */`),
          ]);
        });
        // only the first statement went out before its answer
        expect(out.text).toContain('INSERT INTO together_probe');
        expect(out.text).not.toContain('/* second */');
        expect(await batch).toEqual([[{ id: 10 }], { n: 1 }, { n: 2 }]);
        expect(queued).toEqual([0, 0, 0]);
      });
    } finally {
      proto.query = query;
    }
  } finally {
    await off.destroy();
  }
});

/**
 * What this process hands the kernel on its sockets while `act` runs, one string per write (net.Socket's one path to
 * the kernel for a single chunk or a corked batch; the tests above may have left their own write hooks on a pooled
 * connection's socket, which call the prototype's methods and so this path too), into `writes` as they happen.
 */
async function socketWrites<T>(
  act: () => Promise<T>,
  writes: string[] = [],
): Promise<{ result: T; writes: string[] }> {
  type Generic = (this: unknown, writev: boolean, data: unknown, ...rest: unknown[]) => unknown;
  const proto = NetSocket.prototype as unknown as { _writeGeneric: Generic };
  const original = proto._writeGeneric;
  proto._writeGeneric = function (this: unknown, writev: boolean, data: unknown, ...rest: unknown[]) {
    const chunks = writev
      ? (data as { chunk: Buffer | string }[]).map((c) => c.chunk)
      : [data as Buffer | string];
    writes.push(chunks.map((c) => (typeof c === 'string' ? c : Buffer.from(c).toString('latin1'))).join(''));
    return original.call(this, writev, data, ...rest);
  };
  try {
    return { result: await act(), writes };
  } finally {
    proto._writeGeneric = original;
  }
}

describe('transaction(): BEGIN in the same write as the first statements', () => {
  it('sends BEGIN with the work’s first batch, runs the batch inside the transaction and commits it', async () => {
    const { result, writes } = await socketWrites(() =>
      transaction(db.dataSource, (m) =>
        together(m, [
          () => queryRows(m, `INSERT INTO together_probe VALUES (20, 'twenty') RETURNING id`),
          () => queryOne<{ n: number }>(m, `SELECT count(*)::int AS n FROM together_probe /* with begin */`),
        ]),
      ),
    );
    const begin = writes.filter((w) => w.includes('START TRANSACTION'));
    expect(begin).toHaveLength(1);
    expect(begin[0]).toContain('INSERT INTO together_probe');
    expect(begin[0]).toContain('/* with begin */');
    expect(begin[0].indexOf('START TRANSACTION')).toBeLessThan(
      begin[0].indexOf('INSERT INTO together_probe'),
    );
    expect(result).toEqual([[{ id: 20 }], { n: 1 }]);
    expect(await db.dataSource.query(`SELECT id, label FROM together_probe`)).toEqual([
      { id: 20, label: 'twenty' },
    ]);
  });

  it('keeps nothing when the work fails after writing, or throws before sending anything, and frees its connection', async () => {
    const url = (db.dataSource.options as { url: string }).url;
    // one connection: a transaction that did not give it back would hold up the next one for good
    const one = new DataSource(buildDataSourceOptions({ url, poolSize: 1 }));
    await one.initialize();
    try {
      const refused = await transaction(one, async (m) => {
        await queryRows(m, `INSERT INTO together_probe VALUES (21, 'kept?')`);
        await queryRows(m, `INSERT INTO together_probe VALUES (21, 'the same key')`);
      }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(QueryFailedError);
      const thrown = await transaction(one, () => {
        throw new Error('refused before any statement');
      }).catch((e: unknown) => e);
      expect(String(thrown)).toMatch(/refused before any statement/);
      const after = await transaction(one, async (m) => {
        await queryRows(m, `INSERT INTO together_probe VALUES (22, 'written')`);
        throw new Error('refused after writing');
      }).catch((e: unknown) => e);
      expect(String(after)).toMatch(/refused after writing/);
      expect(await one.query(`SELECT count(*)::int AS n FROM together_probe`)).toEqual([{ n: 0 }]);
      // the connection is back in the pool, outside any transaction
      await transaction(one, (m) =>
        queryRows(m, `INSERT INTO together_probe VALUES (23, 'after the failures')`),
      );
      expect(await one.query(`SELECT id FROM together_probe`)).toEqual([{ id: 23 }]);
    } finally {
      await one.destroy();
    }
  });

  it('makes a transaction opened inside the work a savepoint of it', async () => {
    await transaction(db.dataSource, async (m) => {
      await queryRows(m, `INSERT INTO together_probe VALUES (24, 'outer')`);
      const inner = await m
        .transaction(async (n) => {
          await queryRows(n, `INSERT INTO together_probe VALUES (25, 'inner')`);
          throw new Error('inner refused');
        })
        .catch((e: unknown) => e);
      expect(String(inner)).toMatch(/inner refused/);
    });
    expect(await db.dataSource.query(`SELECT id FROM together_probe ORDER BY id`)).toEqual([{ id: 24 }]);
  });

  it('with pipelining off, gives the same result, BEGIN answered before the first statement goes out', async () => {
    const url = (db.dataSource.options as { url: string }).url;
    const off = new DataSource(buildDataSourceOptions({ url, poolSize: 1, pipeline: false }));
    await off.initialize();
    try {
      const { result, writes } = await socketWrites(() =>
        transaction(off, (m) =>
          together(m, [
            () => queryRows(m, `INSERT INTO together_probe VALUES (26, 'off') RETURNING id`),
            () => queryOne<{ n: number }>(m, `SELECT count(*)::int AS n FROM together_probe`),
          ]),
        ),
      );
      const begin = writes.filter((w) => w.includes('START TRANSACTION'));
      expect(begin).toHaveLength(1);
      expect(begin[0]).not.toContain('INSERT INTO together_probe');
      expect(result).toEqual([[{ id: 26 }], { n: 1 }]);
    } finally {
      await off.destroy();
    }
  });
});

describe('sendWithCommit: a work’s last statements answered with COMMIT', () => {
  /** The probe table's ids, in order. */
  const ids = async (ds: DataSource = db.dataSource) =>
    ((await ds.query(`SELECT id FROM together_probe ORDER BY id`)) as { id: number }[]).map((r) => r.id);

  it('sends them and COMMIT in one write and answers after both; what they wrote is committed', async () => {
    let taken: boolean | undefined;
    // whether COMMIT had left by the end of the current I/O (it leaves as soon as it is queued: the transaction's locks
    // are not held while the process handles other work)
    let flushedBeforeImmediate: boolean | undefined;
    const writes: string[] = [];
    const { result } = await socketWrites(
      () =>
        transaction(db.dataSource, async (m) => {
          await queryRows(m, `INSERT INTO together_probe VALUES (30, 'first')`);
          setImmediate(() => (flushedBeforeImmediate = writes.some((w) => w.includes('COMMIT'))));
          taken = sendWithCommit(m, () =>
            Promise.all([
              queryRows(m, `INSERT INTO together_probe VALUES (31, 'with commit')`),
              queryRows(m, `UPDATE together_probe SET label = 'seen' WHERE id = 30`),
            ]),
          );
          return 'done';
        }),
      writes,
    );
    expect(taken).toBe(true);
    expect(result).toBe('done');
    const last = writes.filter((w) => w.includes('with commit'));
    expect(last).toHaveLength(1);
    expect(last[0]).toContain('UPDATE together_probe');
    // COMMIT leaves in the same write, behind them
    expect(last[0]).toMatch(/with commit[\s\S]*UPDATE together_probe[\s\S]*COMMIT/);
    expect(writes.filter((w) => w.includes('COMMIT'))).toHaveLength(1);
    expect(flushedBeforeImmediate).toBe(true);
    expect(await db.dataSource.query(`SELECT id, label FROM together_probe ORDER BY id`)).toEqual([
      { id: 30, label: 'seen' },
      { id: 31, label: 'with commit' },
    ]);
  });

  it('fails the transaction when one of them fails: that failure is thrown, nothing is kept, the connection is free', async () => {
    const url = (db.dataSource.options as { url: string }).url;
    const one = new DataSource(buildDataSourceOptions({ url, poolSize: 1 }));
    await one.initialize();
    try {
      const failed = await transaction(one, async (m) => {
        await queryRows(m, `INSERT INTO together_probe VALUES (32, 'before')`);
        sendWithCommit(m, () => queryRows(m, `INSERT INTO together_probe VALUES (32, 'the same key')`));
        return 'answered?';
      }).catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(QueryFailedError);
      expect(String(failed)).toMatch(/duplicate key/);
      expect(await ids(one)).toEqual([]);
      // the work goes on after them and fails with the aborted transaction: their failure is the one thrown
      const cause = await transaction(one, async (m) => {
        sendWithCommit(m, () => queryRows(m, `INSERT INTO together_probe VALUES (NULL, 'no id')`));
        return queryRows(m, `SELECT 1 AS one`);
      }).catch((e: unknown) => e);
      expect(String(cause)).toMatch(/null value/);
      expect(await ids(one)).toEqual([]);
      // a work that throws after handing them over is rolled back too
      const thrown = await transaction(one, async (m) => {
        sendWithCommit(m, () => queryRows(m, `INSERT INTO together_probe VALUES (33, 'x')`));
        await Promise.resolve();
        throw new Error('refused after handing them over');
      }).catch((e: unknown) => e);
      expect(String(thrown)).toMatch(/refused after handing them over/);
      expect(await ids(one)).toEqual([]);
      // the one connection is back in the pool, outside any transaction
      await transaction(one, (m) =>
        queryRows(m, `INSERT INTO together_probe VALUES (34, 'after the failures')`),
      );
      expect(await ids(one)).toEqual([34]);
    } finally {
      await one.destroy();
    }
  });

  it('lets the work send more after them: it goes out behind them and sees what they wrote', async () => {
    const seen = await transaction(db.dataSource, async (m) => {
      sendWithCommit(m, () => queryRows(m, `INSERT INTO together_probe VALUES (36, 'tail')`));
      return queryOne<{ n: number }>(m, `SELECT count(*)::int AS n FROM together_probe WHERE id = 36`);
    });
    expect(seen).toEqual({ n: 1 });
    expect(await ids()).toEqual([36]);
  });

  it('is declined (nothing sent) outside transaction(), in a savepoint and with pipelining off', async () => {
    let sent = 0;
    const statements = (m: EntityManager) => () => {
      sent++;
      return queryRows(m, `INSERT INTO together_probe VALUES (35, 'never')`);
    };
    const declined: boolean[] = [];
    await db.dataSource.transaction(async (m) => {
      declined.push(sendWithCommit(m, statements(m)));
    });
    await transaction(db.dataSource, async (m) => {
      await m.transaction(async (n) => {
        declined.push(sendWithCommit(n, statements(n)));
      });
    });
    const url = (db.dataSource.options as { url: string }).url;
    const off = new DataSource(buildDataSourceOptions({ url, poolSize: 1, pipeline: false }));
    await off.initialize();
    try {
      await transaction(off, async (m) => {
        declined.push(sendWithCommit(m, statements(m)));
      });
    } finally {
      await off.destroy();
    }
    expect(declined).toEqual([false, false, false]);
    expect(sent).toBe(0);
    expect(await ids()).toEqual([]);
  });
});

describe('sendAtCommit: a statement started last, right before COMMIT', () => {
  const ids = async () =>
    (await db.dataSource.query(`SELECT id, label FROM together_probe ORDER BY id`)) as {
      id: number;
      label: string;
    }[];

  it('goes out after everything the work sent, sendWithCommit’s statements too, in the same write as COMMIT', async () => {
    const writes: string[] = [];
    let startedDuringWork = false;
    const { result } = await socketWrites(
      () =>
        transaction(db.dataSource, async (m) => {
          let working = true;
          expect(
            sendAtCommit(m, () => {
              startedDuringWork = working;
              // sees what the work wrote before it
              return queryRows(m, `UPDATE together_probe SET label = 'last' WHERE id = 41`);
            }),
          ).toBe(true);
          await queryRows(m, `INSERT INTO together_probe VALUES (40, 'work')`);
          sendWithCommit(m, () => queryRows(m, `INSERT INTO together_probe VALUES (41, 'with commit')`));
          working = false;
          return 'done';
        }),
      writes,
    );
    expect(result).toBe('done');
    expect(startedDuringWork).toBe(false);
    const last = writes.filter((w) => w.includes('COMMIT'));
    expect(last).toHaveLength(1);
    expect(last[0]).toMatch(/with commit[\s\S]*UPDATE together_probe[\s\S]*COMMIT/);
    expect(await ids()).toEqual([
      { id: 40, label: 'work' },
      { id: 41, label: 'last' },
    ]);
  });

  it('is not started when the work fails; its own failure is thrown and nothing is kept', async () => {
    let started = false;
    const thrown = await transaction(db.dataSource, async (m) => {
      sendAtCommit(m, () => {
        started = true;
        return queryRows(m, `INSERT INTO together_probe VALUES (42, 'never')`);
      });
      await queryRows(m, `INSERT INTO together_probe VALUES (43, 'rolled back')`);
      throw new Error('the work refused');
    }).catch((e: unknown) => e);
    expect(String(thrown)).toMatch(/the work refused/);
    expect(started).toBe(false);
    const failed = await transaction(db.dataSource, async (m) => {
      await queryRows(m, `INSERT INTO together_probe VALUES (44, 'before')`);
      sendAtCommit(m, () => queryRows(m, `INSERT INTO together_probe VALUES (44, 'the same key')`));
    }).catch((e: unknown) => e);
    expect(String(failed)).toMatch(/duplicate key/);
    expect(await ids()).toEqual([]);
  });

  it('is declined (nothing kept) outside transaction() and in a savepoint', async () => {
    const declined: boolean[] = [];
    await db.dataSource.transaction(async (m) => {
      declined.push(sendAtCommit(m, () => queryRows(m, `INSERT INTO together_probe VALUES (45, 'never')`)));
    });
    await transaction(db.dataSource, async (m) => {
      await m.transaction(async (n) => {
        declined.push(sendAtCommit(n, () => queryRows(n, `INSERT INTO together_probe VALUES (45, 'never')`)));
      });
    });
    expect(declined).toEqual([false, false]);
    expect(await ids()).toEqual([]);
  });
});
