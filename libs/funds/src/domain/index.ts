/** The library's pure functions alone (no Nest, no stores): what a worker thread or another library's domain imports. */
export * from './accounts.js';
export * from './position.js';
export * from './rules.js';
export * from './members.js';
export * from './views.js';
