export * from './domain/entry.js';
export * from './domain/entry-codes.js';
export * from './ledger.module.js';
export * from './ledger.service.js';
