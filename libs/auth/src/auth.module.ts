import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AreaScopeGuard } from './area-scope.guard.js';
import { AreaStore } from './store/area.store.js';
import { createSecretKey } from 'node:crypto';
import { JwtModule } from '@nestjs/jwt';
import type { Redis } from 'ioredis';
import { AppConfig, REDIS } from '#libs/common';
import { AuthController, UsersController } from './auth.controller.js';
import { AuthGuard } from './auth.guard.js';
import { AuthService } from './auth.service.js';
import { RateLimitGuard, throttlerOptions } from './rate-limit.js';
import { ThrottlerModule } from '@nestjs/throttler';
import { UsersStore } from './store/users.store.js';
import { CredentialsCache } from './credentials-cache.js';
import { UsersService } from './users.service.js';
import { ConsoleSessions } from './session.js';

@Global()
@Module({
  imports: [
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        // One key object for every token. Given the secret as text, jsonwebtoken first tries to read it as a public
        // key on every verification, and fails (a thrown and caught exception per request: 0.13 ms of the API's CPU
        // per request in a profile of bench:http).
        const key = createSecretKey(Buffer.from(config.JWT_SECRET));
        return { secretOrKeyProvider: () => key, signOptions: { algorithm: 'HS256' } };
      },
    }),
    ThrottlerModule.forRootAsync({
      inject: [AppConfig, REDIS],
      useFactory: (config: AppConfig, redis: Redis) => throttlerOptions(config, redis),
    }),
  ],
  controllers: [AuthController, UsersController],
  // Rate limits first (a flood is refused before any token or database work), then authentication.
  providers: [
    AuthService,
    UsersService,
    UsersStore,
    CredentialsCache,
    AreaStore,
    ConsoleSessions,
    { provide: APP_GUARD, useClass: RateLimitGuard },
    { provide: APP_GUARD, useClass: AuthGuard },
    // then the caller's area (staff limited to a district, town or village): area-policy.ts
    { provide: APP_GUARD, useClass: AreaScopeGuard },
  ],
  exports: [AuthService, UsersService, ConsoleSessions],
})
export class AuthModule {}
