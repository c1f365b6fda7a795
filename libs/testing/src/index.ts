export * from './test-app.js';
export * from './test-db.js';
export * from './contract.js';
export * from './api-call.js';
export * from './api-files.js';
export * from './projection-book.js';
