import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Redis } from 'ioredis';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppConfig, Clock, DomainError, InjectRedis, type Actor, type Role } from '#libs/common';
import { AuthService } from './auth.service.js';

/**
 * The browser session of the admin console: the same signed token as the bearer login, kept in a cookie no page
 * script can read, with a double-submit CSRF token bound to it.
 *
 * - `mae_session` (HttpOnly, SameSite=Strict, Path=/api, Secure in production) holds a token of kind `session`:
 *   the guard accepts it only from this cookie, and refuses it as a bearer token (and a bearer token in the cookie),
 *   so a session can never be lifted into an `Authorization` header, nor the reverse.
 * - `mae_csrf` (readable by the console's own scripts, SameSite=Strict, Path=/) holds a random CSRF token; the
 *   session token carries only its SHA-256. Every unsafe request (anything but GET, HEAD, OPTIONS) made with the
 *   session cookie must repeat the token in `X-CSRF-Token`; another site can neither read the cookie nor forge the
 *   header, and SameSite=Strict keeps the cookie off cross-site requests in the first place.
 * - Like a bearer token, a session dies when the user's token version moves (deactivation, role/bank/password
 *   change, forced log-out: 401 TOKEN_REVOKED); logging out also puts the session id on a Redis deny list until its
 *   expiry, so a copied cookie is dead too. An active session is renewed (a fresh cookie, same id and CSRF token)
 *   once less than half its lifetime is left, so the console logs out after JWT_TTL_SECONDS of inactivity.
 */
export const SESSION_COOKIE = 'mae_session';
export const CSRF_COOKIE = 'mae_csrf';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const revokedKey = (sid: string) => `mae:session-revoked:${sid}`;

export interface SessionLogin {
  user: { id: string; username: string; displayName: string; role: Role; bankId: string | null };
  csrfToken: string;
  expiresIn: number;
}

@Injectable()
export class ConsoleSessions {
  constructor(
    private readonly auth: AuthService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    @InjectRedis() private readonly redis: Redis,
  ) {}

  /** Checks the password (same rules, limits and log as the bearer login) and sets both cookies. */
  async login(username: string, password: string, ip: string | undefined, res: Response): Promise<SessionLogin> {
    const csrfToken = randomBytes(32).toString('base64url');
    const sid = randomBytes(16).toString('base64url');
    const { token, user, expiresIn } = await this.auth.issueSession(username, password, ip, { sid, csh: sha256(csrfToken) });
    this.setCookies(res, token, csrfToken, expiresIn);
    const { id, username: name, displayName, role, bankId } = user;
    return { user: { id, username: name, displayName, role, bankId }, csrfToken, expiresIn };
  }

  /** Clears both cookies and denies the session id until the token would have expired anyway. */
  async logout(req: Request, res: Response): Promise<void> {
    const token = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (token) {
      const claims = await this.auth.decodeSession(token);
      if (claims) {
        const ttl = Math.max(1, claims.exp - Math.floor(this.clock.now().getTime() / 1000));
        await this.redis.set(revokedKey(claims.sid), '1', 'EX', ttl);
      }
    }
    res.setHeader('Set-Cookie', [this.cookie(SESSION_COOKIE, '', 0, true, '/api'), this.cookie(CSRF_COOKIE, '', 0, false, '/')]);
  }

  /** The request's session cookie, if any. */
  hasSession(req: Request): boolean {
    return Boolean(readCookie(req.headers.cookie, SESSION_COOKIE));
  }

  /**
   * The actor of the session cookie: token valid and of kind session, not logged out, user's version unchanged,
   * and for an unsafe method the CSRF header matching the token's hash. Renews the cookie past half its life.
   */
  async authenticate(req: Request, res: Response | undefined): Promise<Actor> {
    const token = readCookie(req.headers.cookie, SESSION_COOKIE) ?? '';
    const { actor, claims } = await this.auth.verifySession(token);
    if (await this.redis.exists(revokedKey(claims.sid))) {
      throw new DomainError('TOKEN_REVOKED', 'the console session was logged out; log in again');
    }
    if (!SAFE_METHODS.has(req.method)) {
      const given = req.headers[CSRF_HEADER];
      if (typeof given !== 'string' || !given || !sameSecret(sha256(given), claims.csh)) {
        throw new DomainError(
          'CSRF_TOKEN_INVALID',
          `a change made with the console session needs the ${CSRF_COOKIE} cookie's value in the X-CSRF-Token header`,
        );
      }
    }
    const now = Math.floor(this.clock.now().getTime() / 1000);
    if (res && !res.headersSent && claims.exp - now < this.config.JWT_TTL_SECONDS / 2) {
      const fresh = await this.auth.renewSession(claims);
      res.append('Set-Cookie', this.cookie(SESSION_COOKIE, fresh, this.config.JWT_TTL_SECONDS, true, '/api'));
    }
    return actor;
  }

  private setCookies(res: Response, token: string, csrf: string, maxAge: number): void {
    res.setHeader('Set-Cookie', [
      this.cookie(SESSION_COOKIE, token, maxAge, true, '/api'),
      // the CSRF cookie outlives nothing: it goes with the session (a later session replaces it)
      this.cookie(CSRF_COOKIE, csrf, maxAge, false, '/'),
    ]);
    res.setHeader('Cache-Control', 'no-store');
  }

  private cookie(name: string, value: string, maxAge: number, httpOnly: boolean, path: string): string {
    const secure = this.config.isProduction ? '; Secure' : '';
    return `${name}=${value}; Path=${path}; Max-Age=${maxAge}${httpOnly ? '; HttpOnly' : ''}; SameSite=Strict${secure}`;
  }
}

export function sha256(s: string): string {
  return createHash('sha256').update(s).digest('base64url');
}

function sameSecret(a: string, b: unknown): boolean {
  if (typeof b !== 'string') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}
