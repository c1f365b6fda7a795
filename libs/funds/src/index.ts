export * from './domain/index.js';
export {
  addMonths,
  maxWithdrawableUnderCap,
  withdrawalRules,
  type WithdrawalFacts,
  type WithdrawalFailure,
} from './domain/shares.js';
export * from './contributions.service.js';
export * from './funds.module.js';
export * from './funds.service.js';
export * from './seed.js';
export * from './shares.service.js';
export * from './contribution-import.service.js';
