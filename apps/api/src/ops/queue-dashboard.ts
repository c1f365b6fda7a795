import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import {
  Controller,
  Delete,
  HttpCode,
  Injectable,
  Module,
  type OnApplicationShutdown,
  Post,
  Req,
  Res,
} from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Queue } from 'bullmq';
import type { NextFunction, Request, Response } from 'express';
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { AuthService, UsersService } from '#libs/auth';
import {
  AppConfig,
  bullOptions,
  Clock,
  DomainError,
  Public,
  QUEUES,
  Roles,
  toProblem,
  type Actor,
} from '#libs/common';

/**
 * The BullMQ dashboard (@bull-board) at /admin/queues, for ADMIN only.
 *
 * A browser cannot add a bearer header to a page it navigates to, so the dashboard accepts either:
 * - `Authorization: Bearer <token>` of an ADMIN (scripts, curl), or
 * - the `mae_queues` session cookie, issued by POST /api/v1/admin/queues/session to a caller holding an ADMIN bearer
 *   token (e.g. from /docs in the same browser), then opening /admin/queues.
 *
 * Why the cookie is safe enough for an ops page that can retry and delete jobs:
 * - it is not the bearer token: it is signed with a key of its own (HKDF from JWT_SECRET, purpose-labelled), is valid
 *   only under Path=/admin/queues, and the API never accepts it, so a leaked dashboard cookie cannot call the API;
 * - HttpOnly (no script can read it), SameSite=Strict (not sent on cross-site requests), Secure in production, and it
 *   expires with the token lifetime (JWT_TTL_SECONDS);
 * - on every request the user is looked up again: a deactivated or demoted admin loses the dashboard at once;
 * - state-changing requests (the dashboard's retry/clean/remove) made with the cookie must come from the same origin
 *   (Origin or Sec-Fetch-Site checked), on top of SameSite.
 * Non-admins get 403, no or bad credentials 401, both as problem+json.
 */
export const QUEUE_DASHBOARD_PATH = '/admin/queues';
export const QUEUE_SESSION_COOKIE = 'mae_queues';

interface SessionClaims {
  uid: string;
  usr: string;
  /** The user's token_version at issue: like a bearer token, the session dies when the version moves. */
  ver: number;
  exp: number;
}

@Injectable()
export class QueueDashboardSessions {
  private readonly key: Buffer;

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {
    this.key = Buffer.from(
      hkdfSync('sha256', config.JWT_SECRET, 'mae-queue-dashboard', 'session-cookie-v1', 32),
    );
  }

  get ttlSeconds(): number {
    return this.config.JWT_TTL_SECONDS;
  }

  /** A signed cookie value for this admin, valid for the token lifetime from `now`. */
  issue(
    actor: Pick<Actor, 'userId' | 'username'> & { tokenVersion: number },
    now: Date = this.clock.now(),
  ): { value: string; expiresAt: Date } {
    const expiresAt = new Date(now.getTime() + this.ttlSeconds * 1000);
    const claims: SessionClaims = {
      uid: String(actor.userId),
      usr: actor.username,
      ver: actor.tokenVersion,
      exp: Math.floor(expiresAt.getTime() / 1000),
    };
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return { value: `${body}.${this.mac(body)}`, expiresAt };
  }

  /** The claims of a cookie value whose signature holds and which has not expired; null otherwise. */
  verify(value: string | undefined): SessionClaims | null {
    if (!value) return null;
    const [body, mac, extra] = value.split('.');
    if (!body || !mac || extra !== undefined) return null;
    const expected = Buffer.from(this.mac(body));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    try {
      const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as SessionClaims;
      if (typeof claims.exp !== 'number' || claims.exp * 1000 <= this.clock.now().getTime()) return null;
      if (!/^\d+$/.test(claims.uid) || !Number.isInteger(claims.ver)) return null;
      return claims;
    } catch {
      return null;
    }
  }

  cookieHeader(value: string, maxAgeSeconds: number): string {
    const secure = this.config.isProduction ? '; Secure' : '';
    return `${QUEUE_SESSION_COOKIE}=${value}; Path=${QUEUE_DASHBOARD_PATH}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure}`;
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}

/** The dashboard itself: one BullMQ queue handle per queue of libs/common/src/queues.ts, and the auth in front. */
@Injectable()
export class QueueDashboard implements OnApplicationShutdown {
  readonly queues: Queue[];

  constructor(
    config: AppConfig,
    private readonly sessions: QueueDashboardSessions,
    private readonly auth: AuthService,
    private readonly users: UsersService,
  ) {
    this.queues = Object.values(QUEUES).map((name) => {
      const q = new Queue(name, bullOptions(config));
      q.on('error', () => undefined);
      return q;
    });
  }

