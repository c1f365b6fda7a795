import { Module } from '@nestjs/common';
import { ReconciliationController } from './reconciliation.controller.js';
import { ReconciliationService } from './reconciliation.service.js';
import { ReconciliationStore } from './store/reconciliation.store.js';

/** Bank statement reconciliation (needs the global guarantee module for bank scoping helpers only). */
@Module({
  controllers: [ReconciliationController],
  providers: [ReconciliationStore, ReconciliationService],
  exports: [ReconciliationService],
})
export class ReconciliationModule {}
