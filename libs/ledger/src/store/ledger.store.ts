import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { areaOfCondition, offsetOf, queryOne, queryPrepared, queryRows, type PageQuery } from '#libs/common';
import type { AccountRow, LedgerKind } from '../domain/entry.js';
import type { JournalEntryRow, LedgerAccountRow } from './rows.generated.js';

/**
 * An account's fixed attributes (everything `post` needs before it takes any lock): id, code, currency, ledger,
 * normal side and bound never change once the account is opened, so a process may keep them (LedgerService does).
 */
export type AccountAttributes = Omit<AccountRow, 'balance_fen'>;

/** A locked account's balance and latest posting date. */
export interface LockedAccount {
  id: string;
  balance_fen: string;
  last_value_date: string | null;
}

export type NewAccountRow = Pick<
  LedgerAccountRow,
  'code' | 'name' | 'type' | 'normal_side' | 'currency' | 'ledger' | 'owner_type' | 'owner_id' | 'no_negative'
>;

export type NewJournalEntryRow = Pick<
  JournalEntryRow,
  | 'idempotency_key'
  | 'content_hash'
  | 'code'
  | 'business_date'
  | 'actor'
  | 'memo'
  | 'reversal_of'
  | 'request_id'
>;

/** What a posting statement answers (see LedgerStore.applyPostings). */
export interface PostingResult {
  accounts: number;
  postings: number;
  backDated: boolean;
  stale: boolean;
}

/** The posting statement's parameters $2…$14 (its $1 names the entry). */
const postingParams = (b: Omit<PostingBatch, 'entryId'>): unknown[] => [
  b.accountIds,
  b.netDebits,
  b.netCredits,
  b.netDeltas,
  b.lineAccountIds,
  b.lineSides,
  b.lineAmounts,
  b.lineDeltas,
  b.lineCurrencies,
  b.lineLedgers,
  b.valueDate,
  b.guardBackDated,
  b.accountCodes,
];

/** A journal row's columns after its idempotency key, in the order the entry's inserts take them. */
const entryParams = (row: NewJournalEntryRow): unknown[] => [
  row.content_hash,
  row.code,
  row.business_date,
  row.actor,
  row.memo,
  row.reversal_of,
  row.request_id,
];

/**
 * The posting statement: `applying` its entry given as $1, or inserting it first (`e`: $1 is then its idempotency
 * key and $15… its other columns, and nothing is locked or written when the key exists already).
 *
 * `locked` takes the row locks in id order before any row is updated (a materialized CTE emits, and so locks, its
 * rows in order, and the UPDATE's condition reads `guard`, which reads all of `locked`, before it passes a row).
 * The UPDATE finds its rows by id and reads each change from the arrays by the id's position, not through a join:
 * the row it finds is the version its snapshot saw, older than the one locked, and PostgreSQL re-checks the newest
 * version against the UPDATE's own condition, which for a join means re-running the join under the lock (measured:
 * 0.1 ms instead of 0.8 ms for two rows, the hot account's posting at 0.50 of plain SQL instead of 0.37;
 * docs/benchmarks.md). Under READ COMMITTED the locked rows are their latest committed versions, so `guard` sees
 * every posting committed before the lock, and the UPDATE applies the change to the latest committed balance. Each
 * posting's running balance is the account's balance before the entry plus the changes of the entry's lines up to
 * and including it. `stale`: an id the caller took from its cache of account attributes is not (or no longer) the
 * account of that code; then nothing is written and the caller reads the attributes afresh.
 */
