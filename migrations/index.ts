import { Foundation1764300000000 } from './1764300000000-foundation.js';
import { Products1764310000000 } from './1764310000000-products.js';
import { ProductRules1764310000001 } from './1764310000001-product-rules.js';
import { Registry1764320000000 } from './1764320000000-registry.js';
import { RegistryLifecycle1764320000001 } from './1764320000001-registry-lifecycle.js';
import { Funds1764330000000 } from './1764330000000-funds.js';
import { FundMembers1764330000001 } from './1764330000001-fund-members.js';
import { Loans1764340000000 } from './1764340000000-loans.js';
import { LiabilityCalls1764340000001 } from './1764340000001-liability-calls.js';
import { Origination1764340000002 } from './1764340000002-origination.js';
import { Repayments1764350000000 } from './1764350000000-repayments.js';
import { CobStorage1764350000001 } from './1764350000001-cob-storage.js';
import { Guarantee1764360000000 } from './1764360000000-guarantee.js';
import { CoveredLoans1764360000001 } from './1764360000001-covered-loans.js';
import { Reconciliation1764370000000 } from './1764370000000-reconciliation.js';
import { ReconciliationLines1764370000001 } from './1764370000001-reconciliation-lines.js';
import { Subsidy1764380000000 } from './1764380000000-subsidy.js';
import { Reminders1764390000000 } from './1764390000000-reminders.js';
import { ReportSnapshots1764395000000 } from './1764395000000-report-snapshots.js';
import { AssetIncome1764400000000 } from './1764400000000-asset-income.js';
import { UserTokenVersion1764410000000 } from './1764410000000-user-token-version.js';
import { ReminderOutboxFailedAt1764420000000 } from './1764420000000-reminder-outbox-failed-at.js';
import { CoveredAgeing1764425000000 } from './1764425000000-covered-ageing.js';
import { ProductNplDays1764430000000 } from './1764430000000-product-npl-days.js';
import { BusinessClock1764500000000 } from './1764500000000-business-clock.js';
import { AipFloorRecipients1764510000000 } from './1764510000000-aip-floor-recipients.js';
import { EntityLinkCounting1764510000001 } from './1764510000001-entity-link-counting.js';
import { ProductEarlyRepaymentFee1764520000000 } from './1764520000000-product-early-repayment-fee.js';
import { LateFactsIndex1764530000000 } from './1764530000000-late-facts-index.js';
import { LedgerValueDatedBounds1764540000000 } from './1764540000000-ledger-value-dated-bounds.js';
import { LoansEntityIndex1764560000000 } from './1764560000000-loans-entity-index.js';
import { UserAreaScopes1764570000000 } from './1764570000000-user-area-scopes.js';
import { Projections1764600000000 } from './1764600000000-projections.js';
import { DisclosureSnapshots1764610000000 } from './1764610000000-disclosure-snapshots.js';
import { CoveredBreakerIndexes1764660000000 } from './1764660000000-covered-breaker-indexes.js';
import { CredentialsNotify1764700000000 } from './1764700000000-credentials-notify.js';
import { ReconciliationMatched1764710000000 } from './1764710000000-reconciliation-matched.js';
import { LedgerApplyAtCommit1764720000000 } from './1764720000000-ledger-apply-at-commit.js';

/** Every migration, in order. Add new ones at the end (generated with `npm run migration:generate`). */
export const MIGRATIONS = [
  Foundation1764300000000,
  Products1764310000000,
  ProductRules1764310000001,
  Registry1764320000000,
  RegistryLifecycle1764320000001,
  Funds1764330000000,
  FundMembers1764330000001,
  Loans1764340000000,
  LiabilityCalls1764340000001,
  Origination1764340000002,
  Repayments1764350000000,
  CobStorage1764350000001,
  Guarantee1764360000000,
  CoveredLoans1764360000001,
  Reconciliation1764370000000,
  ReconciliationLines1764370000001,
  Subsidy1764380000000,
  Reminders1764390000000,
  ReportSnapshots1764395000000,
  AssetIncome1764400000000,
  UserTokenVersion1764410000000,
  ReminderOutboxFailedAt1764420000000,
  CoveredAgeing1764425000000,
  ProductNplDays1764430000000,
  BusinessClock1764500000000,
  AipFloorRecipients1764510000000,
  EntityLinkCounting1764510000001,
  ProductEarlyRepaymentFee1764520000000,
  LateFactsIndex1764530000000,
  LedgerValueDatedBounds1764540000000,
  LoansEntityIndex1764560000000,
  UserAreaScopes1764570000000,
  Projections1764600000000,
  DisclosureSnapshots1764610000000,
  CoveredBreakerIndexes1764660000000,
  CredentialsNotify1764700000000,
  ReconciliationMatched1764710000000,
  LedgerApplyAtCommit1764720000000,
];
