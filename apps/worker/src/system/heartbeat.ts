import { Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { hostname } from 'node:os';
import { AppConfig, Clock, heartbeatDoneKey, heartbeatKey, InjectRedis } from '#libs/common';

/**
 * Records one heartbeat per job id, atomically: the "done" marker and the heartbeat hash change together in one
 * Lua script, so a redelivered job (a stalled worker's job handed to another) never counts twice.
 */
const RECORD = `
if not redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[4]) then return 0 end
redis.call('HSET', KEYS[1], 'at', ARGV[1], 'jobId', ARGV[2], 'worker', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'beats', 1)
return 1`;

/** How long a job id is remembered as done: longer than BullMQ keeps finished jobs (one day). */
const DONE_TTL_SECONDS = 2 * 24 * 3600;

@Injectable()
export class HeartbeatService {
  private readonly worker = `${hostname()}:${process.pid}`;

  constructor(
    @InjectRedis() private readonly redis: Redis,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** Returns false when this job id was already recorded (nothing changes then). */
  async record(jobId: string): Promise<boolean> {
    const prefix = this.config.QUEUE_PREFIX;
    const done = (await this.redis.eval(
      RECORD,
      2,
      heartbeatKey(prefix),
      heartbeatDoneKey(prefix, jobId),
      this.clock.now().toISOString(),
      jobId,
      this.worker,
      String(DONE_TTL_SECONDS),
    )) as number;
    return done === 1;
  }
}
