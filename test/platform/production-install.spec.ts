import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createTestDatabase, type TestDatabase } from '#libs/testing';

/**
 * What the container image relies on, proven without Docker: the built dist/ plus `npm ci --omit=dev` (the runtime
 * stage of the Dockerfile) runs the migrations, the API and the worker with NODE_ENV=production and nothing else,
 * and both stop cleanly (exit 0) on SIGTERM. A dev dependency needed at run time fails here, not in production.
 */

const ROOT = process.cwd();
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const QUEUE_PREFIX = `maeprod${process.pid}${randomBytes(3).toString('hex')}`;

interface Proc {
  child: ChildProcess;
  out: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Proc {
  const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, out: () => text, exited };
}

async function runToEnd(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const p = run(cmd, args, cwd, env);
  const { code } = await p.exited;
  return { code, out: p.out() };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `probe` until it gives a value; fails early when one of `procs` has exited, and on timeout. */
async function until<T>(
  what: string,
  timeoutMs: number,
  procs: Proc[],
  probe: () => Promise<T | undefined>,
  log: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = procs.find((p) => p.child.exitCode !== null || p.child.signalCode !== null);
    if (dead)
      throw new Error(
        `${dead.child.spawnargs.join(' ')} exited (${dead.child.exitCode ?? dead.child.signalCode}) while waiting for ${what}:\n${log().slice(-4000)}`,
      );
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; output so far:\n${log().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A clean environment, as a container has: no NODE_OPTIONS or npm_* from the test runner. */
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  if (process.env.npm_config_cache) env.npm_config_cache = process.env.npm_config_cache;
  // the machine's own trust and proxy settings, as a container built here would have them
  for (const k of ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'])
    if (process.env[k]) env[k] = process.env[k];
  return env;
}

let dir: string;
let db: TestDatabase;
let prodEnv: NodeJS.ProcessEnv;
let installLog = '';
const started: Proc[] = [];

beforeAll(async () => {
  for (const f of ['dist/apps/api/src/main.js', 'dist/apps/worker/src/main.js', 'dist/scripts/migrate.js']) {
    if (!existsSync(join(ROOT, f)))
      throw new Error(`${f} is missing: build first (npx tsc -p tsconfig.build.json)`);
  }
  dir = mkdtempSync(join(tmpdir(), 'mae-prod-install-'));
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  cpSync(join(ROOT, 'package-lock.json'), join(dir, 'package-lock.json'));
  cpSync(join(ROOT, 'dist'), join(dir, 'dist'), {
    recursive: true,
    filter: (src) => !src.includes('.tsbuildinfo'),
  });

  // npm's cache holds every locked package once the project itself was installed, so this needs no network.
  const flags = ['--omit=dev', '--no-audit', '--no-fund'];
  let install = await runToEnd('npm', ['ci', ...flags, '--offline'], dir, baseEnv());
  installLog = install.out;
  if (install.code !== 0) {
    install = await runToEnd('npm', ['ci', ...flags, '--prefer-offline'], dir, baseEnv());
    installLog += install.out;
  }
  if (install.code !== 0) throw new Error(`npm ci --omit=dev failed:\n${installLog.slice(-4000)}`);

  db = await createTestDatabase(2);
  prodEnv = {
    ...baseEnv(),
    NODE_ENV: 'production',
    PORT: String(await freePort()),
    DATABASE_URL: db.url,
    REDIS_URL,
    QUEUE_PREFIX,
    JWT_SECRET: randomBytes(24).toString('hex'),
    REMINDER_SECRET_KEY: randomBytes(24).toString('hex'),
    ADMIN_PASSWORD: `prod-${randomBytes(8).toString('hex')}`,
    DB_POOL_SIZE: '4',
  };
}, 480_000);

afterAll(async () => {
  for (const p of started)
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await Promise.all(started.map((p) => p.exited));
  const redis = new Redis(REDIS_URL);
  try {
    // Only this file's own prefix: the shared Redis is never flushed.
    const keys: string[] = [];
    for await (const batch of redis.scanStream({ match: `${QUEUE_PREFIX}:*`, count: 500 }))
      keys.push(...(batch as string[]));
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
  } finally {
    redis.disconnect();
  }
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('the pruned production install (npm ci --omit=dev + dist/)', () => {
  it('holds the production dependencies only', () => {
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const devOnly = Object.keys(lock.packages).filter(
      (path) => path.startsWith('node_modules/') && lock.packages[path].dev,
    );
    expect(devOnly).toEqual(
      expect.arrayContaining(['node_modules/vitest', 'node_modules/eslint', 'node_modules/@nestjs/testing']),
    );
    expect(devOnly.filter((path) => existsSync(join(dir, path)))).toEqual([]);
    for (const prod of [
      'node_modules/@nestjs/core',
      'node_modules/typeorm',
      'node_modules/bullmq',
      'node_modules/argon2',
    ]) {
      expect(existsSync(join(dir, prod))).toBe(true);
    }
  });

  it('runs the migrations, serves the API and runs the worker with NODE_ENV=production, then stops both on SIGTERM', async () => {
    // A deployment runs the migrations as a one-off step before the API and the worker start.
    const migrate = await runToEnd(process.execPath, ['dist/scripts/migrate.js'], dir, prodEnv);
    expect({ code: migrate.code, out: migrate.out }).toEqual({
      code: 0,
      out: expect.stringMatching(/schema is up to date|ran \d+ migration/),
    });

    const api = run(process.execPath, ['dist/apps/api/src/main.js'], dir, prodEnv);
    const worker = run(process.execPath, ['dist/apps/worker/src/main.js'], dir, prodEnv);
    started.push(api, worker);
    const logs = () => `--- api ---\n${api.out()}\n--- worker ---\n${worker.out()}`;
    const base = `http://127.0.0.1:${prodEnv.PORT}`;

    const health = await until(
      'GET /health 200',
      240_000,
      [api, worker],
      async () => {
        const res = await fetch(`${base}/health`);
        return res.status === 200
          ? ((await res.json()) as { status: string; info: Record<string, { status: string }> })
          : undefined;
      },
      logs,
    );
    expect(health.status).toBe('ok');
    expect(health.info.database.status).toBe('up');
    expect(health.info.redis.status).toBe('up');

    // The worker is ready when it has booted and its first heartbeat job ran: /health shows this very process's beat.
    await until(
      'the worker to log "worker started"',
      240_000,
      [api, worker],
      async () => (/worker started/.test(worker.out()) ? true : undefined),
      logs,
    );
    const beat = await until(
      "the worker's first heartbeat in /health",
      120_000,
      [api, worker],
      async () => {
        const body = (await (await fetch(`${base}/health`)).json()) as {
          info: { worker: { stale: boolean; worker?: string } };
        };
        return body.info.worker.stale === false ? body.info.worker : undefined;
      },
      logs,
    );
    expect(beat.worker).toMatch(new RegExp(`:${worker.child.pid}$`));

    // The bootstrap admin exists and logs in (argon2's native binding loads from the pruned install) ...
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: prodEnv.ADMIN_PASSWORD }),
    });
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    // ... and production defaults hold: the schedule preview needs a token there.
    const terms = {
      principal: '5000.00',
      annualRatePercent: '6',
      numberOfInstallments: 1,
      frequency: 'AT_MATURITY',
      termMonths: 10,
      method: 'BULLET',
      disbursementDate: '2026-05-05',
    };
    const anonymous = await fetch(`${base}/api/v1/schedules/preview`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(terms),
    });
    expect(anonymous.status).toBe(401);
    const preview = await fetch(`${base}/api/v1/schedules/preview`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${accessToken}` },
      body: JSON.stringify(terms),
    });
    expect(preview.status).toBe(200);
    expect(((await preview.json()) as { installments: unknown[] }).installments).toHaveLength(1);

    // Graceful shutdown: both finish what they hold and exit 0.
    api.child.kill('SIGTERM');
    worker.child.kill('SIGTERM');
    const bounded = (p: Proc) =>
      Promise.race([p.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 30_000))]);
    const [apiExit, workerExit] = await Promise.all([bounded(api), bounded(worker)]);
    expect({
      api: apiExit,
      worker: workerExit,
      logs:
        apiExit === 'timeout' || workerExit === 'timeout' || apiExit.code || workerExit.code ? logs() : '',
    }).toEqual({
      api: { code: 0, signal: null },
      worker: { code: 0, signal: null },
      logs: '',
    });
  }, 600_000);
});
