import { Module } from '@nestjs/common';
import { ProductsController, ProductVersionsController } from './products.controller.js';
import { ProductsService } from './products.service.js';
import { RatesController } from './rates.controller.js';
import { RatesService } from './rates.service.js';
import { ProductsStore } from './store/products.store.js';
import { RatesStore } from './store/rates.store.js';

/** Loan products and benchmark rates. Import it to inject ProductsService / RatesService. */
@Module({
  controllers: [ProductsController, ProductVersionsController, RatesController],
  providers: [ProductsService, RatesService, ProductsStore, RatesStore],
  exports: [ProductsService, RatesService],
})
export class ProductsModule {}
