import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import type { Logger as PinoLogger } from 'pino';
import { UsersService } from '#libs/auth';
import {
  AppConfig,
  AppLogger,
  Clock,
  countQueries,
  createHttpLogger,
  createRootLogger,
  createValidationPipe,
  loadConfig,
  NestPinoLogger,
  prettyLogs,
  type CommonModuleOptions,
} from '#libs/common';
import { AppModule } from './app.module.js';
import { mountConsole } from './ops/console-static.js';
import { buildOpenApiDocument } from './openapi.js';
import { inputGuard } from './ops/input-guard.js';
import { securityHeaders } from './ops/security-headers.js';

/** Builds the API application (used by main.ts and by the e2e tests, so both run the same wiring). */
export async function createApi(
  opts: CommonModuleOptions & { logger?: boolean; rootLogger?: PinoLogger } = {},
): Promise<INestApplication> {
  const cfg = opts.config ?? loadConfig();
  if (cfg.DB_QUERY_COUNT) countQueries();
  // A caller-supplied pino logger (the tests capture what is logged) wins over the configured one.
  const root =
    opts.rootLogger ??
    createRootLogger(opts.logger === false ? 'silent' : cfg.LOG_LEVEL, 'api', undefined, {
      pretty: prettyLogs(cfg),
    });
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot({ ...opts, config: cfg, rootLogger: root }),
    { bufferLogs: true },
  );
  app.useLogger(new AppLogger(app.get(NestPinoLogger)));
  app.disable('x-powered-by');
  app.use(securityHeaders(cfg));
  app.use(createHttpLogger(root));
  if (cfg.businessDateMovable) {
    // A movable business date lives in the database (an ADMIN may have moved it from another replica): every
    // request reads it first. A database that does not answer keeps the date last read (the request then fails on
    // its own query, with the usual problem response).
    const clock = app.get(Clock);
    app.use((_req: unknown, _res: unknown, next: () => void) => {
      clock.refresh().then(
        () => next(),
        () => next(),
      );
    });
  }
  app.set('trust proxy', cfg.trustProxy);
  // No ETag on API answers: figures are never served from a cache as 304 (and no body is hashed per response).
  // The console's static files keep their own validators.
  app.set('etag', false);
  app.useBodyParser('json', { limit: '5mb' });
  app.use(inputGuard());
  app.useGlobalPipes(createValidationPipe());
  // The admin console (apps/console, built by npm start) at /console, same origin as the API.
  mountConsole(app);
  // SIGTERM/SIGINT: close gracefully, then exit 0 (process.exit lets pino flush; re-raising the signal would not).
  app.enableShutdownHooks([], { useProcessExit: true });

  const config = app.get(AppConfig);
  const document = buildOpenApiDocument(app);
  if (config.DOCS_PUBLIC)
    SwaggerModule.setup('docs', app, document, {
      jsonDocumentUrl: 'docs-json',
      // a token or bank key entered once stays across reloads; the filter box searches operations by tag
      swaggerOptions: { persistAuthorization: true, filter: true },
    });

  await app.init();
  await app.get(UsersService).ensureAdmin(config.ADMIN_USERNAME, config.ADMIN_PASSWORD);
  return app;
}
