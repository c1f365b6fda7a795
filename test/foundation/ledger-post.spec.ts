import { DomainError } from '#libs/common';
import { LedgerService, type AccountType, type JournalEntryCode, type PostingLine } from '#libs/ledger';

/** Entries these tests post are synthetic: their code is deliberately outside the engine's closed list. */
const SYNTHETIC = 'TEST' as JournalEntryCode;
import { createTestDatabase, type TestDatabase } from '#libs/testing';

/**
 * LedgerService.post beyond the basics in libs/ledger/test: several lines on one account, the bound aborting the
 * whole transaction (so a caller that swallows the error still cannot commit half an entry), and lock ordering
 * under opposite-order concurrent entries on a hot account (no deadlock, nothing lost).
 */
let db: TestDatabase;
let ledger: LedgerService;
let seq = 0;
const uid = (p: string) => `${p}-${++seq}-${Math.random().toString(36).slice(2, 8)}`;

beforeAll(async () => {
  db = await createTestDatabase(24);
  ledger = new LedgerService(db.dataSource);
});
afterEach(async () => {
  const report = await ledger.verify();
  expect(report.balanceMismatches).toEqual([]);
  expect(report.runningBalanceMismatches).toEqual([]);
  expect(report.unbalancedEntries).toEqual([]);
  expect(report.ok).toBe(true);
});
afterAll(async () => db.drop());

async function open(type: AccountType, noNegative = false) {
  const code = uid(`F:${type}`);
  await db.dataSource.transaction((m) => ledger.openAccount(m, { code, name: code, type, noNegative }));
  return code;
}

const post = (lines: PostingLine[], key = uid('k')) =>
  db.dataSource.transaction((m) => ledger.post(m, { idempotencyKey: key, code: SYNTHETIC, valueDate: '2026-02-01', lines }));

async function entryCount(): Promise<number> {
  const [r] = await db.dataSource.query(`SELECT count(*)::int AS n FROM journal_entries`);
  return r.n;
}

describe('LedgerService.post', () => {
  it('writes one running balance per line, in line order, when an account appears on several lines', async () => {
    const cash = await open('ASSET');
    const capital = await open('EQUITY');
    const fees = await open('INCOME');
    await post([
      { account: cash, side: 'DEBIT', amountFen: 10_000n },
      { account: capital, side: 'CREDIT', amountFen: 10_000n },
    ]);
    await post([
      { account: cash, side: 'CREDIT', amountFen: 300n },
      { account: fees, side: 'DEBIT', amountFen: 300n },
      { account: cash, side: 'DEBIT', amountFen: 1_000n },
      { account: fees, side: 'CREDIT', amountFen: 1_000n },
      { account: cash, side: 'CREDIT', amountFen: 50n },
      { account: capital, side: 'DEBIT', amountFen: 50n },
    ]);
    const st = await ledger.statement(cash, { page: 1, pageSize: 10 });
    expect(st.items.map((i) => `${i.side}:${i.amount}:${i.balanceAfter}`)).toEqual([
      'DEBIT:100.00:100.00',
      'CREDIT:3.00:97.00',
      'DEBIT:10.00:107.00',
      'CREDIT:0.50:106.50',
    ]);
    expect(st.account.balance).toBe('106.50');
    expect(await ledger.balanceOf(null, fees)).toBe(700n);
    expect(await ledger.balanceOf(null, capital)).toBe(9_950n);
  });

  it('refuses a bound breach naming the account, and the caller cannot commit any part of the entry', async () => {
    const cash = await open('ASSET', true);
    const capital = await open('EQUITY');
    const loans = await open('ASSET');
    await post([
      { account: cash, side: 'DEBIT', amountFen: 500n },
      { account: capital, side: 'CREDIT', amountFen: 500n },
    ]);
    const before = await entryCount();
    let caught: unknown;
    // A careless caller swallows the refusal and tries to commit what it has written so far.
    const committed = await db.dataSource
      .transaction(async (m) => {
        try {
          await ledger.post(m, {
            idempotencyKey: uid('over'),
            code: SYNTHETIC,
            valueDate: '2026-02-01',
            lines: [
              { account: loans, side: 'DEBIT', amountFen: 501n },
              { account: cash, side: 'CREDIT', amountFen: 501n },
            ],
          });
        } catch (e) {
          caught = e;
        }
        await m.query(`SELECT 1`);
      })
      .then(
        () => true,
        () => false,
      );
    expect(caught).toBeInstanceOf(DomainError);
    expect((caught as DomainError).code).toBe('LEDGER_LIMIT_EXCEEDED');
    expect((caught as DomainError).detail).toContain(cash);
    expect((caught as DomainError).extra).toEqual({ account: cash });
    expect(committed).toBe(false);
    expect(await entryCount()).toBe(before);
    expect(await ledger.balanceOf(null, cash)).toBe(500n);
    expect(await ledger.balanceOf(null, loans)).toBe(0n);
  });

  it('posts concurrent entries in opposite account orders on a hot account without deadlock or loss', async () => {
    const hot = await open('ASSET', true);
    const others = [await open('ASSET'), await open('ASSET'), await open('ASSET')];
    const capital = await open('EQUITY');
    await post([
      { account: hot, side: 'DEBIT', amountFen: 1_000_000n },
      { account: capital, side: 'CREDIT', amountFen: 1_000_000n },
    ]);
    // Each entry lists its accounts in a different order; lines touch the hot account first or last.
    const jobs = Array.from({ length: 48 }, (_, i) => {
      const other = others[i % others.length];
      const out: PostingLine[] = [
        { account: other, side: 'DEBIT', amountFen: 100n },
        { account: hot, side: 'CREDIT', amountFen: 100n },
      ];
      const back: PostingLine[] = [
        { account: hot, side: 'DEBIT', amountFen: 40n },
        { account: other, side: 'CREDIT', amountFen: 40n },
      ];
      return post(i % 2 === 0 ? out : back.reverse());
    });
    const results = await Promise.allSettled(jobs);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    // 24 entries took 100 each out, 24 brought 40 each back.
    expect(await ledger.balanceOf(null, hot)).toBe(1_000_000n - 24n * 100n + 24n * 40n);
    const [{ n }] = await db.dataSource.query(
      `SELECT count(*)::int AS n FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id WHERE a.code = $1`,
      [hot],
    );
    expect(n).toBe(49);
  });

  it('a replay returns the original entry without locking or changing a balance', async () => {
    const cash = await open('ASSET');
    const capital = await open('EQUITY');
    const key = uid('replay');
    const lines: PostingLine[] = [
      { account: cash, side: 'DEBIT', amountFen: 700n },
      { account: capital, side: 'CREDIT', amountFen: 700n },
    ];
    const first = await post(lines, key);
    // Hold the account lock in another transaction: the replay must still answer at once.
    const runner = db.dataSource.createQueryRunner();
    let timer: NodeJS.Timeout | undefined;
    await runner.startTransaction();
    try {
      await runner.query(`SELECT 1 FROM ledger_accounts WHERE code = $1 FOR UPDATE`, [cash]);
      const replay = await Promise.race([
        post(lines, key),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('replay waited for the lock')), 3_000);
        }),
      ]);
      expect(replay).toEqual({ entryId: first.entryId, replayed: true });
    } finally {
      // The guard timer would otherwise keep the process alive for 3 s after the file ends.
      clearTimeout(timer);
      await runner.rollbackTransaction();
      await runner.release();
    }
    expect(await ledger.balanceOf(null, cash)).toBe(700n);
  });
});
