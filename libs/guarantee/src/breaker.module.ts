import { Module } from '@nestjs/common';
import { BreakerService } from './breaker.service.js';
import { BreakerStore } from './store/breaker.store.js';

/**
 * The district NPL circuit breaker alone: a provider-only module (no controllers, nothing of the HTTP surface)
 * for callers outside this library that must re-decide breakers, i.e. the close of business (`CobModule`, run by
 * the worker, which does not load `GuaranteeModule` and its controllers). The dependency points from cob to
 * guarantee only (this library never imports cob), so there is no module or import cycle. `GuaranteeModule`
 * imports and re-exports it, so the API has one BreakerService. Needs the DataSource and AuditService, both global.
 */
@Module({ providers: [BreakerStore, BreakerService], exports: [BreakerService] })
export class BreakerModule {}
