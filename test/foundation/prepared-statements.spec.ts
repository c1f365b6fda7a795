import { QueryFailedError, type EntityManager } from 'typeorm';
import { columnList, queryPrepared, setPreparedStatements } from '#libs/common';
import { createTestDatabase, type TestDatabase } from '#libs/testing';

/**
 * queryPrepared: inside a transaction the statement goes out named (PostgreSQL keeps it for the connection), with
 * the same rows and the same failures as queryRows; outside a transaction, or with DB_PREPARE=false, it is queryRows.
 */
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase(30);
  await db.dataSource.query(`CREATE TABLE prep_probe (id int PRIMARY KEY, label text NOT NULL)`);
});
afterAll(async () => {
  setPreparedStatements(true);
  await db.drop();
});

/** The statements prepared on the manager's connection whose text has `fragment`. */
const preparedOn = async (m: EntityManager, fragment = 'prep_probe'): Promise<string[]> =>
  (
    (await m.query(`SELECT name FROM pg_prepared_statements WHERE strpos(statement, $1) > 0 ORDER BY name`, [
      fragment,
    ])) as {
      name: string;
    }[]
  ).map((r) => r.name);

it('prepares a statement once per connection inside a transaction and answers its rows', async () => {
  await db.dataSource.transaction(async (m) => {
    const first = await queryPrepared<{ id: number; label: string }>(
      m,
      `INSERT INTO prep_probe (id, label) VALUES ($1, $2) RETURNING id, label`,
      [1, 'one'],
    );
    const second = await queryPrepared<{ id: number; label: string }>(
      m,
      `INSERT INTO prep_probe (id, label) VALUES ($1, $2) RETURNING id, label`,
      [2, 'two'],
    );
    expect(first).toEqual([{ id: 1, label: 'one' }]);
    expect(second).toEqual([{ id: 2, label: 'two' }]);
    const names = await preparedOn(
      m,
      'INSERT INTO prep_probe (id, label) VALUES ($1, $2) RETURNING id, label',
    );
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^mae_/);
  });
  expect(await db.dataSource.query(`SELECT count(*)::int AS n FROM prep_probe`)).toEqual([{ n: 2 }]);
});

it('fails as TypeORM does: a QueryFailedError carrying the driver code and constraint, and the transaction rolls back', async () => {
  const failure = await db.dataSource
    .transaction(async (m) => {
      await queryPrepared(m, `INSERT INTO prep_probe (id, label) VALUES ($1, $2) RETURNING id`, [10, 'ten']);
      await queryPrepared(m, `INSERT INTO prep_probe (id, label) VALUES ($1, $2) RETURNING id`, [
        10,
        'again',
      ]);
    })
    .catch((e: unknown) => e);
  expect(failure).toBeInstanceOf(QueryFailedError);
  expect(failure).toMatchObject({ code: '23505', constraint: 'prep_probe_pkey' });
  expect(await db.dataSource.query(`SELECT count(*)::int AS n FROM prep_probe WHERE id = 10`)).toEqual([
    { n: 0 },
  ]);
});

it('outside a transaction, and when turned off, sends the statement unnamed', async () => {
  const runner = db.dataSource.createQueryRunner();
  try {
    await runner.connect();
    // no transaction on this runner: plain queryRows
    expect(await queryPrepared(runner.manager, `SELECT label FROM prep_probe WHERE id = $1`, [1])).toEqual([
      { label: 'one' },
    ]);
    expect(await preparedOn(runner.manager, 'SELECT label FROM prep_probe')).toEqual([]);
    setPreparedStatements(false);
    await runner.startTransaction();
    expect(await queryPrepared(runner.manager, `SELECT label FROM prep_probe WHERE id = $1`, [2])).toEqual([
      { label: 'two' },
    ]);
    expect(await preparedOn(runner.manager, 'SELECT label FROM prep_probe')).toEqual([]);
    await runner.commitTransaction();
  } finally {
    setPreparedStatements(true);
    await runner.release();
  }
});

it('a statement naming its columns (columnList) outlives a migration that adds a column; one selecting * does not', async () => {
  await db.dataSource.query(`CREATE TABLE prep_cols (id int PRIMARY KEY, label text NOT NULL)`);
  await db.dataSource.query(`INSERT INTO prep_cols VALUES (1, 'one')`);
  const named = `SELECT ${columnList<{ id: number; label: string }>()(['id', 'label'])} FROM prep_cols WHERE id = $1`;
  const star = `SELECT * FROM prep_cols WHERE id = $1`;
  const runner = db.dataSource.createQueryRunner();
  const inTransaction = async (sql: string) => {
    await runner.startTransaction();
    try {
      return await queryPrepared(runner.manager, sql, [1]);
    } finally {
      await runner.rollbackTransaction();
    }
  };
  try {
    await runner.connect();
    // both prepared on this connection, then another connection migrates the table
    expect(await inTransaction(named)).toEqual([{ id: 1, label: 'one' }]);
    expect(await inTransaction(star)).toEqual([{ id: 1, label: 'one' }]);
    expect(await preparedOn(runner.manager, 'FROM prep_cols')).toHaveLength(2);
    await db.dataSource.query(`ALTER TABLE prep_cols ADD COLUMN note text`);
    expect(await inTransaction(named)).toEqual([{ id: 1, label: 'one' }]);
    await expect(inTransaction(star)).rejects.toThrow(/cached plan must not change result type/);
  } finally {
    await runner.release();
  }
});

it('keeps at most 256 statements per connection and sends the rest unnamed', async () => {
  await db.dataSource.transaction(async (m) => {
    for (let k = 0; k < 300; k++) {
      const [row] = await queryPrepared<{ k: number }>(
        m,
        `SELECT $1::int + ${k} AS k FROM prep_probe LIMIT 1`,
        [1],
      );
      expect(row.k).toBe(1 + k);
    }
    const [{ n }] = (await m.query(`SELECT count(*)::int AS n FROM pg_prepared_statements`)) as {
      n: number;
    }[];
    expect(n).toBeLessThanOrEqual(256);
    expect(n).toBeGreaterThan(200);
  });
});
