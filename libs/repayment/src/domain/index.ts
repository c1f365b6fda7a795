/** The library's pure functions alone (no Nest, no stores): what a worker thread or another library's domain imports. */
export * from './dates.js';
export * from './distribution.js';
export * from './loan-state.js';
export * from './postings.js';
export * from './repayment-rules.js';
export * from './replay.js';
export * from './statement.js';
export * from './terms.js';
export * from './write-off.js';
