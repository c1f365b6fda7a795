import { Body, Controller, Get, HttpCode, Ip, Param, Patch, Post, Query, Req } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { PageOf, Public, Roles, ROLES, type Actor } from '#libs/common';
import { AuthService } from './auth.service.js';
import { LoginThrottle } from './rate-limit.js';
import { CreateUserDto, LoginDto, UpdateUserDto, UserIdParam, UserListQuery } from './dto.js';
import { ActorResponse, LoginResponse, UserResponse } from './responses.js';
import { UsersService } from './users.service.js';

@ApiTags('auth')
@Controller('api/v1/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('login')
  @Public()
  @ApiOperation({ summary: 'Log in' })
  @HttpCode(200)
  @LoginThrottle()
  @ApiOkResponse({
    description: 'A short-lived bearer token and the user it was issued to',
    type: LoginResponse,
    example: {
      accessToken: 'eyJ…', tokenType: 'Bearer', expiresIn: 900,
      user: { id: '7', username: 'officer.wang', displayName: '王晓东', role: 'LOAN_OFFICER', bankId: null, areaKind: 'CITY', areaId: null, active: true, createdAt: '2026-01-05T02:00:00.000Z' },
    },
  })
  @ApiUnauthorizedResponse({ description: 'Wrong username or password (INVALID_CREDENTIALS), one answer for both' })
  @ApiTooManyRequestsResponse({
    description: 'Too many login attempts for this username (from any address) or from this address; see Retry-After',
  })
  login(@Body() dto: LoginDto, @Ip() ip: string) {
    return this.auth.login(dto.username, dto.password, ip);
  }

  @Get('me')
  @Roles(...ROLES)
  @ApiOperation({ summary: 'Get the calling user' })
  @ApiBearerAuth()
  @ApiOkResponse({ description: 'The caller as the API sees it (a user, or a bank through its API key)', type: ActorResponse })
  getCurrentUser(@Req() req: Request & { actor: Actor }) {
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
  @ApiOperation({ summary: 'List users' })
  @ApiOkResponse({ type: PageOf(UserResponse) })
  listUsers(@Query() q: UserListQuery) {
    return this.users.list(q, q.role);
  }

  @Get(':id')
  @Roles('ADMIN')
  @ApiOperation({ summary: 'Get a user' })
  @ApiOkResponse({ type: UserResponse })
  getUser(@Param() p: UserIdParam) {
    return this.users.get(p.id);
  }

  @Post()
  @Roles('ADMIN')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a user' })
  @ApiCreatedResponse({ type: UserResponse })
  createUser(@Body() dto: CreateUserDto) {
    return this.users.create(dto);
  }

  @Patch(':id')
  @Roles('ADMIN')
  @ApiOperation({ summary: 'Edit a user' })
  @ApiOkResponse({ description: 'Name, role, bank, password or active flag changed (a change of role, bank or password, or a deactivation, revokes the user’s tokens)', type: UserResponse })
  updateUser(@Param() p: UserIdParam, @Body() dto: UpdateUserDto) {
    return this.users.update(p.id, dto);
  }

  /** Forced log-out: every token issued to the user so far stops working; the user may log in again. */
  @Post(':id/revoke-tokens')
  @Roles('ADMIN')
  @ApiOperation({ summary: "Revoke a user's tokens (forced log-out)" })
  @HttpCode(200)
  @ApiOkResponse({ description: 'The user; tokens issued before now are refused (401 TOKEN_REVOKED)', type: UserResponse })
  revokeUserTokens(@Param() p: UserIdParam) {
    return this.users.revokeTokens(p.id);
  }
}
