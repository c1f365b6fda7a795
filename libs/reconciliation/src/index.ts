export * from './domain/statement.js';
export * from './reader/header.js';
export * from './labels.js';
export * from './reconciliation.module.js';
export * from './reconciliation.service.js';
export * from './statement-reader.js';
export * from './store/reconciliation.store.js';
export * from './views.js';
