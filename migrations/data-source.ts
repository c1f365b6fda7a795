import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions, loadConfig } from '#libs/common';
import { ENTITIES } from './entities.js';
import { MIGRATIONS } from './index.js';

/** The DataSource the TypeORM CLI uses (`npm run migration:generate|run|revert`). */
export default new DataSource(
  buildDataSourceOptions({ url: loadConfig().DATABASE_URL, entities: ENTITIES, migrations: MIGRATIONS }),
);
