import { Body, Controller, Delete, Get, HttpCode, Ip, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public, Roles, ROLES, type Actor } from '#libs/common';
import { AuthService } from './auth.service.js';
import { LoginThrottle } from './rate-limit.js';
import { ConsoleSessionView, CreateUserDto, LoginDto, UpdateUserDto, UserIdParam, UserListQuery } from './dto.js';
import { UsersService } from './users.service.js';
import { ConsoleSessions, CSRF_COOKIE, SESSION_COOKIE } from './session.js';

@ApiTags('auth')
@Controller('api/v1/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: ConsoleSessions,
  ) {}

  @Post('login')
  @Public()
  @HttpCode(200)
  @LoginThrottle()
  @ApiOkResponse({ description: 'A short-lived bearer token', schema: { example: { accessToken: 'eyJ…', tokenType: 'Bearer', expiresIn: 900 } } })
  @ApiUnauthorizedResponse({ description: 'Wrong username or password (INVALID_CREDENTIALS), one answer for both' })
  @ApiTooManyRequestsResponse({
    description: 'Too many login attempts for this username (from any address) or from this address; see Retry-After',
  })
  login(@Body() dto: LoginDto, @Ip() ip: string) {
    return this.auth.login(dto.username, dto.password, ip);
  }

  @Post('session')
  @Public()
  @HttpCode(200)
  @LoginThrottle()
  @ApiOperation({
    summary: 'Log in to the console: an HttpOnly session cookie and a CSRF token (no bearer token in the body)',
    description:
      `Sets ${SESSION_COOKIE} (HttpOnly, SameSite=Strict, Path=/api) and ${CSRF_COOKIE} (readable, SameSite=Strict). ` +
      'Requests with the session cookie other than GET/HEAD/OPTIONS must send the CSRF token in X-CSRF-Token ' +
      '(403 CSRF_TOKEN_INVALID otherwise). Same password rules and rate limits as POST /auth/login.',
  })
  @ApiOkResponse({ type: ConsoleSessionView, description: 'logged in: the cookies are set' })
  @ApiUnauthorizedResponse({ description: 'Wrong username or password (INVALID_CREDENTIALS), one answer for both' })
  @ApiTooManyRequestsResponse({ description: 'Too many login attempts; see Retry-After' })
  openSession(@Body() dto: LoginDto, @Ip() ip: string, @Res({ passthrough: true }) res: Response): Promise<ConsoleSessionView> {
    return this.sessions.login(dto.username, dto.password, ip, res);
  }

  @Delete('session')
  @Public()
  @HttpCode(204)
  @ApiOperation({ summary: 'Log out of the console: the session is refused from now on and both cookies are cleared' })
  @ApiNoContentResponse({ description: 'logged out (also when there was no session)' })
  async closeSession(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    await this.sessions.logout(req, res);
  }

  @Get('me')
  @Roles(...ROLES)
  @ApiBearerAuth()
  me(@Req() req: Request & { actor: Actor }) {
    return req.actor;
  }
}

@ApiTags('users')
@ApiBearerAuth()
@Controller('api/v1/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @Roles('ADMIN')
  list(@Query() q: UserListQuery) {
    return this.users.list(q, q.role);
  }

  @Get(':id')
  @Roles('ADMIN')
  get(@Param() p: UserIdParam) {
    return this.users.get(p.id);
  }

  @Post()
  @Roles('ADMIN')
  create(@Body() dto: CreateUserDto) {
    return this.users.create(dto);
  }

  @Patch(':id')
  @Roles('ADMIN')
  update(@Param() p: UserIdParam, @Body() dto: UpdateUserDto) {
    return this.users.update(p.id, dto);
  }

  /** Forced log-out: every token issued to the user so far stops working; the user may log in again. */
  @Post(':id/revoke-tokens')
  @Roles('ADMIN')
  @HttpCode(200)
  revokeTokens(@Param() p: UserIdParam) {
    return this.users.revokeTokens(p.id);
  }
}
