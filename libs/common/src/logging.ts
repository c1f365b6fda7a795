import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Params } from 'nestjs-pino';

/**
 * Personal data and secrets never reach the logs: ID numbers and phone numbers are masked wherever they appear
 * under these keys, and credentials are removed.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  '*.password',
  '*.idNumber',
  '*.phone',
  '*.*.idNumber',
  '*.*.phone',
  'password',
  'idNumber',
  'phone',
];

/** Masks the middle of an identifier: 370302199001011234 → 3703**********1234. */
export function maskMiddle(value: string | null | undefined, keepStart = 4, keepEnd = 4): string | null {
  if (value === null || value === undefined) return null;
  if (value.length <= keepStart + keepEnd) return '*'.repeat(value.length);
  return value.slice(0, keepStart) + '*'.repeat(value.length - keepStart - keepEnd) + value.slice(-keepEnd);
}

export function pinoParams(level: string, pretty = false): Params {
  return {
    pinoHttp: {
      level,
      redact: { paths: REDACT_PATHS, censor: '[MASKED]' },
      genReqId: (req: IncomingMessage) => {
        const given = req.headers['x-request-id'];
        return typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
      },
      customProps: (req: IncomingMessage) => ({ requestId: (req as IncomingMessage & { id?: string }).id }),
      autoLogging: { ignore: (req: IncomingMessage) => req.url === '/health' || req.url === '/metrics' },
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
      },
      ...(pretty ? { transport: { target: 'pino/file', options: { destination: 1 } } } : {}),
    },
  };
}
