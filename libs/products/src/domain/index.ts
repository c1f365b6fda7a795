/** The library's pure functions alone (no Nest, no stores): what a worker thread or another library's domain imports. */
export * from './definition.js';
export * from './eligibility.js';
export * from './enums.js';
export * from './percent.js';
export * from './purposes.js';
export * from './rate-bands.js';
export * from './terms.js';
export { penaltyRateFor } from './version.js';
