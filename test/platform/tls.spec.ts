import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import {
  bullOptions,
  buildDataSourceOptions,
  ConfigError,
  createRedisClient,
  loadConfig,
} from '#libs/common';

/**
 * TLS to Redis and PostgreSQL as docs/deployment.md describes it, against servers whose certificate is signed by a
 * private CA made here: Redis is a real redis-server with a TLS port; PostgreSQL's side is the protocol's TLS
 * negotiation (SSLRequest, 'S', handshake, then the startup message), enough to prove what the pg driver sends.
 */

let dir: string;
let ca: string;
const otherCa = (): string => join(dir, 'other-ca.crt');

function openssl(args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
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

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mae-tls-'));
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=mae test CA',
  ]);
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'other-ca.key',
    '-out',
    'other-ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=other CA',
  ]);
  openssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=127.0.0.1',
  ]);
  writeFileSync(join(dir, 'ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '2',
    '-extfile',
    'ext',
  ]);
  ca = join(dir, 'ca.crt');
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('REDIS_TLS_CA', () => {
  const base = { REDIS_URL: 'rediss://127.0.0.1:6380' };

  it('is accepted with a rediss:// URL and a readable file', () => {
    expect(loadConfig({ ...base, REDIS_TLS_CA: ca }).REDIS_TLS_CA).toBe(ca);
    expect(loadConfig(base).REDIS_TLS_CA).toBeUndefined();
  });

  it('is refused with a plain redis:// URL or a file that cannot be read, naming the variable', () => {
    expect(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_TLS_CA: ca })).toThrow(
      new ConfigError('Invalid configuration:\n  - REDIS_TLS_CA: needs a rediss:// REDIS_URL (TLS)'),
    );
    expect(() => loadConfig({ ...base, REDIS_TLS_CA: join(dir, 'missing.pem') })).toThrow(
      /REDIS_TLS_CA: cannot read .*missing\.pem/,
    );
  });
});

describe('Redis over TLS (rediss://) with a private CA', () => {
  let redisServer: ChildProcess;
  let url: string;

  beforeAll(async () => {
    const port = await freePort();
    url = `rediss://127.0.0.1:${port}`;
    redisServer = spawn(
      'redis-server',
      [
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--tls-cert-file',
        'server.crt',
        '--tls-key-file',
        'server.key',
        '--tls-auth-clients',
        'no',
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      { cwd: dir, stdio: 'ignore' },
    );
    const probe = createRedisClient(
      { REDIS_URL: url, REDIS_TLS_CA: ca },
      { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 500 },
    );
    for (let i = 0; ; i++) {
      try {
        await probe.connect();
        break;
      } catch (e) {
        if (i > 50) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    probe.disconnect();
  });

  afterAll(async () => {
    redisServer?.kill('SIGTERM');
    await new Promise((r) => redisServer?.once('exit', r));
  });

  const failsToConnect = async (tlsCa: string | undefined): Promise<string> => {
    const client = createRedisClient(
      { REDIS_URL: url, REDIS_TLS_CA: tlsCa },
      { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 500 },
    );
    const errors: string[] = [];
    client.on('error', (e: Error) => errors.push(e.message));
    try {
      await client.connect();
      return 'connected';
    } catch (e) {
      // connect() rejects with "Connection is closed"; the TLS failure itself is the 'error' event.
      return [...errors, (e as Error).message].join('; ');
    } finally {
      client.disconnect();
    }
  };

  it('connects when REDIS_TLS_CA names the CA, and BullMQ (bullOptions) does too', async () => {
    const config = loadConfig({ REDIS_URL: url, REDIS_TLS_CA: ca, QUEUE_PREFIX: 'tlstest' });
    const client = createRedisClient(config);
    try {
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
    }
    const queue = new Queue('tls-probe', bullOptions(config));
    try {
      await queue.add('probe', { n: 1 }, { jobId: 'probe-1' });
      expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 1 });
    } finally {
      await queue.close();
    }
  });

  it('refuses the server without the CA (system CAs only) and with another CA', async () => {
    expect(await failsToConnect(undefined)).toMatch(/certificate/i);
    expect(await failsToConnect(otherCa())).toMatch(/certificate/i);
  });
});

describe('PostgreSQL over TLS: sslmode and sslrootcert in DATABASE_URL reach the pg driver', () => {
  const SSL_REQUEST = 80877103;
  let server: Server;
  let port: number;
  let seen: { sslRequested: boolean; tls: boolean; startup?: string }[];

  beforeAll(async () => {
    const key = readFileSync(join(dir, 'server.key'));
    const cert = readFileSync(join(dir, 'server.crt'));
    server = createServer((socket: Socket) => {
      const record: (typeof seen)[number] = { sslRequested: false, tls: false };
      seen.push(record);
      socket.once('data', (first: Buffer) => {
        if (first.length >= 8 && first.readInt32BE(4) === SSL_REQUEST) {
          record.sslRequested = true;
          socket.write('S');
          const tls = new TLSSocket(socket, { isServer: true, key, cert });
          tls.on('secure', () => (record.tls = true));
          tls.on('error', () => undefined);
          // The startup message, now inside TLS: record it and hang up (this is not a PostgreSQL server).
          tls.once('data', (startup: Buffer) => {
            record.startup = startup.subarray(8).toString('utf8');
            tls.destroy();
          });
        } else {
          record.startup = first.subarray(8).toString('utf8');
          socket.destroy();
        }
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  beforeEach(() => {
    seen = [];
  });

  /** Opens the engine's DataSource (the options the API, worker and migrations use); the server then hangs up. */
  const connect = async (query: string): Promise<string> => {
    const url = `postgres://engine@127.0.0.1:${port}/mutual_aid${query}`;
    const ds = new DataSource(buildDataSourceOptions({ url, poolSize: 1, applicationName: 'tls-test' }));
    try {
      await ds.initialize();
      return 'connected';
    } catch (e) {
      return (e as Error).message;
    } finally {
      if (ds.isInitialized) await ds.destroy();
    }
  };

  it('sslmode=verify-full with sslrootcert: TLS verified against that CA, the startup message inside it', async () => {
    const message = await connect(`?sslmode=verify-full&sslrootcert=${encodeURIComponent(ca)}`);
    expect(message).not.toMatch(/certificate/i);
    expect(seen).toEqual([{ sslRequested: true, tls: true, startup: expect.stringContaining('engine') }]);
  });

  it('sslmode=verify-full without the CA, or with another CA, refuses the server before sending anything', async () => {
    expect(await connect('?sslmode=verify-full')).toMatch(/certificate/i);
    expect(await connect(`?sslmode=verify-full&sslrootcert=${encodeURIComponent(otherCa())}`)).toMatch(
      /certificate/i,
    );
    expect(seen.map((s) => s.startup)).toEqual([undefined, undefined]);
  });

  it('no sslmode: plain TCP (the development default)', async () => {
    await connect('');
    expect(seen).toEqual([{ sslRequested: false, tls: false, startup: expect.stringContaining('engine') }]);
  });
});
