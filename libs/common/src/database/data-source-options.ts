import type { DataSourceOptions } from 'typeorm';
import { installPgTypeParsers } from './pg-types.js';

export interface DbOptionsInput {
  url: string;
  poolSize?: number;
  entities?: DataSourceOptions['entities'];
  migrations?: DataSourceOptions['migrations'];
  applicationName?: string;
  /**
   * node-postgres's pipelining on each pooled connection (default on): statements a transaction starts without
   * awaiting the one before (`together`) go out at once instead of one round trip each.
   */
  pipeline?: boolean;
}

/** The one place TypeORM is configured; `synchronize` is never on: the schema comes only from migrations. */
export function buildDataSourceOptions(input: DbOptionsInput): DataSourceOptions {
  installPgTypeParsers();
  return {
    type: 'postgres',
    url: input.url,
    entities: input.entities ?? [],
    migrations: input.migrations ?? [],
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    // Failed queries are not logged by TypeORM: their parameters can hold personal data (ID numbers, phones).
    logging: false,
    extra: {
      max: input.poolSize ?? 20,
      application_name: input.applicationName ?? 'mutual-aid-engine',
      pipeline: input.pipeline ?? true,
    },
  };
}
