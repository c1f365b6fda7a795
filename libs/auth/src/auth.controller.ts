import { Body, Controller, Get, HttpCode, Ip, Param, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Request } from 'express';
import { Public, Roles, ROLES, type Actor } from '#libs/common';
import { AuthService } from './auth.service.js';
import { LoginThrottle } from './rate-limit.js';
import { CreateUserDto, LoginDto, UpdateUserDto, UserIdParam, UserListQuery } from './dto.js';
import { UsersService } from './users.service.js';

@ApiTags('auth')
@Controller('api/v1/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

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
