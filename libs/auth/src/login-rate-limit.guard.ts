import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Redis } from 'ioredis';
import { AppConfig, DomainError, InjectRedis } from '#libs/common';

/**
 * Login attempts per client address per minute, counted in Redis so every API replica shares one budget (an
 * in-process counter would multiply the limit by the number of replicas).
 */
@Injectable()
export class LoginRateLimitGuard implements CanActivate {
  constructor(
    @InjectRedis() private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<Request>();
    const res = ctx.switchToHttp().getResponse<Response>();
    const windowId = Math.floor(Date.now() / 60_000);
    const key = `${this.config.QUEUE_PREFIX}:login-rate:${req.ip ?? 'unknown'}:${windowId}`;
    const [[, count]] = (await this.redis.multi().incr(key).expire(key, 61).exec()) as [[unknown, number]];
    const limit = this.config.LOGIN_RATE_LIMIT_PER_MINUTE;
    res.setHeader('X-RateLimit-Limit', String(limit));
    res.setHeader('X-RateLimit-Remaining', String(Math.max(0, limit - count)));
    if (count > limit) {
      res.setHeader('Retry-After', String(60 - (Math.floor(Date.now() / 1000) % 60)));
      throw new DomainError('RATE_LIMITED', 'too many login attempts from this address; try again in a minute');
    }
    return true;
  }
}
