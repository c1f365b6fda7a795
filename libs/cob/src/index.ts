export * from './cob.module.js';
export * from './cob.queue.js';
export * from './cob.service.js';
export * from './dto.js';
export * from './portfolio.service.js';
export * from './seed.js';
export * from './snapshot-sql.js';
export * from './store/metrics.store.js';