function postingStatement(insertEntry: boolean, atCommit = false): string {
  const entry = insertEntry ? '(SELECT id FROM e)' : '$1';
  return `WITH ${
    insertEntry
      ? `e AS (
         INSERT INTO journal_entries (idempotency_key, content_hash, code, business_date, actor, memo, reversal_of, request_id)
         VALUES ($1,$15,$16,$17,$18,$19,$20,$21) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id
       ), `
      : ''
  }locked AS MATERIALIZED (
         SELECT id, code, no_negative, last_value_date FROM ledger_accounts
          WHERE id = ANY($2::bigint[])${insertEntry ? ' AND EXISTS (SELECT 1 FROM e)' : ''} ORDER BY id FOR UPDATE
       ), v AS (
         SELECT unnest($2::bigint[]) AS id, unnest($3::bigint[]) AS d, unnest($4::bigint[]) AS c, unnest($5::bigint[]) AS delta,
                unnest($14::text[]) AS code
       ), checked AS MATERIALIZED (
         SELECT (SELECT count(*) FROM locked JOIN v ON v.id = locked.id AND v.code = locked.code) <> cardinality($2::bigint[]) AS stale
       ), guard AS MATERIALIZED (
         SELECT (SELECT stale FROM checked) OR ($13::boolean AND EXISTS (
                  SELECT 1 FROM locked JOIN v ON v.id = locked.id
                   WHERE locked.no_negative AND v.delta < 0 AND locked.last_value_date > $12::date)) AS skip
       ), upd AS (
         UPDATE ledger_accounts a
            SET debits_fen = a.debits_fen + ($3::bigint[])[array_position($2::bigint[], a.id)],
                credits_fen = a.credits_fen + ($4::bigint[])[array_position($2::bigint[], a.id)],
                balance_fen = a.balance_fen + ($5::bigint[])[array_position($2::bigint[], a.id)],
                last_value_date = greatest(a.last_value_date, $12::date)
          WHERE a.id = ANY($2::bigint[]) AND NOT (SELECT skip FROM guard)
         RETURNING a.id, a.balance_fen - ($5::bigint[])[array_position($2::bigint[], a.id)] AS before_fen
       ), ins AS (
         INSERT INTO ledger_postings (entry_id, account_id, side, amount_fen, currency, ledger, balance_after_fen)
         SELECT ${entry}, l.account_id, l.side, l.amount, l.currency, l.ledger,
                upd.before_fen + sum(l.delta) OVER (PARTITION BY l.account_id ORDER BY l.ord)
           FROM unnest($6::bigint[], $7::text[], $8::bigint[], $9::bigint[], $10::text[], $11::text[])
                  WITH ORDINALITY AS l(account_id, side, amount, delta, currency, ledger, ord)
           JOIN upd ON upd.id = l.account_id
          ORDER BY l.ord
         RETURNING 1
       )
       SELECT ${
         atCommit
           ? // nothing may be left for the caller to do after COMMIT: what would call for it aborts the transaction
             `CASE WHEN (SELECT skip FROM guard) OR (SELECT count(*) FROM upd) <> cardinality($2::bigint[])
                        OR (SELECT count(*) FROM ins) <> cardinality($6::bigint[])
                   THEN ledger_retry(CASE WHEN (SELECT stale FROM checked) THEN 'stale account attributes'
                                          WHEN (SELECT skip FROM guard) THEN 'back-dated for a bounded account'
                                          ELSE 'accounts or postings missing' END) END AS retried`
           : `(SELECT count(*) FROM upd)::int AS accounts, (SELECT count(*) FROM ins)::int AS postings,
              (SELECT skip FROM guard) AND NOT (SELECT stale FROM checked) AS "backDated",
              (SELECT stale FROM checked) AS stale${insertEntry ? ', (SELECT id FROM e)::text AS "entryId"' : ''}`
       }`;
}

const APPLY_POSTINGS = postingStatement(false);
const INSERT_AND_APPLY = postingStatement(true);
const APPLY_AT_COMMIT = postingStatement(false, true);
const INSERT_ENTRY = `INSERT INTO journal_entries (idempotency_key, content_hash, code, business_date, actor, memo, reversal_of, request_id)
  VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id::text AS id`;

