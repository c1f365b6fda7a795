import 'reflect-metadata';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions, loadConfig } from '#libs/common';
import { LedgerService } from '#libs/ledger';
import { createDatabaseIfMissing, dropDatabase, withDatabase } from '../scripts/db-admin.js';
import { migrate } from '../scripts/migrate.js';
import { runSeed, SEED_STEPS } from '../scripts/seed.js';
import { buildBook, type Book } from './http/book.js';
import { replay, replayScript, WireRecorder } from './http/ceiling.js';
import { checkOnce } from './http/once.js';

/**
 * `npm run bench:http [-- --scale-out]`: the served path over HTTP. Builds a scratch database (the demo seed plus a
 * book of BENCH_FUNDS village funds, BENCH_MA_LOANS mutual-aid loans and BENCH_COVERED covered loans under one
 * district's risk fund), starts the API and the worker as `npm start` does (the compiled dist/, separate processes,
 * NODE_ENV=production), drives each case with BENCH_CONNECTIONS keep-alive clients (autocannon) for BENCH_SECONDS and
 * prints req/s, p50/p99/max, errors, SQL statements and round trips per request. In the same run: pgbench TPC-B at
 * the same number of clients on a scratch pgbench database, and a bare node:http + pg handler sending the loan read's
 * SQL.
 * Then the history case (the 10th against the 1,000th repayment of one loan), the repayments' SQL alone (the statements
 * an API process sends for them, recorded and replayed by pgbench: bench/http/ceiling.ts) and ledger verify.
 *
 * --scale-out: two API processes and two workers (BENCH_APIS / BENCH_WORKERS) against the same PostgreSQL and Redis,
 * the clients split between the APIs; afterwards the once-only checks (close of business, reminders, jobs).
 *
 * Environment: BENCH_SECONDS (60), BENCH_CONNECTIONS (16), BENCH_CASES (comma list of the cases' ids and sql-alone,
 * default all), BENCH_HISTORY
 * (1000), PGBENCH_SCALE (16), BENCH_PORT (first port, 3101), BENCH_KEEP_DB=1, DATABASE_URL, REDIS_URL.
 */
const args = process.argv.slice(2);
const scaleOut = args.includes('--scale-out');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const APIS = Number(process.env.BENCH_APIS ?? (scaleOut ? 2 : 1));
const WORKERS = Number(process.env.BENCH_WORKERS ?? (scaleOut ? 2 : 1));
const HISTORY = Number(process.env.BENCH_HISTORY ?? 1000);
const PGBENCH_SCALE = Number(process.env.PGBENCH_SCALE ?? 16);
const PORT = Number(process.env.BENCH_PORT ?? 3101);
const CASES = process.env.BENCH_CASES?.split(',').filter(Boolean);
const SIZE = {
  funds: Number(process.env.BENCH_FUNDS ?? 60),
  maLoans: Number(process.env.BENCH_MA_LOANS ?? 5000),
  coveredLoans: Number(process.env.BENCH_COVERED ?? 20000),
  spareHouseholds: Number(process.env.BENCH_SPARE ?? 8000),
};

const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = `mae_bench_http_${process.pid}`;
const pgbName = `mae_bench_pgb_${process.pid}`;
const url = withDatabase(server, dbName);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const queuePrefix = `maeb${process.pid}`;
const logDir = `/tmp/mae-bench-http-${process.pid}`;

const children: ChildProcess[] = [];
const fmt = (n: number, d = 0) =>
  n.toLocaleString('en', { minimumFractionDigits: d, maximumFractionDigits: d });

function appEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: url,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: queuePrefix,
    JWT_SECRET: jwtSecret,
    JWT_TTL_SECONDS: '7200',
    ADMIN_PASSWORD: 'admin-demo-pass',
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
    DB_QUERY_COUNT: 'true',
    // the per-address limit (6,000/min by default) would otherwise be what the benchmark measures
    API_RATE_LIMIT_PER_MINUTE: '1000000',
    ...extra,
  };
}
const jwtSecret = randomBytes(24).toString('hex');

