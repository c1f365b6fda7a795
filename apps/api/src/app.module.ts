import { type DynamicModule, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import type { Logger as PinoLogger } from 'pino';
import { AuditModule } from '#libs/audit';
import { AuthModule } from '#libs/auth';
import {
  CommonModule,
  createRootLogger,
  loadConfig,
  loggerModule,
  IdempotentReplayInterceptor,
  ProblemFilter,
  RedisModule,
  type CommonModuleOptions,
} from '#libs/common';
import { LedgerModule } from '#libs/ledger';
import { DOMAIN_MODULES } from './domain-modules.js';
import { HealthController } from './ops/health.controller.js';
import { BackgroundMetrics, MetricsController, MetricsMiddleware } from './ops/metrics.js';
import { RequestContextMiddleware } from './ops/request-context.middleware.js';

export interface AppModuleOptions extends CommonModuleOptions {
  /** The process's pino logger (nestjs-pino writes Nest's and the services' logs to it). */
  rootLogger?: PinoLogger;
}

@Module({})
export class AppModule implements NestModule {
  static forRoot(opts: AppModuleOptions = {}): DynamicModule {
    const config = opts.config ?? loadConfig();
    const common = CommonModule.forRoot({ applicationName: 'api', ...opts, config });
    const root = opts.rootLogger ?? createRootLogger(config.LOG_LEVEL, opts.applicationName ?? 'api');
    return {
      module: AppModule,
      imports: [
        common,
        loggerModule(root),
        RedisModule,
        TerminusModule,
        AuditModule,
        AuthModule,
        LedgerModule,
        ...DOMAIN_MODULES,
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: APP_FILTER, useClass: ProblemFilter },
        { provide: APP_INTERCEPTOR, useClass: IdempotentReplayInterceptor },
        BackgroundMetrics,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestContextMiddleware, MetricsMiddleware).forRoutes('*path');
  }
}
