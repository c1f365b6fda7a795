import { Global, Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig, loadConfig } from './config/app-config.js';
import { Clock, SystemClock } from './clock.js';
import { buildDataSourceOptions } from './database/data-source-options.js';

export interface CommonModuleOptions {
  config?: AppConfig;
  clock?: Clock;
  applicationName?: string;
}

/** Configuration, clock and the TypeORM connection, shared by the API, the worker and the tests. */
@Global()
@Module({})
export class CommonModule {
  static forRoot(opts: CommonModuleOptions = {}): DynamicModule {
    const config = opts.config ?? loadConfig();
    return {
      module: CommonModule,
      imports: [
        TypeOrmModule.forRoot({
          ...buildDataSourceOptions({ url: config.DATABASE_URL, poolSize: config.DB_POOL_SIZE, applicationName: opts.applicationName }),
          autoLoadEntities: true,
        }),
      ],
      providers: [
        { provide: AppConfig, useValue: config },
        { provide: Clock, useValue: opts.clock ?? new SystemClock() },
      ],
      exports: [AppConfig, Clock],
    };
  }
}
