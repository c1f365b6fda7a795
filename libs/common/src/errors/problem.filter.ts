import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { QueryFailedError } from 'typeorm';
import { DomainError, type FieldError } from './domain-error.js';
import { statusOf } from './error-codes.js';
import { RequestContext } from '../request-context.js';
import { STATUS_TITLES } from '../i18n/error-messages.js';
import { errorMessage, localizeFieldError, negotiateLanguage, statusTitle, type Lang } from '../i18n/messages.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  errors?: FieldError[];
  errorId?: string;
  [extra: string]: unknown;
}

/** English titles by status: the catalogue's (libs/common/src/i18n/error-messages.ts). */
const TITLES: Record<number, string> = Object.fromEntries(Object.entries(STATUS_TITLES).map(([s, [en]]) => [s, en]));

const HTTP_CODES: Record<number, string> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  429: 'RATE_LIMITED',
};

/**
 * The `schema.example` of a documented problem response (for @ApiUnprocessableEntityResponse and the like): the same
 * shape and titles the filter answers with, so every controller documents its refusals one way.
 */
export function problemExample(
  code: string,
  status: number,
  detail: string,
  errors?: unknown[],
  extra: Record<string, unknown> = {},
) {
  return {
    schema: {
      example: {
        type: `urn:problem:${code.toLowerCase()}`,
        title: TITLES[status] ?? 'Error',
        status,
        detail,
        code,
        ...(errors ? { errors } : {}),
        ...extra,
      },
    },
  };
}

/** Seconds a client is told to wait before retrying while the database or Redis is unreachable. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  // PostgreSQL: admin shutdown, crash shutdown, cannot connect now, too many connections, connection exceptions
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '08000',
  '08001',
  '08003',
  '08006',
]);
const CONNECTION_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /Connection is closed/i,
  /MaxRetriesPerRequest/i,
  /Stream isn't writeable/i,
  /ECONNREFUSED/,
  /the database system is (starting up|shutting down)/i,
];

/**
 * Whether an error says a backing service (PostgreSQL, Redis) could not be reached, rather than that the request was
 * wrong: the caller gets 503 with Retry-After, not 500. Looks through TypeORM's driverError and an error's cause.
 */
export function isServiceUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 3) return false;
  const e = error as { code?: unknown; name?: unknown; message?: unknown; driverError?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && CONNECTION_CODES.has(e.code)) return true;
  if (e.name === 'MaxRetriesPerRequestError') return true;
  if (typeof e.message === 'string' && CONNECTION_MESSAGES.some((re) => re.test(e.message as string))) return true;
  if (Array.isArray(e.errors) && e.errors.some((x) => isServiceUnavailable(x, depth + 1))) return true;
  return isServiceUnavailable(e.driverError, depth + 1) || isServiceUnavailable(e.cause, depth + 1);
}

/**
 * The problem in the caller's language: English keeps the thrown detail and messages; Chinese reads title, detail
 * and every field message from the one catalogue by code (libs/common/src/i18n), with the figures the error
 * carries. Field-error params are dropped either way.
 */
export function localizeProblem(problem: Problem, lang: Lang): Problem {
  const errors = problem.errors?.map((e) => localizeFieldError(e, lang));
  const out: Problem = { ...problem, ...(errors ? { errors } : {}) };
  if (lang === 'en') return out;
  out.title = statusTitle(problem.status, lang);
  const fields = [...new Set((problem.errors ?? []).map((e) => e.field).filter(Boolean))];
  out.detail = errorMessage(problem.code, lang, { ...problem, fields: fields.length ? fields : undefined }) ?? problem.detail;
  return out;
}

/** Turns any thrown value into application/problem+json (RFC 9457). Never leaks a stack trace. */
export function toProblem(exception: unknown, instance?: string, lang: Lang = 'en'): { problem: Problem; unexpected: boolean } {
  const { problem, unexpected } = toEnglishProblem(exception, instance);
  return { problem: localizeProblem(problem, lang), unexpected };
}

function toEnglishProblem(exception: unknown, instance?: string): { problem: Problem; unexpected: boolean } {
  if (exception instanceof DomainError) {
    const status = statusOf(exception.code);
    return {
      unexpected: false,
      problem: {
        type: `urn:problem:${exception.code.toLowerCase()}`,
        title: TITLES[status] ?? 'Error',
        status,
        detail: exception.detail,
        code: exception.code,
        instance,
        ...(exception.errors.length ? { errors: exception.errors } : {}),
        ...exception.extra,
      },
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const body = exception.getResponse() as string | { message?: string | string[]; code?: string; errors?: FieldError[] };
    const message = typeof body === 'string' ? body : Array.isArray(body.message) ? body.message.join('; ') : body.message;
    const code = (typeof body === 'object' && body.code) || HTTP_CODES[status] || 'INTERNAL';
    return {
      unexpected: status >= 500,
      problem: {
        type: `urn:problem:${code.toLowerCase()}`,
        title: TITLES[status] ?? 'Error',
        status,
        detail: message ?? exception.message,
        code,
        instance,
        ...(typeof body === 'object' && body.errors ? { errors: body.errors } : {}),
      },
    };
  }
  if (isServiceUnavailable(exception)) {
    return {
      unexpected: false,
      problem: {
        type: 'urn:problem:service_unavailable',
        title: 'Service Unavailable',
        status: 503,
        detail: `a service the engine depends on (database or Redis) is unavailable; retry in ${UNAVAILABLE_RETRY_AFTER_SECONDS} seconds`,
        code: 'SERVICE_UNAVAILABLE',
        instance,
      },
    };
  }
  // Unique-violation races that slipped past a service check are conflicts, not crashes.
  if (exception instanceof QueryFailedError && (exception as unknown as { code?: string }).code === '23505') {
    return {
      unexpected: false,
      problem: {
        type: 'urn:problem:conflict',
        title: 'Conflict',
        status: 409,
        detail: 'A record with the same unique key already exists',
        code: 'CONFLICT',
        instance,
      },
    };
  }
  const errorId = randomUUID();
  return {
    unexpected: true,
    problem: {
      type: 'urn:problem:internal',
      title: 'Internal Server Error',
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      detail: `An unexpected error occurred; quote error id ${errorId}`,
      code: 'INTERNAL',
      instance,
      errorId,
    },
  };
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request>();
    const res = ctx.getResponse<Response>();
    const lang = negotiateLanguage(req?.headers?.['accept-language']);
    const { problem, unexpected } = toProblem(exception, req?.originalUrl, lang);
    if (unexpected) {
      // Only name, message, code and stack: a driver error's query parameters can hold personal data.
      const e = exception as { name?: string; message?: string; code?: string; stack?: string };
      this.logger.error(
        { errorId: problem.errorId, requestId: RequestContext.requestId(), err: { name: e?.name, message: e?.message, code: e?.code, stack: e?.stack } },
        'unexpected error',
      );
    }
    if (unexpected === false && problem.status === 503) {
      const e = exception as { name?: string; message?: string; code?: string };
      this.logger.warn({ requestId: RequestContext.requestId(), err: { name: e?.name, message: e?.message, code: e?.code } }, 'service unavailable');
    }
    if (res.headersSent) return;
    if (problem.status === 503) res.setHeader('Retry-After', String(UNAVAILABLE_RETRY_AFTER_SECONDS));
    res.setHeader('Content-Language', lang);
    res.vary('Accept-Language');
    res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  }
}
