/** The library's pure functions alone (no Nest, no stores): what a worker thread or another library's domain imports. */
export * from './ageing.js';
export * from './dates.js';
export * from './format.js';
export * from './generate.js';
export * from './installment-progress.js';
export * from './position.js';
export * from './rules.js';
export * from './types.js';
