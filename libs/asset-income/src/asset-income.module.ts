import { AssetIncomeResultsImportController } from './results-import.controller.js';
import { Module } from '@nestjs/common';
import { AssetIncomeConfig, loadAssetIncomeConfig } from './config.js';
import { AssetIncomeDistributionController } from './distribution.controller.js';
import { AssetIncomeDistributionReadsService } from './distribution.reads.service.js';
import { AssetIncomeDistributionService } from './distribution.service.js';
import { AssetIncomeSettlementService } from './distribution.settlement.service.js';
import { AssetIncomeLiquidationController } from './liquidation.controller.js';
import { AssetIncomeLiquidationService } from './liquidation.service.js';
import { AssetIncomeProjectsController } from './projects.controller.js';
import { AssetIncomeRightsService } from './projects.rights.service.js';
import { AssetIncomeProjectsService } from './projects.service.js';
import { AssetIncomeReportsService } from './reports.service.js';
import { AssetIncomeResultsService } from './results.service.js';
import { DistributionStore } from './store/distribution.store.js';
import { LiquidationStore } from './store/liquidation.store.js';
import { ProjectsStore } from './store/projects.store.js';
import { ReportsStore } from './store/reports.store.js';
import { ResultsStore } from './store/results.store.js';

/** The asset-income scheme (资产收益扶贫). Ledger, audit, config and clock come from the global modules. */
@Module({
  controllers: [AssetIncomeProjectsController, AssetIncomeResultsImportController, AssetIncomeDistributionController, AssetIncomeLiquidationController],
  providers: [
    { provide: AssetIncomeConfig, useFactory: () => loadAssetIncomeConfig() },
    ProjectsStore,
    AssetIncomeRightsService,
    AssetIncomeProjectsService,
    ResultsStore,
    AssetIncomeResultsService,
    DistributionStore,
    AssetIncomeDistributionReadsService,
    AssetIncomeSettlementService,
    AssetIncomeDistributionService,
    LiquidationStore,
    AssetIncomeLiquidationService,
    ReportsStore,
    AssetIncomeReportsService,
  ],
  exports: [AssetIncomeConfig, AssetIncomeProjectsService, AssetIncomeResultsService, AssetIncomeDistributionService, AssetIncomeLiquidationService, AssetIncomeReportsService],
})
export class AssetIncomeModule {}