/** The arrays `applyPostings` takes: the net change per account (in `accountIds` order) and the entry's lines. */
export interface PostingBatch {
  entryId: string;
  accountIds: string[];
  /** The code of each of `accountIds` as the caller knows it: a mismatch under the lock makes the batch `stale`. */
  accountCodes: string[];
  netDebits: string[];
  netCredits: string[];
  netDeltas: string[];
  lineAccountIds: string[];
  lineSides: string[];
  lineAmounts: string[];
  lineDeltas: string[];
  lineCurrencies: string[];
  lineLedgers: string[];
  /** The entry's value date (the journal entry's business date). */
  valueDate: string;
  /**
   * Apply nothing (and answer `backDated`) when, under the lock, a bounded account this entry takes down has a
   * posting dated after `valueDate`: the caller must then check every later date first. Off once it has.
   */
  guardBackDated: boolean;
}

export interface BalanceMismatch {
  code: string;
  storedDebits: string;
  storedCredits: string;
  replayDebits: string;
  replayCredits: string;
}
export interface RunningBalanceMismatch {
  code: string;
  balance: string;
  lastBalanceAfter: string;
}
export interface UnbalancedEntry {
  entryId: string;
  currency: string;
  ledger: string;
  debits: string;
  credits: string;
}
export interface LedgerTotal {
  currency: string;
  ledger: string;
  debits: string;
  credits: string;
  net: string;
}

export interface AccountFilter {
  ownerType?: string;
  ownerId?: string;
  ledger?: LedgerKind;
  codePrefix?: string;
}

export interface StatementRow {
  postingId: string;
  entryId: string;
  code: string;
  businessDate: string;
  memo: string | null;
  side: string;
  amount_fen: string;
  balance_after_fen: string;
  postedAt: Date;
}

export interface JournalEntryViewRow {
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

export interface EntryPostingRow {
  account: string;
  side: string;
  amount_fen: string;
  currency: string;
  ledger: string;
}

/**
 * The SQL of the ledger's tables (ledger_accounts, journal_entries, ledger_postings), owned by libs/ledger. The
 * posting of an entry is one set-based statement (`applyPostings`); the rules around it live in LedgerService.
 */
/** Which `area_of` kind owns an account, so an area-scoped reader lists its own area's funds' accounts only. */
const LEDGER_OWNER_KIND_SQL = `CASE owner_type
  WHEN 'MUTUAL_AID_FUND' THEN 'fund' WHEN 'RISK_FUND' THEN 'risk_fund' WHEN 'GUARANTEE_AGREEMENT' THEN 'agreement'
  WHEN 'SUBSIDY_PROGRAMME' THEN 'subsidy_programme' WHEN 'ASSET_INCOME_PROJECT' THEN 'aip_project' END`;

@Injectable()
export class LedgerStore {
  /** Inserts an account unless one with that code exists (idempotent by code). */
  async insertAccount(m: EntityManager, row: NewAccountRow): Promise<void> {
    await m.query(
      `INSERT INTO ledger_accounts (code, name, type, normal_side, currency, ledger, owner_type, owner_id, no_negative)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT (code) DO NOTHING`,
      [
        row.code,
        row.name,
        row.type,
        row.normal_side,
        row.currency,
        row.ledger,
        row.owner_type,
        row.owner_id,
        row.no_negative,
      ],
    );
  }

  async accountByCode(m: EntityManager, code: string): Promise<LedgerAccountRow | undefined> {
    return queryOne<LedgerAccountRow>(m, `SELECT * FROM ledger_accounts WHERE code = $1`, [code]);
  }

  async balancesByCode(m: EntityManager, codes: string[]): Promise<{ code: string; balance_fen: string }[]> {
    return queryRows(m, `SELECT code, balance_fen FROM ledger_accounts WHERE code = ANY($1)`, [codes]);
  }

  /** Code, currency, ledger, normal side and bound never change after an account is opened: read without a lock. */
  async accountAttributes(m: EntityManager, codes: string[]): Promise<AccountAttributes[]> {
    return queryRows<AccountAttributes>(
      m,
      `SELECT id, code, currency, ledger, normal_side, no_negative FROM ledger_accounts WHERE code = ANY($1)`,
      [codes],
    );
  }

