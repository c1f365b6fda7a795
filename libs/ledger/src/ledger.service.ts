import { Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import {
  AppConfig,
  canSendWithCommit,
  canonicalJson,
  Clock,
  DomainError,
  RequestContext,
  sendAtCommit,
  sha256,
  type Page,
  type PageQuery,
} from '#libs/common';
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
import { balanceAsOf, firstNegativeDate, type DatedChange } from './domain/value-dated-bound.js';
import { LedgerStore, type AccountAttributes, type NewJournalEntryRow, type PostingBatch } from './store/ledger.store.js';
import type { LedgerAccountRow } from './store/rows.generated.js';

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

/** An entry posted by `postingAtCommit`: inserted first, its postings applied with the transaction's COMMIT. */
export interface AtCommitPosting {
  /** Sends the journal entry's insert (before it returns, as a step of `together` does) and answers its id. */
  insert(): Promise<string>;
  /** Leaves the postings of the entry `insert` answered to be applied last, in the same write as COMMIT. */
  applyWithCommit(entryId: string): void;
}

/**
 * The transaction must run again with the ordinary posting (`posting`): an entry applied with COMMIT met what the
 * ordinary posting handles with a second statement (see postingAtCommit). Nothing of the transaction was committed.
 */
export class PostingRetry extends Error {
  constructor(reason: string) {
    super(`ledger: post again without applying at COMMIT (${reason})`);
    this.name = 'PostingRetry';
  }
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
  balanceMismatches: {
    code: string;
    storedDebits: string;
    storedCredits: string;
    replayDebits: string;
    replayCredits: string;
  }[];
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

const toBalance = (r: LedgerAccountRow): AccountBalance => ({
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

/** Refuses an entry that does not balance per currency and ledger (before anything is written). */
function refuseUnbalanced(input: EntryInput, accountRows: AccountAttributes[]): void {
  const accounts = new Map(accountRows.map((a) => [a.code, a as AccountRow & AccountAttributes]));
  const problems = unbalancedGroups(input.lines, accounts);
  if (problems.length) {
    const p = problems[0];
    throw new DomainError(
      'LEDGER_UNBALANCED',
      `entry does not balance in ${p.currency}/${p.ledger}: debits ${formatYuan(p.debitsFen)} ≠ credits ${formatYuan(p.creditsFen)}`,
    );
  }
}

/** The posting statement's arrays: the net change per account and each line's signed change, in line order. */
function postingBatch(
  input: EntryInput,
  accounts: Map<string, AccountAttributes>,
): { rows: Omit<PostingBatch, 'entryId' | 'guardBackDated'>; net: Map<string, { d: bigint; c: bigint; delta: bigint }> } {
  const net = new Map<string, { d: bigint; c: bigint; delta: bigint }>();
  const codeOf = new Map<string, string>();
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
    codeOf.set(a.id, a.code);
    lineAccountIds.push(a.id);
    lineSides.push(line.side);
    lineAmounts.push(line.amountFen.toString());
    lineDeltas.push(delta.toString());
    lineCurrencies.push(a.currency);
    lineLedgers.push(a.ledger);
  }
  const ids = [...net.keys()];
  return {
    net,
    rows: {
      accountIds: ids,
      accountCodes: ids.map((id) => codeOf.get(id)!),
      netDebits: ids.map((id) => net.get(id)!.d.toString()),
      netCredits: ids.map((id) => net.get(id)!.c.toString()),
      netDeltas: ids.map((id) => net.get(id)!.delta.toString()),
      lineAccountIds,
      lineSides,
      lineAmounts,
      lineDeltas,
      lineCurrencies,
      lineLedgers,
      valueDate: input.valueDate,
    },
  };
}

/**
 * The only writer of postings and balances. Every method that writes runs inside the caller's transaction (the
 * EntityManager passed in), so the business change and its journal entry commit or roll back together.
 */
@Injectable()
export class LedgerService {
  /** Stateless: the service keeps its own (tests and benches construct the service with a DataSource alone). */
  private readonly store = new LedgerStore();
  /** Account code → its fixed attributes, as this process last read them (see attributesOf). */
  private readonly attributes = new Map<string, AccountAttributes>();

  /**
   * Tests and benches construct the service with a DataSource alone: without a clock, a value date after today is
   * not refused here (every service refuses it for its own field first).
   */
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Optional() private readonly clock?: Clock,
    @Optional() private readonly config?: AppConfig,
  ) {}

  /** Opens an account, or returns the existing one with that code (idempotent by code). */
  async openAccount(manager: EntityManager, input: OpenAccountInput): Promise<AccountBalance> {
    await this.store.insertAccount(manager, {
      code: input.code,
      name: input.name,
      type: input.type,
      normal_side: NORMAL_SIDE[input.type],
      currency: input.currency ?? 'CNY',
      ledger: input.ledger ?? 'MONEY',
      owner_type: input.ownerType ?? null,
      owner_id: input.ownerId === undefined ? null : String(input.ownerId),
      no_negative: input.noNegative ?? false,
    });
    return (await this.account(manager, input.code))!;
  }

  async account(manager: EntityManager | null, code: string): Promise<AccountBalance | undefined> {
    const row = await this.store.accountByCode(manager ?? this.dataSource.manager, code);
    return row ? toBalance(row) : undefined;
  }

  async balances(manager: EntityManager | null, codes: string[]): Promise<Map<string, Fen>> {
    const rows = await this.store.balancesByCode(manager ?? this.dataSource.manager, codes);
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
   * The bound ("may not go below zero") holds at every value date. Today's balance is the CHECK constraint
   * evaluated by that UPDATE: a violation fails the whole statement and aborts the caller's transaction, so half an
   * entry can never be committed, even by a caller that catches the error. Hot accounts stay locked only for that
   * statement and the commit.
   * A back-dated entry (a bounded account it takes down has postings dated after its value date) would also lower
   * every later date's balance. Then, before anything is applied, ALL the entry's accounts are locked in id order,
   * the balance of every date from the value date to the account's last posting is checked with the entry's change
   * (domain/value-dated-bound.ts), and the first date that would go negative is refused with its shortfall
   * (LEDGER_LIMIT_EXCEEDED, the caller's transaction aborted); otherwise the entry is applied under those locks.
   * An entry that is not back-dated pays nothing for this: the posting statement checks it under its own lock.
   */
  async post(manager: EntityManager, input: EntryInput, reversalOf?: string): Promise<PostedEntry> {
    return (await this.posting(manager, input, reversalOf))();
  }

  /**
   * `post` in two parts, for a caller that sends the entry in one round trip with other statements: the checks and
   * the accounts' kept attributes now (refusals are thrown here), and the posting itself as the function returned,
   * a step of `together` (its statement goes out before it returns; a retry or the back-dated check follow its
   * answer, so it is the batch's last step).
   */
  async posting(manager: EntityManager, input: EntryInput, reversalOf?: string): Promise<() => Promise<PostedEntry>> {
    const { codes, accountRows, contentHash, entryRow } = await this.prepare(manager, input, reversalOf);
    return () => this.apply(manager, input, codes, accountRows, contentHash, entryRow);
  }

  /**
   * `posting` for a caller whose entry's accounts should be locked by its transaction's last write alone: `insert`
   * sends the journal entry now (it locks no account) and answers its id; `applyWithCommit` leaves the postings to be
   * applied by the transaction's very last statement, in the same write as COMMIT (sendAtCommit), so a hot account (a
   * fund's cash) stays locked for that statement and the commit only, not through the caller's work and its other
   * statements. The checks before any write are `post`'s.
   *
   * Nothing can be done after COMMIT, so what the ordinary posting answers and then handles aborts the transaction
   * here instead, and the caller runs the transaction again with `posting`: a stale kept attribute, a bounded
   * account with a later posting (see `post`), an entry whose key exists (a replay or a conflict, decided by
   * `posting`). `transaction()` throws a `PostingRetry` for them, and LEDGER_LIMIT_EXCEEDED for a
   * bound the entry would break, as `post` does.
   *
   * Undefined when the caller must use `posting` at once: the transaction cannot send with COMMIT (not opened by
   * `transaction()`, pipelining off, in a savepoint), or the entry takes a bounded account down on a value date
   * before today (it may be back-dated, and the check of every later date comes first).
   */
  async postingAtCommit(manager: EntityManager, input: EntryInput): Promise<AtCommitPosting | undefined> {
    if (!canSendWithCommit(manager)) return undefined;
    const { accountRows, entryRow } = await this.prepare(manager, input);
    const batch = postingBatch(input, new Map(accountRows.map((a) => [a.code, a])));
    const boundedDown = accountRows.some((a) => a.no_negative && batch.net.get(a.id)!.delta < 0n);
    const today = this.clock?.today(this.config?.BUSINESS_TIMEZONE);
    // no entry is dated after today, so one dated today is not back-dated for any account
    if (boundedDown && (today === undefined || input.valueDate < today)) return undefined;
    return {
      insert: () =>
        this.store.insertEntry(manager, entryRow).then((id) => {
          if (id === null) throw new PostingRetry(`journal entry ${input.idempotencyKey} exists`);
          return id;
        }),
      applyWithCommit: (entryId) => {
        const sent = sendAtCommit(manager, () =>
          this.store
            .applyPostingsAtCommit(manager, { ...batch.rows, entryId, guardBackDated: boundedDown })
            .catch((e: unknown) => {
              throw this.refusalOf(e, batch.net, accountRows);
            }),
        );
        // canSendWithCommit said yes, and a transaction does not leave its savepoints or end while its work runs
        if (!sent) throw new Error(`ledger post of ${input.idempotencyKey}: cannot be sent with COMMIT`);
      },
    };
  }

  /** `post`'s checks before any write, the accounts' kept attributes, and the journal row. */
  private async prepare(manager: EntityManager, input: EntryInput, reversalOf?: string) {
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
    if (!/^\d{4}-\d{2}-\d{2}$/.test(input.valueDate) || Number.isNaN(Date.parse(`${input.valueDate}T00:00:00Z`))) {
      throw new DomainError('VALIDATION_FAILED', `value date ${input.valueDate} is not a date (YYYY-MM-DD)`, [
        { field: 'valueDate', message: 'must be a date (YYYY-MM-DD)' },
      ]);
    }
    if (this.clock) {
      const today = this.clock.today(this.config?.BUSINESS_TIMEZONE);
      if (input.valueDate > today) {
        throw new DomainError('LEDGER_VALUE_DATE_IN_FUTURE', `value date ${input.valueDate} is after today (${today})`, [
          { field: 'valueDate', code: 'DATE_IN_FUTURE', message: `may not be after today (${today})` },
        ]);
      }
    }
    const codes = [...new Set(input.lines.map((l) => l.account))];
    // Code, currency, ledger, normal side and bound never change after an account is opened: kept by this process
    // (no round trip on most entries), checked under the posting statement's lock, read afresh once if stale.
    const accountRows = await this.attributesOf(manager, codes);
    refuseUnbalanced(input, accountRows);
    const contentHash = sha256(
      canonicalJson({
        code: input.code,
        // the hash keeps its original field name, so entries posted before the rename still replay
        businessDate: input.valueDate,
        reversalOf: reversalOf ?? null,
        lines: input.lines.map((l) => [l.account, l.side, l.amountFen.toString()]),
      }),
    );
    const actor = RequestContext.actor()?.username ?? 'system';
    const entryRow = {
      idempotency_key: input.idempotencyKey,
      content_hash: contentHash,
      code: input.code,
      business_date: input.valueDate,
      actor,
      memo: input.memo ?? null,
      reversal_of: reversalOf ?? null,
      request_id: RequestContext.requestId() ?? null,
    };
    return { codes, accountRows, contentHash, entryRow };
  }

  /** The posting statement (sent before the first await), then what its answer calls for: see `post`. */
  private async apply(
    manager: EntityManager,
    input: EntryInput,
    codes: string[],
    accountRows: AccountAttributes[],
    contentHash: string,
    entryRow: NewJournalEntryRow,
  ): Promise<PostedEntry> {
    /** the entry's id once inserted (the first statement inserts it and applies its postings, one round trip) */
    let entryId: string | undefined;

    let net = new Map<string, { d: bigint; c: bigint; delta: bigint }>();
    try {
      let result: { accounts: number; postings: number; backDated: boolean; stale: boolean } | undefined;
      for (let attempt = 0; ; attempt++) {
        const accounts = new Map(accountRows.map((a) => [a.code, a]));
        const batch = postingBatch(input, accounts);
        net = batch.net;
        // The bounded accounts this entry takes down: only they can make a later date's balance negative. Whether
        // the entry is back-dated for one of them is decided under the statement's lock (`backDated`).
        const boundedDown = accountRows.filter((a) => a.no_negative && net.get(a.id)!.delta < 0n);
        const rows = { ...batch.rows, guardBackDated: boundedDown.length > 0 };
        if (entryId === undefined) {
          const first = await this.store.insertEntryAndApply(manager, entryRow, rows);
          if (first.entryId === null) {
            // An entry with this key exists: nothing was locked or written. The same content is a replay.
            const existing = (await this.store.entryByKey(manager, input.idempotencyKey))!;
            if (existing.content_hash !== contentHash) {
              throw new DomainError(
                'LEDGER_ENTRY_CONFLICT',
                `journal entry ${input.idempotencyKey} already exists with different content`,
              );
            }
            return { entryId: existing.id, replayed: true };
          }
          entryId = first.entryId;
          result = first;
        } else {
          result = await this.store.applyPostings(manager, { ...rows, entryId });
        }
        if (result.stale) {
          // A kept attribute no longer names the account of its code: nothing was applied; read them afresh.
          if (attempt > 0) throw new Error(`ledger post of ${input.idempotencyKey}: accounts changed while posting`);
          for (const c of codes) this.attributes.delete(c);
          accountRows = await this.attributesOf(manager, codes);
          refuseUnbalanced(input, accountRows);
          continue;
        }
        if (result.backDated) {
          await this.checkEveryDate(manager, input, batch.rows.accountIds, boundedDown, net);
          // Every account is locked by this transaction now: the statement re-locks them without waiting.
          result = await this.store.applyPostings(manager, { ...rows, entryId, guardBackDated: false });
        }
        break;
      }
      if (result.accounts !== net.size || result.postings !== input.lines.length) {
        // Cannot happen while every account exists (checked above, and accounts are never deleted); refuse loudly.
        throw new Error(
          `ledger post of ${input.idempotencyKey} wrote ${result.accounts} balances and ${result.postings} postings`,
        );
      }
    } catch (e) {
      throw this.refusalOf(e, net, accountRows);
    }
    return { entryId, replayed: false };
  }

  /**
   * What a failed posting statement is thrown as: LEDGER_LIMIT_EXCEEDED naming the bounded account for the bound's
   * CHECK, a PostingRetry for `ledger_retry` (postingAtCommit), anything else as it came.
   */
  private refusalOf(
    e: unknown,
    net: Map<string, { d: bigint; c: bigint; delta: bigint }>,
    accountRows: AccountAttributes[],
  ): unknown {
    if (e instanceof DomainError) return e;
    const err = e as {
      code?: string;
      constraint?: string;
      message?: string;
      driverError?: { code?: string; constraint?: string };
    };
    const code = err.code ?? err.driverError?.code;
    const constraint = err.constraint ?? err.driverError?.constraint;
    if (code === '40001' && constraint === 'ledger_apply_at_commit') return new PostingRetry(err.message ?? 'retry');
    if (code === '23514' && constraint === 'ledger_accounts_no_negative') {
      // The bounded accounts this entry takes down; one of them would have gone below zero.
      const bounded = [...net].filter(([id, n]) => n.delta < 0n && accountRows.find((a) => a.id === id)?.no_negative);
      const names = bounded.map(
        ([id, n]) => `${accountRows.find((a) => a.id === id)!.code} (change ${formatYuan(n.delta)})`,
      );
      return new DomainError(
        'LEDGER_LIMIT_EXCEEDED',
        `${names.length === 1 ? 'account' : 'one of the accounts'} ${names.join(', ')} may not go below zero`,
        [],
        {
          account: bounded.length === 1 ? accountRows.find((a) => a.id === bounded[0][0])!.code : undefined,
        },
      );
    }
    return e;
  }

  /**
   * The fixed attributes of the accounts of `codes`, from this process's copy where it has them (read and kept
   * otherwise). Refuses an unknown code. Only committed, unchanging facts are kept: a code's attributes are the same
   * in every transaction once the account exists, and a kept id that no longer names its code is caught by the
   * posting statement (`stale`).
   */
  private async attributesOf(manager: EntityManager, codes: string[]): Promise<AccountAttributes[]> {
    const missing = codes.filter((c) => !this.attributes.has(c));
    if (missing.length) {
      for (const a of await this.store.accountAttributes(manager, missing)) this.attributes.set(a.code, a);
    }
    const unknown = codes.filter((c) => !this.attributes.has(c));
    if (unknown.length) {
      throw new DomainError('LEDGER_ACCOUNT_NOT_FOUND', `unknown ledger account(s): ${unknown.join(', ')}`);
    }
    return codes.map((c) => this.attributes.get(c)!);
  }

  /**
   * The value-dated bound of a back-dated entry: locks ALL the entry's accounts in id order (the order of every
   * writer, so this never deadlocks), then, for each bounded account it takes down that has postings dated after
   * the value date, checks the balance of every date from the value date on with the entry's change. The first date
   * that would go negative is refused, naming the date and the shortfall; the caller's transaction is aborted first
   * (the journal row is already inserted and the journal is append-only).
   */
  private async checkEveryDate(
    manager: EntityManager,
    input: EntryInput,
    ids: string[],
    boundedDown: AccountAttributes[],
    net: Map<string, { delta: bigint }>,
  ): Promise<void> {
    const locked = new Map((await this.store.lockAccounts(manager, ids)).map((a) => [a.id, a]));
    const toCheck = boundedDown.filter((a) => {
      const last = locked.get(a.id)?.last_value_date;
      return last !== null && last !== undefined && last > input.valueDate;
    });
    if (!toCheck.length) return;
    const changes = new Map<string, DatedChange[]>();
    for (const c of await this.store.changesAfter(manager, toCheck.map((a) => a.id), input.valueDate)) {
      const list = changes.get(c.account_id) ?? [];
      list.push({ date: c.date, deltaFen: BigInt(c.delta_fen) });
      changes.set(c.account_id, list);
    }
    const failures: { field: string; message: string; account: string; date: string; shortfall: string }[] = [];
    for (const a of toCheck) {
      const later = changes.get(a.id) ?? [];
      const opening = balanceAsOf(BigInt(locked.get(a.id)!.balance_fen), later);
      const failure = firstNegativeDate(input.valueDate, opening, net.get(a.id)!.delta, later);
      if (failure) {
        failures.push({
          field: 'valueDate',
          account: a.code,
          date: failure.date,
          shortfall: formatYuan(failure.shortfallFen),
          message: `account ${a.code} would be ${formatYuan(-failure.shortfallFen)} on ${failure.date}`,
        });
      }
    }
    if (!failures.length) return;
    const first = failures.reduce((a, b) => (b.date < a.date ? b : a));
    const detail =
      `account ${first.account} may not go below zero at any value date: with this entry dated ${input.valueDate} ` +
      `it would be short by ${first.shortfall} on ${first.date}`;
    try {
      await this.store.refuse(manager, detail);
    } catch {
      // expected: the transaction is aborted, so nothing of this entry can be committed
    }
    throw new DomainError(
      'LEDGER_LIMIT_EXCEEDED',
      detail,
      failures.map((f) => ({ field: f.field, message: f.message })),
      { account: first.account, date: first.date, shortfall: first.shortfall, failures },
    );
  }

  /** Posts the mirror image of an entry (corrections are new entries, never edits). An entry reverses once. */
  async reverse(
    manager: EntityManager,
    entryId: string,
    opts: { idempotencyKey: string; valueDate: string; memo?: string; code?: JournalEntryCode },
  ): Promise<PostedEntry> {
    const entry = await this.store.entryCode(manager, entryId);
    if (!entry) throw new DomainError('NOT_FOUND', `journal entry ${entryId} not found`);
    const already = await this.store.reversalOf(manager, entryId);
    if (already && already.idempotency_key !== opts.idempotencyKey) {
      throw new DomainError(
        'LEDGER_ALREADY_REVERSED',
        `journal entry ${entryId} was already reversed by entry ${already.id}`,
      );
    }
    const postings = await this.store.postingsForReversal(manager, entryId);
    return this.post(
      manager,
      {
        idempotencyKey: opts.idempotencyKey,
        code: opts.code ?? (`REVERSAL_OF_${entry.code}` as const),
        valueDate: opts.valueDate,
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
    const counts = await this.store.counts(m);
    const balanceMismatches = await this.store.balanceMismatches(m);
    const runningBalanceMismatches = await this.store.runningBalanceMismatches(m);
    const unbalancedEntries = await this.store.unbalancedEntries(m);
    const totals = await this.store.totals(m);
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
    const { rows, total } = await this.store.listAccounts(this.dataSource.manager, filter, page);
    return { items: rows.map(toBalance), page: page.page, pageSize: page.pageSize, total };
  }

  /** Postings of one account with the running balance after each, newest last, paginated. */
  async statement(code: string, page: PageQuery, from?: string, to?: string) {
    const account = await this.account(null, code);
    if (!account) throw new DomainError('NOT_FOUND', `ledger account ${code} not found`);
    const { rows, total } = await this.store.statement(this.dataSource.manager, account.id, page, from, to);
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
    const e = await this.store.entryView(this.dataSource.manager, entryId);
    if (!e) throw new DomainError('NOT_FOUND', `journal entry ${entryId} not found`);
    const postings = await this.store.entryPostings(this.dataSource.manager, entryId);
    return {
      ...e,
      postings: postings.map((p) => ({
        account: p.account,
        side: p.side,
        amount: formatYuan(BigInt(p.amount_fen)),
        currency: p.currency,
        ledger: p.ledger,
      })),
    };
  }
}
