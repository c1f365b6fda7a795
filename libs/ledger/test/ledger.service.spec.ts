import fc from 'fast-check';
import { DomainError } from '#libs/common';
import { LedgerService, type AccountType, type JournalEntryCode } from '#libs/ledger';

/** Entries these tests post are synthetic: their code is deliberately outside the engine's closed list. */
const SYNTHETIC = 'TEST' as JournalEntryCode;
import { createTestDatabase, type TestDatabase } from '#libs/testing';

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
  expect(report.unbalancedEntries).toEqual([]);
  expect(report.ok).toBe(true);
});

let seq = 0;
const uid = (p: string) => `${p}-${++seq}-${Math.random().toString(36).slice(2, 8)}`;

async function open(type: AccountType, opts: { noNegative?: boolean; ledger?: 'MONEY' | 'EXPOSURE'; currency?: string } = {}) {
  const code = uid(`T:${type}`);
  await db.dataSource.transaction((m) => ledger.openAccount(m, { code, name: code, type, ...opts }));
  return code;
}

const transfer = (key: string, debit: string, credit: string, amountFen: bigint, code: JournalEntryCode = SYNTHETIC) => ({
  idempotencyKey: key,
  code,
  valueDate: '2026-01-15',
  lines: [
    { account: debit, side: 'DEBIT' as const, amountFen },
    { account: credit, side: 'CREDIT' as const, amountFen },
  ],
});

async function counts() {
  const [r] = await db.dataSource.query(
    `SELECT (SELECT count(*) FROM journal_entries)::int AS entries, (SELECT count(*) FROM ledger_postings)::int AS postings`,
  );
  return r as { entries: number; postings: number };
}

