export * from './api-key.js';
export * from './auth.guard.js';
export * from './auth.module.js';
export * from './auth.service.js';
export * from './users.service.js';
export * from './rate-limit.js';
export * from './session.js';
export { SkipThrottle } from '@nestjs/throttler';
