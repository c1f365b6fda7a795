import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, installationSecret, loadConfig } from './app-config.js';

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('loadConfig', () => {
  it('has a working development default for every variable', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      NODE_ENV: 'development',
      PORT: 3000,
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/mutual_aid',
      REDIS_URL: 'redis://127.0.0.1:6379',
      QUEUE_PREFIX: 'mae',
      JWT_TTL_SECONDS: 900,
      ADMIN_USERNAME: 'admin',
      LOG_LEVEL: 'info',
      DOCS_PUBLIC: true,
      LOGIN_RATE_LIMIT_PER_MINUTE: 10,
      DB_POOL_SIZE: 20,
      BUSINESS_TIMEZONE: 'Asia/Shanghai',
    });
    expect(c.previewPublic).toBe(true);
    expect(c.isProduction).toBe(false);
  });

  it('converts numbers and booleans from their environment strings', () => {
    const c = loadConfig({ PORT: '8080', DOCS_PUBLIC: 'false', PREVIEW_PUBLIC: 'yes', DB_POOL_SIZE: '5', JWT_TTL_SECONDS: '600' });
    expect(c).toMatchObject({ PORT: 8080, DOCS_PUBLIC: false, PREVIEW_PUBLIC: true, DB_POOL_SIZE: 5, JWT_TTL_SECONDS: 600 });
    // An empty variable means "not set": the default applies.
    expect(loadConfig({ PORT: '' }).PORT).toBe(3000);
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://root@localhost/db'],
    ['REDIS_URL', 'localhost:6379'],
    ['QUEUE_PREFIX', 'has spaces'],
    ['JWT_SECRET', 'short'],
    ['JWT_TTL_SECONDS', '5'],
    ['ADMIN_USERNAME', 'Admin User'],
    ['ADMIN_PASSWORD', 'tiny'],
    ['LOG_LEVEL', 'loud'],
    ['NODE_ENV', 'staging'],
    ['LOGIN_RATE_LIMIT_PER_MINUTE', '0'],
    ['LOGIN_ADDRESS_RATE_LIMIT_PER_MINUTE', '0'],
    ['API_RATE_LIMIT_PER_MINUTE', 'many'],
    ['TRUST_PROXY', 'true'],
    ['TRUST_PROXY', '10.0.0.0/33'],
    ['TRUST_PROXY', 'loopback, proxy.example'],
    ['LOG_FORMAT', 'xml'],
    ['DB_POOL_SIZE', '1000'],
  ])('stops on a bad %s and names it', (name, value) => {
    expect(problemsOf({ [name]: value })).toMatch(new RegExp(`^\\s+- ${name}: `, 'm'));
  });

  it('takes TRUST_PROXY as false, a hop count or a list of proxies, as Express does; loopback by default', () => {
    expect(loadConfig({}).trustProxy).toEqual(['loopback']);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.168.1.7,fd00::/8, uniquelocal' }).trustProxy).toEqual([
      '10.0.0.0/8',
      '192.168.1.7',
      'fd00::/8',
      'uniquelocal',
    ]);
  });

  it('limits logins per username and, ten times as generously unless set, per address', () => {
    expect(loadConfig({}).loginAddressRateLimit).toBe(100);
    expect(loadConfig({ LOGIN_RATE_LIMIT_PER_MINUTE: '5' }).loginAddressRateLimit).toBe(50);
    expect(loadConfig({ LOGIN_ADDRESS_RATE_LIMIT_PER_MINUTE: '30' }).loginAddressRateLimit).toBe(30);
  });

  it('names every bad variable at once', () => {
    const message = problemsOf({ PORT: 'x', REDIS_URL: 'nope', LOG_LEVEL: 'loud' });
    for (const name of ['PORT', 'REDIS_URL', 'LOG_LEVEL']) expect(message).toContain(`- ${name}:`);
  });

  it('has no signing secret in the code: development keeps a random one per installation, test one per process', () => {
    const dir = mkdtempSync(join(tmpdir(), 'secret-'));
    try {
      const first = installationSecret('development', join(dir, '.secrets'));
      expect(first.length).toBeGreaterThanOrEqual(32);
      expect(installationSecret('development', join(dir, '.secrets'))).toBe(first);
      expect(readFileSync(join(dir, '.secrets', 'jwt-secret'), 'utf8')).toBe(first);
      expect(statSync(join(dir, '.secrets', 'jwt-secret')).mode & 0o077).toBe(0);
      const other = mkdtempSync(join(tmpdir(), 'secret-'));
      expect(installationSecret('development', join(other, '.secrets'))).not.toBe(first);
      rmSync(other, { recursive: true, force: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const t1 = loadConfig({ NODE_ENV: 'test' }).JWT_SECRET;
    expect(t1).toBe(loadConfig({ NODE_ENV: 'test' }).JWT_SECRET);
    expect(t1).not.toMatch(/development|change-me/);
    expect(loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'an-explicit-secret-value' }).JWT_SECRET).toBe('an-explicit-secret-value');
  });

  it('requires the secrets and the service URLs to be set explicitly in production', () => {
    const message = problemsOf({ NODE_ENV: 'production' });
    for (const name of ['JWT_SECRET', 'ADMIN_PASSWORD', 'DATABASE_URL', 'REDIS_URL']) {
      expect(message).toContain(`- ${name}: must be set when NODE_ENV=production`);
    }
    const c = loadConfig({
      NODE_ENV: 'production',
      JWT_SECRET: 'a-production-secret-of-length',
      ADMIN_PASSWORD: 'a-strong-admin-password',
      DATABASE_URL: 'postgres://app@db.internal:5432/mutual_aid',
      REDIS_URL: 'rediss://cache.internal:6380',
    });
    expect(c.isProduction).toBe(true);
    // The schedule calculator is not public in production unless asked for.
    expect(c.previewPublic).toBe(false);
  });

  it('takes an optional REMINDER_SECRET_KEY of at least 32 characters, different from JWT_SECRET', () => {
    expect(loadConfig({}).REMINDER_SECRET_KEY).toBeUndefined();
    expect(loadConfig({ REMINDER_SECRET_KEY: '' }).REMINDER_SECRET_KEY).toBeUndefined();
    const key = 'a-reminder-secret-key-of-32-chars!!';
    expect(loadConfig({ REMINDER_SECRET_KEY: key }).REMINDER_SECRET_KEY).toBe(key);
    expect(problemsOf({ REMINDER_SECRET_KEY: 'too-short' })).toContain(
      '- REMINDER_SECRET_KEY: REMINDER_SECRET_KEY must be at least 32 characters',
    );
    expect(problemsOf({ REMINDER_SECRET_KEY: key, JWT_SECRET: key })).toContain('REMINDER_SECRET_KEY: must differ');
    // Not required in production (the endpoints service warns instead): stored secrets stay readable without it.
    expect(
      loadConfig({
        NODE_ENV: 'production',
        JWT_SECRET: 'a-production-secret-of-length',
        ADMIN_PASSWORD: 'a-strong-admin-password',
        DATABASE_URL: 'postgres://app@db.internal:5432/mutual_aid',
        REDIS_URL: 'rediss://cache.internal:6380',
      }).REMINDER_SECRET_KEY,
    ).toBeUndefined();
  });

  it('ignores variables it does not know', () => {
    expect(() => loadConfig({ SOMETHING_ELSE: 'x' })).not.toThrow();
  });
});
