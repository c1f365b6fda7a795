import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';
import type { AppConfig } from '#libs/common';

/**
 * helmet's security headers on every response. Its default Content-Security-Policy already suits the two HTML pages
 * the API serves, Swagger UI at /docs and the queue dashboard at /admin/queues: their scripts are same-origin files,
 * their inline styles are allowed by `style-src 'unsafe-inline'` and their images are same-origin or data: URLs.
 * `upgrade-insecure-requests` is left out outside production, where the API is reached over plain http on a
 * developer's machine and upgrading its own assets to https would break both pages.
 *
 * The headers do not depend on the request (no nonces, no per-request directives), so helmet runs once at start-up
 * against a recording response and every request gets the recorded headers in one step, instead of a dozen helmet
 * middlewares building the same strings again for each request.
 */
export function securityHeaders(config: Pick<AppConfig, 'isProduction'>) {
  const middleware = helmet({
    contentSecurityPolicy: {
      directives: { upgradeInsecureRequests: config.isProduction ? [] : null },
    },
  });
  const set: [string, string | number | readonly string[]][] = [];
  const removed: string[] = [];
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      set.push([name, value]);
      return recorder;
    },
    removeHeader(name: string) {
      removed.push(name);
    },
  };
  let done = false;
  middleware({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err;
    done = true;
  });
  if (!done) throw new Error('helmet did not finish synchronously: its headers cannot be recorded');
  return (_req: IncomingMessage, res: ServerResponse, next: () => void) => {
    for (const [name, value] of set) res.setHeader(name, value);
    for (const name of removed) res.removeHeader(name);
    next();
  };
}
