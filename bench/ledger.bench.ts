import 'reflect-metadata';
import os from 'node:os';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions, transaction } from '#libs/common';
import { LedgerService, type EntryInput } from '#libs/ledger';
import { databaseName, dropDatabase, withDatabase } from '../scripts/db-admin.js';
import { migrate } from '../scripts/migrate.js';

/**
 * `npm run bench:ledger`: two-line journal entries posted by concurrent clients through LedgerService (one
 * transaction each, opened by `transaction()` as the services open theirs), beside a same-run baseline of the same
 * inserts and updates written as plain SQL with pg. Two scenarios: entries spread over many accounts, and every entry
 * touching one hot account (the lock everybody queues on, like a fund's cash account); two ways of posting: `post`,
 * and `postingAtCommit` as a repayment posts. The figure is the ratio ledger / plain: at least 0.5 when the ledger was
 * built, 0.8 since the served-path round asked for it (the target printed).
 *
 * Environment: BENCH_SECONDS (per case, default 5), BENCH_CLIENTS (default 8), BENCH_ACCOUNTS (default 200),
 * DATABASE_URL (the server; the bench creates and drops a scratch database of its own).
 */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
/** ledger / plain SQL, each case */
const TARGET = 0.8;
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 200);
const WARMUP_SECONDS = 1;
const BUSINESS_DATE = '2026-01-15';

type Scenario = 'spread' | 'hot';

interface CaseResult {
  entries: number;
  errors: number;
  seconds: number;
  perSecond: number;
  /** CPU time this Node process spent per entry (the client-side cost: driver, ORM, hashing). */
  cpuMicrosPerEntry: number;
}

/** `clients` loops posting until the deadline; counts committed entries and failures. */
async function drive(clients: number, seconds: number, post: (client: number, n: number) => Promise<void>): Promise<CaseResult> {
  const deadline = Date.now() + seconds * 1000;
  let entries = 0;
  let errors = 0;
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let n = 0; Date.now() < deadline; n++) {
        try {
          await post(client, n);
          entries++;
        } catch (e) {
          errors++;
          if (errors <= 3) console.error(`  error: ${(e as Error).message}`);
        }
      }
    }),
  );
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  return {
    entries,
    errors,
    seconds: elapsed,
    perSecond: entries / elapsed,
    cpuMicrosPerEntry: entries ? (used.user + used.system) / entries : 0,
  };
}

