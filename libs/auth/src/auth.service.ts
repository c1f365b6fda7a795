import { Injectable, Logger } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppConfig, DomainError, type Actor, type Role } from '#libs/common';
import { UsersService } from './users.service.js';

interface TokenClaims {
  sub: string;
  usr: string;
  role: Role;
  bank: string | null;
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
    const user = await this.users.checkPassword(username, password);
    if (!user) {
      // The password is never logged; the username and source are, so repeated failures can be seen.
      this.logger.warn({ event: 'login_failed', username, ip }, 'login failed');
      throw new DomainError('INVALID_CREDENTIALS', 'username or password is wrong');
    }
    const claims: TokenClaims = { sub: user.id, usr: user.username, role: user.role, bank: user.bankId };
    const accessToken = await this.jwt.signAsync(claims, { expiresIn: this.config.JWT_TTL_SECONDS });
    return { accessToken, tokenType: 'Bearer', expiresIn: this.config.JWT_TTL_SECONDS, user };
  }

  async verify(token: string): Promise<Actor> {
    try {
      const c = await this.jwt.verifyAsync<TokenClaims>(token);
      return { userId: Number(c.sub), username: c.usr, role: c.role, bankId: c.bank ? Number(c.bank) : null, via: 'jwt' };
    } catch {
      throw new DomainError('UNAUTHENTICATED', 'the bearer token is invalid or expired');
    }
  }
}
