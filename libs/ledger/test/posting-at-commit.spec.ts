import { DataSource } from 'typeorm';
import { buildDataSourceOptions, DomainError, FixedClock, transaction } from '#libs/common';
import { LedgerService, PostingRetry, type EntryInput, type JournalEntryCode } from '#libs/ledger';
import { createTestDatabase, type TestDatabase } from '#libs/testing';

/** Entries these tests post are synthetic: their code is deliberately outside the engine's closed list. */
const SYNTHETIC = 'TEST' as JournalEntryCode;
const TODAY = '2026-06-15';

let db: TestDatabase;
let clock: FixedClock;
let ledger: LedgerService;

beforeAll(async () => {
  db = await createTestDatabase(60);
  clock = new FixedClock(new Date(`${TODAY}T04:00:00Z`));
  ledger = new LedgerService(db.dataSource, clock);
});
afterAll(async () => db.drop());
afterEach(async () => {
  clock.set(new Date(`${TODAY}T04:00:00Z`));
  const report = await ledger.verify();
  expect(report.balanceMismatches).toEqual([]);
  expect(report.runningBalanceMismatches).toEqual([]);
  expect(report.unbalancedEntries).toEqual([]);
  expect(report.ok).toBe(true);
});

let seq = 0;
const uid = (p: string) => `${p}-${++seq}-${Math.random().toString(36).slice(2, 8)}`;

/** A bounded cash account funded from capital; withdrawals go to a loans account. */
async function fund() {
  const [cash, capital, loans] = [uid('T:CASH'), uid('T:CAPITAL'), uid('T:LOANS')];
  await db.dataSource.transaction(async (m) => {
    await ledger.openAccount(m, { code: cash, name: cash, type: 'ASSET', noNegative: true });
    await ledger.openAccount(m, { code: capital, name: capital, type: 'EQUITY' });
    await ledger.openAccount(m, { code: loans, name: loans, type: 'ASSET' });
  });
  const entry = (debit: string, credit: string, amountFen: bigint, valueDate = TODAY): EntryInput => ({
    idempotencyKey: uid('k'),
    code: SYNTHETIC,
    valueDate,
    lines: [
      { account: debit, side: 'DEBIT', amountFen },
      { account: credit, side: 'CREDIT', amountFen },
    ],
  });
  return {
    cash,
    loans,
    deposit: (amountFen: bigint, valueDate = TODAY) => entry(cash, capital, amountFen, valueDate),
    withdraw: (amountFen: bigint, valueDate = TODAY) => entry(loans, cash, amountFen, valueDate),
  };
}

/** Posts `entry` with postingAtCommit in a transaction(); `during` runs after the entry's insert, before COMMIT. */
async function postAtCommit(entry: EntryInput, during: () => Promise<unknown> = async () => undefined) {
  return transaction(db.dataSource, async (m) => {
    const applying = await ledger.postingAtCommit(m, entry);
    if (!applying) return undefined;
    const entryId = await applying.insert();
    await during();
    applying.applyWithCommit(entryId);
    return entryId;
  });
}

async function entryByKey(key: string) {
  const rows = (await db.dataSource.query(
    `SELECT e.id::text AS id, count(p.id)::int AS postings
       FROM journal_entries e LEFT JOIN ledger_postings p ON p.entry_id = e.id
      WHERE e.idempotency_key = $1 GROUP BY e.id`,
    [key],
  )) as { id: string; postings: number }[];
  return rows[0];
}

/** Whether another connection can lock the account's row at once (no transaction holds it). */
async function lockable(code: string): Promise<boolean> {
  return db.dataSource.transaction(async (m) => {
    await m.query(`SET LOCAL lock_timeout = '50ms'`);
    return m
      .query(`SELECT 1 FROM ledger_accounts WHERE code = $1 FOR UPDATE`, [code])
      .then(() => true)
      .catch((e: { code?: string }) => {
        if (e.code === '55P03') return false;
        throw e;
      });
  });
}