describe('LedgerService.post', () => {
  it('refuses an unbalanced entry and writes nothing', async () => {
    const cash = await open('ASSET');
    const capital = await open('EQUITY');
    const before = await counts();
    const err = await db.dataSource
      .transaction((m) =>
        ledger.post(m, {
          idempotencyKey: uid('k'),
          code: SYNTHETIC,
          valueDate: '2026-01-15',
          lines: [
            { account: cash, side: 'DEBIT', amountFen: 1000n },
            { account: capital, side: 'CREDIT', amountFen: 999n },
          ],
        }),
      )
      .catch((e) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err.code).toBe('LEDGER_UNBALANCED');
    expect(await counts()).toEqual(before);
    expect(await ledger.balanceOf(null, cash)).toBe(0n);
  });

  it('keeps account attributes per process, and a kept id that no longer names its code is read afresh, never posted to', async () => {
    const capital = await open('EQUITY');
    const code = uid('T:ASSET');
    // the account is opened and posted to in a transaction that rolls back: this service now keeps an id that never
    // committed
    const rolledBack = await db.dataSource
      .transaction(async (m) => {
        await ledger.openAccount(m, { code, name: code, type: 'ASSET' });
        await ledger.post(m, transfer(uid('k'), code, capital, 100n));
        throw new Error('roll back');
      })
      .catch((e: Error) => e.message);
    expect(rolledBack).toBe('roll back');
    // opened again, with a new id: the kept attributes are stale, the post still lands on the committed account
    await db.dataSource.transaction((m) => ledger.openAccount(m, { code, name: code, type: 'ASSET' }));
    await db.dataSource.transaction((m) => ledger.post(m, transfer(uid('k'), code, capital, 250n)));
    expect(await ledger.balanceOf(null, code)).toBe(250n);
    // and a second service (another process) agrees without any kept state
    const other = new LedgerService(db.dataSource);
    await db.dataSource.transaction((m) => other.post(m, transfer(uid('k'), code, capital, 50n)));
    expect(await ledger.balanceOf(null, code)).toBe(300n);
    expect(await other.balanceOf(null, capital)).toBe(300n);
  });

  it('refuses a posting to an unknown account, a zero amount and a single line', async () => {
    const cash = await open('ASSET');
    const post = (lines: { account: string; side: 'DEBIT' | 'CREDIT'; amountFen: bigint }[]) =>
      db.dataSource.transaction((m) => ledger.post(m, { idempotencyKey: uid('k'), code: SYNTHETIC, valueDate: '2026-01-01', lines })).catch((e) => e);
    expect((await post([{ account: cash, side: 'DEBIT', amountFen: 5n }, { account: 'NOPE', side: 'CREDIT', amountFen: 5n }])).code).toBe(
      'LEDGER_ACCOUNT_NOT_FOUND',
    );
    expect((await post([{ account: cash, side: 'DEBIT', amountFen: 0n }, { account: cash, side: 'CREDIT', amountFen: 0n }])).code).toBe(
      'LEDGER_UNBALANCED',
    );
    expect((await post([{ account: cash, side: 'DEBIT', amountFen: 5n }])).code).toBe('LEDGER_UNBALANCED');
  });

  it('checks balance per currency and ledger, not across them', async () => {
    const cny = await open('ASSET');
    const usd = await open('EQUITY', { currency: 'USD' });
    const err = await db.dataSource.transaction((m) => ledger.post(m, transfer(uid('k'), cny, usd, 100n))).catch((e) => e);
    expect(err.code).toBe('LEDGER_UNBALANCED');
    const memo = await open('ASSET', { ledger: 'EXPOSURE' });
    const equity = await open('EQUITY');
    const err2 = await db.dataSource.transaction((m) => ledger.post(m, transfer(uid('k'), memo, equity, 100n))).catch((e) => e);
    expect(err2.code).toBe('LEDGER_UNBALANCED');
  });

  it('keeps normal-side balances and running balances', async () => {
    const cash = await open('ASSET');
    const capital = await open('EQUITY');
    await db.dataSource.transaction((m) => ledger.post(m, transfer(uid('k'), cash, capital, 10_000n)));
    await db.dataSource.transaction((m) => ledger.post(m, transfer(uid('k'), capital, cash, 2_500n)));
    expect(await ledger.balanceOf(null, cash)).toBe(7_500n);
    expect(await ledger.balanceOf(null, capital)).toBe(7_500n);
    const st = await ledger.statement(cash, { page: 1, pageSize: 10 });
    expect(st.items.map((i) => i.balanceAfter)).toEqual(['100.00', '75.00']);
  });

  it('replays the same idempotency key with the same content as the original entry', async () => {
    const cash = await open('ASSET');
    const capital = await open('EQUITY');
    const key = uid('replay');
    const first = await db.dataSource.transaction((m) => ledger.post(m, transfer(key, cash, capital, 500n)));
    const second = await db.dataSource.transaction((m) => ledger.post(m, transfer(key, cash, capital, 500n)));
    expect(first.replayed).toBe(false);
    expect(second).toEqual({ entryId: first.entryId, replayed: true });
    expect(await ledger.balanceOf(null, cash)).toBe(500n);
  });

  it('refuses the same idempotency key with different content', async () => {
    const cash = await open('ASSET');
    const capital = await open('EQUITY');
    const key = uid('conflict');
    await db.dataSource.transaction((m) => ledger.post(m, transfer(key, cash, capital, 500n)));
    const err = await db.dataSource.transaction((m) => ledger.post(m, transfer(key, cash, capital, 501n))).catch((e) => e);
    expect(err.code).toBe('LEDGER_ENTRY_CONFLICT');
    expect(await ledger.balanceOf(null, cash)).toBe(500n);
  });

  it('refuses to take a bounded account below zero', async () => {
    const cash = await open('ASSET', { noNegative: true });
    const capital = await open('EQUITY');
    const loans = await open('ASSET');
    await db.dataSource.transaction((m) => ledger.post(m, transfer(uid('k'), cash, capital, 1_000n)));
    const err = await db.dataSource.transaction((m) => ledger.post(m, transfer(uid('k'), loans, cash, 1_001n))).catch((e) => e);
    expect(err.code).toBe('LEDGER_LIMIT_EXCEEDED');
    await db.dataSource.transaction((m) => ledger.post(m, transfer(uid('k'), loans, cash, 1_000n)));
    expect(await ledger.balanceOf(null, cash)).toBe(0n);
  });

  it('backs the bound with a CHECK constraint even for a direct update', async () => {
    const cash = await open('ASSET', { noNegative: true });
    await expect(
      db.dataSource.query(`UPDATE ledger_accounts SET credits_fen = 5, balance_fen = -5 WHERE code = $1`, [cash]),
    ).rejects.toThrow(/ledger_accounts_no_negative/);
  });
});

describe('LedgerService.reverse', () => {
  it('posts the mirror entry once, linked to the original', async () => {
    const cash = await open('ASSET');
    const capital = await open('EQUITY');
    const { entryId } = await db.dataSource.transaction((m) => ledger.post(m, transfer(uid('k'), cash, capital, 800n)));
    const key = uid('rev');
    const rev = await db.dataSource.transaction((m) => ledger.reverse(m, entryId, { idempotencyKey: key, valueDate: '2026-01-16', memo: 'typo' }));
    expect(await ledger.balanceOf(null, cash)).toBe(0n);
    const entry = await ledger.entry(rev.entryId);
    expect(entry.reversalOf).toBe(entryId);
    expect(entry.postings.map((p) => `${p.account}:${p.side}:${p.amount}`)).toEqual([`${cash}:CREDIT:8.00`, `${capital}:DEBIT:8.00`]);
    // the same reversal replayed is the same entry; a second, different reversal is refused
    const again = await db.dataSource.transaction((m) => ledger.reverse(m, entryId, { idempotencyKey: key, valueDate: '2026-01-16', memo: 'typo' }));
    expect(again).toEqual({ entryId: rev.entryId, replayed: true });
    const err = await db.dataSource
      .transaction((m) => ledger.reverse(m, entryId, { idempotencyKey: uid('rev2'), valueDate: '2026-01-16' }))
      .catch((e) => e);
    expect(err.code).toBe('LEDGER_ALREADY_REVERSED');
  });
});