/** Deterministic pseudo-random picks (so both sides of a comparison see the same account pattern). */
function picker(seed: number) {
  let x = seed >>> 0 || 1;
  return (n: number) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

/** Two distinct accounts for an entry: any two of the pool, or the hot account and one of the pool. */
function pair(scenario: Scenario, pick: (n: number) => number, pool: string[], hot: string): [string, string] {
  if (scenario === 'hot') return [hot, pool[pick(pool.length)]];
  const a = pick(pool.length);
  let b = pick(pool.length - 1);
  if (b >= a) b++;
  return [pool[a], pool[b]];
}

async function main(): Promise<void> {
  const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/mutual_aid';
  const name = `mae_bench_${process.pid}`;
  const url = withDatabase(server, name);
  console.log(`ledger bench: ${CLIENTS} clients, ${SECONDS} s per case (in alternating slices), ${ACCOUNTS} accounts per pool, ${os.cpus().length} CPUs`);
  await dropDatabase(server, name);
  await migrate(url, { quiet: true });
  const ds = new DataSource(buildDataSourceOptions({ url, poolSize: CLIENTS, applicationName: 'bench-ledger' }));
  await ds.initialize();
  const pool = new pg.Pool({ connectionString: url, max: CLIENTS, application_name: 'bench-plain' });
  // Dropping the scratch database at the end terminates idle connections; that is expected, not a failure.
  pool.on('error', () => undefined);
  const ledger = new LedgerService(ds);
  try {
    const [{ version }] = (await ds.query(`SELECT current_setting('server_version') AS version`)) as { version: string }[];
    console.log(`PostgreSQL ${version}, Node ${process.version}, database ${databaseName(url)} (dropped afterwards)\n`);

    // Separate accounts per side and scenario, so each case starts from the same shape of data.
    const accounts = async (label: string) => {
      const codes: string[] = [];
      await ds.transaction(async (m) => {
        for (let i = 0; i < ACCOUNTS; i++) {
          const code = `BENCH:${label}:${i}`;
          await ledger.openAccount(m, { code, name: code, type: 'ASSET' });
          codes.push(code);
        }
        await ledger.openAccount(m, { code: `BENCH:${label}:HOT`, name: 'hot cash', type: 'ASSET' });
      });
      const rows = (await ds.query(`SELECT id, code FROM ledger_accounts WHERE code LIKE $1`, [`BENCH:${label}:%`])) as {
        id: string;
        code: string;
      }[];
      return { codes, hot: `BENCH:${label}:HOT`, ids: new Map(rows.map((r) => [r.code, r.id])) };
    };

    type Accounts = Awaited<ReturnType<typeof accounts>>;
    const ledgerCase = async (scenario: Scenario, acc: Accounts, label: string, seconds: number, atCommit = false) => {
      return drive(CLIENTS, seconds, async (client, n) => {
        const pick = picker((client + 1) * 7919 + n);
        const [debit, credit] = pair(scenario, pick, acc.codes, acc.hot);
        const amountFen = BigInt(1 + pick(100_000));
        const entry: EntryInput = {
          idempotencyKey: `${label}:${client}:${n}`,
          code: 'BENCH_TRANSFER',
          valueDate: BUSINESS_DATE,
          lines: [
            { account: debit, side: 'DEBIT', amountFen },
            { account: credit, side: 'CREDIT', amountFen },
          ],
        };
        if (!atCommit) {
          await transaction(ds, (m) => ledger.post(m, entry));
          return;
        }
        // as a repayment posts: the entry inserted first, its postings applied in the same write as COMMIT
        await transaction(ds, async (m) => {
          const applying = await ledger.postingAtCommit(m, entry);
          if (!applying) throw new Error('postingAtCommit was not offered');
          applying.applyWithCommit(await applying.insert());
        });
      });
    };

    /**
     * The baseline: the same rows written with plain SQL and no checks (no idempotency replay check, no balance
     * check, no bounds): BEGIN; INSERT the entry; UPDATE each account (in id order, as any correct concurrent code
     * must, to avoid deadlocks); INSERT the postings with their running balances; COMMIT.
     */
    const plainCase = async (scenario: Scenario, acc: Accounts, label: string, seconds: number) => {
      return drive(CLIENTS, seconds, async (client, n) => {
        const pick = picker((client + 1) * 7919 + n);
        const [debit, credit] = pair(scenario, pick, acc.codes, acc.hot);
        const amount = String(1 + pick(100_000));
        const debitId = acc.ids.get(debit)!;
        const creditId = acc.ids.get(credit)!;
        const c = await pool.connect();
        try {
          await c.query('BEGIN');
          const {
            rows: [entry],
          } = await c.query(
            `INSERT INTO journal_entries (idempotency_key, content_hash, code, business_date, actor)
             VALUES ($1, '-', 'BENCH_TRANSFER', $2, 'bench') RETURNING id`,
            [`${label}:${client}:${n}`, BUSINESS_DATE],
          );
          const after = new Map<string, string>();
          const ordered = BigInt(debitId) < BigInt(creditId) ? [debitId, creditId] : [creditId, debitId];
          for (const id of ordered) {
            const isDebit = id === debitId;
            const {
              rows: [row],
            } = await c.query(
              isDebit
                ? `UPDATE ledger_accounts SET debits_fen = debits_fen + $2, balance_fen = balance_fen + $2 WHERE id = $1 RETURNING balance_fen`
                : `UPDATE ledger_accounts SET credits_fen = credits_fen + $2, balance_fen = balance_fen - $2 WHERE id = $1 RETURNING balance_fen`,
              [id, amount],
            );
            after.set(id, row.balance_fen);
          }
          await c.query(
            `INSERT INTO ledger_postings (entry_id, account_id, side, amount_fen, currency, ledger, balance_after_fen)
             VALUES ($1, $2, 'DEBIT', $4, 'CNY', 'MONEY', $5), ($1, $3, 'CREDIT', $4, 'CNY', 'MONEY', $6)`,
            [entry.id, debitId, creditId, amount, after.get(debitId), after.get(creditId)],
          );
          await c.query('COMMIT');
        } catch (e) {
          await c.query('ROLLBACK').catch(() => undefined);
          throw e;
        } finally {
          c.release();
        }
      });
    };

    /**
     * The sides run in alternating slices (ROUNDS of each, the order rotated every round) rather than one after the
     * other, so all see the same background load on a shared machine and the ratios stay meaningful. Two ways of
     * posting are measured: `post` (the entry inserted and applied in one statement, then COMMIT), and
     * `postingAtCommit` as a repayment posts (the entry inserted, its postings applied in the same write as COMMIT:
     * the accounts are locked by the last write alone).
     */
    const ROUNDS = 5;
    const add = (a: CaseResult | null, b: CaseResult): CaseResult => {
      if (!a) return b;
      const entries = a.entries + b.entries;
      const seconds = a.seconds + b.seconds;
      const cpu = a.cpuMicrosPerEntry * a.entries + b.cpuMicrosPerEntry * b.entries;
      return { entries, errors: a.errors + b.errors, seconds, perSecond: entries / seconds, cpuMicrosPerEntry: entries ? cpu / entries : 0 };
    };
    const MODES = [
      { name: 'LedgerService.post', atCommit: false },
      { name: 'postingAtCommit', atCommit: true },
    ];
    const rows: { scenario: string; mode: string; ledger: CaseResult; plain: CaseResult }[] = [];
    for (const [scenario, title] of [
      ['spread', `spread over ${ACCOUNTS} accounts`],
      ['hot', 'one hot account'],
    ] as [Scenario, string][]) {
      const plainAccounts = await accounts(`plain-${scenario}`);
      const modeAccounts: Accounts[] = [];
      for (const [i, mode] of MODES.entries()) {
        modeAccounts.push(await accounts(`ledger${i}-${scenario}`));
        await ledgerCase(scenario, modeAccounts[i], `warm-ledger${i}-${scenario}`, WARMUP_SECONDS, mode.atCommit);
      }
      await plainCase(scenario, plainAccounts, `warm-plain-${scenario}`, WARMUP_SECONDS);
      let plain: CaseResult | null = null;
      const led: (CaseResult | null)[] = MODES.map(() => null);
      for (let round = 0; round < ROUNDS; round++) {
        const slice = SECONDS / ROUNDS;
        const sides = [
          async () => (plain = add(plain, await plainCase(scenario, plainAccounts, `plain-${scenario}-${round}`, slice))),
          ...MODES.map(
            (mode, i) => async () =>
              (led[i] = add(
                led[i],
                await ledgerCase(scenario, modeAccounts[i], `ledger${i}-${scenario}-${round}`, slice, mode.atCommit),
              )),
          ),
        ];
        for (let k = 0; k < sides.length; k++) await sides[(round + k) % sides.length]();
      }
      for (const [i, mode] of MODES.entries()) rows.push({ scenario: title, mode: mode.name, ledger: led[i]!, plain: plain! });
    }

    const fmt = (n: number) => n.toFixed(0).padStart(7);
    console.log(
      `${'case'.padEnd(26)} ${'ledger'.padEnd(18)} ${'entries/s'.padStart(9)} ${'plain SQL'.padStart(10)} ${'ratio'.padStart(6)}   client CPU µs/entry (ledger / plain)`,
    );
    for (const r of rows) {
      console.log(
        `${r.scenario.padEnd(26)} ${r.mode.padEnd(18)} ${fmt(r.ledger.perSecond).padStart(9)} ${fmt(r.plain.perSecond).padStart(8)}/s ${(r.ledger.perSecond / r.plain.perSecond).toFixed(2).padStart(6)}   ${r.ledger.cpuMicrosPerEntry.toFixed(0)} / ${r.plain.cpuMicrosPerEntry.toFixed(0)}`,
      );
    }
    const errors = rows.reduce((s, r) => s + r.ledger.errors + r.plain.errors, 0);
    const report = await ledger.verify();
    console.log(
      `\nledger verify after ${report.entries} entries / ${report.postings} postings: ${report.ok ? 'ok' : 'FAILED'}; errors: ${errors}`,
    );
    for (const mode of MODES) {
      const worst = Math.min(...rows.filter((r) => r.mode === mode.name).map((r) => r.ledger.perSecond / r.plain.perSecond));
      console.log(
        `${mode.name}: worst ratio ${worst.toFixed(2)} (target ≥ ${TARGET.toFixed(2)}): ${worst >= TARGET ? 'met' : 'NOT met'}`,
      );
    }
    if (!report.ok || errors > 0) process.exitCode = 1;
  } finally {
    await pool.end();
    await ds.destroy();
    await dropDatabase(server, name);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
