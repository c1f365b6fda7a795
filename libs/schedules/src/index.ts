export * from './domain/dates.js';
export * from './domain/format.js';
export * from './domain/generate.js';
export * from './domain/position.js';
export * from './domain/rules.js';
export * from './domain/types.js';
