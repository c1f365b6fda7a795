export * from './domain/compliance.js';
export * from './csv.js';
export * from './funding.module.js';
export * from './funding.service.js';
export * from './seed.js';
