export * from './domain/index.js';
export * from './products.module.js';
export * from './products.service.js';
export * from './rates.service.js';
export { ProductResponse } from './responses.js';
export * from './seed.js';
