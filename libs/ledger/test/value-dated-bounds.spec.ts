import fc from 'fast-check';
import { DomainError, FixedClock } from '#libs/common';
import { LedgerService, type JournalEntryCode } from '#libs/ledger';
import { createTestDatabase, type TestDatabase } from '#libs/testing';

/** Entries these tests post are synthetic: their code is deliberately outside the engine's closed list. */
const SYNTHETIC = 'TEST' as JournalEntryCode;

let db: TestDatabase;
let ledger: LedgerService;

beforeAll(async () => {
  db = await createTestDatabase(60);
  ledger = new LedgerService(db.dataSource);
});
afterAll(async () => db.drop());
afterEach(async () => {
  const report = await ledger.verify();
  expect(report.balanceMismatches).toEqual([]);
  expect(report.runningBalanceMismatches).toEqual([]);
  expect(report.ok).toBe(true);
});

let seq = 0;
const uid = (p: string) => `${p}-${++seq}-${Math.random().toString(36).slice(2, 8)}`;

/** A bounded cash account funded from capital; withdrawals go to a loans account. */
async function fund() {
  const cash = uid('T:CASH');
  const capital = uid('T:CAPITAL');
  const loans = uid('T:LOANS');
  await db.dataSource.transaction(async (m) => {
    await ledger.openAccount(m, { code: cash, name: cash, type: 'ASSET', noNegative: true });
    await ledger.openAccount(m, { code: capital, name: capital, type: 'EQUITY' });
    await ledger.openAccount(m, { code: loans, name: loans, type: 'ASSET' });
  });
  const entry = (debit: string, credit: string, amountFen: bigint, valueDate: string) => ({
    idempotencyKey: uid('k'),
    code: SYNTHETIC,
    valueDate,
    lines: [
      { account: debit, side: 'DEBIT' as const, amountFen },
      { account: credit, side: 'CREDIT' as const, amountFen },
    ],
  });
  return {
    cash,
    deposit: (amountFen: bigint, valueDate: string) =>
      db.dataSource.transaction((m) => ledger.post(m, entry(cash, capital, amountFen, valueDate))),
    withdraw: (amountFen: bigint, valueDate: string) =>
      db.dataSource.transaction((m) => ledger.post(m, entry(loans, cash, amountFen, valueDate))),
    depositEntry: (amountFen: bigint, valueDate: string) => entry(cash, capital, amountFen, valueDate),
  };
}

async function counts() {
  const [r] = await db.dataSource.query(
    `SELECT (SELECT count(*) FROM journal_entries)::int AS entries, (SELECT count(*) FROM ledger_postings)::int AS postings`,
  );
  return r as { entries: number; postings: number };
}

/** The account's balance as of each date that has postings (by journal business date), ascending. */
async function balancesByDate(code: string): Promise<{ date: string; balance: bigint }[]> {
  const rows: { date: string; delta: string }[] = await db.dataSource.query(
    `SELECT e.business_date::text AS date,
            sum(CASE WHEN p.side = a.normal_side THEN p.amount_fen ELSE -p.amount_fen END)::text AS delta
       FROM ledger_postings p JOIN journal_entries e ON e.id = p.entry_id JOIN ledger_accounts a ON a.id = p.account_id
      WHERE a.code = $1 GROUP BY e.business_date ORDER BY e.business_date`,
    [code],
  );
  let balance = 0n;
  return rows.map((r) => ({ date: r.date, balance: (balance += BigInt(r.delta)) }));
}

