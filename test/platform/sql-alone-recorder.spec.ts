import { DataSource } from 'typeorm';
import { buildDataSourceOptions, queryPrepared, queryRows, together, transaction } from '#libs/common';
import { createTestDatabase, type TestDatabase } from '#libs/testing';
import { FrontendParser, replayScript, WireRecorder, type WireStatement } from '../../bench/http/ceiling.js';

/**
 * bench:http's "repayment SQL alone" (bench/http/ceiling.ts): the recorder in front of PostgreSQL reads what the
 * engine's own connection code sends (text, parameters, the socket write each statement left in), and a recorded
 * repayment becomes a pgbench script that repeats it with its round trips and fresh unique values.
 */
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase(2);
  await db.dataSource.query(
    `CREATE TABLE recorder_probe (id bigserial PRIMARY KEY, label text, amount bigint)`,
  );
});
afterAll(async () => db.drop());

it('records each statement of a committed transaction with its parameters and the write it left in', async () => {
  const { recorder, url } = await WireRecorder.inFrontOf(db.url);
  const ds = new DataSource(buildDataSourceOptions({ url, poolSize: 1, applicationName: 'recorder-test' }));
  await ds.initialize();
  try {
    await ds.query(`SELECT 1 AS before_recording`);
    recorder.start();
    await transaction(ds, async (m) => {
      await together(m, [
        () =>
          queryPrepared(m, `INSERT INTO recorder_probe (label, amount) VALUES ($1, $2) RETURNING id`, [
            "a:b 'quoted'",
            null,
          ]),
        () => queryRows(m, `SELECT count(*)::int AS n FROM recorder_probe WHERE amount = $1`, ['7']),
      ]);
      await queryRows(m, `UPDATE recorder_probe SET amount = $1 WHERE label IS NOT NULL`, ['9']);
    });
    // rolled back: not a committed transaction
    await ds
      .transaction(async (m) => {
        await m.query(`INSERT INTO recorder_probe (label) VALUES ('gone')`);
        throw new Error('roll back');
      })
      .catch(() => undefined);
    const txs = recorder.stop();
    await ds.query(`SELECT 2 AS after_recording`);

    expect(txs).toHaveLength(1);
    const [tx] = txs;
    expect(tx.map((s) => s.sql.trim().split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'START TRANSACTION',
      'INSERT INTO',
      'SELECT count(*)::int',
      'UPDATE recorder_probe',
      'COMMIT',
    ]);
    expect(tx[1].params).toEqual(["a:b 'quoted'", null]);
    expect(tx[2].params).toEqual(['7']);
    expect(tx[3].params).toEqual(['9']);
    // the batch left with BEGIN in one write; the update waited for its answers, and COMMIT for the update's
    expect(tx[1].write).toBe(tx[0].write);
    expect(tx[2].write).toBe(tx[1].write);
    expect(tx[3].write).toBeGreaterThan(tx[2].write);
    expect(tx[4].write).toBeGreaterThan(tx[3].write);
    expect(await ds.query(`SELECT label, amount::int FROM recorder_probe`)).toEqual([
      { label: "a:b 'quoted'", amount: 9 },
    ]);
  } finally {
    await ds.destroy();
    await recorder.close();
  }
});

/** A frontend message: type, length, body. */
const message = (type: string, ...parts: Buffer[]) => {
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
};
const cstring = (s: string) => Buffer.from(`${s}\0`, 'utf8');
const int16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const startup = () => {
  const body = Buffer.concat([int32(196608), cstring('user'), cstring('postgres'), Buffer.from([0])]);
  return Buffer.concat([int32(body.length + 4), body]);
};
const bind = (name: string, params: (string | null)[]) =>
  message(
    'B',
    cstring(''),
    cstring(name),
    int16(0),
    int16(params.length),
    ...params.map((p) =>
      p === null ? int32(-1) : Buffer.concat([int32(Buffer.byteLength(p)), Buffer.from(p, 'utf8')]),
    ),
    int16(0),
  );

