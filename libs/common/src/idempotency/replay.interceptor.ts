import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { tap } from 'rxjs';
import { RequestContext } from '../request-context.js';

export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';

/**
 * Sends `Idempotent-Replayed: true` on every successful response that replayed a stored one: runIdempotent (or
 * noteIdempotentReplay) records the replay in the request context, and this interceptor, registered for the whole
 * API, turns it into the header. Money endpoints therefore never set the header themselves.
 */
@Injectable()
export class IdempotentReplayInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    return next.handle().pipe(
      tap(() => {
        const store = RequestContext.get();
        if (!store) return;
        const req = http.getRequest<{ headers: Record<string, string | string[] | undefined> }>();
        const key = req.headers['idempotency-key'];
        const own = typeof key === 'string' && store.replayedKeys?.has(key);
        if (!store.replayed && !own) return;
        const res = http.getResponse<{
          headersSent?: boolean;
          setHeader(name: string, value: string): void;
        }>();
        if (!res.headersSent) res.setHeader(IDEMPOTENT_REPLAYED_HEADER, 'true');
      }),
    );
  }
}
