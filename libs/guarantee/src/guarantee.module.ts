import { Global, Module } from '@nestjs/common';
import { ApiKeyVerifier } from '#libs/auth';
import { ContributionsModule } from '#libs/funding';
import { HouseholdsModule } from '#libs/households';
import { LoansModule } from '#libs/loans';
import { ProductsModule } from '#libs/products';
import { SchedulesModule } from '#libs/schedules';
import { BreakerModule } from './breaker.module.js';
import { CoveredLoanImport } from './covered-import.service.js';
import { CompensationService } from './compensation.service.js';
import {
  CompensationClaimsController,
  CoveredLoansController,
  DistrictBreakerController,
} from './covered.controller.js';
import { CoveredLoanBook } from './covered-loan-book.service.js';
import { CoveredLoanRegistration } from './covered-loans.registration.service.js';
import { CoveredLoanReports } from './covered-loans.reports.service.js';
import { CoveredLoansService } from './covered-loans.service.js';
import { AgreementsService } from './agreements.service.js';
import { ApiKeysService, BanksService } from './banks.service.js';
import {
  AgreementsController,
  BanksController,
  CoversController,
  DistrictCapacityController,
  RiskFundsController,
} from './guarantee.controller.js';
import { GuaranteeCapacityService } from './guarantee-capacity.service.js';
import { GuaranteeService } from './guarantee.service.js';
import { RiskFundsService } from './risk-funds.service.js';
import { GUARANTEE_STORES } from './store/index.js';

/**
 * Banks and their API keys, district risk funds, cooperation agreements and the exposure memo ledger. Global
 * because it provides the `ApiKeyVerifier` the global AuthGuard asks for, and because phase B libraries
 * (covered-loan registration, compensation) call `GuaranteeService` inside their own transactions.
 */
@Global()
@Module({
  imports: [
    ProductsModule,
    HouseholdsModule,
    SchedulesModule,
    LoansModule,
    BreakerModule,
    ContributionsModule,
  ],
  controllers: [
    BanksController,
    RiskFundsController,
    DistrictCapacityController,
    AgreementsController,
    CoversController,
    CoveredLoansController,
    CompensationClaimsController,
    DistrictBreakerController,
  ],
  providers: [
    ...GUARANTEE_STORES,
    GuaranteeCapacityService,
    BanksService,
    ApiKeysService,
    { provide: ApiKeyVerifier, useExisting: ApiKeysService },
    RiskFundsService,
    AgreementsService,
    GuaranteeService,
    CoveredLoanBook,
    CoveredLoanRegistration,
    CoveredLoanImport,
    CoveredLoanReports,
    CoveredLoansService,
    CompensationService,
  ],
  exports: [
    BanksService,
    ApiKeysService,
    ApiKeyVerifier,
    RiskFundsService,
    AgreementsService,
    GuaranteeService,
    BreakerModule,
    CoveredLoansService,
    CompensationService,
  ],
})
export class GuaranteeModule {}
