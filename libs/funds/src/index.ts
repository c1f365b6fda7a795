export * from './domain/accounts.js';
export * from './domain/position.js';
export * from './domain/rules.js';
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
export * from './domain/members.js';
export * from './seed.js';
export * from './shares.service.js';
export * from './domain/views.js';
export * from './contribution-import.service.js';
