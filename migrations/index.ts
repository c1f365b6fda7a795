import { Foundation1764300000000 } from './1764300000000-foundation.js';
import { Products1764310000000 } from './1764310000000-products.js';
import { ProductRules1764310000001 } from './1764310000001-product-rules.js';
import { Registry1764320000000 } from './1764320000000-registry.js';
import { RegistryLifecycle1764320000001 } from './1764320000001-registry-lifecycle.js';
import { Funds1764330000000 } from './1764330000000-funds.js';
import { FundMembers1764330000001 } from './1764330000001-fund-members.js';
import { Loans1764340000000 } from './1764340000000-loans.js';

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
];
