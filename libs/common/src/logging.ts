import type { LoggerService } from '@nestjs/common';
import { Logger as NestPinoLogger, LoggerModule } from 'nestjs-pino';
import type { DynamicModule } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { pino, type DestinationStream, type Logger as Pino, type LoggerOptions } from 'pino';
import { pinoHttp, type HttpLogger, type Options as HttpLoggerOptions } from 'pino-http';
import type { AppConfig } from './config/app-config.js';

/**
 * Personal data and secrets never reach the logs: ID numbers and phone numbers are masked wherever they appear
 * under these keys, and credentials are removed.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'password',
  'idNumber',
  'phone',
  'apiKey',
  '*.password',
  '*.idNumber',
  '*.phone',
  '*.apiKey',
  '*.*.idNumber',
  '*.*.phone',
];

/** Masks the middle of an identifier: 370302199001011234 → 3703**********1234. */
export function maskMiddle(value: string | null | undefined, keepStart = 4, keepEnd = 4): string | null {
  if (value === null || value === undefined) return null;
  if (value.length <= keepStart + keepEnd) return '*'.repeat(value.length);
  return value.slice(0, keepStart) + '*'.repeat(value.length - keepStart - keepEnd) + value.slice(-keepEnd);
}

/** Human-readable logs (pino-pretty) for a person at a terminal; JSON for everything else (files, collectors). */
export function prettyLogs(
  config: Pick<AppConfig, 'LOG_FORMAT' | 'isProduction'>,
  stdoutIsTTY = process.stdout.isTTY,
): boolean {
  if (config.LOG_FORMAT !== 'auto') return config.LOG_FORMAT === 'pretty';
  return Boolean(stdoutIsTTY) && !config.isProduction;
}

/**
 * The logger of a process: JSON lines with the redaction above, or the same records through pino-pretty when
 * `pretty`. `destination` defaults to stdout (tests pass a stream to read what is logged).
 */
export function createRootLogger(
  level: string,
  name: string,
  destination?: DestinationStream,
  opts: { pretty?: boolean } = {},
): Pino {
  const options: LoggerOptions = { level, name, redact: { paths: REDACT_PATHS, censor: '[MASKED]' } };
  if (destination) return pino(options, destination);
  if (opts.pretty) {
    return pino({
      ...options,
      transport: {
        target: 'pino-pretty',
        options: {
          colorize: true,
          translateTime: 'SYS:HH:MM:ss.l',
          ignore: 'pid,hostname,context',
          messageFormat: '{if context}[{context}] {end}{msg}',
          singleLine: true,
        },
      },
    });
  }
  return pino(options);
}

/** A sane caller-supplied request id (letters, digits, `_.-`, at most 100), else a fresh UUID. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
}

/**
 * pino-http options of the API: the request id as `requestId` on every line logged while handling a request, one
 * completion line per request (method, url, status, time) except for the probes /health and /metrics.
 */
export function httpLoggerOptions(logger: Pino): HttpLoggerOptions {
  return {
    logger,
    genReqId: requestIdOf,
    quietReqLogger: true,
    customAttributeKeys: { reqId: 'requestId' },
    autoLogging: {
      ignore: (req: IncomingMessage) => {
        const path = (req.url ?? '').split('?')[0];
        return path === '/health' || path === '/metrics';
      },
    },
    serializers: {
      req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  };
}

/** The request logger of one API instance (mounted by createApi before any route). */
export function createHttpLogger(logger: Pino): HttpLogger {
  return pinoHttp(httpLoggerOptions(logger));
}

/**
 * nestjs-pino for a process whose root logger is `logger`: Nest's own logs and every `new Logger(context)` go to
 * it, and inside an HTTP request to the request's child logger (which carries the request id).
 *
 * `useExisting`: the API mounts its pino-http middleware itself (createHttpLogger), one per application instance,
 * instead of the module's process-wide one, so that two applications in one process (the tests) each log to their
 * own logger; nestjs-pino then only binds that request logger for the request's duration.
 */
export function loggerModule(logger: Pino): DynamicModule {
  return LoggerModule.forRoot({ pinoHttp: { logger }, useExisting: true });
}

/** Framework chatter that is useful only when debugging the wiring: one line per module and per route. */
const WIRING_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);

/**
 * Nest's logger interface on nestjs-pino's, with the start-up wiring lines (modules initialised, routes mapped)
 * moved from info to debug, so a start prints a handful of lines instead of hundreds.
 */
export class AppLogger implements LoggerService {
  constructor(private readonly inner: NestPinoLogger) {}

  log(message: unknown, ...rest: unknown[]): void {
    const context = rest[rest.length - 1];
    if (typeof context === 'string' && WIRING_CONTEXTS.has(context)) this.inner.debug(message, ...rest);
    else this.inner.log(message, ...rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.inner.error(message, ...rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.inner.warn(message, ...rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.inner.debug(message, ...rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.inner.verbose(message, ...rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.inner.fatal(message, ...rest);
  }
}

export { NestPinoLogger };
