import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
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
  app.useBodyParser('json', { limit: '5mb' });
  app.use(inputGuard());
  app.useGlobalPipes(createValidationPipe());
  // SIGTERM/SIGINT: close gracefully, then exit 0 (process.exit lets pino flush; re-raising the signal would not).
  app.enableShutdownHooks([], { useProcessExit: true });

  const config = app.get(AppConfig);
  const doc = new DocumentBuilder()
    .setTitle('Mutual-aid fund and guarantee pool engine')
    .setDescription(
      'Back office for village mutual-aid funds, district guarantee funds, interest subsidies and reports. ' +
        'Money is a decimal string in yuan ("5000.00"); rates are percent per year ("4.35"); dates are YYYY-MM-DD ' +
        '(Asia/Shanghai business dates). Errors are application/problem+json with a stable `code`. ' +
        'Money-moving POSTs require an Idempotency-Key header.',
    )
    .setVersion('1')
    .addTag('auth', 'Sign in (a short-lived bearer token), who am I, sign out.')
    .addTag('users', 'Staff accounts and roles (ADMIN).')
    .addTag('audit', 'The append-only audit log of every write.')
    .addTag('ledger', 'The double-entry ledger: accounts, balances, statements by value date, journal entries, verify.')
    .addTag('business-date', 'The business date every decision reads; moving it forward day by day outside production.')
    .addTag('geography', 'Districts, towns, villages and poverty lines.')
    .addTag('households', 'The poverty registry: households with masked personal data, CSV import.')
    .addTag('operating entities', 'Cooperatives and enterprises linked to poor households (each household counted once).')
    .addTag('joint-liability groups', 'Groups of borrowers who endorse and answer for each other.')
    .addTag('products', 'Versioned loan products and their rules.')
    .addTag('benchmark-rates', 'Effective-dated benchmark rates by term band.')
    .addTag('schedules', 'Exact repayment schedules (the preview contract).')
    .addTag('mutual-aid-funds', 'Village mutual-aid funds: rules, contributions, member shares, withdrawals, position.')
    .addTag('loan applications', 'Applications, eligibility, group endorsement, maker-checker approval, public notice.')
    .addTag('loans', 'Loans, their schedules, disbursement and history.')
    .addTag('repayments', 'Value-dated repayments, payoff, reversal, write-off and recoveries, year-end fee distribution.')
    .addTag('close-of-business', 'The daily close of business: ageing, penalties, calls, portfolio snapshots.')
    .addTag('banks', 'Partner banks and their API keys.')
    .addTag('risk funds', 'District guarantee funds: deposits, interest, withdrawals, the breaker.')
    .addTag('guarantee agreements', 'Cooperation agreements: leverage multiple, loss share, NPL threshold.')
    .addTag('covered bank loans', 'Bank loans under cover: registration, status and repayment reports, compensation.')
    .addTag('reconciliation', 'Bank statements matched against the engine.')
    .addTag('subsidy', 'Interest-subsidy programmes, budgets, policies, claims and their queue.')
    .addTag('funding', 'The contributions register and matching compliance.')
    .addTag('reminders', 'Repayment reminders: endpoints, the outbox, selection runs.')
    .addTag('reports', 'Monthly leverage reports: versions and what changed, ranking, exports, chart.')
    .addTag('asset-income', 'Asset-income projects: quantified shares, yearly dividends with the floor, liquidation.')
    .addTag('ops', 'Health and metrics.')
    .addBearerAuth()
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Api-Key' }, 'bank-api-key')
    .build();
  const document = SwaggerModule.createDocument(app, doc);
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