describe('value-dated bounds', () => {
  it('refuses a back-dated withdrawal that would make a later date negative, naming the first date and the shortfall', async () => {
    const f = await fund();
    await f.deposit(100_000n, '2026-03-01'); // 1,000.00
    await f.withdraw(80_000n, '2026-03-05'); // 200.00 left on 03-05
    await f.deposit(200_000n, '2026-03-20'); // 2,200.00 today
    const before = await counts();
    // 500.00 dated 03-02: 03-02 → 500.00, 03-05 → −300.00, 03-20 → 1,700.00 (today's balance would be fine)
    const err = await f.withdraw(50_000n, '2026-03-02').catch((e) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err.code).toBe('LEDGER_LIMIT_EXCEEDED');
    expect(err.detail).toContain('2026-03-05');
    expect(err.detail).toContain('300.00');
    expect(err.extra).toMatchObject({ account: f.cash, date: '2026-03-05', shortfall: '300.00' });
    expect(err.errors[0]).toMatchObject({ field: 'valueDate' });
    expect(await counts()).toEqual(before);
    expect(await ledger.balanceOf(null, f.cash)).toBe(220_000n);
  });

  it('accepts a back-dated withdrawal that keeps every date at or above zero', async () => {
    const f = await fund();
    await f.deposit(100_000n, '2026-03-01');
    await f.withdraw(80_000n, '2026-03-05');
    await f.deposit(200_000n, '2026-03-20');
    await f.withdraw(20_000n, '2026-03-02'); // 03-05 → exactly 0.00
    expect((await balancesByDate(f.cash)).map((b) => [b.date, b.balance])).toEqual([
      ['2026-03-01', 100_000n],
      ['2026-03-02', 80_000n],
      ['2026-03-05', 0n],
      ['2026-03-20', 200_000n],
    ]);
    // a back-dated deposit is never refused
    await f.deposit(1n, '2026-02-01');
    expect(await ledger.balanceOf(null, f.cash)).toBe(200_001n);
  });

  it('two back-dated debits racing on the same bounded account: only the affordable one commits', async () => {
    const f = await fund();
    await f.deposit(10_000n, '2026-04-01');
    await f.deposit(10_000n, '2026-04-10');
    // Each alone leaves 04-02 at 0.00; both would take it to −100.00 (today's balance would be 0.00).
    const results = await Promise.allSettled([f.withdraw(10_000n, '2026-04-02'), f.withdraw(10_000n, '2026-04-03')]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(ok).toHaveLength(1);
    expect(failed).toHaveLength(1);
    expect((failed[0].reason as DomainError).code).toBe('LEDGER_LIMIT_EXCEEDED');
    expect(await ledger.balanceOf(null, f.cash)).toBe(10_000n);
    for (const b of await balancesByDate(f.cash)) expect(b.balance).toBeGreaterThanOrEqual(0n);
  });

  it('catches a later-dated entry that commits while a withdrawal waits for the lock', async () => {
    const f = await fund();
    // A later-dated deposit holds the account's lock, uncommitted.
    const runner = db.dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      await ledger.post(runner.manager, f.depositEntry(10_000n, '2026-05-10'));
      // The withdrawal dated 05-02 read the account before that deposit existed: it is not back-dated as far as
      // it knows, and today's balance after both would be 0.00, but 05-02 would be −100.00.
      const pending = f.withdraw(10_000n, '2026-05-02').catch((e) => e);
      await new Promise((r) => setTimeout(r, 300));
      await runner.commitTransaction();
      const err = await pending;
      expect(err).toBeInstanceOf(DomainError);
      expect(err.code).toBe('LEDGER_LIMIT_EXCEEDED');
      expect(err.extra).toMatchObject({ date: '2026-05-02', shortfall: '100.00' });
    } finally {
      await runner.release();
    }
    expect(await ledger.balanceOf(null, f.cash)).toBe(10_000n);
  });

  it('refuses a value date after the business date when it has a clock', async () => {
    const clocked = new LedgerService(db.dataSource, new FixedClock(new Date('2026-06-15T04:00:00Z')));
    const f = await fund();
    const err = await db.dataSource
      .transaction((m) => clocked.post(m, f.depositEntry(100n, '2026-06-16')))
      .catch((e) => e);
    expect(err.code).toBe('LEDGER_VALUE_DATE_IN_FUTURE');
    expect(err.errors[0]).toMatchObject({ field: 'valueDate' });
    await db.dataSource.transaction((m) => clocked.post(m, f.depositEntry(100n, '2026-06-15')));
    const bad = await db.dataSource.transaction((m) => clocked.post(m, f.depositEntry(100n, '2026-13-01'))).catch((e) => e);
    expect(bad.code).toBe('VALIDATION_FAILED');
  });

  it('property: over random back-dated histories every date stays ≥ 0 and refusals are exactly the unaffordable ones', async () => {
    const day = (n: number) => `2026-07-${String(n + 1).padStart(2, '0')}`;
    const op = fc.record({
      deposit: fc.boolean(),
      day: fc.integer({ min: 0, max: 20 }),
      amount: fc.bigInt({ min: 1n, max: 5_000n }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 10 }), async (ops) => {
        const f = await fund();
        const accepted: { day: number; delta: bigint }[] = [];
        for (const o of ops) {
          const delta = o.deposit ? o.amount : -o.amount;
          // the model: with this entry, the balance of every day from its date on stays ≥ 0
          let affordable = true;
          for (let d = o.day; d <= 20; d++) {
            const b = accepted.filter((a) => a.day <= d).reduce((s, a) => s + a.delta, delta);
            if (b < 0n) affordable = false;
          }
          const result = await (o.deposit ? f.deposit(o.amount, day(o.day)) : f.withdraw(o.amount, day(o.day))).then(
            () => 'ok',
            (e: DomainError) => e.code,
          );
          expect(result).toBe(affordable ? 'ok' : 'LEDGER_LIMIT_EXCEEDED');
          if (result === 'ok') {
            accepted.push({ day: o.day, delta });
            for (const b of await balancesByDate(f.cash)) expect(b.balance).toBeGreaterThanOrEqual(0n);
          }
        }
        expect((await ledger.verify()).ok).toBe(true);
      }),
      { numRuns: 25 },
    );
  });
});
