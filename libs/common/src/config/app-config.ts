import 'reflect-metadata';
import { accessSync, constants, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';
import { isIP } from 'node:net';

const toBool = ({ value }: { value: unknown }) =>
  value === undefined ? undefined : ['1', 'true', 'yes', 'on'].includes(String(value).toLowerCase());
const toInt = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : Number(value);

/**
 * The one validated configuration of both apps. Every variable has a development default except the
 * secrets, which must be set when NODE_ENV=production; boot stops with the variable's name otherwise.
 */
export class AppConfig {
  @IsIn(['development', 'test', 'production'])
  NODE_ENV: 'development' | 'test' | 'production' = 'development';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/mutual_aid';

  @IsString()
  @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must be a redis:// URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  /**
   * PEM file of the CA certificate(s) that Redis's TLS certificate chains to, for a rediss:// REDIS_URL whose server
   * certificate the system's CAs do not vouch for (a private CA). Unset: the system's CAs. (PostgreSQL takes its CA
   * in DATABASE_URL itself: `?sslmode=verify-full&sslrootcert=/path/ca.pem`.)
   */
  @IsOptional()
  @IsString()
  REDIS_TLS_CA?: string;

  /** Prefix of every BullMQ key, so several deployments (or test files) can share one Redis. */
  @IsString()
  @Matches(/^[a-z0-9:_-]+$/i)
  QUEUE_PREFIX = 'mae';

  /**
   * HS256 signing secret. Required in production. Unset in development: a random secret made once per installation
   * and kept in `.secrets/jwt-secret` (mode 0600, outside git), shared by the API and the worker; unset in test: a
   * random secret per process. No secret is written in the code, so nobody can mint a token for an installation.
   */
  @IsString()
  @MinLength(16, { message: 'JWT_SECRET must be at least 16 characters' })
  JWT_SECRET = '';

  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(86400)
  JWT_TTL_SECONDS = 900;

  /**
   * Keep the token check's user row per process, forgotten at every change the database notifies
   * (libs/auth CredentialsCache); off: read it on every request.
   */
  @Transform(toBool)
  @IsBoolean()
  AUTH_USER_CACHE = true;

  /**
   * Key material of the reminder endpoints' signing secrets (libs/reminders/src/secret-box.ts), so JWT_SECRET can be
   * rotated without making them unreadable. Optional: unset, they are sealed under a key derived from JWT_SECRET (and
   * those stay readable after it is set). Not required in production, where its absence is logged as a warning.
   */
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'REMINDER_SECRET_KEY must be at least 32 characters' })
  REMINDER_SECRET_KEY?: string;

  @IsString()
  @Matches(/^[a-z0-9._-]{3,64}$/)
  ADMIN_USERNAME = 'admin';

  @IsString()
  @MinLength(10, { message: 'ADMIN_PASSWORD must be at least 10 characters' })
  ADMIN_PASSWORD = 'admin-demo-pass';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** `auto`: human-readable (pino-pretty) when stdout is a terminal and NODE_ENV is not production, JSON otherwise. */
  @IsIn(['auto', 'json', 'pretty'])
  LOG_FORMAT: 'auto' | 'json' | 'pretty' = 'auto';

  /** OpenAPI at /docs and /docs-json without a token. */
  @Transform(toBool)
  @IsBoolean()
  DOCS_PUBLIC = true;

  /** The schedule preview answers without a token (a loan officer's calculator); off by default in production. */
  @Transform(toBool)
  @IsOptional()
  @IsBoolean()
  PREVIEW_PUBLIC?: boolean;

  /** Login attempts per username per minute, from all addresses together (a targeted attack on one account). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  LOGIN_RATE_LIMIT_PER_MINUTE = 10;

  /**
   * Login attempts per client address per minute, whatever the usernames. Unset: ten times
   * LOGIN_RATE_LIMIT_PER_MINUTE, so the users behind one NAT each keep their own per-username budget.
   */
  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  LOGIN_ADDRESS_RATE_LIMIT_PER_MINUTE?: number;

  /** Requests per client address per minute to any API route (health and metrics are not counted). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  API_RATE_LIMIT_PER_MINUTE = 6000;

  /**
   * Which proxies' X-Forwarded-For is believed for the client address (Express 'trust proxy'): `false` (none: the
   * socket's address), `loopback` (a proxy on the same host), a hop count (`1`: the nearest proxy, e.g. one load
   * balancer), or a comma-separated list of addresses and CIDRs (`10.0.0.0/8, 192.168.1.7`; `loopback`,
   * `linklocal` and `uniquelocal` may be listed too).
   */
  @IsString()
  TRUST_PROXY = 'loopback';

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  DB_POOL_SIZE = 20;

  /**
   * Count the SQL statements this process sends (`mae_db_queries_total` at /metrics): the round trips per request a
   * benchmark prints. Off by default (it wraps every query call).
   */
  @Transform(toBool)
  @IsBoolean()
  DB_QUERY_COUNT = false;

  /**
   * Send the hot write statements (queryPrepared's) as named prepared statements, planned once per connection. On by
   * default.
   */
  @Transform(toBool)
  @IsBoolean()
  DB_PREPARE = true;

  /**
   * Let a transaction send statements that do not wait for each other's answers in one round trip (`together`:
   * node-postgres's pipelining). On by default; off, they go one after the other, in the same order.
   */
  @Transform(toBool)
  @IsBoolean()
  DB_PIPELINE = true;

  /** Business dates are calendar dates in this zone (SPEC §2). */
  @IsString()
  BUSINESS_TIMEZONE = 'Asia/Shanghai';

  /**
   * Whether an ADMIN may move the business date forward over the API (SPEC §2.7): on by default outside production
   * (development, test); a training or sandbox deployment running NODE_ENV=production turns it on explicitly. Off,
   * the business date is the calendar date in BUSINESS_TIMEZONE and a stored date is ignored.
   */
  @Transform(toBool)
  @IsOptional()
  @IsBoolean()
  BUSINESS_DATE_MOVABLE?: boolean;

  get isProduction(): boolean {
    return this.NODE_ENV === 'production';
  }
  get businessDateMovable(): boolean {
    return this.BUSINESS_DATE_MOVABLE ?? !this.isProduction;
  }
  get previewPublic(): boolean {
    return this.PREVIEW_PUBLIC ?? !this.isProduction;
  }
  get loginAddressRateLimit(): number {
    return this.LOGIN_ADDRESS_RATE_LIMIT_PER_MINUTE ?? this.LOGIN_RATE_LIMIT_PER_MINUTE * 10;
  }
  /** TRUST_PROXY as Express's 'trust proxy' setting takes it. */
  get trustProxy(): false | number | string[] {
    return parseTrustProxy(this.TRUST_PROXY) ?? false;
  }
}

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** `false`, a hop count, or a list of proxy addresses/CIDRs; undefined when the value is none of these. */
export function parseTrustProxy(value: string): false | number | string[] | undefined {
  const v = value.trim();
  if (v === 'false') return false;
  if (/^\d{1,2}$/.test(v)) return Number(v);
  const items = v.split(',').map((s) => s.trim());
  const valid = items.every((item) => {
    if (PROXY_NAMES.includes(item)) return true;
    const [address, bits, extra] = item.split('/');
    const family = isIP(address ?? '');
    if (!family || extra !== undefined) return false;
    if (bits === undefined) return true;
    return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
  });
  return items.length && valid ? items : undefined;
}

