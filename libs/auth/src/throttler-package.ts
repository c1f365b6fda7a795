/**
 * @nestjs/throttler and its Redis storage, loaded with require() once @nestjs/common and @nestjs/core are evaluated.
 *
 * Both packages are CommonJS and require() the ESM-only Nest 12 packages. Node loads that fine; Jest's ESM runtime
 * runs a CommonJS dependency while it is still walking the import graph, before @nestjs/common has been evaluated,
 * and refuses ("Cannot require() ES Module … in a cycle"). Requiring them from this module's body, after its imports
 * have run, works in both. Import the throttler from here (or from #libs/auth), not from the packages.
 */
import '@nestjs/common';
import '@nestjs/core';
import type * as RedisStorage from '@nest-lab/throttler-storage-redis';
import type * as Throttler from '@nestjs/throttler';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const throttler = require('@nestjs/throttler') as typeof Throttler;
const storage = require('@nest-lab/throttler-storage-redis') as typeof RedisStorage;

export const { SkipThrottle, ThrottlerException, ThrottlerGuard, ThrottlerModule } = throttler;
export const { ThrottlerStorageRedisService } = storage;
export type { ThrottlerLimitDetail, ThrottlerModuleOptions, ThrottlerRequest } from '@nestjs/throttler';
