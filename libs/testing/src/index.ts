export * from './test-app.js';
export * from './test-db.js';
export * from './contract.js';