  router() {
    const adapter = new ExpressAdapter();
    adapter.setBasePath(QUEUE_DASHBOARD_PATH);
    createBullBoard({
      queues: this.queues.map((q) => new BullMQAdapter(q)),
      serverAdapter: adapter,
      options: { uiConfig: { boardTitle: 'Mutual-aid engine queues' } },
    });
    return adapter.getRouter() as (req: Request, res: Response, next: NextFunction) => void;
  }

  /** Express middleware in front of the board: ADMIN by bearer token or session cookie, else 401/403. */
  guard() {
    return (req: Request, res: Response, next: NextFunction) => {
      this.authenticate(req).then(
        () => next(),
        (e: unknown) => {
          const { problem } = toProblem(e, req.originalUrl);
          res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
        },
      );
    };
  }

  private async authenticate(req: Request): Promise<void> {
    const header = req.headers.authorization;
    if (header) {
      const [scheme, token] = header.split(' ');
      if (scheme?.toLowerCase() !== 'bearer' || !token)
        throw new DomainError('UNAUTHENTICATED', 'Authorization must be "Bearer <token>"');
      const actor = await this.auth.verify(token);
      if (actor.role !== 'ADMIN')
        throw new DomainError('FORBIDDEN', `role ${actor.role} may not open the queue dashboard`);
      return;
    }
    const claims = this.sessions.verify(readCookie(req.headers.cookie, QUEUE_SESSION_COOKIE));
    if (!claims) {
      throw new DomainError(
        'UNAUTHENTICATED',
        'an ADMIN bearer token, or a dashboard session from POST /api/v1/admin/queues/session, is required',
      );
    }
    const user = await this.users.credentials(claims.uid);
    if (!user || !user.active)
      throw new DomainError('UNAUTHENTICATED', 'the dashboard session belongs to no active user');
    if (user.tokenVersion !== claims.ver)
      throw new DomainError(
        'TOKEN_REVOKED',
        "the dashboard session was opened before the user's password, role or bank changed (or their sessions were revoked)",
      );
    if (user.role !== 'ADMIN')
      throw new DomainError('FORBIDDEN', `role ${user.role} may not open the queue dashboard`);
    if (!['GET', 'HEAD', 'OPTIONS'].includes(req.method) && !sameOrigin(req)) {
      throw new DomainError(
        'FORBIDDEN',
        'dashboard changes made with the session cookie must come from the dashboard itself',
      );
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.queues.map((q) => q.close().catch(() => undefined)));
  }
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

/** A cookie-borne write must come from this origin: Sec-Fetch-Site same-origin, or an Origin naming this host. */
function sameOrigin(req: Request): boolean {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string') return site === 'same-origin';
  const origin = req.headers.origin;
  if (typeof origin !== 'string') return false;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

@ApiTags('ops')
@Controller('api/v1/admin/queues')
export class QueueDashboardController {
  constructor(
    private readonly sessions: QueueDashboardSessions,
    private readonly users: UsersService,
  ) {}

  @Post('session')
  @Roles('ADMIN')
  @ApiBearerAuth()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Open a queue-dashboard session in this browser',
    description:
      'Sets an HttpOnly, SameSite=Strict cookie scoped to /admin/queues (signed with a key of its own, never accepted ' +
      'by the API), valid for the token lifetime; then open /admin/queues.',
  })
  @ApiOkResponse({
    schema: { example: { dashboard: '/admin/queues', expiresAt: '2026-03-15T08:15:00.000Z' } },
  })
  @ApiForbiddenResponse({ description: 'not an ADMIN' })
  async open(@Req() req: Request & { actor: Actor }, @Res({ passthrough: true }) res: Response) {
    // The bearer token was just checked against this version, so the session starts as valid as the token.
    const user = await this.users.credentials(String(req.actor.userId));
    if (!user) throw new DomainError('UNAUTHENTICATED', 'the token belongs to no user');
    const { value, expiresAt } = this.sessions.issue({ ...req.actor, tokenVersion: user.tokenVersion });
    res.setHeader('Set-Cookie', this.sessions.cookieHeader(value, this.sessions.ttlSeconds));
    res.setHeader('Cache-Control', 'no-store');
    return { dashboard: QUEUE_DASHBOARD_PATH, expiresAt: expiresAt.toISOString() };
  }

  @Delete('session')
  @Public()
  @HttpCode(204)
  @ApiOperation({ summary: 'Close the queue-dashboard session of this browser (clears the cookie)' })
  @ApiNoContentResponse({ description: 'cookie cleared' })
  close(@Res({ passthrough: true }) res: Response): void {
    res.setHeader('Set-Cookie', this.sessions.cookieHeader('', 0));
  }
}

@Module({
  controllers: [QueueDashboardController],
  providers: [QueueDashboardSessions, QueueDashboard],
  exports: [QueueDashboard, QueueDashboardSessions],
})
export class QueueDashboardModule {}

/** Mounts the dashboard behind its guard; called by createApi before init. */
export function mountQueueDashboard(app: INestApplication): void {
  const board = app.get(QueueDashboard);
  app.use(QUEUE_DASHBOARD_PATH, board.guard(), board.router());
}
