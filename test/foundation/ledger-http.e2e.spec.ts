import { LedgerService, type JournalEntryCode } from '#libs/ledger';
import { apiCall, createTestApp, type TestApp } from '#libs/testing';

/** The ledger's read endpoints over HTTP: verify, accounts, statement with running balance, entries. */
let t: TestApp;
let ledger: LedgerService;
let admin: string;
let auditor: string;
const entryIds: string[] = [];

beforeAll(async () => {
  t = await createTestApp();
  ledger = t.app.get(LedgerService);
  admin = await t.tokenFor('ADMIN');
  auditor = await t.tokenFor('AUDITOR');
  const ds = t.db.dataSource;
  await ds.transaction(async (m) => {
    await ledger.openAccount(m, { code: 'MAF:1:CASH', name: 'Fund 1 cash', type: 'ASSET', ownerType: 'MUTUAL_AID_FUND', ownerId: 1, noNegative: true });
    await ledger.openAccount(m, { code: 'MAF:1:CAPITAL', name: 'Fund 1 capital', type: 'EQUITY', ownerType: 'MUTUAL_AID_FUND', ownerId: 1 });
    await ledger.openAccount(m, { code: 'MAF:2:CASH', name: 'Fund 2 cash', type: 'ASSET', ownerType: 'MUTUAL_AID_FUND', ownerId: 2 });
    await ledger.openAccount(m, { code: 'RF:1:EXPOSURE', name: 'Cover', type: 'ASSET', ledger: 'EXPOSURE', ownerType: 'RISK_FUND', ownerId: 1 });
  });
  // Five movements of fund 1's cash on five business dates: +1000.00, -100.50, +20.00, -0.25, +5.00.
  const moves: [string, bigint][] = [
    ['2026-01-05', 100_000n],
    ['2026-01-06', -10_050n],
    ['2026-01-07', 2_000n],
    ['2026-01-08', -25n],
    ['2026-01-09', 500n],
  ];
  for (const [i, [date, amount]] of moves.entries()) {
    const up = amount > 0n;
    const abs = up ? amount : -amount;
    const { entryId } = await ds.transaction((m) =>
      ledger.post(m, {
        idempotencyKey: `http-test:${i}`,
        code: (up ? 'CAPITAL_IN' : 'CAPITAL_OUT') as JournalEntryCode,
        valueDate: date,
        memo: `move ${i}`,
        lines: [
          { account: 'MAF:1:CASH', side: up ? 'DEBIT' : 'CREDIT', amountFen: abs },
          { account: 'MAF:1:CAPITAL', side: up ? 'CREDIT' : 'DEBIT', amountFen: abs },
        ],
      }),
    );
    entryIds.push(entryId);
  }
});
afterAll(async () => t.close());


describe('GET /api/v1/ledger/verify', () => {
  it('proves the ledger for ADMIN and AUDITOR', async () => {
    for (const token of [admin, auditor]) {
      const res = await apiCall(t.api(token).GET('/api/v1/ledger/verify'));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ ok: true, accounts: 4, entries: 5, postings: 10, balanceMismatches: [], unbalancedEntries: [] });
      expect(res.body.totals).toEqual([
        { currency: 'CNY', ledger: 'EXPOSURE', debits: '0', credits: '0', net: '0' },
        { currency: 'CNY', ledger: 'MONEY', debits: '112575', credits: '112575', net: '0' },
      ]);
    }
  });

  it('reports a balance that no longer equals the replay of its postings', async () => {
    // Tamper with a stored balance (consistently, so the row CHECKs still pass); postings are append-only.
    await t.db.dataSource.query(
      `UPDATE ledger_accounts SET debits_fen = debits_fen + 1, balance_fen = balance_fen + 1 WHERE code = 'MAF:2:CASH'`,
    );
    try {
      const res = await apiCall(t.api(auditor).GET('/api/v1/ledger/verify'));
      expect(res.body.ok).toBe(false);
      expect(res.body.balanceMismatches).toEqual([
        { code: 'MAF:2:CASH', storedDebits: '1', storedCredits: '0', replayDebits: '0', replayCredits: '0' },
      ]);
      expect(res.body.totals.find((x: { ledger: string }) => x.ledger === 'MONEY').net).toBe('1');
    } finally {
      await t.db.dataSource.query(
        `UPDATE ledger_accounts SET debits_fen = debits_fen - 1, balance_fen = balance_fen - 1 WHERE code = 'MAF:2:CASH'`,
      );
    }
    expect((await apiCall(t.api(admin).GET('/api/v1/ledger/verify'))).body.ok).toBe(true);
  });
});

