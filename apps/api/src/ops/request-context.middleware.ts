import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { RequestContext } from '#libs/common';

/** Binds the request id (pino's, or a fresh one) to everything done for this request: audit rows, ledger entries. */
@Injectable()
export class RequestContextMiddleware implements NestMiddleware {
  use(req: Request & { id?: string }, res: Response, next: NextFunction): void {
    const requestId = String(req.id ?? randomUUID());
    res.setHeader('X-Request-Id', requestId);
    RequestContext.run({ requestId }, () => next());
  }
}
