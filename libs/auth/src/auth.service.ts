import { Injectable, Logger } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppConfig, DomainError, type Actor, type Role, ID_PATTERN } from '#libs/common';
import { UsersService } from './users.service.js';

interface TokenClaims {
  sub: string;
  usr: string;
  role: Role;
  bank: string | null;
  iat?: number;
  exp?: number;
  /** the user's token_version when the token was issued; the token is good only while it is still the row's */
  ver: number;
}

@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);

  constructor(
    private readonly jwt: JwtService,
    private readonly users: UsersService,
    private readonly config: AppConfig,
  ) {}

  async login(username: string, password: string, ip?: string) {
    const checked = await this.users.checkPassword(username, password);
    if (!checked) {
      // The password is never logged; the username and source are, so repeated failures can be seen.
      this.logger.warn({ event: 'login_failed', username, ip }, 'login failed');
      throw new DomainError('INVALID_CREDENTIALS', 'username or password is wrong');
    }
    const { user, tokenVersion } = checked;
    const claims: TokenClaims = { sub: user.id, usr: user.username, role: user.role, bank: user.bankId, ver: tokenVersion };
    const accessToken = await this.jwt.signAsync(claims, { expiresIn: this.config.JWT_TTL_SECONDS });
    return { accessToken, tokenType: 'Bearer', expiresIn: this.config.JWT_TTL_SECONDS, user };
  }

  /**
   * A token is good when its signature and expiry check out AND its user is still active with the token version
   * the token carries. The version moves (in the database, by trigger) on deactivation, a role or bank change and
   * a password change, so such a token is refused from the next request on, in every API process: the check is one
   * primary-key lookup per request, deliberately not cached. The actor is built from the row, not the claims.
   */
  async verify(token: string): Promise<Actor> {
    let c: TokenClaims;
    try {
      c = await this.jwt.verifyAsync<TokenClaims>(token);
    } catch {
      throw new DomainError('UNAUTHENTICATED', 'the bearer token is invalid or expired');
    }
    if (typeof c.sub !== 'string' || !ID_PATTERN.test(c.sub) || !boundedLifetime(c, this.config.JWT_TTL_SECONDS)) {
      throw new DomainError('UNAUTHENTICATED', 'the bearer token is invalid or expired');
    }
    const user = await this.users.credentials(c.sub);
    if (!user || !user.active || !Number.isInteger(c.ver) || user.tokenVersion !== c.ver) {
      this.logger.log({ event: 'token_revoked', userId: c.sub, username: c.usr }, 'revoked token refused');
      throw new DomainError(
        'TOKEN_REVOKED',
        'the bearer token was revoked (the user was deactivated or logged out, or their role, bank or password changed); log in again',
      );
    }
    return {
      userId: Number(user.id),
      username: user.username,
      role: user.role,
      bankId: user.bankId ? Number(user.bankId) : null,
      via: 'jwt',
      ...(user.area ? { area: user.area } : {}),
    };
  }
}

/**
 * A token must say when it was issued and when it expires, and live no longer than the configured lifetime: a token
 * signed with the secret but without `exp` (or with a far `exp`) is refused, whoever made it.
 */
export function boundedLifetime(c: { iat?: unknown; exp?: unknown }, ttlSeconds: number): boolean {
  return (
    Number.isInteger(c.iat) &&
    Number.isInteger(c.exp) &&
    (c.exp as number) > (c.iat as number) &&
    (c.exp as number) - (c.iat as number) <= ttlSeconds
  );
}
