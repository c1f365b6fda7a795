import { Module } from '@nestjs/common';
import { ContributionRegister } from './contributions.register.js';
import { ContributionsStore } from './store/contributions.store.js';

/**
 * The contributions register alone, for the libraries that record money paid into their funds (funds, subsidy,
 * guarantee) without loading the funding API's controller. It depends on nothing but the database, so importing
 * it never makes a module cycle.
 */
@Module({
  providers: [ContributionsStore, ContributionRegister],
  exports: [ContributionRegister, ContributionsStore],
})
export class ContributionsModule {}
