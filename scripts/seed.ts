import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { UsersService } from '#libs/auth';
import {
  AppConfig,
  ConfigError,
  createRootLogger,
  DomainError,
  loadConfig,
  NestPinoLogger,
  AppLogger,
  RequestContext,
  type Actor,
  type Role,
} from '#libs/common';
import { seedAssetIncome } from '#libs/asset-income';
import { DEMO_FUND_VILLAGE_CODE, seedFunds } from '#libs/funds';
import { DEMO_BANK, DEMO_BANK_OFFICER, seedCoveredLoans, seedGuarantee } from '#libs/guarantee';
import { DEMO_DISTRICT, DEMO_VILLAGES, seedRegistry } from '#libs/households';
import { seedOrigination } from '#libs/origination';
import { seedProducts } from '#libs/products';
import { seedRepayments } from '#libs/repayment';
import { seedCob } from '#libs/cob';
import { seedReminders } from '#libs/reminders';
import { seedProjections } from '#libs/projection';
import { seedDisclosure, seedReports } from '#libs/reporting';
import { seedSubsidy } from '#libs/subsidy';
import { AppModule } from '../apps/api/src/app.module.js';

/**
 * Demo data for a newcomer: an ordered list of named steps run inside a Nest application context of the real API
 * module, so every step goes through the real services (validation, ledger, audit). Every step is idempotent: it
 * runs on an empty database and skips what already exists, so `npm start` can run the seed on every boot.
 */
export type SeedResult = string | string[] | void;

export interface SeedStep {
  name: string;
  run: (app: INestApplicationContext) => Promise<SeedResult>;
}

/** One demo user per role (BANK_OFFICER comes with the banks' seed step, since it needs a bank). */
export const DEMO_USERS: readonly { username: string; password: string; role: Role; displayName: string }[] =
  [
    {
      username: 'fund.admin',
      password: 'fund-admin-demo',
      role: 'FUND_ADMIN',
      displayName: 'Demo fund administrator',
    },
    {
      username: 'loan.officer',
      password: 'loan-officer-demo',
      role: 'LOAN_OFFICER',
      displayName: 'Demo loan officer',
    },
    { username: 'auditor', password: 'auditor-demo-pass', role: 'AUDITOR', displayName: 'Demo auditor' },
  ];

/** Foundation: the configured admin and the demo users. */
export async function seedFoundation(app: INestApplicationContext): Promise<string[]> {
  const config = app.get(AppConfig);
  const users = app.get(UsersService);
  const ds = app.get(DataSource);
  const out: string[] = [];
  const admin = await users.ensureAdmin(config.ADMIN_USERNAME, config.ADMIN_PASSWORD);
  out.push(`${admin ? 'created' : 'kept existing'} admin ${config.ADMIN_USERNAME} (ADMIN)`);
  for (const u of DEMO_USERS) {
    const exists =
      ((await ds.query(`SELECT 1 FROM users WHERE username = $1`, [u.username])) as unknown[]).length > 0;
    if (exists) {
      out.push(`kept existing user ${u.username} (${u.role})`);
      continue;
    }
    try {
      await users.create({
        username: u.username,
        displayName: u.displayName,
        password: u.password,
        role: u.role,
      });
      out.push(`created user ${u.username} (${u.role})`);
    } catch (e) {
      // A seed running concurrently (a second `npm start`) created it first: that is the state we want.
      if (!(e instanceof DomainError && e.code === 'CONFLICT')) throw e;
      out.push(`kept existing user ${u.username} (${u.role})`);
    }
  }
  return out;
}

/**
 * Staff limited to an area (after the registry, which creates the areas): a district's fund administrator and a
 * village's loan officer. The demo users above work for the whole city.
 */
export const DEMO_AREA_USERS = [
  {
    username: 'district.admin',
    password: 'district-admin-demo',
    role: 'FUND_ADMIN' as Role,
    displayName: `Demo fund administrator of ${DEMO_DISTRICT.name}`,
    area: { kind: 'DISTRICT' as const, table: 'districts', code: DEMO_DISTRICT.code },
  },
  {
    username: 'village.officer',
    password: 'village-officer-demo',
    role: 'LOAN_OFFICER' as Role,
    displayName: `Demo loan officer of ${DEMO_VILLAGES[1]!.name}`,
    area: { kind: 'VILLAGE' as const, table: 'villages', code: DEMO_VILLAGES[1]!.code },
  },
];

export async function seedAreaUsers(app: INestApplicationContext): Promise<string[]> {
  const users = app.get(UsersService);
  const ds = app.get(DataSource);
  const out: string[] = [];
  for (const u of DEMO_AREA_USERS) {
    if (((await ds.query(`SELECT 1 FROM users WHERE username = $1`, [u.username])) as unknown[]).length > 0) {
      out.push(`kept existing user ${u.username} (${u.role}, ${u.area.kind})`);
      continue;
    }
    const [area] = (await ds.query(`SELECT id::text FROM ${u.area.table} WHERE code = $1`, [u.area.code])) as { id: string }[];
    if (!area) {
      out.push(`skipped ${u.username}: the demo ${u.area.kind.toLowerCase()} is missing`);
      continue;
    }
    try {
      await users.create({ username: u.username, displayName: u.displayName, password: u.password, role: u.role, areaKind: u.area.kind, areaId: area.id });
      out.push(`created user ${u.username} (${u.role}, limited to ${u.area.kind.toLowerCase()} ${u.area.code})`);
    } catch (e) {
      if (!(e instanceof DomainError && e.code === 'CONFLICT')) throw e;
      out.push(`kept existing user ${u.username} (${u.role}, ${u.area.kind})`);
    }
  }
  return out;
}

