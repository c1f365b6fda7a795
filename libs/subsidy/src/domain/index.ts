/** The library's pure functions alone (no Nest, no stores): what a worker thread or another library's domain imports. */
export * from './accounts.js';
export * from './calendar.js';
export * from './claim-view.js';
export * from './claims.js';
export * from './earning.js';
export * from './generation.js';
export * from './loan-terms.js';
export * from './policy.js';
export * from './programme.js';
export * from './programme-view.js';
export * from './settlement.js';
