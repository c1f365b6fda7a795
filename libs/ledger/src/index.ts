export * from './domain/entry.js';
export * from './domain/entry-codes.js';
export * from './ledger.module.js';
export * from './ledger.service.js';
export * from './domain/value-dated-bound.js';