  async entryByKey(
    m: EntityManager,
    idempotencyKey: string,
  ): Promise<{ id: string; content_hash: string } | undefined> {
    return queryOne(m, `SELECT id, content_hash FROM journal_entries WHERE idempotency_key = $1`, [
      idempotencyKey,
    ]);
  }

  /**
   * In ONE statement: locks the touched accounts in id order (a fixed order, so two entries never deadlock),
   * applies the net change to each balance and writes the postings with their running balances. Answers how many
   * balances and postings it wrote. A bounded account going below zero fails the statement on the CHECK constraint
   * `ledger_accounts_no_negative`.
   */
  async applyPostings(m: EntityManager, b: PostingBatch): Promise<PostingResult> {
    const [result] = await queryPrepared<PostingResult>(m, APPLY_POSTINGS, [b.entryId, ...postingParams(b)]);
    return result;
  }

  /**
   * `applyPostings` for an entry applied in the same write as its transaction's COMMIT (LedgerService.postingAtCommit):
   * with `guardBackDated` on, a stale attribute, a back-dated bounded account or a missing account or posting aborts
   * the transaction through `ledger_retry` (SQLSTATE 40001, constraint `ledger_apply_at_commit`) instead of answering.
   */
  applyPostingsAtCommit(m: EntityManager, b: PostingBatch): Promise<unknown> {
    return queryPrepared(m, APPLY_AT_COMMIT, [b.entryId, ...postingParams(b)]);
  }

  /** The journal entry alone (no account locked): its id, or null when an entry with that key exists. */
  async insertEntry(m: EntityManager, row: NewJournalEntryRow): Promise<string | null> {
    const [inserted] = await queryPrepared<{ id: string }>(m, INSERT_ENTRY, [
      row.idempotency_key,
      ...entryParams(row),
    ]);
    return inserted?.id ?? null;
  }

  /**
   * The journal entry inserted and its postings applied (applyPostings), in one statement: `entryId` null when an
   * entry with that idempotency key already exists (then nothing is locked or written). `stale` or `backDated`
   * leave the entry inserted and nothing applied: the caller then applies the postings with applyPostings.
   */
  async insertEntryAndApply(
    m: EntityManager,
    row: NewJournalEntryRow,
    b: Omit<PostingBatch, 'entryId'>,
  ): Promise<PostingResult & { entryId: string | null }> {
    const [result] = await queryPrepared<PostingResult & { entryId: string | null }>(m, INSERT_AND_APPLY, [
      row.idempotency_key,
      ...postingParams(b),
      ...entryParams(row),
    ]);
    return result;
  }

  /** Locks the accounts in id order (the one order every writer takes) and answers their balances. */
  async lockAccounts(m: EntityManager, accountIds: string[]): Promise<LockedAccount[]> {
    return queryRows<LockedAccount>(
      m,
      `SELECT id::text, balance_fen::text, last_value_date::text FROM ledger_accounts
        WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE`,
      [accountIds],
    );
  }

  /**
   * Net change per account and value date of the postings dated after `valueDate`, ascending by date: the signed
   * change to each account's normal-side balance.
   */
  async changesAfter(
    m: EntityManager,
    accountIds: string[],
    valueDate: string,
  ): Promise<{ account_id: string; date: string; delta_fen: string }[]> {
    return queryRows(
      m,
      `SELECT p.account_id::text AS account_id, e.business_date::text AS date,
              sum(CASE WHEN p.side = a.normal_side THEN p.amount_fen ELSE -p.amount_fen END)::text AS delta_fen
         FROM ledger_postings p
         JOIN journal_entries e ON e.id = p.entry_id
         JOIN ledger_accounts a ON a.id = p.account_id
        WHERE p.account_id = ANY($1::bigint[]) AND e.business_date > $2::date
        GROUP BY p.account_id, e.business_date
        ORDER BY p.account_id, e.business_date`,
      [accountIds, valueDate],
    );
  }