describe('append-only journal', () => {
  it('refuses UPDATE and DELETE of entries and postings', async () => {
    const cash = await open('ASSET');
    const capital = await open('EQUITY');
    const { entryId } = await db.dataSource.transaction((m) => ledger.post(m, transfer(uid('k'), cash, capital, 100n)));
    await expect(db.dataSource.query(`UPDATE journal_entries SET memo = 'x' WHERE id = $1`, [entryId])).rejects.toThrow(/append-only/);
    await expect(db.dataSource.query(`DELETE FROM journal_entries WHERE id = $1`, [entryId])).rejects.toThrow(/append-only/);
    await expect(db.dataSource.query(`UPDATE ledger_postings SET amount_fen = 1 WHERE entry_id = $1`, [entryId])).rejects.toThrow(/append-only/);
    await expect(db.dataSource.query(`DELETE FROM ledger_postings WHERE entry_id = $1`, [entryId])).rejects.toThrow(/append-only/);
    await expect(db.dataSource.query(`TRUNCATE ledger_postings CASCADE`)).rejects.toThrow(/append-only/);
  });
});

describe('concurrency', () => {
  it('50 concurrent debits against room for exactly 10: exactly 10 succeed, the rest fail cleanly', async () => {
    const cash = await open('ASSET', { noNegative: true });
    const capital = await open('EQUITY');
    const loans = await open('ASSET');
    await db.dataSource.transaction((m) => ledger.post(m, transfer(uid('k'), cash, capital, 10_000n)));
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        db.dataSource.transaction((m) => ledger.post(m, transfer(uid(`debit-${i}`), loans, cash, 1_000n))),
      ),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(ok).toHaveLength(10);
    expect(failed).toHaveLength(40);
    for (const f of failed) expect((f.reason as DomainError).code).toBe('LEDGER_LIMIT_EXCEEDED');
    expect(await ledger.balanceOf(null, cash)).toBe(0n);
    expect(await ledger.balanceOf(null, loans)).toBe(10_000n);
  });

  it('the same idempotency key posted concurrently posts once', async () => {
    const cash = await open('ASSET');
    const capital = await open('EQUITY');
    const key = uid('same');
    const results = await Promise.all(
      Array.from({ length: 10 }, () => db.dataSource.transaction((m) => ledger.post(m, transfer(key, cash, capital, 700n)))),
    );
    expect(new Set(results.map((r) => r.entryId)).size).toBe(1);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(await ledger.balanceOf(null, cash)).toBe(700n);
  });
});

describe('model test', () => {
  it('after random postings every balance equals the replay and the ledger nets to zero', async () => {
    const types: AccountType[] = ['ASSET', 'LIABILITY', 'EQUITY', 'INCOME', 'EXPENSE', 'ASSET'];
    const codes: string[] = [];
    for (const t of types) codes.push(await open(t));
    const model = new Map<string, bigint>(codes.map((c) => [c, 0n]));
    const normal = new Map(codes.map((c, i) => [c, ['ASSET', 'EXPENSE'].includes(types[i]) ? 'DEBIT' : 'CREDIT']));
    const line = fc.record({
      debit: fc.integer({ min: 0, max: codes.length - 1 }),
      credit: fc.integer({ min: 0, max: codes.length - 1 }),
      amount: fc.bigInt({ min: 1n, max: 10_000_000n }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 8 }), async (lines) => {
        for (const l of lines) {
          const d = codes[l.debit];
          const c = codes[l.credit];
          await db.dataSource.transaction((m) => ledger.post(m, transfer(uid('m'), d, c, l.amount)));
          model.set(d, model.get(d)! + (normal.get(d) === 'DEBIT' ? l.amount : -l.amount));
          model.set(c, model.get(c)! + (normal.get(c) === 'CREDIT' ? l.amount : -l.amount));
        }
        const balances = await ledger.balances(null, codes);
        for (const c of codes) expect(balances.get(c)).toBe(model.get(c));
        const report = await ledger.verify();
        expect(report.ok).toBe(true);
      }),
      { numRuns: 25 },
    );
  });
});
