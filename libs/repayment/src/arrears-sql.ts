/** The arrears rules as set-based SQL over a batch of loans: see store/arrears.store.ts. */
export * from './store/arrears.store.js';
