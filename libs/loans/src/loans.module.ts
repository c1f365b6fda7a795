import { Module } from '@nestjs/common';
import { LoanAgeingStore } from './store/loan-ageing.store.js';
import { LoanStore } from './store/loan.store.js';

/**
 * The loans, their frozen instalments and their events: the one library that writes `loans`, `loan_installments`
 * and `loan_events` (origination, repayment, covered loans and the close of business call it). Providers only, no
 * HTTP surface: the loan read API stays with origination.
 */
@Module({
  providers: [LoanStore, LoanAgeingStore],
  exports: [LoanStore, LoanAgeingStore],
})
export class LoansModule {}
