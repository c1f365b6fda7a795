import 'reflect-metadata';
import { createReadStream, createWriteStream } from 'node:fs';
import { appendFile, stat, unlink } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { DataSource } from 'typeorm';
import { AuditService } from '#libs/audit';
import { buildDataSourceOptions } from '#libs/common';
import { readStatement, ReconciliationService, ReconciliationStore } from '#libs/reconciliation';
import { databaseName, dropDatabase, withDatabase } from '../scripts/db-admin.js';
import { migrate } from '../scripts/migrate.js';

/**
 * `npm run bench:reconcile`: a bank statement of BENCH_ROWS (default 100,000) covered loans against as many engine
 * loans in a scratch database, reconciled end to end by ReconciliationService.upload (spool + hash, one read of
 * the engine's book, line-by-line parse and comparison, matched lines stored by chunk, the rest as rows, summary,
 * one transaction). Beside it, a same-run baseline: only reading and validating the same file (no database).
 * Prints rows/s, this process's CPU time (the machine may be shared: CPU time says what wall time cannot) and the
 * peak RSS of each phase (sampled every 5 ms, plus the kernel's max RSS), so a run that held every row in memory
 * would show it.
 *
 * The two are measured in BENCH_REPEATS (default 5) alternating pairs, each reconcile a new run (the file a blank line
 * longer each time), and the medians printed: one pair swings by a tenth on a shared machine.
 *
 * Environment: BENCH_ROWS, BENCH_REPEATS, DATABASE_URL (the server; the bench creates and drops its own database), BENCH_KEEP_DB=1
 * (keep that database for inspection).
 */
const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const REPEATS = Math.max(1, Number(process.env.BENCH_REPEATS ?? 5));
const AS_OF = '2026-03-31';

/** The statement's deliberate differences, so the result can be checked, not just timed. */
const isAmountDiff = (i: number) => i % 1000 === 0;
const isStatusDiff = (i: number) => i % 777 === 0 && !isAmountDiff(i);
const isMalformed = (i: number) => i % 5000 === 1;
const isMissingFromFile = (i: number) => i % 20000 === 2;
const BANK_ONLY = 50;
const ref = (i: number) => `ZB${String(i).padStart(9, '0')}`;
const outstandingFen = (i: number) => 1_000_000 + ((i * 37) % 4_000_000);
const yuanText = (fen: number) => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;

function expected() {
  let matched = 0;
  let amount = 0;
  let status = 0;
  let malformed = 0;
  let onlyEngine = 0;
  for (let i = 1; i <= ROWS; i++) {
    if (isMissingFromFile(i)) onlyEngine++;
    else if (isMalformed(i)) {
      malformed++;
      onlyEngine++;
    } else if (isAmountDiff(i)) amount++;
    else if (isStatusDiff(i)) status++;
    else matched++;
  }
  return { matched, amount, status, malformed, onlyEngine, onlyBank: BANK_ONLY };
}

async function writeStatement(path: string): Promise<number> {
  const out = createWriteStream(path);
  let lines = 0;
  const write = async (line: string) => {
    lines++;
    if (!out.write(line + '\n')) await once(out, 'drain');
  };
  await write('bank_loan_ref,outstanding_principal,overdue_principal,overdue_days,status,as_of_date');
  for (let i = 1; i <= ROWS; i++) {
    if (isMissingFromFile(i)) continue;
    if (isMalformed(i)) {
      await write(`${ref(i)},${yuanText(outstandingFen(i))}x,0.00,0,NORMAL,${AS_OF}`);
      continue;
    }
    const fen = outstandingFen(i) + (isAmountDiff(i) ? 1 : 0);
    const overdue = i % 50 === 0;
    const status = isStatusDiff(i) ? (overdue ? 'NORMAL' : 'OVERDUE') : overdue ? 'OVERDUE' : 'NORMAL';
    await write(`${ref(i)},${yuanText(fen)},0.00,${overdue ? 35 : 0},${status},${AS_OF}`);
  }
  for (let j = 1; j <= BANK_ONLY; j++)
    await write(`XB${String(j).padStart(9, '0')},100.00,0.00,0,NORMAL,${AS_OF}`);
  out.end();
  await once(out, 'finish');
  return lines;
}