describe('LedgerService.postingAtCommit', () => {
  it('inserts the entry first and applies its postings with COMMIT: the accounts are not locked by the work between', async () => {
    const f = await fund();
    const entry = f.deposit(5_000n);
    let duringWork: boolean | undefined;
    const entryId = await postAtCommit(entry, async () => {
      duringWork = await lockable(f.cash);
    });
    expect(duringWork).toBe(true);
    expect(entryId).toBeDefined();
    expect(await entryByKey(entry.idempotencyKey)).toEqual({ id: entryId, postings: 2 });
    expect(await ledger.balanceOf(null, f.cash)).toBe(5_000n);

    // the ordinary posting, for comparison, holds the accounts from its statement to COMMIT
    let duringOrdinary: boolean | undefined;
    await transaction(db.dataSource, async (m) => {
      await ledger.post(m, f.deposit(1n));
      duringOrdinary = await lockable(f.cash);
    });
    expect(duringOrdinary).toBe(false);
  });

  it('posts nothing when the work fails after the insert', async () => {
    const f = await fund();
    const entry = f.deposit(700n);
    const err = await postAtCommit(entry, async () => {
      throw new Error('the caller refused');
    }).catch((e) => e);
    expect(err.message).toBe('the caller refused');
    expect(await entryByKey(entry.idempotencyKey)).toBeUndefined();
    expect(await ledger.balanceOf(null, f.cash)).toBe(0n);
  });

  it('refuses a bound the entry would break as `post` does, and nothing is committed', async () => {
    const f = await fund();
    await postAtCommit(f.deposit(1_000n));
    const entry = f.withdraw(1_001n);
    const err = await postAtCommit(entry).catch((e) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err.code).toBe('LEDGER_LIMIT_EXCEEDED');
    expect(err.message).toContain(f.cash);
    expect(await entryByKey(entry.idempotencyKey)).toBeUndefined();
    expect(await ledger.balanceOf(null, f.cash)).toBe(1_000n);
    await postAtCommit(f.withdraw(1_000n));
    expect(await ledger.balanceOf(null, f.cash)).toBe(0n);
  });

  it('aborts for a retry with `posting` when a kept attribute is stale; the retry posts once', async () => {
    const f = await fund();
    await postAtCommit(f.deposit(300n));
    // this process's copy of the cash account's attributes now names an id no account has (as after the account was
    // opened in a transaction that rolled back)
    const kept = (ledger as unknown as { attributes: Map<string, { id: string }> }).attributes;
    kept.set(f.cash, { ...kept.get(f.cash)!, id: '9000000000' });
    const entry = f.deposit(200n);
    const err = await postAtCommit(entry).catch((e) => e);
    expect(err).toBeInstanceOf(PostingRetry);
    expect(err.message).toContain('stale account attributes');
    expect(await entryByKey(entry.idempotencyKey)).toBeUndefined();
    expect(await ledger.balanceOf(null, f.cash)).toBe(300n);
    // what the caller does then: the same entry with the ordinary posting, which reads the attributes afresh
    await transaction(db.dataSource, (m) => ledger.post(m, entry));
    expect(await entryByKey(entry.idempotencyKey)).toMatchObject({ postings: 2 });
    expect(await ledger.balanceOf(null, f.cash)).toBe(500n);
  });

  it('aborts for a retry when a bounded account it takes down has a later posting (a business date moved back)', async () => {
    const f = await fund();
    clock.set(new Date('2026-06-20T04:00:00Z'));
    await postAtCommit(f.deposit(1_000n, '2026-06-20'));
    clock.set(new Date(`${TODAY}T04:00:00Z`));
    // dated today, so not back-dated as far as this process can tell; under the lock the account says otherwise
    const entry = f.withdraw(400n);
    const err = await postAtCommit(entry).catch((e) => e);
    expect(err).toBeInstanceOf(PostingRetry);
    expect(err.message).toContain('back-dated');
    expect(await entryByKey(entry.idempotencyKey)).toBeUndefined();
    // the ordinary posting checks every later date first, and refuses: the cash came in on the 20th
    const refused = await transaction(db.dataSource, (m) => ledger.post(m, entry)).catch((e) => e);
    expect(refused.code).toBe('LEDGER_LIMIT_EXCEEDED');
    expect(await ledger.balanceOf(null, f.cash)).toBe(1_000n);
  });

  it('aborts for a retry when the key exists, and `posting` then replays it', async () => {
    const f = await fund();
    const entry = f.deposit(90n);
    const first = await postAtCommit(entry);
    const err = await postAtCommit(entry).catch((e) => e);
    expect(err).toBeInstanceOf(PostingRetry);
    const replay = await transaction(db.dataSource, (m) => ledger.post(m, entry));
    expect(replay).toEqual({ entryId: first, replayed: true });
    expect(await ledger.balanceOf(null, f.cash)).toBe(90n);
  });

  it('is not offered where it cannot be used: outside transaction(), and for a bounded account taken down before today', async () => {
    const f = await fund();
    await postAtCommit(f.deposit(1_000n));
    // TypeORM's own transaction cannot send with COMMIT
    expect(await db.dataSource.transaction((m) => ledger.postingAtCommit(m, f.deposit(1n)))).toBeUndefined();
    // nor can a transaction() without pipelining (DB_PIPELINE=false)
    const off = new DataSource(buildDataSourceOptions({ url: db.url, poolSize: 1, pipeline: false }));
    await off.initialize();
    try {
      expect(await transaction(off, (m) => ledger.postingAtCommit(m, f.deposit(1n)))).toBeUndefined();
    } finally {
      await off.destroy();
    }
    // nor a savepoint inside one
    expect(
      await transaction(db.dataSource, (m) =>
        m.transaction((inner) => ledger.postingAtCommit(inner, f.deposit(1n))),
      ),
    ).toBeUndefined();
    // it may be back-dated: the check of every later date comes first
    expect(await postAtCommit(f.withdraw(10n, '2026-06-14'))).toBeUndefined();
    // into a bounded account (nothing can go below zero), earlier dates are fine
    expect(await postAtCommit(f.deposit(10n, '2026-06-14'))).toBeDefined();
    // without a clock this process cannot tell today: a bounded account taken down goes the ordinary way
    const unclocked = new LedgerService(db.dataSource);
    expect(
      await transaction(db.dataSource, (m) => unclocked.postingAtCommit(m, f.withdraw(10n))),
    ).toBeUndefined();
    expect(await ledger.balanceOf(null, f.cash)).toBe(1_010n);
  });

  it('concurrent entries on one bounded account: exactly the affordable ones commit, every balance exact', async () => {
    const f = await fund();
    await postAtCommit(f.deposit(1_000n));
    const outcomes = await Promise.all(
      Array.from({ length: 30 }, () =>
        postAtCommit(f.withdraw(100n)).then(
          () => 'ok',
          (e: { code?: string }) => e.code ?? String(e),
        ),
      ),
    );
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(10);
    expect(outcomes.filter((o) => o !== 'ok')).toEqual(Array(20).fill('LEDGER_LIMIT_EXCEEDED'));
    expect(await ledger.balanceOf(null, f.cash)).toBe(0n);
  });
});
