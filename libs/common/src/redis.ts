import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { Redis, type RedisOptions } from 'ioredis';
import { AppConfig } from './config/app-config.js';

export const REDIS = Symbol('REDIS');
export const InjectRedis = () => Inject(REDIS);

@Injectable()
class RedisCloser implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}
  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }
}

/**
 * ioredis options every Redis connection of the engine adds to REDIS_URL: with REDIS_TLS_CA, the TLS connection that
 * rediss:// asks for verifies the server against that CA (the host name is checked as always). Empty otherwise.
 */
export function redisTlsOptions(config: Pick<AppConfig, 'REDIS_TLS_CA'>): Pick<RedisOptions, 'tls'> {
  return config.REDIS_TLS_CA ? { tls: { ca: readFileSync(config.REDIS_TLS_CA) } } : {};
}

/** A client of the configured Redis (the shared one below; anything else that needs its own connection). */
export function createRedisClient(config: Pick<AppConfig, 'REDIS_URL' | 'REDIS_TLS_CA'>, options: RedisOptions = {}): Redis {
  return new Redis(config.REDIS_URL, { ...options, ...redisTlsOptions(config) });
}

/** One shared ioredis client for health checks and small Redis work; BullMQ opens its own connections. */
@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => createRedisClient(config, { maxRetriesPerRequest: 2, lazyConnect: false }),
    },
    RedisCloser,
  ],
  exports: [REDIS],
})
export class RedisModule {}
