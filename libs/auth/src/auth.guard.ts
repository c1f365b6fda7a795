import { CanActivate, ExecutionContext, Injectable, Optional } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import {
  AppConfig,
  DomainError,
  PUBLIC_KEY,
  PUBLIC_WHEN_KEY,
  RequestContext,
  ROLES_KEY,
  type Actor,
  type Role,
} from '#libs/common';
import { ApiKeyVerifier } from './api-key.js';
import { AuthService } from './auth.service.js';
import { ConsoleSessions } from './session.js';

/**
 * The global guard. Deny by default: an endpoint must say who may call it (@Roles) or that anyone may (@Public).
 * No or bad credentials → 401; a role not listed → 403.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
    private readonly config: AppConfig,
    @Optional() private readonly apiKeys?: ApiKeyVerifier,
    @Optional() private readonly sessions?: ConsoleSessions,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const targets = [ctx.getHandler(), ctx.getClass()];
    const req = ctx.switchToHttp().getRequest<Request & { actor?: Actor }>();
    const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets);
    const publicWhen = this.reflector.getAllAndOverride<'previewPublic' | 'DOCS_PUBLIC'>(PUBLIC_WHEN_KEY, targets);
    const open = isPublic || (publicWhen !== undefined && Boolean(this.config[publicWhen]));

    // the response, only for the session cookie's renewal (read lazily: nothing else needs it)
    const http = ctx.switchToHttp();
    const actor = await this.authenticate(req, open, () => http.getResponse<Response>());
    if (actor) {
      req.actor = actor;
      RequestContext.setActor(actor);
    }
    if (open) return true;
    if (!actor) throw new DomainError('UNAUTHENTICATED', 'a bearer token, a bank API key or a console session is required');
    const roles = this.reflector.getAllAndOverride<Role[]>(ROLES_KEY, targets);
    if (!roles || !roles.includes(actor.role as Role)) {
      throw new DomainError('FORBIDDEN', `role ${actor.role} may not ${req.method} ${req.route?.path ?? req.path}`);
    }
    return true;
  }

  private async authenticate(req: Request, optional: boolean, res: () => Response): Promise<Actor | null> {
    const header = req.headers.authorization;
    if (header) {
      const [scheme, token] = header.split(' ');
      if (scheme?.toLowerCase() !== 'bearer' || !token) {
        if (optional) return null;
        throw new DomainError('UNAUTHENTICATED', 'Authorization must be "Bearer <token>"');
      }
      try {
        return await this.auth.verify(token);
      } catch (e) {
        if (optional) return null;
        throw e;
      }
    }
    const key = req.headers['x-api-key'];
    if (typeof key === 'string' && key) {
      const actor = this.apiKeys ? await this.apiKeys.verify(key) : null;
      if (!actor && !optional) throw new DomainError('UNAUTHENTICATED', 'the API key is invalid or revoked');
      return actor;
    }
    // The console's session cookie (with its CSRF header on writes), only when no other credential was sent.
    if (this.sessions?.hasSession(req)) {
      try {
        return await this.sessions.authenticate(req, res());
      } catch (e) {
        if (optional) return null;
        throw e;
      }
    }
    return null;
  }
}
