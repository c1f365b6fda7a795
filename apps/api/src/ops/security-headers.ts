import helmet from 'helmet';
import type { AppConfig } from '#libs/common';

/**
 * helmet's security headers on every response. Its default Content-Security-Policy already suits the two HTML pages
 * the API serves, Swagger UI at /docs and the queue dashboard at /admin/queues: their scripts are same-origin files,
 * their inline styles are allowed by `style-src 'unsafe-inline'` and their images are same-origin or data: URLs.
 * `upgrade-insecure-requests` is left out outside production, where the API is reached over plain http on a
 * developer's machine and upgrading its own assets to https would break both pages.
 */
export function securityHeaders(config: Pick<AppConfig, 'isProduction'>) {
  return helmet({
    contentSecurityPolicy: {
      directives: { upgradeInsecureRequests: config.isProduction ? [] : null },
    },
  });
}
