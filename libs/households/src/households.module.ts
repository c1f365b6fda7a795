import { Module } from '@nestjs/common';
import { EntitiesController } from './entities.controller.js';
import { EntitiesService } from './entities.service.js';
import { GeographyController } from './geography.controller.js';
import { GeographyService } from './geography.service.js';
import { GroupsController } from './groups.controller.js';
import { GroupsService } from './groups.service.js';
import { EntityImportService } from './entity-import.service.js';
import { GroupImportService } from './group-import.service.js';
import { HouseholdImportService } from './household-import.service.js';
import { HouseholdsController } from './households.controller.js';
import { HouseholdsService } from './households.service.js';
import { EntitiesStore } from './store/entities.store.js';
import { GeographyStore } from './store/geography.store.js';
import { GroupsStore } from './store/groups.store.js';
import { HouseholdsStore } from './store/households.store.js';

/** The poverty registry: geography and poverty lines, households, operating entities, joint-liability groups. */
@Module({
  controllers: [GeographyController, HouseholdsController, EntitiesController, GroupsController],
  providers: [GeographyStore, HouseholdsStore, EntitiesStore, GroupsStore, GeographyService, HouseholdsService, HouseholdImportService, GroupImportService, EntityImportService, EntitiesService, GroupsService],
  exports: [GeographyService, HouseholdsService, EntitiesService, GroupsService],
})
export class HouseholdsModule {}
