import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { BullModule, getQueueToken } from '@nestjs/bullmq';
import {
  Controller,
  Delete,
  Get,
  HttpCode,
  Injectable,
  Ip,
  Module,
  type OnModuleInit,
  Post,
  Req,
  Res,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import {
  ApiBearerAuth,
  ApiExcludeController,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiTags,
} from '@nestjs/swagger';
import type { Queue } from 'bullmq';
import type { NextFunction, Request, Response } from 'express';
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { AuthService, LoginThrottle, UsersService } from '#libs/auth';
import {
  ApiDateTime,
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
import { BullBoardModule } from '@bull-board/nestjs';

/**
 * The BullMQ dashboard (@bull-board/nestjs) at /admin/queues, for ADMIN only.
 *
 * A browser cannot add a bearer header to a page it navigates to, so the dashboard accepts either:
 * - `Authorization: Bearer <token>` of an ADMIN (scripts, curl), or
 * - the `mae_queues` session cookie, issued by the dashboard's login page (/admin/queues/login, where a browser
 *   without a session is sent) or by POST /api/v1/admin/queues/session to a caller holding an ADMIN bearer token.
 * API clients (anything not asking for HTML) without credentials get 401 problem+json, not the redirect.
 *
 * Why the cookie is safe enough for an ops page that can retry and delete jobs:
 * - it is not the bearer token: it is signed with a key of its own (HKDF from JWT_SECRET, purpose-labelled), is valid
 *   only under Path=/admin/queues, and the API never accepts it, so a leaked dashboard cookie cannot call the API;
 * - HttpOnly (no script can read it), SameSite=Strict (not sent on cross-site requests), Secure in production, and it
 *   expires with the token lifetime (JWT_TTL_SECONDS);
 * - on every request the user is looked up again: a deactivated or demoted admin, or one whose tokens were revoked
 *   (users.token_version moved), loses the dashboard at once;
 * - state-changing requests (the dashboard's retry/clean/remove, and the login form) made from a browser must come
 *   from the same origin (Origin or Sec-Fetch-Site checked), on top of SameSite; the login form also carries a
 *   one-time token bound to a SameSite=Strict cookie, and its attempts count against the login rate limits.
 * Non-admins get 403, no or bad credentials 401, both as problem+json.
 */
export const QUEUE_DASHBOARD_PATH = '/admin/queues';
export const QUEUE_DASHBOARD_LOGIN_PATH = `${QUEUE_DASHBOARD_PATH}/login`;
export const QUEUE_SESSION_COOKIE = 'mae_queues';
export const QUEUE_LOGIN_CSRF_COOKIE = 'mae_queues_csrf';
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

/** Who may use the board: ADMIN by bearer token or session cookie. Runs in front of bull-board's router. */
@Injectable()
export class QueueDashboardAuth {
  constructor(
    private readonly sessions: QueueDashboardSessions,
    private readonly auth: AuthService,
    private readonly users: UsersService,
  ) {}

  /**
   * Express middleware: lets the login page through; otherwise authenticates, and on failure sends a browser that
   * navigates here without credentials to the login page (302) and answers everyone else with problem+json.
   */
  middleware() {
    return (req: Request, res: Response, next: NextFunction) => {
      const path = pathOf(req);
      if (path === QUEUE_DASHBOARD_LOGIN_PATH) return next();
      this.authenticate(req).then(
        () => next(),
        (e: unknown) => {
          const { problem } = toProblem(e, req.originalUrl);
          // A browser that navigated here without credentials logs in; a bad bearer token is an API client's error.
          if (problem.status === 401 && !req.headers.authorization && wantsPage(req)) {
            res.setHeader('Cache-Control', 'no-store');
            return res.redirect(302, `${QUEUE_DASHBOARD_LOGIN_PATH}?next=${encodeURIComponent(path)}`);
          }
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
        `an ADMIN bearer token, or a dashboard session (log in at ${QUEUE_DASHBOARD_LOGIN_PATH} or POST /api/v1/admin/queues/session), is required`,
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
}

/** The request path without its query string, as the client sent it (the mount point included). */
function pathOf(req: Request): string {
  return req.originalUrl.split('?')[0].replace(/\/+$/, '') || '/';
}

/** A browser navigating to a page (it prefers HTML), as opposed to an API client or the board's own fetches. */
function wantsPage(req: Request): boolean {
  return (
    (req.method === 'GET' || req.method === 'HEAD') &&
    req.accepts(['application/json', 'text/html']) === 'text/html'
  );
}

/** Where to go after logging in: a dashboard path only (never another site), the board itself by default. */
function safeNext(value: unknown): string {
  return typeof value === 'string' &&
    /^\/admin\/queues(\/[\w\-.~%/]*)?$/.test(value) &&
    !value.includes('//') &&
    !value.startsWith(QUEUE_DASHBOARD_LOGIN_PATH)
    ? value
    : QUEUE_DASHBOARD_PATH;
}

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

/**
 * The dashboard's login page: a server-rendered form (no script, so the default Content-Security-Policy holds) that
 * logs an ADMIN in with username and password, sets the dashboard session cookie and returns to the board.
 */
@ApiExcludeController()
@Public()
@Controller(QUEUE_DASHBOARD_LOGIN_PATH.slice(1))
export class QueueDashboardLoginController {
  constructor(
    private readonly sessions: QueueDashboardSessions,
    private readonly auth: AuthService,
    private readonly config: AppConfig,
    private readonly users: UsersService,
  ) {}

  @Get()
  page(@Req() req: Request, @Res() res: Response): void {
    this.render(res, 200, safeNext(req.query.next));
  }

  @Post()
  @LoginThrottle()
  async login(@Req() req: Request, @Res() res: Response, @Ip() ip: string): Promise<void> {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next = safeNext(body.next);
    const token = readCookie(req.headers.cookie, QUEUE_LOGIN_CSRF_COOKIE);
    const given = typeof body.csrf === 'string' ? body.csrf : '';
    if (!sameOrigin(req) || !token || !sameSecret(token, given)) {
      return this.render(
        res,
        403,
        next,
        'The form expired or was sent from another page; please log in again.',
      );
    }
    const username = typeof body.username === 'string' ? body.username.trim() : '';
    const password = typeof body.password === 'string' ? body.password : '';
    if (!username || !password)
      return this.render(res, 400, next, 'Enter a username and a password.', username);
    let userId: string;
    try {
      const { user } = await this.auth.login(username, password, ip);
      if (user.role !== 'ADMIN') {
        return this.render(res, 403, next, 'Only ADMIN users may open the queue dashboard.', username);
      }
      userId = user.id;
    } catch (e) {
      if (e instanceof DomainError && e.code === 'INVALID_CREDENTIALS') {
        return this.render(res, 401, next, 'Wrong username or password.', username);
      }
      throw e;
    }
    const row = await this.users.credentials(userId);
    if (!row) return this.render(res, 401, next, 'Wrong username or password.', username);
    const { value } = this.sessions.issue({
      userId: Number(userId),
      username: row.username,
      tokenVersion: row.tokenVersion,
    });
    res.setHeader('Set-Cookie', [
      this.sessions.cookieHeader(value, this.sessions.ttlSeconds),
      this.csrfCookie('', 0),
    ]);
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(303, next);
  }

  private csrfCookie(value: string, maxAgeSeconds: number): string {
    const secure = this.config.isProduction ? '; Secure' : '';
    return `${QUEUE_LOGIN_CSRF_COOKIE}=${value}; Path=${QUEUE_DASHBOARD_LOGIN_PATH}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure}`;
  }

  /** The form with a fresh one-time token (also set as a cookie that only this page receives). */
  private render(res: Response, status: number, next: string, error?: string, username = ''): void {
    const csrf = randomBytes(24).toString('base64url');
    res.setHeader('Set-Cookie', this.csrfCookie(csrf, 600));
    res.setHeader('Cache-Control', 'no-store');
    res.status(status).type('text/html; charset=utf-8').send(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Queue dashboard: log in</title>
<style>
body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;display:flex;justify-content:center;padding-top:10vh}
form{background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002;width:20rem}
h1{font-size:1.2rem;margin:0 0 1rem}label{display:block;margin:.75rem 0 .25rem}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.5rem}
button{margin-top:1.25rem;width:100%;padding:.6rem}.error{color:#b00020}
</style>
</head>
<body>
<form method="post" action="${QUEUE_DASHBOARD_LOGIN_PATH}">
<h1>Queue dashboard</h1>
<p>Log in as an ADMIN user.</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<input type="hidden" name="csrf" value="${csrf}">
<input type="hidden" name="next" value="${escapeHtml(next)}">
<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" required value="${escapeHtml(username)}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Log in</button>
</form>
</body>
</html>
`);
  }
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** bull-board's Express app, without Express's X-Powered-By header (it is an Express app of its own). */
class DashboardServerAdapter extends ExpressAdapter {
  constructor() {
    super();
    (this.getRouter() as { disable(setting: string): unknown }).disable('x-powered-by');
  }
}

/**
 * BullMQ emits 'error' on a queue handle when Redis is unreachable; the board's handles log nothing of it (the
 * health check reports Redis), instead of an unhandled 'error' event per reconnect attempt.
 */
@Injectable()
class QueueHandleErrors implements OnModuleInit {
  constructor(private readonly moduleRef: ModuleRef) {}
  onModuleInit(): void {
    for (const name of Object.values(QUEUES)) {
      this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }).on('error', () => undefined);
    }
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

class QueueSessionResponse {
  @ApiProperty({ example: '/admin/queues', description: 'where the dashboard is' }) dashboard!: string;
  @ApiDateTime({ description: 'when the session cookie expires' }) expiresAt!: string;
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
  @ApiOkResponse({ type: QueueSessionResponse })
  @ApiForbiddenResponse({ description: 'not an ADMIN' })
  async openQueueDashboardSession(@Req() req: Request & { actor: Actor }, @Res({ passthrough: true }) res: Response) {
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
  closeQueueDashboardSession(@Res({ passthrough: true }) res: Response): void {
    res.setHeader('Set-Cookie', this.sessions.cookieHeader('', 0));
  }
}

/** Sessions and the board's authentication (the board's middleware is built from them). */
@Module({
  providers: [QueueDashboardSessions, QueueDashboardAuth],
  exports: [QueueDashboardSessions, QueueDashboardAuth],
})
export class QueueDashboardAuthModule {}

/** One queue handle per queue of libs/common/src/queues.ts, registered with bull-board behind its authentication. */
@Module({
  imports: [
    QueueDashboardAuthModule,
    BullModule.forRootAsync({ inject: [AppConfig], useFactory: (config: AppConfig) => bullOptions(config) }),
    BullModule.registerQueue(...Object.values(QUEUES).map((name) => ({ name }))),
    BullBoardModule.forRootAsync({
      imports: [QueueDashboardAuthModule],
      inject: [QueueDashboardAuth],
      useFactory: (auth: QueueDashboardAuth) => ({
        route: QUEUE_DASHBOARD_PATH,
        adapter: DashboardServerAdapter,
        middleware: auth.middleware(),
        boardOptions: { uiConfig: { boardTitle: 'Mutual-aid engine queues' } },
      }),
    }),
    BullBoardModule.forFeature(...Object.values(QUEUES).map((name) => ({ name, adapter: BullMQAdapter }))),
  ],
  controllers: [QueueDashboardController, QueueDashboardLoginController],
  providers: [QueueHandleErrors],
  exports: [QueueDashboardAuthModule],
})
export class QueueDashboardModule {}