/** Samples RSS every 5 ms while `work` runs; returns its peak and the RSS it started from. */
async function measured<T>(work: () => Promise<T>): Promise<{
  result: T;
  seconds: number;
  cpuSeconds: number;
  startRss: number;
  peakRss: number;
  peakHeap: number;
}> {
  global.gc?.();
  const startRss = process.memoryUsage().rss;
  let peakRss = startRss;
  let peakHeap = process.memoryUsage().heapUsed;
  const sample = () => {
    const m = process.memoryUsage();
    if (m.rss > peakRss) peakRss = m.rss;
    if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
  };
  const timer = setInterval(sample, 5);
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  try {
    const result = await work();
    sample();
    const used = process.cpuUsage(cpu);
    return {
      result,
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
      cpuSeconds: (used.user + used.system) / 1e6,
      startRss,
      peakRss,
      peakHeap,
    };
  } finally {
    clearInterval(timer);
  }
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function main(): Promise<void> {
  const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/mutual_aid';
  const name = `mae_bench_recon_${process.pid}`;
  const url = withDatabase(server, name);
  const file = join(os.tmpdir(), `mae-bench-statement-${process.pid}.csv`);
  console.log(
    `reconcile bench: ${ROWS} statement rows against ${ROWS} engine loans, ${os.cpus().length} CPUs`,
  );
  await dropDatabase(server, name);
  await migrate(url, { quiet: true });
  const ds = new DataSource(buildDataSourceOptions({ url, poolSize: 4, applicationName: 'bench-reconcile' }));
  await ds.initialize();
  try {
    const [{ version }] = (await ds.query(`SELECT current_setting('server_version') AS version`)) as {
      version: string;
    }[];
    console.log(
      `PostgreSQL ${version}, Node ${process.version}, database ${databaseName(url)} (dropped afterwards)`,
    );

    // The engine's book: one district, one household, one product version, ROWS covered loans of one bank.
    const [bank] = (await ds.query(
      `INSERT INTO banks (code, name) VALUES ('BENCH', 'Bench bank') RETURNING id`,
    )) as { id: string }[];
    const [d] = (await ds.query(
      `INSERT INTO districts (code, name) VALUES ('B00001', 'Bench district') RETURNING id`,
    )) as { id: string }[];
    const [t] = (await ds.query(
      `INSERT INTO towns (district_id, code, name) VALUES ($1, 'B00001001', 'Bench town') RETURNING id`,
      [d.id],
    )) as { id: string }[];
    const [v] = (await ds.query(
      `INSERT INTO villages (town_id, district_id, code, name) VALUES ($1, $2, 'B00001001001', 'Bench village') RETURNING id`,
      [t.id, d.id],
    )) as { id: string }[];
    const [h] = (await ds.query(
      `INSERT INTO households (village_id, head_name, id_number, birth_date, member_count, per_capita_income_fen, income_year, status, derived_status)
       VALUES ($1, 'Bench', '37030219800101001X', '1980-01-01', 3, 250000, 2025, 'POOR', 'POOR') RETURNING id`,
      [v.id],
    )) as { id: string }[];
    const [p] = (await ds.query(
      `INSERT INTO products (code, kind, name) VALUES ('BENCH', 'HOUSEHOLD_MICROCREDIT', 'Bench') RETURNING id`,
    )) as { id: string }[];
    const [pv] = (await ds.query(
      `INSERT INTO product_versions (product_id, version, name, min_principal_fen, max_principal_fen, min_term_months, max_term_months,
                                     method, frequency, day_count, rate_source, created_by)
       VALUES ($1, 1, 'Bench', 100, 5000000, 1, 36, 'EQUAL_INSTALLMENT', 'MONTHLY', 'PERIOD', 'BENCHMARK', 'bench') RETURNING id`,
      [p.id],
    )) as { id: string }[];
    const seeded = await measured(() =>
      ds.query(
        `INSERT INTO loans (loan_no, channel, product_version_id, borrower_type, household_id, district_id, village_id, bank_id, bank_loan_ref,
                            principal_fen, term_months, purpose, method, frequency, day_count, rounding, status, outstanding_principal_fen,
                            days_overdue, created_by)
         SELECT 'BENCH-' || i, 'BANK_COVERED', $1, 'HOUSEHOLD', $2, $3, $4, $5, 'ZB' || lpad(i::text, 9, '0'),
                5000000, 12, 'bench', 'EQUAL_INSTALLMENT', 'MONTHLY', 'PERIOD', 'HALF_UP', 'DISBURSED', 1000000 + (i * 37) % 4000000,
                CASE WHEN i % 50 = 0 THEN 35 ELSE 0 END, 'bench'
           FROM generate_series(1, $6::int) i`,
        [pv.id, h.id, d.id, v.id, bank.id, ROWS],
      ),
    );
    const lines = await writeStatement(file);
    const size = (await stat(file)).size;
    // As a book that has been there a while: visited by autovacuum (hint bits set, statistics taken), not read for
    // the first time by the run being measured.
    await ds.query(`VACUUM (ANALYZE) loans`);
    console.log(
      `engine loans seeded in ${seeded.seconds.toFixed(1)} s; statement ${lines} lines, ${mb(size)}; ` +
        `${REPEATS} alternating pairs (parse only, then reconcile)\n`,
    );

    const recon = new ReconciliationService(ds, new AuditService(ds), new ReconciliationStore(ds));
    const dataRows = lines - 1;
    const row = (
      label: string,
      m: { seconds: number; cpuSeconds: number; startRss: number; peakRss: number; peakHeap: number },
    ) =>
      console.log(
        `${label.padEnd(44)} ${(dataRows / m.seconds).toFixed(0).padStart(8)} rows/s  ${m.seconds.toFixed(2).padStart(6)} s (this process's CPU ${m.cpuSeconds.toFixed(2)} s)   peak RSS ${mb(m.peakRss).padStart(9)} (+${mb(m.peakRss - m.startRss)})   peak heap ${mb(m.peakHeap)}`,
      );
    const e = expected();
    let ok = true;
    const pairs: {
      parse: Awaited<ReturnType<typeof measured>>;
      run: Awaited<ReturnType<typeof measured>>;
    }[] = [];
    let last: Awaited<ReturnType<ReconciliationService['upload']>> | undefined;
    for (let k = 0; k < REPEATS; k++) {
      // each repetition a statement of its own to the database (k blank lines at its end, which a reader skips), so
      // every upload is a new run, not the replay of an earlier one
      if (k > 0) await appendFile(file, '\n');
      // Baseline: read and validate the same file, nothing else.
      const parse = await measured(async () => {
        let rows = 0;
        for await (const item of readStatement(file, 'CSV', AS_OF))
          if (item.kind === 'row' || item.kind === 'malformed') rows++;
        return rows;
      });
      const run = await measured(() =>
        recon.upload({ bankId: bank.id, asOfDate: AS_OF, format: 'CSV', body: createReadStream(file) }),
      );
      last = run.result;
      const s = run.result.run.summary;
      const got = {
        matched: s.matched.count,
        amount: s.amountDifferences.count,
        status: s.statusDifferences.count,
        malformed: s.malformed.count,
        onlyEngine: s.onlyInEngine.count,
        onlyBank: s.onlyInBank.count,
      };
      if (JSON.stringify(got) !== JSON.stringify(e) || run.result.replayed) {
        ok = false;
        console.log(
          `pair ${k + 1}: result ${JSON.stringify(got)}${run.result.replayed ? ' (a replay)' : ''}`,
        );
      }
      pairs.push({ parse, run });
      console.log(
        `pair ${k + 1}: parse only ${parse.seconds.toFixed(3)} s, reconcile ${run.seconds.toFixed(3)} s: ${(parse.seconds / run.seconds).toFixed(2)}`,
      );
    }
    const replay = await measured(() =>
      recon.upload({ bankId: bank.id, asOfDate: AS_OF, format: 'CSV', body: createReadStream(file) }),
    );
    ok &&= replay.result.replayed && replay.result.run.id === last!.run.id;

    const median = <T>(xs: T[], by: (x: T) => number) =>
      [...xs].sort((a, b) => by(a) - by(b))[xs.length >> 1];
    const ratios = pairs.map((p) => p.parse.seconds / p.run.seconds).sort((a, b) => a - b);
    console.log('\nmedians of the pairs:');
    row('baseline: read + validate the file only', median(pairs, (p) => p.parse.seconds).parse);
    row('reconcile: spool, parse, compare, store', median(pairs, (p) => p.run.seconds).run);
    row('re-upload of the same file (hash, same run)', replay);
    console.log(`process max RSS (kernel high-water mark): ${mb(process.resourceUsage().maxRSS * 1024)}`);

    console.log(`\nexpected in every run ${JSON.stringify(e)}: ${ok ? 'ok' : 'MISMATCH'}`);
    console.log(
      `reconcile / parse-only throughput: ${ratios[ratios.length >> 1].toFixed(2)} (median of ${REPEATS} pairs; ` +
        `${ratios[0].toFixed(2)}–${ratios[ratios.length - 1].toFixed(2)})`,
    );
    if (!ok) process.exitCode = 1;
  } finally {
    await unlink(file).catch(() => undefined);
    await ds.destroy();
    if (process.env.BENCH_KEEP_DB === '1') console.log(`kept database ${name} (BENCH_KEEP_DB=1)`);
    else await dropDatabase(server, name);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
