import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { negotiateLanguage, RequestContext } from '#libs/common';

/**
 * Binds the request id (pino's, or a fresh one) to everything done for this request: audit rows, ledger entries; and
 * the caller's language (Accept-Language) for reports written in a 200 answer (import results). `*` (any language,
 * what Node's fetch sends when the caller names none) states no preference: messages in English, files in Chinese.
 */
@Injectable()
export class RequestContextMiddleware implements NestMiddleware {
  use(req: Request & { id?: string }, res: Response, next: NextFunction): void {
    const requestId = String(req.id ?? randomUUID());
    res.setHeader('X-Request-Id', requestId);
    const accept = req.headers['accept-language'];
    // `*` alone (what fetch sends when the caller set nothing) names no language: the request's preference is absent
    const named = !!accept && !/^\s*\*\s*(;[^,]*)?$/.test(accept);
    RequestContext.run({ requestId, lang: named ? negotiateLanguage(accept) : undefined }, () => next());
  }
}