function start(name: string, script: string, env: NodeJS.ProcessEnv): ChildProcess {
  const out = createWriteStream(`${logDir}/${name}.log`);
  const child = spawn(
    process.execPath,
    [...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []), script],
    {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  children.push(child);
  return child;
}

async function waitFor(urlToProbe: string, child: ChildProcess, what: string): Promise<void> {
  for (let i = 0; i < 240; i++) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode} (log in ${logDir})`);
    try {
      const r = await fetch(urlToProbe);
      if (r.ok || r.status === 404) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${what} did not answer at ${urlToProbe}`);
}

function stop(c: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) return resolve();
    c.once('exit', () => resolve());
    c.kill('SIGTERM');
    setTimeout(() => (c.exitCode === null ? c.kill('SIGKILL') : undefined), 15_000).unref();
  });
}

async function stopAll(): Promise<void> {
  await Promise.all(children.map(stop));
}

const apiBase = (i: number) => `http://127.0.0.1:${PORT + i}`;

async function login(username: string, password: string): Promise<string> {
  const r = await fetch(`${apiBase(0)}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!r.ok) throw new Error(`login ${username}: ${r.status} ${await r.text()}`);
  const body = (await r.json()) as { accessToken?: string; token?: string };
  return (body.accessToken ?? body.token)!;
}

/** SQL statements sent so far by every API process, and the round trips they took (their /metrics). */
async function queriesSent(): Promise<{ statements: number; trips: number }> {
  const total = { statements: 0, trips: 0 };
  const gauge = (text: string, name: string) =>
    Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  for (let i = 0; i < APIS; i++) {
    const text = await (await fetch(`${apiBase(i)}/metrics`)).text();
    total.statements += gauge(text, 'mae_db_queries_sent');
    total.trips += gauge(text, 'mae_db_round_trips');
  }
  return total;
}

interface Figures {
  name: string;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  non2xx: number;
  statements?: number;
  /** round trips to PostgreSQL per request */
  trips?: number;
}

type Req = { method: 'GET' | 'POST'; path: string; headers: Record<string, string>; body?: string };

/** Runs one case: `connections` clients split over `bases`, each request from `next()`. */
async function drive(name: string, bases: string[], next: () => Req, seconds = SECONDS): Promise<Figures> {
  const per = Math.max(1, Math.floor(CONNECTIONS / bases.length));
  const runs = bases.map((base) =>
    autocannon({
      url: base,
      connections: per,
      duration: seconds,
      pipelining: 1,
      timeout: 30,
      requests: [{ setupRequest: (req: object) => ({ ...req, ...next() }) }],
    }),
  );
  const results = await Promise.all(runs);
  const requests = results.reduce((s, r) => s + r.requests.total, 0);
  const dur = Math.max(...results.map((r) => r.duration));
  const weighted = (f: (r: autocannon.Result) => number) =>
    results.reduce((s, r) => s + f(r) * r.requests.total, 0) / Math.max(1, requests);
  return {
    name,
    requests,
    rps: requests / dur,
    p50: weighted((r) => r.latency.p50),
    p99: Math.max(...results.map((r) => r.latency.p99)),
    max: Math.max(...results.map((r) => r.latency.max)),
    errors: results.reduce((s, r) => s + r.errors + r.timeouts, 0),
    non2xx: results.reduce((s, r) => s + r.non2xx, 0),
  };
}

/** pgbench's connection: a socket directory given as `?host=/var/run/postgresql` is where pgbench connects too, so
 * both sides of a ratio use the same transport. */
const pgbenchEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  PGHOST: new URL(server).searchParams.get('host') ?? new URL(server).hostname,
  PGPORT: new URL(server).port || '5432',
  PGUSER: decodeURIComponent(new URL(server).username) || 'postgres',
});

let pgbenchReady = false;
async function pgbench(): Promise<number> {
  await createDatabaseIfMissing(withDatabase(server, pgbName));
  const env = pgbenchEnv();
  if (!pgbenchReady) {
    const init = spawnSync('pgbench', ['-i', '-q', '-s', String(PGBENCH_SCALE), pgbName], {
      env,
      encoding: 'utf8',
    });
    if (init.status !== 0) throw new Error(`pgbench -i: ${init.stderr}`);
    pgbenchReady = true;
  }
  const run = spawnSync('pgbench', ['-c', String(CONNECTIONS), '-j', '2', '-T', String(SECONDS), pgbName], {
    env,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`pgbench: ${run.stderr}`);
  const m =
    /tps = ([\d.]+) \(without initial connection time\)/.exec(run.stdout) ??
    /tps = ([\d.]+)/.exec(run.stdout);
  return Number(m![1]);
}

function row(f: Figures): string {
  const cells = [
    f.name.padEnd(34),
    fmt(f.rps, 1).padStart(9),
    `${fmt(f.p50, 1)} ms`.padStart(10),
    `${fmt(f.p99, 1)} ms`.padStart(10),
    `${fmt(f.max, 0)} ms`.padStart(9),
    String(f.errors + f.non2xx).padStart(7),
    f.statements === undefined ? '      –' : fmt(f.statements, 1).padStart(7),
    f.trips === undefined ? '        –' : fmt(f.trips, 1).padStart(9),
  ];
  return cells.join(' ');
}

async function main(): Promise<void> {
  mkdirSync(logDir, { recursive: true });
  console.log(
    `bench:http${scaleOut ? ' --scale-out' : ''} — ${APIS} API process(es), ${WORKERS} worker(s), ${CONNECTIONS} keep-alive connections, ${SECONDS} s per case; scratch database ${dbName}; logs in ${logDir}`,
  );
  const t = performance.now();
  await migrate(url, { quiet: true });
  Object.assign(process.env, {
    DATABASE_URL: url,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: queuePrefix,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
  });
  let book!: Book;
  await runSeed(
    loadConfig(),
    [...SEED_STEPS, { name: 'benchmark book', run: async (app) => void (book = await buildBook(app, SIZE)) }],
    () => undefined,
  );
  console.log(
    `book: demo seed + ${SIZE.funds} village funds, ${fmt(SIZE.maLoans)} mutual-aid loans, ${fmt(SIZE.coveredLoans)} covered loans under one district fund, built in ${fmt((performance.now() - t) / 1000, 1)} s (business date ${book.today})`,
  );

  const apis = Array.from({ length: APIS }, (_, i) =>
    start(`api-${i + 1}`, 'dist/apps/api/src/main.js', appEnv({ PORT: String(PORT + i) })),
  );
  for (let i = 0; i < WORKERS; i++)
    start(`worker-${i + 1}`, 'dist/apps/worker/src/main.js', appEnv({ PORT: String(PORT + 5 + i) }));
  const bare = start('bare', 'dist/bench/http/bare-server.js', {
    ...process.env,
    DATABASE_URL: url,
    PORT: String(PORT + 8),
  });
  await Promise.all(apis.map((c, i) => waitFor(`${apiBase(i)}/health`, c, `API ${i + 1}`)));
  await waitFor(`http://127.0.0.1:${PORT + 8}/`, bare, 'bare server');

  const officer = `Bearer ${await login('loan.officer', 'loan-officer-demo')}`;
  const bank = `Bearer ${await login('zbrcb.officer', 'zbrcb-officer-demo')}`;
  const bases = Array.from({ length: APIS }, (_, i) => apiBase(i));
  const allLoans = book.loansByFund.flat();
  const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)];
  const hot = book.hotLoanIds;
  let seq = 0;
  // at least 8 characters whatever the pid (the API refuses shorter Idempotency-Keys)
  const key = (p: string) => `${p}-${process.pid}-${String(++seq).padStart(6, '0')}`;
  const json = (auth: string, k?: string) => ({
    authorization: auth,
    'content-type': 'application/json',
    ...(k ? { 'idempotency-key': k } : {}),
  });
  const repay = (loanId: string): Req => ({
    method: 'POST',
    path: `/api/v1/loans/${loanId}/repayments`,
    headers: json(officer, key('r')),
    body: JSON.stringify({ amount: '1.00', valueDate: book.today, channel: 'CASH' }),
  });
  let spare = 0;
  const cases: { name: string; id: string; next: () => Req }[] = [
    {
      id: 'read',
      name: 'GET /loans/{id}',
      next: () => ({
        method: 'GET',
        path: `/api/v1/loans/${pick(allLoans)}`,
        headers: { authorization: officer },
      }),
    },
    {
      id: 'statement',
      name: 'GET /loans/{id}/statement',
      next: () => ({
        method: 'GET',
        path: `/api/v1/loans/${pick(allLoans)}/statement`,
        headers: { authorization: officer },
      }),
    },
    {
      id: 'list',
      name: 'GET /loans?fundId=…&pageSize=20',
      next: () => ({
        method: 'GET',
        path: `/api/v1/loans?fundId=${pick(book.fundIds)}&pageSize=20`,
        headers: { authorization: officer },
      }),
    },
    { id: 'spread', name: 'POST repayment, spread (60 funds)', next: () => repay(pick(allLoans)) },
    { id: 'hot', name: 'POST repayment, one fund (13 loans)', next: () => repay(pick(hot)) },
    {
      id: 'covered-repay',
      name: 'POST covered-loan bank repayment',
      next: () => ({
        method: 'POST',
        path: `/api/v1/covered-loans/${pick(book.coveredLoanIds)}/repayments`,
        headers: json(bank, key('c')),
        body: JSON.stringify({ paidOn: book.today, principal: '1.00', interest: '0.10' }),
      }),
    },
    {
      id: 'covered-register',
      name: 'POST covered-loan registration',
      next: () => ({
        method: 'POST',
        path: '/api/v1/covered-loans',
        headers: json(bank, key('g')),
        body: JSON.stringify({
          bankLoanRef: `REG-${process.pid}-${++seq}`,
          borrowerType: 'HOUSEHOLD',
          householdId: book.spareHouseholdIds[spare++ % book.spareHouseholdIds.length],
          productCode: 'HH_MICRO_STD',
          amount: '10000.00',
          termMonths: 12,
          purpose: 'BREEDING',
          disbursementDate: book.today,
        }),
      }),
    },
  ];

  // one request of each first: a refusal here is a broken benchmark, not a slow one
  for (const c of cases) {
    const r = c.next();
    const res = await fetch(bases[0] + r.path, { method: r.method, headers: r.headers, body: r.body });
    if (!res.ok) throw new Error(`${c.name}: ${res.status} ${await res.text()}`);
  }

  console.log(
    `\n${'case'.padEnd(34)} ${'req/s'.padStart(9)} ${'p50'.padStart(10)} ${'p99'.padStart(10)} ${'max'.padStart(9)} ${'errors'.padStart(7)} ${'SQL/req'.padStart(7)} ${'trips/req'.padStart(9)}`,
  );
  // The baselines run right beside the cases they are compared with (before and after, the mean is the figure), so
  // both sides see the same machine load: the bare handler around the loan read, pgbench around the repayments.
  const bareRun = async (label: string) => {
    const f = await drive(`bare node:http + pg (${label})`, [`http://127.0.0.1:${PORT + 8}`], () => ({
      method: 'GET',
      path: `/loans/${pick(allLoans)}`,
      headers: {},
    }));
    // its four statements one after the other
    f.statements = 4;
    f.trips = 4;
    console.log(row(f));
    return f;
  };
  const pgbRun = async (label: string) => {
    const tps = await pgbench();
    console.log(
      `${`pgbench TPC-B (${label})`.padEnd(34)} ${fmt(tps, 1).padStart(9)}   (${CONNECTIONS} clients, scale ${PGBENCH_SCALE}, 5 statements + BEGIN/END, 7 round trips)`,
    );
    return tps;
  };
  const bareRps: number[] = [];
  const pgb: number[] = [];
  // what reading /metrics itself sends (nothing unless a scrape runs in a request context), taken off each case
  const idle = await queriesSent();
  const again = await queriesSent();
  const scrape = { statements: again.statements - idle.statements, trips: again.trips - idle.trips };
  const figures = new Map<string, Figures>();
  const enabled = cases.filter((c) => !CASES || CASES.includes(c.id));
  for (const c of enabled) {
    if (c.id === 'read' || (c === enabled[0] && !enabled.some((x) => x.id === 'read')))
      bareRps.push((await bareRun('baseline, before')).rps);
    if (c.id === 'spread' || (c.id === 'hot' && !pgb.length)) pgb.push(await pgbRun('baseline, before'));
    const before = await queriesSent();
    const f = await drive(c.name, bases, c.next);
    const after = await queriesSent();
    if (f.requests) {
      f.statements = (after.statements - before.statements - scrape.statements) / f.requests;
      f.trips = (after.trips - before.trips - scrape.trips) / f.requests;
    }
    figures.set(c.id, f);
    console.log(row(f));
    if (c.id === 'read') bareRps.push((await bareRun('baseline, after')).rps);
    if (c.id === 'hot' || (c.id === 'spread' && !enabled.some((x) => x.id === 'hot')))
      pgb.push(await pgbRun('baseline, after'));
  }
  if (!pgb.length) pgb.push(await pgbRun('baseline'));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const pgbTps = mean(pgb);
  const bareFig = { rps: mean(bareRps) };

  // Cost must not grow with history: the nth repayment of one loan, one client.
  let history: { early: number; late: number } | undefined;
  if (HISTORY > 0) {
    const times: number[] = [];
    for (let n = 1; n <= HISTORY; n++) {
      const r = repay(book.historyLoanId);
      const t0 = performance.now();
      const res = await fetch(bases[0] + r.path, { method: r.method, headers: r.headers, body: r.body });
      if (!res.ok) throw new Error(`history repayment ${n}: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
      times.push(performance.now() - t0);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    history = { early: median(times.slice(5, 25)), late: median(times.slice(-20)) };
    console.log(
      `history: repayments 6–25 of one loan ${fmt(history.early, 1)} ms (median), repayments ${HISTORY - 19}–${HISTORY} ${fmt(history.late, 1)} ms: ratio ${fmt(history.late / history.early, 2)}`,
    );
  }

  // The repayments' own SQL replayed by pgbench, no API (bench/http/ceiling.ts): on loans no case repays after it.
  const alone = new Map<string, number>();
  // (not by default with --scale-out, whose once-only checks come after it and look at the whole book)
  if (CASES ? CASES.includes('sql-alone') : !scaleOut) {
    const taken = new Set([...book.hotLoanIds, book.historyLoanId]);
    const spreadLoans = book.loansByFund.flatMap((ids) => ids.filter((id) => !taken.has(id)).slice(-2));
    const hotLoans = book.loansByFund[book.fundIds.indexOf(book.hotFundId)]
      .filter((id) => !taken.has(id))
      .slice(0, 13);
    const { recorder, url: recorderUrl } = await WireRecorder.inFrontOf(url);
    const api = start(
      'api-recorded',
      'dist/apps/api/src/main.js',
      appEnv({ PORT: String(PORT + 9), DATABASE_URL: recorderUrl }),
    );
    const base = `http://127.0.0.1:${PORT + 9}`;
    try {
      await waitFor(`${base}/health`, api, 'recorded API');
      const repayAll = async (loans: string[]) => {
        for (const id of loans) {
          const r = repay(id);
          const res = await fetch(base + r.path, { method: r.method, headers: r.headers, body: r.body });
          if (!res.ok) throw new Error(`recorded repayment of loan ${id}: ${res.status} ${await res.text()}`);
          await res.arrayBuffer();
        }
      };
      // the first repayment of each loan through this API replays its history and leaves a checkpoint; the second is
      // a repayment as most in the spread and hot cases are
      const record = async (loans: string[]) => {
        await repayAll(loans);
        recorder.start();
        await repayAll(loans);
        const txs = recorder.stop().filter((tx) => tx.some((x) => /INSERT INTO repayments\b/.test(x.sql)));
        if (txs.length !== loans.length)
          throw new Error(`recorded ${txs.length} repayments of ${loans.length}`);
        return txs;
      };
      const sets = [
        { id: 'spread', name: 'spread', txs: await record(spreadLoans) },
        { id: 'hot', name: 'one fund', txs: await record(hotLoans) },
      ];
      await stop(api);
      for (const set of sets) {
        const scripts = set.txs.map(replayScript);
        const r = await replay(
          scripts.map((x) => x.script),
          `${logDir}/sql-alone-${set.id}`,
          { database: dbName, clients: CONNECTIONS, seconds: SECONDS, env: pgbenchEnv() },
        );
        alone.set(set.id, r.tps);
        const mean = (f: (x: (typeof scripts)[number]) => number) =>
          fmt(scripts.reduce((n, x) => n + f(x), 0) / scripts.length, 1);
        const cells = [
          `repayment SQL alone, ${set.name}`.padEnd(34),
          fmt(r.tps, 1).padStart(9),
          `${fmt(r.latencyMs, 1)} ms`.padStart(10),
          ''.padStart(10),
          ''.padStart(9),
          String(r.failed).padStart(7),
          mean((x) => x.statements).padStart(7),
          mean((x) => x.trips).padStart(9),
        ];
        console.log(
          `${cells.join(' ')}  (pgbench, ${scripts.length} recorded repayments; under p50: the mean latency)`,
        );
        if (r.failed) process.exitCode = 1;
      }
    } finally {
      await stop(api);
      await recorder.close();
    }
  }

  const ratio = (a: number | undefined, b: number) => (a === undefined ? undefined : a / b);
  const targets = [
    { what: 'spread repayments / pgbench TPC-B', v: ratio(figures.get('spread')?.rps, pgbTps), min: 0.3 },
    { what: 'spread repayments p99 (ms)', v: figures.get('spread')?.p99, max: 50 },
    { what: 'one hot fund / pgbench TPC-B', v: ratio(figures.get('hot')?.rps, pgbTps), min: 0.15 },
    { what: 'loan read / bare handler', v: ratio(figures.get('read')?.rps, bareFig.rps), min: 0.5 },
    { what: '1,000th / 10th repayment of a loan', v: history && history.late / history.early, max: 1.5 },
  ];
  console.log('');
  for (const tg of targets) {
    if (tg.v === undefined) continue;
    const ok = tg.min !== undefined ? tg.v >= tg.min : tg.v <= tg.max!;
    console.log(
      `${tg.what.padEnd(40)} ${fmt(tg.v, 2).padStart(8)}  target ${tg.min !== undefined ? `≥ ${tg.min}` : `≤ ${tg.max}`}  ${ok ? 'met' : 'NOT met'}`,
    );
  }
  // no targets: what the database allows for these statements on this machine, and how near the API comes to it
  for (const [id, name] of [
    ['spread', 'spread'],
    ['hot', 'one fund'],
  ] as const) {
    const sql = alone.get(id);
    if (sql === undefined) continue;
    console.log(`${`${name}: SQL alone / pgbench TPC-B`.padEnd(40)} ${fmt(sql / pgbTps, 2).padStart(8)}`);
    const api = figures.get(id)?.rps;
    if (api !== undefined)
      console.log(`${`${name}: API / its SQL alone`.padEnd(40)} ${fmt(api / sql, 2).padStart(8)}`);
  }

  const ds = new DataSource(buildDataSourceOptions({ url, poolSize: 2, applicationName: 'bench-http' }));
  await ds.initialize();
  try {
    if (scaleOut)
      await checkOnce(ds, {
        bases,
        admin: `Bearer ${await login('admin', 'admin-demo-pass')}`,
        today: book.today,
        workers: WORKERS,
      });
    const v = await new LedgerService(ds).verify();
    console.log(
      `ledger verify: ${v.ok ? 'ok' : 'FAILED'} (${fmt(v.entries)} entries, ${fmt(v.postings)} postings; ${v.balanceMismatches.length} balance mismatches, ${v.runningBalanceMismatches.length} running-balance mismatches, ${v.unbalancedEntries.length} unbalanced entries)`,
    );
    if (!v.ok) process.exitCode = 1;
  } finally {
    await ds.destroy();
  }
}

/** The run's queues, schedulers and rate-limit counters (all under its own QUEUE_PREFIX) leave Redis with it. */
async function dropQueueKeys(): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${queuePrefix}:*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(async () => {
    await stopAll();
    await dropQueueKeys().catch(() => undefined);
    if (!process.env.BENCH_KEEP_DB) {
      await dropDatabase(server, dbName).catch(() => undefined);
      await dropDatabase(server, pgbName).catch(() => undefined);
    } else console.log(`kept ${dbName}`);
    process.exit();
  });
