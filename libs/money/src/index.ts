export * from './decimal.js';
export * from './money.js';
export * from './validators.js';
export * from './ids.js';
export * from './remembered.js';
