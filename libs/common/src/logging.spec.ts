import type { IncomingMessage } from 'node:http';
import {
  AppLogger,
  createRootLogger,
  maskMiddle,
  NestPinoLogger,
  prettyLogs,
  requestIdOf,
} from './logging.js';

describe('AppLogger', () => {
  const calls: [string, unknown[]][] = [];
  const inner = Object.fromEntries(
    ['log', 'error', 'warn', 'debug', 'verbose', 'fatal'].map((level) => [
      level,
      (...args: unknown[]) => calls.push([level, args]),
    ]),
  ) as unknown as NestPinoLogger;
  const logger = new AppLogger(inner);
  beforeEach(() => (calls.length = 0));

  it('moves the start-up wiring lines (modules, routes) from info to debug', () => {
    logger.log('Mapped {/api/v1/users, GET} route', 'RouterExplorer');
    logger.log('UsersController {/api/v1/users}:', 'RoutesResolver');
    logger.log('AuthModule dependencies initialized', 'InstanceLoader');
    expect(calls.map(([level]) => level)).toEqual(['debug', 'debug', 'debug']);
    expect(calls[0][1]).toEqual(['Mapped {/api/v1/users, GET} route', 'RouterExplorer']);
  });

  it('passes everything else through at its own level', () => {
    logger.log('Nest application successfully started', 'NestApplication');
    logger.log({ event: 'x' }, 'message', 'SomeService');
    logger.warn('careful', 'RouterExplorer');
    logger.error('broken', 'stack', 'Problem');
    expect(calls.map(([level]) => level)).toEqual(['log', 'log', 'warn', 'error']);
    expect(calls[1][1]).toEqual([{ event: 'x' }, 'message', 'SomeService']);
  });
});

describe('log format', () => {
  it('is human-readable on a terminal outside production, JSON otherwise, unless LOG_FORMAT says', () => {
    expect(prettyLogs({ LOG_FORMAT: 'auto', isProduction: false }, true)).toBe(true);
    expect(prettyLogs({ LOG_FORMAT: 'auto', isProduction: false }, false)).toBe(false);
    expect(prettyLogs({ LOG_FORMAT: 'auto', isProduction: true }, true)).toBe(false);
    expect(prettyLogs({ LOG_FORMAT: 'json', isProduction: false }, true)).toBe(false);
    expect(prettyLogs({ LOG_FORMAT: 'pretty', isProduction: true }, false)).toBe(true);
  });

  it('masks personal data and drops credentials in every record', () => {
    const lines: string[] = [];
    const log = createRootLogger('info', 'test', { write: (l: string) => lines.push(l) });
    log.info(
      { password: 'secret-pass', household: { idNumber: '370302199001011234', phone: '13800138000' } },
      'x',
    );
    expect(lines[0]).not.toMatch(/secret-pass|370302199001011234|13800138000/);
    expect(JSON.parse(lines[0])).toMatchObject({ password: '[MASKED]', household: { idNumber: '[MASKED]' } });
    expect(maskMiddle('370302199001011234')).toBe('3703**********1234');
  });
});

describe('request ids', () => {
  const req = (id?: string) =>
    ({ headers: id === undefined ? {} : { 'x-request-id': id } }) as IncomingMessage;
  it('keeps a sane X-Request-Id and makes one up otherwise', () => {
    expect(requestIdOf(req('trace-abc.123'))).toBe('trace-abc.123');
    for (const bad of [undefined, '', 'has spaces', 'x'.repeat(101), 'semi;colon']) {
      expect(requestIdOf(req(bad))).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});
