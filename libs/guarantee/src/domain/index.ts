/** The library's pure functions alone (no Nest, no stores): what a worker thread or another library's domain imports. */
export * from './accounts.js';
export * from './api-key.js';
export * from './capacity.js';
export * from './covered-loans.js';
export * from './covers.js';
export * from './leverage.js';
export { shareRatios, splitByShares } from './claims.js';
