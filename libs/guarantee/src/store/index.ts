import { AgreementsStore } from './agreements.store.js';
import { BanksStore } from './banks.store.js';
import { ClaimsStore } from './claims.store.js';
import { CoveredLoansStore } from './covered-loans.store.js';
import { CoversStore } from './covers.store.js';
import { RiskFundsStore } from './risk-funds.store.js';

/** Every store of the library: providers of GuaranteeModule (and of BreakerModule for the ones it reads). */
export const GUARANTEE_STORES = [
  AgreementsStore,
  BanksStore,
  ClaimsStore,
  CoveredLoansStore,
  CoversStore,
  RiskFundsStore,
];
