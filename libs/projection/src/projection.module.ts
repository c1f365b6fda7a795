import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { QUEUES } from '#libs/common';
import { ProductsModule } from '#libs/products';
import { ProjectionController, ScenariosController } from './projection.controller.js';
import { ProjectionService } from './projection.service.js';

/** Projections: scenarios, runs (enqueued to the worker's projections queue), results, exports and the fan chart. */
@Module({
  imports: [ProductsModule, BullModule.registerQueue({ name: QUEUES.PROJECTIONS })],
  controllers: [ProjectionController, ScenariosController],
  providers: [ProjectionService],
  exports: [ProjectionService],
})
export class ProjectionModule {}
