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
   * Posts one balanced journal entry. Locks the touched accounts in id order (a fixed order, so two entries can
   * never deadlock), refuses an unbalanced entry or one that would take a bounded account below zero, and writes
   * the entry, its postings and the new balances together. A replay of the same idempotency key with the same
   * content returns the original entry; with different content it is a conflict.
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
    const accountRows = (await manager.query(
      `SELECT id, code, currency, ledger, normal_side, no_negative, balance_fen
         FROM ledger_accounts WHERE code = ANY($1) ORDER BY id FOR UPDATE`,
      [codes],
    )) as AccountRow[];
    const accounts = new Map(accountRows.map((a) => [a.code, a]));
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

    // Running balances per posting (in line order) and the net change per account.
    const running = new Map(accountRows.map((a) => [a.code, BigInt(a.balance_fen)]));
    const net = new Map<string, { d: bigint; c: bigint; delta: bigint }>();
    const postingAccountIds: string[] = [];
    const postingSides: string[] = [];
    const postingAmounts: string[] = [];
    const postingCurrencies: string[] = [];
    const postingLedgers: string[] = [];
    const postingAfter: string[] = [];
    for (const line of input.lines) {
      const a = accounts.get(line.account)!;
      const delta = balanceDelta(a.normal_side, line.side, line.amountFen);
      const after = running.get(a.code)! + delta;
      running.set(a.code, after);
      const n = net.get(a.code) ?? { d: 0n, c: 0n, delta: 0n };
      if (line.side === 'DEBIT') n.d += line.amountFen;
      else n.c += line.amountFen;
      n.delta += delta;
      net.set(a.code, n);
      postingAccountIds.push(a.id);
      postingSides.push(line.side);
      postingAmounts.push(line.amountFen.toString());
      postingCurrencies.push(a.currency);
      postingLedgers.push(a.ledger);
      postingAfter.push(after.toString());
    }
    for (const [code, final] of running) {
      const a = accounts.get(code)!;
      if (a.no_negative && final < 0n) {
        throw new DomainError(
          'LEDGER_LIMIT_EXCEEDED',
          `account ${code} may not go below zero (balance ${formatYuan(BigInt(a.balance_fen))}, change ${formatYuan(final - BigInt(a.balance_fen))})`,
          [],
          { account: code },
        );
      }
    }
    const ids: string[] = [];
    const ds: string[] = [];
    const cs: string[] = [];
    const deltas: string[] = [];
    for (const [code, n] of net) {
      ids.push(accounts.get(code)!.id);
      ds.push(n.d.toString());
      cs.push(n.c.toString());
      deltas.push(n.delta.toString());
    }
    // Guarded update: the bound is re-checked in SQL and backed by a CHECK constraint.
    const updated = (await manager.query(
      `UPDATE ledger_accounts a
          SET debits_fen = a.debits_fen + v.d, credits_fen = a.credits_fen + v.c, balance_fen = a.balance_fen + v.delta
         FROM (SELECT unnest($1::bigint[]) AS id, unnest($2::bigint[]) AS d, unnest($3::bigint[]) AS c,
                      unnest($4::bigint[]) AS delta) v
        WHERE a.id = v.id AND (NOT a.no_negative OR a.balance_fen + v.delta >= 0)
        RETURNING a.id`,
      [ids, ds, cs, deltas],
    )) as [unknown[], number] | unknown[];
    const updatedRows = Array.isArray(updated[0]) ? (updated[0] as unknown[]) : (updated as unknown[]);
    if (updatedRows.length !== ids.length) {
      throw new DomainError('LEDGER_LIMIT_EXCEEDED', 'a bounded account would go below zero');
    }
    await manager.query(
      `INSERT INTO ledger_postings (entry_id, account_id, side, amount_fen, currency, ledger, balance_after_fen)
       SELECT $1, unnest($2::bigint[]), unnest($3::text[]), unnest($4::bigint[]), unnest($5::text[]), unnest($6::text[]),
              unnest($7::bigint[])`,
      [entryId, postingAccountIds, postingSides, postingAmounts, postingCurrencies, postingLedgers, postingAfter],
    );
    return { entryId, replayed: false };
  }

  /** Posts the mirror image of an entry (corrections are new entries, never edits). An entry reverses once. */
  async reverse(
    manager: EntityManager,
    entryId: string,
    opts: { idempotencyKey: string; businessDate: string; memo?: string; code?: string },
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
        code: opts.code ?? `REVERSAL_OF_${entry.code}`,
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
