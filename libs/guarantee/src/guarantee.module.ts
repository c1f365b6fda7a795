import { Global, Module } from '@nestjs/common';
import { ApiKeyVerifier } from '#libs/auth';
import { AgreementsService } from './agreements.service.js';
import { ApiKeysService, BanksService } from './banks.service.js';
import {
  AgreementsController,
  BanksController,
  CoversController,
  DistrictCapacityController,
  RiskFundsController,
} from './guarantee.controller.js';
import { GuaranteeService } from './guarantee.service.js';
import { RiskFundsService } from './risk-funds.service.js';

/**
 * Banks and their API keys, district risk funds, cooperation agreements and the exposure memo ledger. Global
 * because it provides the `ApiKeyVerifier` the global AuthGuard asks for, and because phase B libraries
 * (covered-loan registration, compensation) call `GuaranteeService` inside their own transactions.
 */
@Global()
@Module({
  controllers: [
    BanksController,
    RiskFundsController,
    DistrictCapacityController,
    AgreementsController,
    CoversController,
  ],
  providers: [
    BanksService,
    ApiKeysService,
    { provide: ApiKeyVerifier, useExisting: ApiKeysService },
    RiskFundsService,
    AgreementsService,
    GuaranteeService,
  ],
  exports: [
    BanksService,
    ApiKeysService,
    ApiKeyVerifier,
    RiskFundsService,
    AgreementsService,
    GuaranteeService,
  ],
})
export class GuaranteeModule {}