it('reads a statement named once and bound again, and one whose message is split across two writes', () => {
  const parser = new FrontendParser();
  const parse = message('P', cstring('s1'), cstring('SELECT $1::text'), int16(0));
  const first = Buffer.concat([startup(), parse, bind('s1', ['一']), message('E', cstring(''), int32(0))]);
  const second = Buffer.concat([bind('s1', [null]), message('E', cstring(''), int32(0)), message('S')]);
  const out: WireStatement[] = [...parser.push(first), ...parser.push(second.subarray(0, 7))];
  out.push(...parser.push(second.subarray(7)));
  expect(out).toEqual([
    { sql: 'SELECT $1::text', params: ['一'], write: 1 },
    { sql: 'SELECT $1::text', params: [null], write: 3 },
  ]);
  expect(() => new FrontendParser().push(Buffer.concat([startup(), bind('never', [])]))).toThrow(
    /never parsed/,
  );
});

const at = (write: number, sql: string, ...params: (string | null)[]): WireStatement => ({
  sql,
  params,
  write,
});

it('turns a recorded repayment into a script with its round trips and fresh ids and keys', () => {
  const R = '77';
  const E = '900';
  const tx = [
    at(1, 'START TRANSACTION'),
    at(
      1,
      'INSERT INTO idempotency_keys (scope, key, request_hash) VALUES ($1, $2, $3)',
      'loan:x@user:3',
      'k-1',
      'h',
    ),
    at(
      2,
      'SELECT id, code, currency, ledger, normal_side, no_negative FROM ledger_accounts WHERE code = ANY($1)',
      '{A:1}',
    ),
    at(3, 'INSERT INTO journal_entries (idempotency_key, memo) VALUES ($1, $2)', `repayment:${R}`, R),
    at(
      3,
      `INSERT INTO repayments (id, amount_fen, entry_id, idempotency_key) VALUES ($1, $2,
        (SELECT e.id FROM journal_entries e WHERE e.idempotency_key = $3), $4)
       RETURNING (SELECT count(*) FROM unnest($5::bigint[], $6::bigint[]))`,
      R,
      R,
      `repayment:${R}`,
      'k-1',
      `{${R},${R}}`,
      '{100}',
    ),
    at(
      4,
      'UPDATE idempotency_keys SET response = $1::jsonb WHERE key = $2',
      `{"id": "${R}", "at": "12:00"}`,
      'k-1',
    ),
    at(4, 'WITH locked AS MATERIALIZED (SELECT 1) SELECT $1::bigint, $2::bigint', E, E),
    at(4, 'COMMIT'),
  ];
  const { script, statements, trips } = replayScript(tx);
  // the cold read of account attributes is left out, and its write with it
  expect({ statements, trips }).toEqual({ statements: 7, trips: 3 });
  expect(script.match(/^\\(start|end)pipeline$/gm)).toEqual([
    '\\startpipeline',
    '\\endpipeline',
    '\\startpipeline',
    '\\endpipeline',
    '\\startpipeline',
    '\\endpipeline',
  ]);
  expect(script).not.toMatch(/ledger_accounts/);
  // no colon pgbench could take for a variable of its own
  expect(script).not.toMatch(/(^|[^:]):(?!:)/m);
  const fresh = `(SELECT E'replay-' || txid_current())`;
  const repaymentId = `(SELECT currval(pg_get_serial_sequence(E'repayments', E'id')))`;
  const entryKey = `(SELECT E'repayment\\x3a' || currval(pg_get_serial_sequence(E'repayments', E'id')))`;
  expect(script).toContain(`VALUES ((E'loan\\x3ax@user\\x3a3'), ${fresh}, (E'h'));`);
  expect(script).toContain(`VALUES (${entryKey}, (E'77'));`);
  // the id where the row's is; the same number as an amount stays
  expect(script).toContain(`VALUES (${repaymentId}, (E'77'),`);
  expect(script).toContain(`e.idempotency_key = ${entryKey}), ${fresh})`);
  expect(script).toContain(
    `unnest((regexp_replace(E'{77,77}', E'\\\\m77\\\\M', ${repaymentId}::text, E'g'))::bigint[]`,
  );
  expect(script).toContain(`(E'{100}')::bigint[]`);
  // JSON as recorded; the entry's id in the posting's first parameter only
  expect(script).toContain(
    `SET response = E'{"id"\\x3a "77", "at"\\x3a "12\\x3a00"}'::jsonb WHERE key = ${fresh};`,
  );
  expect(script).toContain(
    `SELECT (SELECT currval(pg_get_serial_sequence(E'journal_entries', E'id')))::bigint, (E'900')::bigint;`,
  );
  expect(() => replayScript(tx.filter((s) => !s.sql.startsWith('WITH locked')))).toThrow(/ledger posting/);
});
