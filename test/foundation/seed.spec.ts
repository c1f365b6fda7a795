import * as argon2 from 'argon2';
import { randomBytes } from 'node:crypto';
import { UsersService } from '#libs/auth';
import { loadConfig, RequestContext, type AppConfig } from '#libs/common';
import { createTestDatabase, type TestDatabase } from '#libs/testing';
import { DEMO_USERS, demoCredentials, runSeed, SEED_STEPS, type SeedStep } from '../../scripts/seed.js';

/** The demo seed: ordered named steps through the real services, idempotent, stopping at the first failure. */
let db: TestDatabase;
let config: AppConfig;

beforeAll(async () => {
  db = await createTestDatabase(4);
  config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    ADMIN_USERNAME: 'admin',
    ADMIN_PASSWORD: 'seed-admin-password',
    QUEUE_PREFIX: `ts${randomBytes(4).toString('hex')}`,
    LOG_LEVEL: 'silent',
    DB_POOL_SIZE: '4',
  });
});
afterAll(async () => db.drop());

async function users() {
  return (await db.dataSource.query(`SELECT username, role, password_hash FROM users ORDER BY id`)) as {
    username: string;
    role: string;
    password_hash: string;
  }[];
}

describe('seed', () => {
  it('lists the foundation step first', () => {
    expect(SEED_STEPS[0].name).toMatch(/^foundation/);
    expect(new Set(SEED_STEPS.map((s) => s.name)).size).toBe(SEED_STEPS.length);
  });

  it('creates the configured admin and one demo user per role on an empty database, audited as the seed', async () => {
    const out: string[] = [];
    await runSeed(config, SEED_STEPS.slice(0, 1), (l) => out.push(l));
    expect(out).toEqual([
      '[seed] 1/1 foundation: admin and demo users',
      '[seed]     created admin admin (ADMIN)',
      ...DEMO_USERS.map((u) => `[seed]     created user ${u.username} (${u.role})`),
    ]);
    const rows = await users();
    expect(rows.map((r) => `${r.username}:${r.role}`)).toEqual(['admin:ADMIN', ...DEMO_USERS.map((u) => `${u.username}:${u.role}`)]);
    expect(await argon2.verify(rows[0].password_hash, 'seed-admin-password')).toBe(true);
    for (const u of DEMO_USERS) {
      expect(await argon2.verify(rows.find((r) => r.username === u.username)!.password_hash, u.password)).toBe(true);
    }
    const audit = await db.dataSource.query(`SELECT DISTINCT actor, role, request_id FROM audit_log`);
    expect(audit).toEqual([{ actor: 'seed', role: 'SYSTEM', request_id: 'seed:1' }]);
  });

  it('runs again without creating or changing anything', async () => {
    const before = await users();
    const [{ n: audits }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM audit_log`);
    const out: string[] = [];
    await runSeed(config, SEED_STEPS.slice(0, 1), (l) => out.push(l));
    expect(out.filter((l) => l.includes('created'))).toEqual([]);
    expect(out.filter((l) => l.includes('kept existing'))).toHaveLength(1 + DEMO_USERS.length);
    expect(await users()).toEqual(before);
    const [{ n: after }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM audit_log`);
    expect(after).toBe(audits);
  });

  it('runs steps in order inside the application, and stops at the first failing step', async () => {
    const ran: string[] = [];
    const steps: SeedStep[] = [
      {
        name: 'first',
        // Steps get the real application: its services answer from the seeded database.
        run: async (app) => {
          const page = await app.get(UsersService).list({ page: 1, pageSize: 50 }, 'AUDITOR');
          ran.push(`first:${RequestContext.actor()?.username}:${page.items.map((u) => u.username).join(',')}`);
        },
      },
      {
        name: 'second',
        run: async () => {
          ran.push('second');
          throw new Error('demo data broken');
        },
      },
      { name: 'third', run: async () => void ran.push('third') },
    ];
    await expect(runSeed(config, steps, () => undefined)).rejects.toThrow('demo data broken');
    expect(ran).toEqual(['first:seed:auditor', 'second']);
  });

  it('prints the demo credentials, never the admin password in production', () => {
    expect(demoCredentials(config).join('\n')).toContain('seed-admin-password');
    // every demo login is printed, the partner bank's officer included
    expect(demoCredentials(config).join('\n')).toMatch(/zbrcb\.officer\s+zbrcb-officer-demo\s+BANK_OFFICER of ZBRCB/);
    const prod = loadConfig({
      NODE_ENV: 'production',
      JWT_SECRET: 'a-production-secret-of-length',
      ADMIN_PASSWORD: 'a-strong-admin-password',
      DATABASE_URL: 'postgres://app@db/mutual_aid',
      REDIS_URL: 'redis://cache:6379',
    });
    expect(demoCredentials(prod).join('\n')).not.toContain('a-strong-admin-password');
  });
});