  /**
   * Aborts the caller's transaction with a refusal (SQLSTATE 23514, constraint `ledger_value_dated_bound`): an entry
   * refused after its journal row was inserted can then never be committed, even by a caller that catches the error.
   */
  async refuse(m: EntityManager, detail: string): Promise<void> {
    await m.query(`SELECT ledger_refuse($1)`, [detail]);
  }

  async entryCode(m: EntityManager, entryId: string): Promise<{ id: string; code: string } | undefined> {
    return queryOne(m, `SELECT id, code FROM journal_entries WHERE id = $1`, [entryId]);
  }

  /** The entry that reversed `entryId`, if any. */
  async reversalOf(
    m: EntityManager,
    entryId: string,
  ): Promise<{ id: string; idempotency_key: string } | undefined> {
    return queryOne(m, `SELECT id, idempotency_key FROM journal_entries WHERE reversal_of = $1`, [entryId]);
  }

  async postingsForReversal(
    m: EntityManager,
    entryId: string,
  ): Promise<{ code: string; side: 'DEBIT' | 'CREDIT'; amount_fen: string }[]> {
    return queryRows(
      m,
      `SELECT a.code, p.side, p.amount_fen FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
        WHERE p.entry_id = $1 ORDER BY p.id`,
      [entryId],
    );
  }

  async counts(m: EntityManager): Promise<{ accounts: string; entries: string; postings: string }> {
    const [counts] = await queryRows<{ accounts: string; entries: string; postings: string }>(
      m,
      `SELECT (SELECT count(*) FROM ledger_accounts) AS accounts, (SELECT count(*) FROM journal_entries) AS entries,
              (SELECT count(*) FROM ledger_postings) AS postings`,
    );
    return counts;
  }

  /** Accounts whose stored totals or balance differ from the replay of their postings (first 100). */
  async balanceMismatches(m: EntityManager): Promise<BalanceMismatch[]> {
    return queryRows(
      m,
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
    );
  }

  /** Accounts whose last posting's running balance is not the stored balance (first 100). */
  async runningBalanceMismatches(m: EntityManager): Promise<RunningBalanceMismatch[]> {
    return queryRows(
      m,
      `SELECT a.code, a.balance_fen::text AS balance, last.balance_after_fen::text AS "lastBalanceAfter"
         FROM ledger_accounts a
         JOIN LATERAL (SELECT balance_after_fen FROM ledger_postings WHERE account_id = a.id ORDER BY id DESC LIMIT 1) last ON true
        WHERE last.balance_after_fen <> a.balance_fen
        ORDER BY a.code LIMIT 100`,
    );
  }

  /** Entries that do not balance per currency and ledger (first 100). */
  async unbalancedEntries(m: EntityManager): Promise<UnbalancedEntry[]> {
    return queryRows(
      m,
      `SELECT entry_id::text AS "entryId", currency, ledger,
              sum(amount_fen) FILTER (WHERE side = 'DEBIT')::text AS debits,
              sum(amount_fen) FILTER (WHERE side = 'CREDIT')::text AS credits
         FROM ledger_postings GROUP BY entry_id, currency, ledger
        HAVING coalesce(sum(amount_fen) FILTER (WHERE side = 'DEBIT'), 0) <> coalesce(sum(amount_fen) FILTER (WHERE side = 'CREDIT'), 0)
        ORDER BY entry_id LIMIT 100`,
    );
  }

  async totals(m: EntityManager): Promise<LedgerTotal[]> {
    return queryRows(
      m,
      `SELECT currency, ledger, sum(debits_fen)::text AS debits, sum(credits_fen)::text AS credits,
              (sum(debits_fen) - sum(credits_fen))::text AS net
         FROM ledger_accounts GROUP BY currency, ledger ORDER BY currency, ledger`,
    );
  }

