export * from './domain/ageing.js';
export * from './loans.module.js';
export * from './store/loan-ageing.store.js';
export * from './store/loan.store.js';
export * from './store/owned-tables.js';
export * from './store/rows.js';
