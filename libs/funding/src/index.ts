export * from './domain/compliance.js';
export * from './csv.js';
export * from './contributions.module.js';
export * from './contributions.register.js';
export * from './funding.module.js';
export * from './funding.service.js';
export * from './seed.js';
export {
  CONTRIBUTION_SOURCES,
  CONTRIBUTION_TARGETS,
  type ContributionRegisterFilter,
  type ContributionRow,
  type ContributionSource,
  type ContributionTarget,
} from './store/contributions.store.js';