// ─── SEED STEPS ────────────────────────────────────────────────────────────────────────────────────────────────
// In dependency order. A capability adds ONE line here: its library exports `seedXxx(app)` from its index.ts
// (idempotent, through its services), e.g.  { name: 'banks and guarantee funds', run: seedGuarantee },
export const SEED_STEPS: SeedStep[] = [
  { name: 'foundation: admin and demo users', run: seedFoundation },
  { name: 'benchmark rates and loan products', run: seedProducts },
  { name: 'poverty registry: geography, households, groups, entities', run: seedRegistry },
  { name: 'staff limited to an area: a district fund administrator, a village loan officer', run: seedAreaUsers },
  {
    name: 'village mutual-aid fund: contributions and member shares',
    run: async (app) => {
      const lines: string[] = [];
      const r = await seedFunds(app, { log: (m) => lines.push(m) });
      lines.push(
        r
          ? `fund ${r.fundId} in village ${r.villageCode}: ${r.contributions} contributions, ${r.members} members`
          : 'skipped: the demo village is missing',
      );
      return lines;
    },
  },
  { name: 'mutual-aid loans: disbursed loans and an application in public notice', run: seedOrigination },
  { name: 'repayments on the demo loans, each on its value date', run: seedRepayments },
  { name: 'partner bank, district risk fund and cooperation agreement', run: seedGuarantee },
  { name: 'bank loans registered under the district fund, and their repayments', run: seedCoveredLoans },
  { name: 'close of business for yesterday', run: seedCob },
  { name: 'asset-income project: injection, results and both years’ dividend runs paid', run: seedAssetIncome },
  { name: 'interest subsidy programme, product policy and matching rule', run: seedSubsidy },
  {
    name: "repayment reminders: log-channel endpoints for the demo fund and bank, today's selection",
    run: (app) => seedReminders(app, { bankCode: DEMO_BANK.code }),
  },
  { name: 'monthly leverage reports of the last six months', run: seedReports },
  { name: 'projection: a saved scenario and a finished run', run: seedProjections },
  {
    name: 'public disclosure (阳光扶贫) of the demo village and its district',
    run: (app) => seedDisclosure(app, DEMO_FUND_VILLAGE_CODE),
  },
];
// ────────────────────────────────────────────────────────────────────────────────────────────────────────────────

const SEED_ACTOR: Actor = { userId: null, username: 'seed', role: 'SYSTEM', bankId: null, via: 'system' };

/** Runs the steps in order against the configured database; stops at the first failing step. */
export async function runSeed(
  config: AppConfig,
  steps: SeedStep[] = SEED_STEPS,
  print: (line: string) => void = (line) => console.log(line),
): Promise<void> {
  const logger = createRootLogger(config.LOG_LEVEL === 'silent' ? 'silent' : 'warn', 'seed');
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot({ config, applicationName: 'seed', rootLogger: logger }),
    { bufferLogs: true },
  );
  app.useLogger(new AppLogger(app.get(NestPinoLogger)));
  try {
    for (const [i, step] of steps.entries()) {
      // Audit rows written by the seed name it as their actor, and the step as the request.
      const result = await RequestContext.run({ requestId: `seed:${i + 1}`, actor: SEED_ACTOR }, () =>
        step.run(app),
      );
      print(`[seed] ${i + 1}/${steps.length} ${step.name}`);
      for (const line of [result ?? []].flat()) print(`[seed]     ${line}`);
    }
  } finally {
    await app.close();
  }
}

/** The demo logins, as printed by `npm start`. In production the admin password is never printed. */
export function demoCredentials(config: AppConfig): string[] {
  const admin = config.isProduction ? '(the ADMIN_PASSWORD you configured)' : config.ADMIN_PASSWORD;
  return [
    `  ${config.ADMIN_USERNAME.padEnd(14)} ${admin.padEnd(22)} ADMIN`,
    ...DEMO_USERS.map((u) => `  ${u.username.padEnd(14)} ${u.password.padEnd(22)} ${u.role} (whole city)`),
    ...DEMO_AREA_USERS.map((u) => `  ${u.username.padEnd(14)} ${u.password.padEnd(22)} ${u.role} of ${u.area.kind.toLowerCase()} ${u.area.code}`),
    `  ${DEMO_BANK_OFFICER.username.padEnd(14)} ${DEMO_BANK_OFFICER.password.padEnd(22)} BANK_OFFICER of ${DEMO_BANK.code}`,
  ];
}

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
  if (process.argv.includes('--credentials')) {
    for (const line of demoCredentials(config)) console.log(line);
    return;
  }
  if (config.isProduction && !process.argv.includes('--force')) {
    console.error(
      '[seed] refusing to create demo users with published passwords when NODE_ENV=production (pass --force to insist)',
    );
    process.exit(3);
  }
  await runSeed(config);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
