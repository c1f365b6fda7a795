import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import expressStaticGzip from 'express-static-gzip';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the console is served (same origin as the API, so its session cookie and CSRF token just work). */
export const CONSOLE_PATH = '/console';

/** The built console (apps/console/dist), found from this file whether it runs from the sources or from dist/. */
export function consoleDistDir(): string {
  if (process.env.CONSOLE_DIST) return resolve(process.env.CONSOLE_DIST);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'apps', 'console', 'index.html'))) return join(dir, 'apps', 'console', 'dist');
    dir = dirname(dir);
  }
  return resolve('apps/console/dist');
}

/**
 * Serves the console's static files under /console: hashed assets cached for a year, index.html never cached, and
 * every other path below /console answered with index.html (the console's router owns them). Without a build, a
 * short page says how to make one instead of a bare 404.
 *
 * Scripts and style sheets go out compressed when the browser accepts it: the build writes a Brotli and a gzip copy
 * beside each (apps/console/vite.config.ts), found once when the API starts; Brotli is preferred, then gzip, else the
 * file as it is (`Vary: Accept-Encoding` either way). A console rebuilt while the API runs is served uncompressed
 * until the API restarts.
 */
export function mountConsole(app: NestExpressApplication, dir = consoleDistDir()): void {
  const index = join(dir, 'index.html');
  const assets = join(dir, 'assets');
  app.use(
    CONSOLE_PATH,
    expressStaticGzip(dir, {
      enableBrotli: true,
      orderPreference: ['br', 'gzip'],
      index: false,
      serveStatic: {
        index: false,
        redirect: false,
        setHeaders: (res, path) => {
          res.setHeader(
            'Cache-Control',
            path.startsWith(assets) ? 'public, max-age=31536000, immutable' : 'no-cache',
          );
        },
      },
    }),
  );
  app.use(CONSOLE_PATH, (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (/\.[a-z0-9]+$/i.test(req.path) && req.path !== '/index.html') {
      res.status(404).type('text/plain').send('not found');
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    if (!existsSync(index)) {
      res
        .status(503)
        .type('text/html; charset=utf-8')
        .send(
          '<!DOCTYPE html><meta charset="utf-8"><title>Console</title><p>The console is not built yet: run <code>npm run build:console</code> (npm start does it).</p>',
        );
      return;
    }
    res.type('text/html; charset=utf-8').send(readFileSync(index));
  });
}