export class ConfigError extends Error {}

let processSecret: string | undefined;

/**
 * The signing secret of an installation that did not set JWT_SECRET (development and test only): random, never a
 * constant of the code. Development keeps it in `.secrets/jwt-secret` (created once, exclusively, so the API and the
 * worker starting together agree on it); test makes one per process.
 */
export function installationSecret(
  env: AppConfig['NODE_ENV'],
  dir = join(process.cwd(), '.secrets'),
): string {
  if (env === 'test') return (processSecret ??= randomBytes(32).toString('base64url'));
  const file = join(dir, 'jwt-secret');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    writeFileSync(file, randomBytes(32).toString('base64url'), { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length < 16) throw new Error(`${file} holds less than 16 characters`);
  return secret;
}

const PRODUCTION_REQUIRED = ['JWT_SECRET', 'ADMIN_PASSWORD', 'DATABASE_URL', 'REDIS_URL'] as const;

/** Builds and validates the config from an environment; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const known = Object.keys(new AppConfig()).concat([
    'PREVIEW_PUBLIC',
    'BUSINESS_DATE_MOVABLE',
    'REMINDER_SECRET_KEY',
    'REDIS_TLS_CA',
    'LOGIN_ADDRESS_RATE_LIMIT_PER_MINUTE',
  ]);
  const raw: Record<string, string> = {};
  for (const key of known) if (env[key] !== undefined && env[key] !== '') raw[key] = env[key] as string;
  const config = plainToInstance(AppConfig, raw, { exposeDefaultValues: true });
  const problems: string[] = [];
  if (raw.JWT_SECRET === undefined && !config.isProduction) {
    try {
      config.JWT_SECRET = installationSecret(config.NODE_ENV);
    } catch (e) {
      problems.push(
        `JWT_SECRET: unset, and no installation secret could be kept in .secrets/ (${(e as Error).message}); set it`,
      );
    }
  }
  for (const error of validateSync(config, { whitelist: true })) {
    problems.push(`${error.property}: ${Object.values(error.constraints ?? {}).join('; ')}`);
  }
  if (raw.REMINDER_SECRET_KEY !== undefined && raw.REMINDER_SECRET_KEY === config.JWT_SECRET) {
    problems.push(
      'REMINDER_SECRET_KEY: must differ from JWT_SECRET (its point is to survive a JWT_SECRET rotation)',
    );
  }
  if (raw.REDIS_TLS_CA !== undefined) {
    if (!/^rediss:\/\//.test(config.REDIS_URL))
      problems.push('REDIS_TLS_CA: needs a rediss:// REDIS_URL (TLS)');
    try {
      accessSync(raw.REDIS_TLS_CA, constants.R_OK);
    } catch {
      problems.push(`REDIS_TLS_CA: cannot read ${raw.REDIS_TLS_CA}`);
    }
  }
  if (parseTrustProxy(config.TRUST_PROXY) === undefined) {
    problems.push(
      'TRUST_PROXY: must be false, loopback, a hop count, or a comma-separated list of proxy addresses/CIDRs',
    );
  }
  if (config.isProduction) {
    for (const key of PRODUCTION_REQUIRED)
      if (!raw[key]) problems.push(`${key}: must be set when NODE_ENV=production`);
  }
  if (problems.length) throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  return config;
}
