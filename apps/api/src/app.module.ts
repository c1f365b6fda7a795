import { type DynamicModule, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { AuditModule } from '#libs/audit';
import { AuthModule } from '#libs/auth';
import {
  CommonModule,
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

@Module({})
export class AppModule implements NestModule {
  static forRoot(opts: CommonModuleOptions = {}): DynamicModule {
    const common = CommonModule.forRoot({ applicationName: 'api', ...opts });
    return {
      module: AppModule,
      imports: [
        common,
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