describe('GET /api/v1/ledger/accounts/:code/statement', () => {
  it('pages through the postings oldest first with the running balance after each', async () => {
    const p1 = await apiCall(t.api(auditor).GET('/api/v1/ledger/accounts/{code}/statement', { params: { path: { code: 'MAF:1:CASH' }, query: { pageSize: 2, page: 1 } } }));
    const p2 = await apiCall(t.api(auditor).GET('/api/v1/ledger/accounts/{code}/statement', { params: { path: { code: 'MAF:1:CASH' }, query: { pageSize: 2, page: 2 } } }));
    const p3 = await apiCall(t.api(auditor).GET('/api/v1/ledger/accounts/{code}/statement', { params: { path: { code: 'MAF:1:CASH' }, query: { pageSize: 2, page: 3 } } }));
    expect(p1.status).toBe(200);
    expect(p1.body).toMatchObject({ page: 1, pageSize: 2, total: 5, account: { code: 'MAF:1:CASH', balance: '924.25', ledger: 'MONEY' } });
    const rows = [...p1.body.items, ...p2.body.items, ...p3.body.items];
    expect(rows.map((r: { side: string; amount: string; balanceAfter: string }) => `${r.side} ${r.amount} → ${r.balanceAfter}`)).toEqual([
      'DEBIT 1000.00 → 1000.00',
      'CREDIT 100.50 → 899.50',
      'DEBIT 20.00 → 919.50',
      'CREDIT 0.25 → 919.25',
      'DEBIT 5.00 → 924.25',
    ]);
    expect(rows.map((r: { entryId: string }) => r.entryId)).toEqual(entryIds);
    expect(rows[1]).toMatchObject({ code: 'CAPITAL_OUT', businessDate: '2026-01-06', memo: 'move 1' });
  });

  it('filters by business date range', async () => {
    const res = await apiCall(t.api(admin).GET('/api/v1/ledger/accounts/{code}/statement', { params: { path: { code: 'MAF:1:CASH' }, query: { from: '2026-01-06', to: '2026-01-08' } } }));
    expect(res.body.total).toBe(3);
    expect(res.body.items.map((r: { businessDate: string }) => r.businessDate)).toEqual(['2026-01-06', '2026-01-07', '2026-01-08']);
    expect(res.body.items[0].balanceAfter).toBe('899.50');
  });

  it('answers an unknown account with 404 and a bad date with 400 naming it', async () => {
    const missing = await apiCall(t.api(admin).GET('/api/v1/ledger/accounts/{code}/statement', { params: { path: { code: 'NOPE:1:CASH' } } }));
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('NOT_FOUND');
    const bad = await apiCall(t.api(admin).GET('/api/v1/ledger/accounts/{code}/statement', { params: { path: { code: 'MAF:1:CASH' }, query: { from: 'yesterday' } } }));
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('from');
  });
});

describe('GET /api/v1/ledger/accounts and entries', () => {
  it('lists accounts with yuan balances, filtered and paginated', async () => {
    const all = await apiCall(t.api(admin).GET('/api/v1/ledger/accounts', { params: { query: { pageSize: 2 } } }));
    expect(all.body).toMatchObject({ total: 4, page: 1, pageSize: 2 });
    expect(all.body.items).toHaveLength(2);
    const fund1 = await apiCall(t.api(admin).GET('/api/v1/ledger/accounts', { params: { query: { codePrefix: 'MAF:1:' } } }));
    expect(fund1.body.items.map((a: { code: string }) => a.code)).toEqual(['MAF:1:CAPITAL', 'MAF:1:CASH']);
    const cash = fund1.body.items[1];
    expect(cash).toMatchObject({ balance: '924.25', debits: '1025.00', credits: '100.75', normalSide: 'DEBIT', noNegative: true });
    expect(cash).not.toHaveProperty('balanceFen');
    const exposure = await apiCall(t.api(admin).GET('/api/v1/ledger/accounts', { params: { query: { ledger: 'EXPOSURE' } } }));
    expect(exposure.body.items.map((a: { code: string }) => a.code)).toEqual(['RF:1:EXPOSURE']);
    const owner = await apiCall(t.api(admin).GET('/api/v1/ledger/accounts', { params: { query: { ownerType: 'MUTUAL_AID_FUND', ownerId: '2' } } }));
    expect(owner.body.items.map((a: { code: string }) => a.code)).toEqual(['MAF:2:CASH']);
    // LIKE wildcards in the prefix are taken literally.
    expect((await apiCall(t.api(admin).GET('/api/v1/ledger/accounts', { params: { query: { codePrefix: 'MAF:_:' } } }))).body.total).toBe(0);
  });

  it('shows one entry with its postings; a malformed id is 400, an unknown one 404', async () => {
    const res = await apiCall(t.api(auditor).GET('/api/v1/ledger/entries/{id}', { params: { path: { id: entryIds[1] } } }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: entryIds[1], code: 'CAPITAL_OUT', businessDate: '2026-01-06', idempotencyKey: 'http-test:1', reversalOf: null });
    expect(res.body.postings).toEqual([
      { account: 'MAF:1:CASH', side: 'CREDIT', amount: '100.50', currency: 'CNY', ledger: 'MONEY' },
      { account: 'MAF:1:CAPITAL', side: 'DEBIT', amount: '100.50', currency: 'CNY', ledger: 'MONEY' },
    ]);
    expect((await apiCall(t.api(admin).GET('/api/v1/ledger/entries/{id}', { params: { path: { id: '1e3' } } }))).status).toBe(400);
    expect((await apiCall(t.api(admin).GET('/api/v1/ledger/entries/{id}', { params: { path: { id: '999999' } } }))).status).toBe(404);
  });
});
