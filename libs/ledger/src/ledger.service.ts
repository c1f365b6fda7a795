import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { canonicalJson, DomainError, RequestContext, sha256, type Page, type PageQuery, offsetOf } from '#libs/common';
import { formatYuan, type Fen } from '#libs/money';
import {
  balanceDelta,
  NORMAL_SIDE,
  unbalancedGroups,
  type AccountRow,
  type AccountType,
  type EntryInput,
  type LedgerKind,
} from './domain/entry.js';
import type { JournalEntryCode } from './domain/entry-codes.js';

export interface OpenAccountInput {
  code: string;
  name: string;
  type: AccountType;
  currency?: string;
  ledger?: LedgerKind;
  ownerType?: string;
  ownerId?: string | number;
  /** The account may not go below zero on its normal side (cash, capacity). */
  noNegative?: boolean;
}

export interface PostedEntry {
  entryId: string;
  replayed: boolean;
}

export interface AccountBalance {
  id: string;
  code: string;
  name: string;
  type: AccountType;
  normalSide: 'DEBIT' | 'CREDIT';
  currency: string;
  ledger: LedgerKind;
  ownerType: string | null;
  ownerId: string | null;
  noNegative: boolean;
  debitsFen: Fen;
  creditsFen: Fen;
  balanceFen: Fen;
}

export interface VerifyReport {
  ok: boolean;
  checkedAt: string;
  accounts: number;
  entries: number;
  postings: number;
  balanceMismatches: { code: string; storedDebits: string; storedCredits: string; replayDebits: string; replayCredits: string }[];
  runningBalanceMismatches: { code: string; balance: string; lastBalanceAfter: string }[];
  unbalancedEntries: { entryId: string; currency: string; ledger: string; debits: string; credits: string }[];
  totals: { currency: string; ledger: string; debits: string; credits: string; net: string }[];
}

export interface JournalEntryView {
  id: string;
  idempotencyKey: string;
  code: string;
  businessDate: string;
  actor: string;
  memo: string | null;
  reversalOf: string | null;
  requestId: string | null;
  createdAt: Date;
}

interface AccountDbRow {
  id: string;
  code: string;
  name: string;
  type: AccountType;
  normal_side: 'DEBIT' | 'CREDIT';
  currency: string;
  ledger: LedgerKind;
  owner_type: string | null;
  owner_id: string | null;
  no_negative: boolean;
  debits_fen: string;
  credits_fen: string;
  balance_fen: string;
}

const toBalance = (r: AccountDbRow): AccountBalance => ({
  id: r.id,
  code: r.code,
  name: r.name,
  type: r.type,
  normalSide: r.normal_side,
  currency: r.currency,
  ledger: r.ledger,
  ownerType: r.owner_type,
  ownerId: r.owner_id,
  noNegative: r.no_negative,
  debitsFen: BigInt(r.debits_fen),
  creditsFen: BigInt(r.credits_fen),
  balanceFen: BigInt(r.balance_fen),
});

/**
 * The only writer of postings and balances. Every method that writes runs inside the caller's transaction (the
 * EntityManager passed in), so the business change and its journal entry commit or roll back together.
 */
