export * from './api-key.js';
export * from './area-policy.js';
export * from './area-scope.guard.js';
export * from './auth.guard.js';
export * from './auth.module.js';
export * from './auth.service.js';
export * from './users.service.js';
export * from './rate-limit.js';
export { SkipThrottle } from '@nestjs/throttler';
