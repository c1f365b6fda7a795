import { Foundation1764300000000 } from './1764300000000-foundation.js';

/** Every migration, in order. Add new ones at the end (generated with `npm run migration:generate`). */
export const MIGRATIONS = [Foundation1764300000000];
