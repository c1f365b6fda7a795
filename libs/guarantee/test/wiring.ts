import type { DataSource } from 'typeorm';
import { AuditService } from '#libs/audit';
import { AppConfig, type Clock } from '#libs/common';
import { ContributionRegister } from '#libs/funding';
import { LedgerService } from '#libs/ledger';
import { AgreementsService } from '../src/agreements.service.js';
import { BreakerService } from '../src/breaker.service.js';
import { GuaranteeCapacityService } from '../src/guarantee-capacity.service.js';
import { GuaranteeService } from '../src/guarantee.service.js';
import { RiskFundsService } from '../src/risk-funds.service.js';
import { AgreementsStore } from '../src/store/agreements.store.js';
import { BanksStore } from '../src/store/banks.store.js';
import { CoveredLoansStore } from '../src/store/covered-loans.store.js';
import { CoversStore } from '../src/store/covers.store.js';
import { RiskFundsStore } from '../src/store/risk-funds.store.js';

/** The guarantee services wired by hand on a test database (what GuaranteeModule wires in the app). */
export function guaranteeServices(ds: DataSource, clock: Clock) {
  const ledger = new LedgerService(ds);
  const audit = new AuditService(ds);
  const config = new AppConfig();
  const store = {
    funds: new RiskFundsStore(ds),
    agreements: new AgreementsStore(ds),
    covers: new CoversStore(ds),
    loans: new CoveredLoansStore(ds),
    banks: new BanksStore(ds),
  };
  const capacity = new GuaranteeCapacityService(
    ds,
    clock,
    config,
    store.funds,
    store.agreements,
    store.banks,
  );
  const guarantee = new GuaranteeService(
    ledger,
    audit,
    clock,
    config,
    store.funds,
    store.agreements,
    store.covers,
    store.loans,
    capacity,
  );
  const breaker = new BreakerService(ds, audit);
  const funds = new RiskFundsService(
    ds,
    ledger,
    audit,
    guarantee,
    breaker,
    store.funds,
    store.covers,
    new ContributionRegister(),
  );
  const agreements = new AgreementsService(
    ds,
    ledger,
    audit,
    guarantee,
    breaker,
    store.agreements,
    store.banks,
  );
  return { ledger, audit, guarantee, breaker, funds, agreements };
}