@Injectable()
export class LedgerService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Opens an account, or returns the existing one with that code (idempotent by code). */
  async openAccount(manager: EntityManager, input: OpenAccountInput): Promise<AccountBalance> {
    await manager.query(
      `INSERT INTO ledger_accounts (code, name, type, normal_side, currency, ledger, owner_type, owner_id, no_negative)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT (code) DO NOTHING`,
      [
        input.code,
        input.name,
        input.type,
        NORMAL_SIDE[input.type],
        input.currency ?? 'CNY',
        input.ledger ?? 'MONEY',
        input.ownerType ?? null,
        input.ownerId === undefined ? null : String(input.ownerId),
        input.noNegative ?? false,
      ],
    );
    return (await this.account(manager, input.code))!;
  }

  async account(manager: EntityManager | null, code: string): Promise<AccountBalance | undefined> {
    const rows = (await (manager ?? this.dataSource.manager).query(`SELECT * FROM ledger_accounts WHERE code = $1`, [
      code,
    ])) as AccountDbRow[];
    return rows[0] ? toBalance(rows[0]) : undefined;
  }

  async balances(manager: EntityManager | null, codes: string[]): Promise<Map<string, Fen>> {
    const rows = (await (manager ?? this.dataSource.manager).query(
      `SELECT code, balance_fen FROM ledger_accounts WHERE code = ANY($1)`,
      [codes],
    )) as { code: string; balance_fen: string }[];
    return new Map(rows.map((r) => [r.code, BigInt(r.balance_fen)]));
  }

  /** Current normal-side balance of one account; a missing account is an error, not zero. */
  async balanceOf(manager: EntityManager | null, code: string): Promise<Fen> {
    const account = await this.account(manager, code);
    if (!account) throw new DomainError('LEDGER_ACCOUNT_NOT_FOUND', `ledger account ${code} does not exist`);
    return account.balanceFen;
  }

  /**
   * Posts one balanced journal entry, in the caller's transaction:
   * 1. reads the accounts' fixed attributes (currency, ledger, normal side, bound) without a lock and refuses an
   *    unknown account or an entry that does not balance per currency and ledger — nothing written yet;
   * 2. inserts the journal entry; a replay of the same idempotency key returns the original entry (same content)
   *    or is a conflict (different content), without touching any balance;
   * 3. in ONE statement locks the touched accounts in id order (a fixed order, so two entries never deadlock),
   *    applies the net change to each balance and writes the postings with their running balances.
   * The bound ("may not go below zero") is the CHECK constraint evaluated by that UPDATE: a violation fails the
   * whole statement and aborts the caller's transaction, so half an entry can never be committed, even by a
   * caller that catches the error. Hot accounts stay locked only for that statement and the commit.
   */
  async post(manager: EntityManager, input: EntryInput, reversalOf?: string): Promise<PostedEntry> {
    if (input.lines.length < 2) {
      throw new DomainError('LEDGER_UNBALANCED', 'a journal entry needs at least two postings');
    }
    for (const [i, line] of input.lines.entries()) {
      if (typeof line.amountFen !== 'bigint' || line.amountFen <= 0n) {
        throw new DomainError('LEDGER_UNBALANCED', `posting ${i} must have a positive amount`, [
          { field: `lines[${i}].amountFen`, message: 'must be a positive integer amount of fen' },
        ]);
      }
    }
    const codes = [...new Set(input.lines.map((l) => l.account))];
    // Code, currency, ledger, normal side and bound never change after an account is opened: no lock needed here.
    const accountRows = (await manager.query(
      `SELECT id, code, currency, ledger, normal_side, no_negative FROM ledger_accounts WHERE code = ANY($1)`,
      [codes],
    )) as Omit<AccountRow, 'balance_fen'>[];
    const accounts = new Map(accountRows.map((a) => [a.code, a as AccountRow]));
    const missing = codes.filter((c) => !accounts.has(c));
    if (missing.length) {
      throw new DomainError('LEDGER_ACCOUNT_NOT_FOUND', `unknown ledger account(s): ${missing.join(', ')}`);
    }
    const problems = unbalancedGroups(input.lines, accounts);
    if (problems.length) {
      const p = problems[0];
      throw new DomainError(
        'LEDGER_UNBALANCED',
        `entry does not balance in ${p.currency}/${p.ledger}: debits ${formatYuan(p.debitsFen)} ≠ credits ${formatYuan(p.creditsFen)}`,
      );
    }

    const contentHash = sha256(
      canonicalJson({
        code: input.code,
        businessDate: input.businessDate,
        reversalOf: reversalOf ?? null,
        lines: input.lines.map((l) => [l.account, l.side, l.amountFen.toString()]),
      }),
    );
    const actor = RequestContext.actor()?.username ?? 'system';
    const inserted = (await manager.query(
      `INSERT INTO journal_entries (idempotency_key, content_hash, code, business_date, actor, memo, reversal_of, request_id)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
      [input.idempotencyKey, contentHash, input.code, input.businessDate, actor, input.memo ?? null, reversalOf ?? null,
        RequestContext.requestId() ?? null],
    )) as { id: string }[];
    if (inserted.length === 0) {
      const [existing] = (await manager.query(
        `SELECT id, content_hash FROM journal_entries WHERE idempotency_key = $1`,
        [input.idempotencyKey],
      )) as { id: string; content_hash: string }[];
      if (existing.content_hash !== contentHash) {
        throw new DomainError(
          'LEDGER_ENTRY_CONFLICT',
          `journal entry ${input.idempotencyKey} already exists with different content`,
        );
      }
      return { entryId: existing.id, replayed: true };
    }
    const entryId = inserted[0].id;

    // Net change per account, and each line's signed change to its account's normal-side balance (in line order).
    const net = new Map<string, { d: bigint; c: bigint; delta: bigint }>();
    const lineAccountIds: string[] = [];
    const lineSides: string[] = [];
    const lineAmounts: string[] = [];
    const lineDeltas: string[] = [];
    const lineCurrencies: string[] = [];
    const lineLedgers: string[] = [];
    for (const line of input.lines) {
      const a = accounts.get(line.account)!;
      const delta = balanceDelta(a.normal_side, line.side, line.amountFen);
      const n = net.get(a.id) ?? { d: 0n, c: 0n, delta: 0n };
      if (line.side === 'DEBIT') n.d += line.amountFen;
      else n.c += line.amountFen;
      n.delta += delta;
      net.set(a.id, n);
      lineAccountIds.push(a.id);
      lineSides.push(line.side);
      lineAmounts.push(line.amountFen.toString());
      lineDeltas.push(delta.toString());
      lineCurrencies.push(a.currency);
      lineLedgers.push(a.ledger);
    }
    const ids = [...net.keys()];
    try {
      // `locked` takes the row locks in id order before any row is updated (a materialized CTE emits, and so locks,
      // its rows in order, and the UPDATE can only reach a row after the CTE has emitted it). Under READ COMMITTED
      // the UPDATE then applies the change to the latest committed balance. Each posting's running balance is the
      // account's balance before the entry plus the changes of the entry's lines up to and including it.
      const [result] = (await manager.query(
        `WITH locked AS MATERIALIZED (
           SELECT id FROM ledger_accounts WHERE id = ANY($2::bigint[]) ORDER BY id FOR UPDATE
         ), v AS (
           SELECT unnest($2::bigint[]) AS id, unnest($3::bigint[]) AS d, unnest($4::bigint[]) AS c, unnest($5::bigint[]) AS delta
         ), upd AS (
           UPDATE ledger_accounts a
              SET debits_fen = a.debits_fen + v.d, credits_fen = a.credits_fen + v.c, balance_fen = a.balance_fen + v.delta
             FROM locked JOIN v ON v.id = locked.id
            WHERE a.id = locked.id
           RETURNING a.id, a.balance_fen - v.delta AS before_fen
         ), ins AS (
           INSERT INTO ledger_postings (entry_id, account_id, side, amount_fen, currency, ledger, balance_after_fen)
           SELECT $1, l.account_id, l.side, l.amount, l.currency, l.ledger,
                  upd.before_fen + sum(l.delta) OVER (PARTITION BY l.account_id ORDER BY l.ord)
             FROM unnest($6::bigint[], $7::text[], $8::bigint[], $9::bigint[], $10::text[], $11::text[])
                    WITH ORDINALITY AS l(account_id, side, amount, delta, currency, ledger, ord)
             JOIN upd ON upd.id = l.account_id
            ORDER BY l.ord
           RETURNING 1
         )
         SELECT (SELECT count(*) FROM upd)::int AS accounts, (SELECT count(*) FROM ins)::int AS postings`,
        [
          entryId,
          ids,
          ids.map((id) => net.get(id)!.d.toString()),
          ids.map((id) => net.get(id)!.c.toString()),
          ids.map((id) => net.get(id)!.delta.toString()),
          lineAccountIds,
          lineSides,
          lineAmounts,
          lineDeltas,
          lineCurrencies,
          lineLedgers,
        ],
      )) as { accounts: number; postings: number }[];
      if (result.accounts !== ids.length || result.postings !== input.lines.length) {
        // Cannot happen while every account exists (checked above, and accounts are never deleted); refuse loudly.
        throw new Error(`ledger post of ${input.idempotencyKey} wrote ${result.accounts} balances and ${result.postings} postings`);
      }
    } catch (e) {
      const err = e as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
      const constraint = err.constraint ?? err.driverError?.constraint;
      if ((err.code ?? err.driverError?.code) === '23514' && constraint === 'ledger_accounts_no_negative') {
        // The bounded accounts this entry takes down; one of them would have gone below zero.
        const bounded = [...net].filter(([id, n]) => n.delta < 0n && accountRows.find((a) => a.id === id)?.no_negative);
        const names = bounded.map(([id, n]) => `${accountRows.find((a) => a.id === id)!.code} (change ${formatYuan(n.delta)})`);
        throw new DomainError(
          'LEDGER_LIMIT_EXCEEDED',
          `${names.length === 1 ? 'account' : 'one of the accounts'} ${names.join(', ')} may not go below zero`,
          [],
          { account: bounded.length === 1 ? accountRows.find((a) => a.id === bounded[0][0])!.code : undefined },
        );
      }
      throw e;
    }
    return { entryId, replayed: false };
  }

  /** Posts the mirror image of an entry (corrections are new entries, never edits). An entry reverses once. */
  async reverse(
    manager: EntityManager,
    entryId: string,
    opts: { idempotencyKey: string; businessDate: string; memo?: string; code?: JournalEntryCode },
  ): Promise<PostedEntry> {
    const [entry] = (await manager.query(`SELECT id, code FROM journal_entries WHERE id = $1`, [entryId])) as {
      id: string;
      code: string;
    }[];
    if (!entry) throw new DomainError('NOT_FOUND', `journal entry ${entryId} not found`);
    const [already] = (await manager.query(
      `SELECT id, idempotency_key FROM journal_entries WHERE reversal_of = $1`,
      [entryId],
    )) as { id: string; idempotency_key: string }[];
    if (already && already.idempotency_key !== opts.idempotencyKey) {
      throw new DomainError('LEDGER_ALREADY_REVERSED', `journal entry ${entryId} was already reversed by entry ${already.id}`);
    }
    const postings = (await manager.query(
      `SELECT a.code, p.side, p.amount_fen FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
        WHERE p.entry_id = $1 ORDER BY p.id`,
      [entryId],
    )) as { code: string; side: 'DEBIT' | 'CREDIT'; amount_fen: string }[];
    return this.post(
      manager,
      {
        idempotencyKey: opts.idempotencyKey,
        code: opts.code ?? (`REVERSAL_OF_${entry.code}` as const),
        businessDate: opts.businessDate,
        memo: opts.memo,
        lines: postings.map((p) => ({
          account: p.code,
          side: p.side === 'DEBIT' ? 'CREDIT' : 'DEBIT',
          amountFen: BigInt(p.amount_fen),
        })),
      },
      entryId,
    );
  }

  /**
   * Proves the ledger: every stored balance equals the replay of its postings, each posting's running balance
   * chain ends at the stored balance, every entry balances per currency and ledger, and the whole ledger nets to
   * zero.
   */
  async verify(manager?: EntityManager): Promise<VerifyReport> {
    const m = manager ?? this.dataSource.manager;
    const [counts] = (await m.query(
      `SELECT (SELECT count(*) FROM ledger_accounts) AS accounts, (SELECT count(*) FROM journal_entries) AS entries,
              (SELECT count(*) FROM ledger_postings) AS postings`,
    )) as { accounts: string; entries: string; postings: string }[];
    const balanceMismatches = (await m.query(
      `WITH p AS (
         SELECT account_id, sum(amount_fen) FILTER (WHERE side = 'DEBIT') AS d, sum(amount_fen) FILTER (WHERE side = 'CREDIT') AS c
           FROM ledger_postings GROUP BY account_id)
       SELECT a.code, a.debits_fen::text AS "storedDebits", a.credits_fen::text AS "storedCredits",
              coalesce(p.d, 0)::text AS "replayDebits", coalesce(p.c, 0)::text AS "replayCredits"
         FROM ledger_accounts a LEFT JOIN p ON p.account_id = a.id
        WHERE a.debits_fen <> coalesce(p.d, 0) OR a.credits_fen <> coalesce(p.c, 0)
           OR a.balance_fen <> CASE WHEN a.normal_side = 'DEBIT' THEN coalesce(p.d, 0) - coalesce(p.c, 0)
                                    ELSE coalesce(p.c, 0) - coalesce(p.d, 0) END
        ORDER BY a.code LIMIT 100`,
    )) as VerifyReport['balanceMismatches'];
    const runningBalanceMismatches = (await m.query(
      `SELECT a.code, a.balance_fen::text AS balance, last.balance_after_fen::text AS "lastBalanceAfter"
         FROM ledger_accounts a
         JOIN LATERAL (SELECT balance_after_fen FROM ledger_postings WHERE account_id = a.id ORDER BY id DESC LIMIT 1) last ON true
        WHERE last.balance_after_fen <> a.balance_fen
        ORDER BY a.code LIMIT 100`,
    )) as VerifyReport['runningBalanceMismatches'];
    const unbalancedEntries = (await m.query(
      `SELECT entry_id::text AS "entryId", currency, ledger,
              sum(amount_fen) FILTER (WHERE side = 'DEBIT')::text AS debits,
              sum(amount_fen) FILTER (WHERE side = 'CREDIT')::text AS credits
         FROM ledger_postings GROUP BY entry_id, currency, ledger
        HAVING coalesce(sum(amount_fen) FILTER (WHERE side = 'DEBIT'), 0) <> coalesce(sum(amount_fen) FILTER (WHERE side = 'CREDIT'), 0)
        ORDER BY entry_id LIMIT 100`,
    )) as VerifyReport['unbalancedEntries'];
    const totals = (await m.query(
      `SELECT currency, ledger, sum(debits_fen)::text AS debits, sum(credits_fen)::text AS credits,
              (sum(debits_fen) - sum(credits_fen))::text AS net
         FROM ledger_accounts GROUP BY currency, ledger ORDER BY currency, ledger`,
    )) as VerifyReport['totals'];
    const ok =
      balanceMismatches.length === 0 &&
      runningBalanceMismatches.length === 0 &&
      unbalancedEntries.length === 0 &&
      totals.every((t) => t.net === '0');
    return {
      ok,
      checkedAt: new Date().toISOString(),
      accounts: Number(counts.accounts),
      entries: Number(counts.entries),
      postings: Number(counts.postings),
      balanceMismatches,
      runningBalanceMismatches,
      unbalancedEntries,
      totals,
    };
  }

  async listAccounts(
    filter: { ownerType?: string; ownerId?: string; ledger?: LedgerKind; codePrefix?: string },
    page: PageQuery,
  ): Promise<Page<AccountBalance>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.ownerType) where.push(`owner_type = $${params.push(filter.ownerType)}`);
    if (filter.ownerId) where.push(`owner_id = $${params.push(filter.ownerId)}`);
    if (filter.ledger) where.push(`ledger = $${params.push(filter.ledger)}`);
    if (filter.codePrefix) where.push(`code LIKE $${params.push(filter.codePrefix.replace(/[%_]/g, '\\$&') + '%')}`);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = (await this.dataSource.query(`SELECT count(*)::int AS total FROM ledger_accounts ${clause}`, params)) as {
      total: number;
    }[];
    const rows = (await this.dataSource.query(
      `SELECT * FROM ledger_accounts ${clause} ORDER BY code LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    )) as AccountDbRow[];
    return { items: rows.map(toBalance), page: page.page, pageSize: page.pageSize, total };
  }

  /** Postings of one account with the running balance after each, newest last, paginated. */
  async statement(code: string, page: PageQuery, from?: string, to?: string) {
    const account = await this.account(null, code);
    if (!account) throw new DomainError('NOT_FOUND', `ledger account ${code} not found`);
    const params: unknown[] = [account.id];
    const where = ['p.account_id = $1'];
    if (from) where.push(`e.business_date >= $${params.push(from)}`);
    if (to) where.push(`e.business_date <= $${params.push(to)}`);
    const [{ total }] = (await this.dataSource.query(
      `SELECT count(*)::int AS total FROM ledger_postings p JOIN journal_entries e ON e.id = p.entry_id WHERE ${where.join(' AND ')}`,
      params,
    )) as { total: number }[];
    const rows = (await this.dataSource.query(
      `SELECT p.id::text AS "postingId", e.id::text AS "entryId", e.code, e.business_date AS "businessDate", e.memo,
              p.side, p.amount_fen::text AS amount_fen, p.balance_after_fen::text AS balance_after_fen, e.created_at AS "postedAt"
         FROM ledger_postings p JOIN journal_entries e ON e.id = p.entry_id
        WHERE ${where.join(' AND ')} ORDER BY p.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    )) as Record<string, string>[];
    return {
      account: {
        code: account.code,
        name: account.name,
        type: account.type,
        currency: account.currency,
        ledger: account.ledger,
        balance: formatYuan(account.balanceFen),
      },
      items: rows.map((r) => ({
        postingId: r.postingId,
        entryId: r.entryId,
        code: r.code,
        businessDate: r.businessDate,
        memo: r.memo,
        side: r.side,
        amount: formatYuan(BigInt(r.amount_fen)),
        balanceAfter: formatYuan(BigInt(r.balance_after_fen)),
        postedAt: r.postedAt,
      })),
      page: page.page,
      pageSize: page.pageSize,
      total,
    };
  }

  async entry(entryId: string) {
    const [e] = (await this.dataSource.query(
      `SELECT id::text, idempotency_key AS "idempotencyKey", code, business_date AS "businessDate", actor, memo,
              reversal_of::text AS "reversalOf", request_id AS "requestId", created_at AS "createdAt"
         FROM journal_entries WHERE id = $1`,
      [entryId],
    )) as JournalEntryView[];
    if (!e) throw new DomainError('NOT_FOUND', `journal entry ${entryId} not found`);
    const postings = (await this.dataSource.query(
      `SELECT a.code AS account, p.side, p.amount_fen::text AS amount_fen, p.currency, p.ledger
         FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id WHERE p.entry_id = $1 ORDER BY p.id`,
      [entryId],
    )) as { account: string; side: string; amount_fen: string; currency: string; ledger: string }[];
    return {
      ...e,
      postings: postings.map((p) => ({ account: p.account, side: p.side, amount: formatYuan(BigInt(p.amount_fen)), currency: p.currency, ledger: p.ledger })),
    };
  }
}
