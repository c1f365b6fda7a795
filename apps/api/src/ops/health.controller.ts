import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { AppConfig, Clock, HEARTBEAT_EVERY_MS, InjectRedis, Public, readHeartbeat } from '#libs/common';
import { SkipThrottle } from '#libs/auth';
import { HealthResponse } from './responses.js';

@ApiTags('ops')
// Probes are never rate limited: a limited probe would take a healthy API out of its load balancer.
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @InjectRedis() private readonly redis: Redis,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  @Get()
  @Public()
  // documented here: Terminus's own schema would say a 503 has its body, while the problem filter answers it
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiServiceUnavailableResponse({ description: 'The database or Redis is down' })
  @ApiOperation({ summary: 'Check the health of the API' })
  @ApiOkResponse({
    description:
      'Database and Redis are checked; the worker entry is information only (its last heartbeat), so a lagging worker ' +
      'never takes the API out of a load balancer',
    type: HealthResponse,
    example: {
      status: 'ok',
      info: {
        database: { status: 'up' },
        redis: { status: 'up' },
        worker: { status: 'up', lastHeartbeatAt: '2026-01-15T08:00:00.000Z', ageSeconds: 12, stale: false, beats: 42, worker: 'host:1234' },
      },
    },
  })
  checkHealth() {
    return this.health.check([
      () => this.db.pingCheck('database', { timeout: 2000 }),
      async () => {
        const indicator = this.indicators.check('redis');
        try {
          const pong = await this.redis.ping();
          return pong === 'PONG' ? indicator.up() : indicator.down({ reply: pong });
        } catch (e) {
          return indicator.down({ message: (e as Error).message });
        }
      },
      async () => {
        const indicator = this.indicators.check('worker');
        const beat = await readHeartbeat(this.redis, this.config.QUEUE_PREFIX).catch(() => null);
        if (!beat) return indicator.up({ lastHeartbeatAt: null, stale: true });
        const ageSeconds = Math.max(0, Math.round((this.clock.now().getTime() - Date.parse(beat.at)) / 1000));
        // Stale after three missed beats.
        const stale = ageSeconds * 1000 > 3 * HEARTBEAT_EVERY_MS;
        return indicator.up({ lastHeartbeatAt: beat.at, ageSeconds, stale, beats: beat.beats, worker: beat.worker });
      },
    ]);
  }
}
