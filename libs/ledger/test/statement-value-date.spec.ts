import { LedgerService, type JournalEntryCode } from '#libs/ledger';
import { createTestDatabase, type TestDatabase } from '#libs/testing';

/** A statement is in value-date order: a back-dated entry takes its place among the dates it belongs to. */
const SYNTHETIC = 'TEST' as JournalEntryCode;
let db: TestDatabase;
let ledger: LedgerService;

beforeAll(async () => {
  db = await createTestDatabase(5);
  ledger = new LedgerService(db.dataSource);
});
afterAll(async () => db.drop());

const page = (n = 1, size = 50) => ({ page: n, pageSize: size });

describe('account statement by value date', () => {
  it('orders lines by business date and runs the balance by value date; from/to keep the balance carried in', async () => {
    await db.dataSource.transaction(async (m) => {
      await ledger.openAccount(m, { code: 'S:1:CASH', name: 'cash', type: 'ASSET' });
      await ledger.openAccount(m, { code: 'S:1:CAPITAL', name: 'capital', type: 'EQUITY' });
    });
    const move = (key: string, valueDate: string, yuan: bigint, out = false) =>
      db.dataSource.transaction((m) =>
        ledger.post(m, {
          idempotencyKey: key,
          code: SYNTHETIC,
          valueDate,
          lines: [
            { account: 'S:1:CASH', side: out ? 'CREDIT' : 'DEBIT', amountFen: yuan * 100n },
            { account: 'S:1:CAPITAL', side: out ? 'DEBIT' : 'CREDIT', amountFen: yuan * 100n },
          ],
        }),
      );
    // recorded in this order: 03-10 +100, 03-20 −30, then a late 03-05 +50 and a late 03-15 −20
    await move('a', '2026-03-10', 100n);
    await move('b', '2026-03-20', 30n, true);
    await move('c', '2026-03-05', 50n);
    await move('d', '2026-03-15', 20n, true);

    const all = await ledger.statement('S:1:CASH', page());
    expect(all.items.map((i) => `${i.businessDate} ${i.side} ${i.amount} → ${i.balanceAfter}`)).toEqual([
      '2026-03-05 DEBIT 50.00 → 50.00',
      '2026-03-10 DEBIT 100.00 → 150.00',
      '2026-03-15 CREDIT 20.00 → 130.00',
      '2026-03-20 CREDIT 30.00 → 100.00',
    ]);
    expect(all.account.balance).toBe('100.00');

    const window = await ledger.statement('S:1:CASH', page(), '2026-03-10', '2026-03-15');
    expect(window.total).toBe(2);
    expect(window.items.map((i) => i.balanceAfter)).toEqual(['150.00', '130.00']);

    const second = await ledger.statement('S:1:CASH', page(2, 3));
    expect(second.items.map((i) => i.balanceAfter)).toEqual(['100.00']);
    expect((await ledger.verify()).ok).toBe(true);
  });
});
