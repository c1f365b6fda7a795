import {
  Global,
  Injectable,
  Logger,
  Module,
  type DynamicModule,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppConfig, loadConfig } from './config/app-config.js';
import { BusinessClock, Clock } from './clock.js';
import { buildDataSourceOptions } from './database/data-source-options.js';
import { setPreparedStatements } from './database/sql.js';

export interface CommonModuleOptions {
  config?: AppConfig;
  clock?: Clock;
  applicationName?: string;
}

/** Reads the stored business date once at start (a database not yet reachable leaves the calendar date). */
@Injectable()
export class ClockStartup implements OnApplicationBootstrap {
  private readonly logger = new Logger('Clock');
  constructor(private readonly clock: Clock) {}
  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.clock.refresh();
    } catch (e) {
      this.logger.warn(`business date not read at start: ${(e as Error).message}`);
    }
  }
}

/**
 * Configuration, clock and the TypeORM connection, shared by the API, the worker and the tests. The clock is the
 * business clock (movable where configuration allows it) unless a caller (a test) passes its own.
 */
@Global()
@Module({})
export class CommonModule {
  static forRoot(opts: CommonModuleOptions = {}): DynamicModule {
    const config = opts.config ?? loadConfig();
    setPreparedStatements(config.DB_PREPARE);
    return {
      module: CommonModule,
      imports: [
        TypeOrmModule.forRoot({
          ...buildDataSourceOptions({
            url: config.DATABASE_URL,
            poolSize: config.DB_POOL_SIZE,
            pipeline: config.DB_PIPELINE,
            applicationName: opts.applicationName,
          }),
          autoLoadEntities: true,
        }),
      ],
      providers: [
        { provide: AppConfig, useValue: config },
        {
          provide: Clock,
          useFactory: (ds: DataSource) =>
            opts.clock ?? new BusinessClock(ds, config.businessDateMovable, config.BUSINESS_TIMEZONE),
          inject: [getDataSourceToken()],
        },
        ClockStartup,
      ],
      exports: [AppConfig, Clock],
    };
  }
}
