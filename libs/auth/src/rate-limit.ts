import { type ExecutionContext, Injectable, Logger, SetMetadata } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import { type AppConfig, DomainError } from '#libs/common';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import {
  ThrottlerException,
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
  type ThrottlerRequest,
} from '@nestjs/throttler';

/**
 * Rate limits (@nestjs/throttler, counted in Redis so every API replica shares one budget):
 * - `default`: every API request, per client address, API_RATE_LIMIT_PER_MINUTE (health and metrics skip it);
 * - `login-address`: login attempts per client address, loginAddressRateLimit (generous: a whole office or village
 *   behind one NAT address logs in through it);
 * - `login-username`: login attempts per username from all addresses together, LOGIN_RATE_LIMIT_PER_MINUTE, so a
 *   password-guessing attack on one account from many addresses is stopped.
 * The client address is Express's `req.ip`, so it honours TRUST_PROXY.
 */
export const THROTTLERS = {
  DEFAULT: 'default',
  LOGIN_ADDRESS: 'login-address',
  LOGIN_USERNAME: 'login-username',
} as const;

const LOGIN_THROTTLE = 'mae:login-throttle';
/** Marks a login handler: the two login limits apply to it on top of the API-wide one. */
export const LoginThrottle = () => SetMetadata(LOGIN_THROTTLE, true);

const isLogin = (ctx: ExecutionContext) => Reflect.getMetadata(LOGIN_THROTTLE, ctx.getHandler()) === true;

/** The username a login attempt is for (case-folded), or undefined when the body has none. */
function loginUsername(req: Request): string | undefined {
  const name = (req.body as { username?: unknown } | undefined)?.username;
  return typeof name === 'string' && name.trim() ? name.trim().toLowerCase().slice(0, 200) : undefined;
}

const MINUTE_MS = 60_000;

export function throttlerOptions(config: AppConfig, redis: Redis): ThrottlerModuleOptions {
  return {
    throttlers: [
      { name: THROTTLERS.DEFAULT, ttl: MINUTE_MS, limit: config.API_RATE_LIMIT_PER_MINUTE },
      {
        name: THROTTLERS.LOGIN_ADDRESS,
        ttl: MINUTE_MS,
        limit: config.loginAddressRateLimit,
        skipIf: (ctx) => !isLogin(ctx),
      },
      {
        name: THROTTLERS.LOGIN_USERNAME,
        ttl: MINUTE_MS,
        limit: config.LOGIN_RATE_LIMIT_PER_MINUTE,
        skipIf: (ctx) => !isLogin(ctx) || !loginUsername(ctx.switchToHttp().getRequest<Request>()),
        getTracker: (req) => loginUsername(req as Request) ?? '',
      },
    ],
    // One budget per tracker (address or username) and limit across all routes, under the deployment's prefix so
    // several deployments or test apps can share one Redis; the tracker is hashed (no usernames in Redis keys).
    generateKey: (_ctx, tracker, name) =>
      `${config.QUEUE_PREFIX}:throttle:${name}:${createHash('sha256').update(tracker).digest('base64url')}`,
    storage: new ThrottlerStorageRedisService(redis),
  };
}

const REFUSALS: Record<string, string> = {
  [THROTTLERS.DEFAULT]: 'too many requests from this address; slow down',
  [THROTTLERS.LOGIN_ADDRESS]: 'too many login attempts from this address; try again later',
  [THROTTLERS.LOGIN_USERNAME]: 'too many login attempts for this username; try again later',
};

/** The throttler guard with the engine's refusal: 429 problem+json `RATE_LIMITED` and a Retry-After in seconds. */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  private readonly log = new Logger('RateLimit');

  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const name = props.throttler.name ?? THROTTLERS.DEFAULT;
    try {
      return await super.handleRequest(props);
    } catch (e) {
      if (e instanceof ThrottlerException) {
        throw new DomainError('RATE_LIMITED', REFUSALS[name] ?? REFUSALS[THROTTLERS.DEFAULT], [], {
          rateLimit: name,
        });
      }
      // Redis unreachable: the API-wide limit lets the request through (reads keep working while /health reports
      // Redis down); the login limits do not, so passwords cannot be guessed at full speed during an outage.
      if (name !== THROTTLERS.DEFAULT) throw e;
      this.log.warn(
        { err: { message: (e as Error)?.message } },
        'rate limit not counted: storage unavailable',
      );
      return true;
    }
  }

  protected override async throwThrottlingException(
    ctx: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const res = ctx.switchToHttp().getResponse<Response>();
    res.setHeader('Retry-After', String(Math.max(1, detail.timeToBlockExpire)));
    throw new ThrottlerException();
  }
}
