import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createRootLogger, loadConfig } from '#libs/common';
import { ReminderDeliveryQueue } from '#libs/reminders';
import { AppModule } from '../apps/api/src/app.module.js';
import pg from 'pg';
import { adminUrl, createDatabaseIfMissing, dropDatabase, withDatabase } from './db-admin.js';
import { migrate } from './migrate.js';
import {
  DEFAULT_OPTIONS,
  runSimulation,
  SimulationFailure,
  type SimulationOptions,
} from './simulation/engine.js';
import { chartSvg, summaryText, tableCsv } from './simulation/output.js';

/**
 * `npm run simulate -- --months 12 --start 2026-01-01 --seed 7`: the engine run end to end on a scratch database
 * (mae_simulation, dropped and created again each run) with a seeded behaviour model (docs/simulation.md). Prints the
 * month-by-month table on stdout and writes simulation/<name>.csv and .svg; the elapsed time goes to stderr. The same
 * options give the same output, byte for byte.
 */
const HELP = `usage: npm run simulate -- [options]
  --months N          months to simulate (default 12)
  --start YYYY-MM-DD  first business date (default 2026-01-01)
  --seed N            seed of the behaviour model (default 7)
  --households N      households of the district (default ${DEFAULT_OPTIONS.households})
  --late-rate R       share of households paying late (default ${DEFAULT_OPTIONS.lateRate})
  --default-rate R    share of households defaulting (default ${DEFAULT_OPTIONS.defaultRate})
  --late-days A-B     how many days late a late payer pays (default ${DEFAULT_OPTIONS.lateDays.join('-')})
  --out DIR           output directory (default simulation)
  --name NAME         output file name (default sim-<start>-<months>m-seed<seed>)
  --database NAME     scratch database (default mae_simulation; dropped and created again)`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      months: { type: 'string', default: '12' },
      start: { type: 'string', default: '2026-01-01' },
      seed: { type: 'string', default: '7' },
      households: { type: 'string' },
      'late-rate': { type: 'string' },
      'default-rate': { type: 'string' },
      'late-days': { type: 'string' },
      out: { type: 'string', default: 'simulation' },
      name: { type: 'string' },
      database: { type: 'string', default: 'mae_simulation' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const num = (name: string, v: string | undefined, fallback: number, min: number, max: number): number => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max)
      throw new UsageError(`--${name} must be a number in [${min}, ${max}]`);
    return n;
  };
  if (!/^\d{4}-\d{2}-\d{2}$/.test(values.start!)) throw new UsageError('--start must be YYYY-MM-DD');
  const lateDays = (values['late-days'] ?? DEFAULT_OPTIONS.lateDays.join('-')).split('-').map(Number) as [
    number,
    number,
  ];
  if (lateDays.length !== 2 || !(lateDays[0] >= 1 && lateDays[1] >= lateDays[0] && lateDays[1] <= 120))
    throw new UsageError('--late-days must be A-B with 1 ≤ A ≤ B ≤ 120');
  const options: SimulationOptions = {
    ...DEFAULT_OPTIONS,
    start: values.start!,
    months: num('months', values.months, 12, 1, 36),
    seed: num('seed', values.seed, 7, 0, 2 ** 32 - 1),
    households: num('households', values.households, DEFAULT_OPTIONS.households, 4, 400),
    lateRate: num('late-rate', values['late-rate'], DEFAULT_OPTIONS.lateRate, 0, 1),
    defaultRate: num('default-rate', values['default-rate'], DEFAULT_OPTIONS.defaultRate, 0, 1),
    lateDays,
    log: (line) => process.stderr.write(`[simulate] ${line}\n`),
  };
  if (options.lateRate + options.defaultRate > 1)
    throw new UsageError('--late-rate + --default-rate must be at most 1');

  const started = Date.now();
  const base = loadConfig({ ...process.env, NODE_ENV: 'development' });
  const url = withDatabase(base.DATABASE_URL, values.database!);
  await dropDatabase(url, values.database!);
  await createDatabaseIfMissing(url);
  // a scratch database: commits need not wait for the WAL to reach disk (fsync stays on; never on a real database)
  await withAdmin(url, (c) => c.query(`ALTER DATABASE ${values.database!} SET synchronous_commit = off`));
  await migrate(url, { quiet: true });
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'development',
    DATABASE_URL: url,
    BUSINESS_DATE_MOVABLE: 'true',
    QUEUE_PREFIX: `sim${process.pid}`,
    LOG_LEVEL: 'silent',
  });
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot({
      config,
      applicationName: 'simulate',
      rootLogger: createRootLogger('silent', 'simulate'),
    }),
    { logger: false },
  );
  let failed = false;
  try {
    const result = await runSimulation(app, options);
    const name = values.name ?? `sim-${options.start}-${options.months}m-seed${options.seed}`;
    mkdirSync(values.out!, { recursive: true });
    writeFileSync(join(values.out!, `${name}.csv`), tableCsv(result.rows));
    writeFileSync(
      join(values.out!, `${name}.svg`),
      chartSvg(
        result,
        `模拟 ${options.months} 个月 (simulated ${options.months} months from ${options.start}, seed ${options.seed}): leverage`,
      ),
    );
    console.log(summaryText(result));
    process.stderr.write(`[simulate] wrote ${join(values.out!, name)}.csv and .svg\n`);
  } catch (e) {
    failed = true;
    if (e instanceof SimulationFailure) console.error(`[simulate] FAILED: ${e.message}`);
    else console.error(e);
  } finally {
    // the selection's delivery jobs were delivered in process; nothing of this run stays in Redis
    await app
      .get(ReminderDeliveryQueue)
      .queue.obliterate({ force: true })
      .catch(() => undefined);
    await app.close();
    process.stderr.write(`[simulate] elapsed ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
  if (failed) process.exit(1);
}

class UsageError extends Error {}

async function withAdmin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl(url) });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

main().catch((e) => {
  console.error(e instanceof UsageError ? `${e.message}\n\n${HELP}` : e);
  process.exit(2);
});