  async listAccounts(
    m: EntityManager,
    filter: AccountFilter,
    page: PageQuery,
  ): Promise<{ rows: LedgerAccountRow[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.ownerType) where.push(`owner_type = $${params.push(filter.ownerType)}`);
    if (filter.ownerId) where.push(`owner_id = $${params.push(filter.ownerId)}`);
    if (filter.ledger) where.push(`ledger = $${params.push(filter.ledger)}`);
    if (filter.codePrefix)
      where.push(`code LIKE $${params.push(filter.codePrefix.replace(/[%_]/g, '\\$&') + '%')}`);
    where.push(
      areaOfCondition(
        params,
        LEDGER_OWNER_KIND_SQL,
        `CASE WHEN owner_id ~ '^[1-9][0-9]{0,17}$' THEN owner_id::bigint END`,
      ),
    );
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM ledger_accounts ${clause}`,
      params,
    );
    const rows = await queryRows<LedgerAccountRow>(
      m,
      `SELECT * FROM ledger_accounts ${clause} ORDER BY code LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { rows, total };
  }

  /**
   * Postings of one account joined with their entries, in value-date order (business date, then posting), paginated;
   * business dates inclusive. The balance after each line is the running balance by value date (a back-dated entry
   * takes its place among the dates it belongs to), so the last line of a day is the account's balance as of that
   * day; the ledger's own posting-order chain (`balance_after_fen`) is what verify() checks.
   */
  async statement(
    m: EntityManager,
    accountId: string,
    page: PageQuery,
    from?: string,
    to?: string,
  ): Promise<{ rows: StatementRow[]; total: number }> {
    const params: unknown[] = [accountId];
    const where = ['p.account_id = $1'];
    if (from) where.push(`e.business_date >= $${params.push(from)}`);
    if (to) where.push(`e.business_date <= $${params.push(to)}`);
    const [{ total }] = await queryRows<{ total: number }>(
      m,
      `SELECT count(*)::int AS total FROM ledger_postings p JOIN journal_entries e ON e.id = p.entry_id WHERE ${where.join(' AND ')}`,
      params,
    );
    const upTo = to ? `AND e.business_date <= $${params.indexOf(to) + 1}` : '';
    const since = from ? `WHERE s."businessDate" >= $${params.indexOf(from) + 1}` : '';
    const rows = await queryRows<StatementRow>(
      m,
      `WITH s AS (
         SELECT p.id AS pid, p.id::text AS "postingId", e.id::text AS "entryId", e.code, e.business_date AS "businessDate", e.memo,
                p.side, p.amount_fen::text AS amount_fen, e.created_at AS "postedAt",
                sum(CASE WHEN p.side = a.normal_side THEN p.amount_fen ELSE -p.amount_fen END)
                  OVER (ORDER BY e.business_date, p.id ROWS UNBOUNDED PRECEDING)::text AS balance_after_fen
           FROM ledger_postings p JOIN journal_entries e ON e.id = p.entry_id JOIN ledger_accounts a ON a.id = p.account_id
          WHERE p.account_id = $1 ${upTo})
       SELECT "postingId", "entryId", code, "businessDate", memo, side, amount_fen, balance_after_fen, "postedAt"
         FROM s ${since} ORDER BY "businessDate", pid LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, offsetOf(page)],
    );
    return { rows, total };
  }

  async entryView(m: EntityManager, entryId: string): Promise<JournalEntryViewRow | undefined> {
    return queryOne<JournalEntryViewRow>(
      m,
      `SELECT id::text, idempotency_key AS "idempotencyKey", code, business_date AS "businessDate", actor, memo,
              reversal_of::text AS "reversalOf", request_id AS "requestId", created_at AS "createdAt"
         FROM journal_entries WHERE id = $1`,
      [entryId],
    );
  }

  async entryPostings(m: EntityManager, entryId: string): Promise<EntryPostingRow[]> {
    return queryRows(
      m,
      `SELECT a.code AS account, p.side, p.amount_fen::text AS amount_fen, p.currency, p.ledger
         FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id WHERE p.entry_id = $1 ORDER BY p.id`,
      [entryId],
    );
  }
}
